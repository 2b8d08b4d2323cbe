import Foundation

/// A value stored in PyTorch's file format (`torch.save` / `torch.load`): a tree of tensors, numbers,
/// strings and containers, as Python pickles it.
///
/// Dictionaries keep their order (a Python `dict` or `OrderedDict`), and their keys can be any value
/// (strings in a `state_dict`, integers in an optimizer's `state`).
///
/// ```swift
/// let checkpoint: PickleValue = [
///     "epoch": 3,
///     "state_dict": .dict([("weight", .tensor(w)), ("bias", .tensor(b))]),
///     "lr_schedulers": [],
/// ]
/// try TorchSerialization.save(checkpoint, to: url)
/// let loaded = try TorchSerialization.load(contentsOf: url)
/// let epoch = loaded["epoch"]?.intValue  // 3
/// ```
public enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// Python `bytes`.
    case bytes([UInt8])
    case tensor(Tensor)
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dictionary in insertion order.
    case dict([(key: PickleValue, value: PickleValue)])
}

// MARK: - Building values

extension PickleValue {
    /// A dictionary from `(key, value)` pairs, in this order.
    public static func dict(_ pairs: [(String, PickleValue)]) -> PickleValue {
        .dict(pairs.map { (key: PickleValue.string($0.0), value: $0.1) })
    }

    /// A dictionary of tensors keyed by name, in sorted name order (as a `state_dict` is usually
    /// stored).
    public init(tensors: [String: Tensor]) {
        self = .dict(tensors.keys.sorted().map { (key: .string($0), value: .tensor(tensors[$0]!)) })
    }
}

extension PickleValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .none }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: PickleValue...) { self = .list(elements) }
    /// A dictionary literal keeps its order.
    public init(dictionaryLiteral elements: (PickleValue, PickleValue)...) {
        self = .dict(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: - Reading values

extension PickleValue {
    /// True for Python's `None`.
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// The value of a `bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value of an `int`.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value of a `float`, or of an `int` converted to Double.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }

    /// The value of a `str`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of a `bytes`.
    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The tensor.
    public var tensorValue: Tensor? {
        if case .tensor(let value) = self { return value }
        return nil
    }

    /// The elements of a list or a tuple.
    public var arrayValue: [PickleValue]? {
        switch self {
        case .list(let elements), .tuple(let elements): elements
        default: nil
        }
    }

    /// The entries of a dictionary, in order.
    public var dictValue: [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let entries) = self { return entries }
        return nil
    }

    /// The value stored under a string key of a dictionary.
    public subscript(key: String) -> PickleValue? {
        dictValue?.first { $0.key.stringValue == key }?.value
    }

    /// The value stored under an integer key of a dictionary (an optimizer's `state` uses these).
    public subscript(intKey key: Int) -> PickleValue? {
        dictValue?.first { $0.key.intValue == key }?.value
    }

    /// A dictionary of tensors with string keys (a `state_dict`) as a Swift dictionary; nil when this
    /// is not a dictionary or holds anything other than string-keyed tensors.
    public var tensorDictionary: [String: Tensor]? {
        guard let entries = dictValue else { return nil }
        var result: [String: Tensor] = [:]
        for (key, value) in entries {
            guard let name = key.stringValue, let tensor = value.tensorValue else { return nil }
            result[name] = tensor
        }
        return result
    }
}

// MARK: - Printing

extension PickleValue: CustomStringConvertible {
    /// Python-like text: `{'epoch': 3, 'weight': tensor(shape=[2, 3], dtype=torch.float32)}`.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "'" + value.replacingOccurrences(of: "'", with: "\\'") + "'"
        case .bytes(let value): return "b<\(value.count) bytes>"
        case .tensor(let tensor): return "tensor(shape=\(tensor.shape), dtype=\(tensor.dtype))"
        case .list(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let elements):
            return "(" + elements.map(\.description).joined(separator: ", ") + (elements.count == 1 ? ",)" : ")")
        case .dict(let entries):
            return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
