/// An ordered map from dotted names to tensors: PyTorch's `state_dict()`.
///
/// Order is preserved (a module's own parameters, then its buffers, then its submodules), as in
/// PyTorch, so saved files list keys in the same order as Python's.
///
/// ```swift
/// let state = model.stateDict()
/// for (key, tensor) in state { print(key, tensor.shape) }
/// ```
public struct StateDict: Sequence {
    public private(set) var keys: [String] = []
    private var values: [String: Tensor] = [:]

    public init() {}

    /// A state dict from key–tensor pairs, in their order; a repeated key keeps the last tensor.
    public init(_ pairs: [(String, Tensor)]) {
        for (key, tensor) in pairs { self[key] = tensor }
    }

    /// The tensor for `key`; assigning nil removes the key.
    public subscript(key: String) -> Tensor? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func makeIterator() -> AnyIterator<(key: String, value: Tensor)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], values[keys[index]]!)
        }
    }

    /// The entries whose keys start with `prefix + "."`, with that prefix removed.
    public func subtree(_ prefix: String) -> StateDict {
        let start = prefix + "."
        return StateDict(compactMap { $0.key.hasPrefix(start) ? (String($0.key.dropFirst(start.count)), $0.value) : nil })
    }
}
