// The values that optimizers and learning-rate schedulers export and import: the Swift image of the
// Python objects in PyTorch's `optimizer.state_dict()` and `scheduler.state_dict()`.
//
// The cases are the ones a pickled state dict holds (None, bool, int, float, str, Tensor, list,
// tuple, dict), so converting to and from the `.pt` reader/writer's value type is a one-to-one
// mapping (see `OptimizerState` for the layout).

/// A key in exported state: parameter indices are integers, option names are strings.
public enum StateKey: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case int(Int)
    case string(String)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): "'\(value)'"
        }
    }
}

/// One value of an optimizer's or scheduler's exported state, as Python holds it in `state_dict()`.
///
/// ```swift
/// let group: StateMap = ["lr": 0.001, "betas": .tuple([0.9, 0.999]), "amsgrad": false, "foreach": nil]
/// ```
public indirect enum StateValue: CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case tensor(Tensor)
    case list([StateValue])
    case tuple([StateValue])
    case dict(StateMap)

    /// The number, for `.double` and `.int`.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }

    /// The integer, for `.int` and for a `.double` holding a whole number.
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e18: Int(value)
        default: nil
        }
    }

    /// The flag, for `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The flag for an optional flag (`foreach`, `fused`): `.none` is nil, `.bool` its value.
    public var optionalBoolValue: Bool?? {
        switch self {
        case .none: .some(nil)
        case .bool(let value): .some(value)
        default: nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var tensorValue: Tensor? {
        if case .tensor(let value) = self { return value }
        return nil
    }

    /// The elements of a `.list` or a `.tuple`.
    public var arrayValue: [StateValue]? {
        switch self {
        case .list(let values), .tuple(let values): values
        default: nil
        }
    }

    public var dictValue: StateMap? {
        if case .dict(let value) = self { return value }
        return nil
    }

    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// Python's repr of the value (tensors are shown by shape and dtype).
    public var description: String {
        switch self {
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .int(let value): String(value)
        case .double(let value):
            value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(value)
        case .string(let value): "'\(value)'"
        case .tensor(let tensor): "tensor(shape: \(tensor.shape), dtype: \(tensor.dtype), device: \(tensor.device))"
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let values):
            "(" + values.map(\.description).joined(separator: ", ") + (values.count == 1 ? ",)" : ")")
        case .dict(let map): map.description
        }
    }
}

extension StateValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .none }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: StateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (StateKey, StateValue)...) { self = .dict(StateMap(elements)) }
}

extension StateValue {
    /// An optional flag: nil becomes `.none` (PyTorch's `foreach=None`).
    public init(_ flag: Bool?) { self = flag.map { .bool($0) } ?? .none }

    /// A list of numbers.
    public init(_ numbers: [Double]) { self = .list(numbers.map { .double($0) }) }

    /// The numbers of a list or tuple of numbers.
    public var doublesValue: [Double]? {
        guard let values = arrayValue else { return nil }
        var result: [Double] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let number = value.doubleValue else { return nil }
            result.append(number)
        }
        return result
    }
}

/// An ordered dictionary of state values (Python dicts keep insertion order, and so does this).
///
/// ```swift
/// var group: StateMap = ["lr": 0.1, "momentum": 0.9]
/// group["nesterov"] = true
/// print(group)  // {'lr': 0.1, 'momentum': 0.9, 'nesterov': True}
/// ```
public struct StateMap: Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var keys: [StateKey] = []
    private var storage: [StateKey: StateValue] = [:]

    public init() {}

    /// A map from key–value pairs, in their order; a repeated key keeps the last value.
    public init(_ pairs: some Sequence<(StateKey, StateValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (StateKey, StateValue)...) { self.init(elements) }

    /// The value for `key`; assigning nil removes the key (assign `.none` to store Python's None).
    public subscript(key: StateKey) -> StateValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The value for a string key.
    public subscript(name: String) -> StateValue? {
        get { storage[.string(name)] }
        set { self[.string(name)] = newValue }
    }

    /// The value for an integer key.
    public subscript(index: Int) -> StateValue? {
        get { storage[.int(index)] }
        set { self[.int(index)] = newValue }
    }

    /// Stores `value` under `key` unless the key is present (Python's `dict.setdefault`).
    public mutating func setDefault(_ key: StateKey, _ value: StateValue) {
        if storage[key] == nil { self[key] = value }
    }

    public func contains(_ key: StateKey) -> Bool { storage[key] != nil }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The values, in key order.
    public var values: [StateValue] { keys.map { storage[$0]! } }

    public func makeIterator() -> AnyIterator<(key: StateKey, value: StateValue)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], storage[keys[index]]!)
        }
    }

    public var description: String {
        "{" + map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
}
