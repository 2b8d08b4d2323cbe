/// A value in a PyTorch `.pt` file (what `torch.save` writes and `torch.load(weights_only=True)`
/// reads): numbers, strings, tensors, and lists, tuples and dictionaries of them.
///
/// Dictionaries keep their order (Python's dicts and OrderedDicts do), so a state dict round-trips
/// with its keys in place.
///
/// ```swift
/// let checkpoint: PickleValue = .dict([
///     ("epoch", 3), ("state_dict", .dict(model.stateDict().map { (.string($0.key), .tensor($0.value)) })),
/// ])
/// ```
public enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case tensor(Tensor)
    case list([PickleValue])
    case tuple([PickleValue])
    case dict([(key: PickleValue, value: PickleValue)])

    /// The entry for a string key of a dictionary.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { if case .string(key) = $0.key { true } else { false } }?.value
    }

    /// The entry for an integer key of a dictionary.
    public subscript(key: Int) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { if case .int(key) = $0.key { true } else { false } }?.value
    }

    public var intValue: Int? { if case .int(let v) = self { v } else if case .bool(let b) = self { b ? 1 : 0 } else { nil } }
    public var doubleValue: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var tensorValue: Tensor? { if case .tensor(let v) = self { v } else { nil } }
    /// The elements of a list or tuple.
    public var arrayValue: [PickleValue]? {
        switch self {
        case .list(let v), .tuple(let v): v
        default: nil
        }
    }
    /// The entries of a dictionary, in order.
    public var dictEntries: [(key: PickleValue, value: PickleValue)]? { if case .dict(let v) = self { v } else { nil } }
    public var isNone: Bool { if case .none = self { true } else { false } }
}

extension PickleValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .none }
    public init(arrayLiteral elements: PickleValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, PickleValue)...) {
        self = .dict(elements.map { (.string($0.0), $0.1) })
    }
}

extension StateDict {
    /// The state dict as a `.pt` dictionary of tensors.
    public var pickleValue: PickleValue { .dict(map { (.string($0.key), .tensor($0.value)) }) }

    /// A state dict from a `.pt` dictionary (string keys, tensor values).
    public init(_ value: PickleValue) throws(TorchError) {
        guard let entries = value.dictEntries else { throw TorchError("a state dict must be a dictionary of tensors") }
        self.init()
        for (key, entry) in entries {
            guard let name = key.stringValue, let tensor = entry.tensorValue else {
                throw TorchError("a state dict must map names to tensors; found an entry \(key) that does not")
            }
            self[name] = tensor
        }
    }
}
