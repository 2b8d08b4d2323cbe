/// A value on the unpickler's stack: a finished value, a container still being filled, or an object
/// that only has meaning to other opcodes (a class name, a storage). Lists and dictionaries are
/// reference boxes because pickle fills them after memoizing them, and a memo reference must see the
/// filled container.
indirect enum PickleNode {
    case value(PickleValue)
    case list(ListBox)
    case tuple([PickleNode])
    case dict(DictBox)
    /// A class or function named by GLOBAL or STACK_GLOBAL.
    case global(module: String, name: String)
    /// A tensor storage loaded through a persistent id (a 1-D tensor over the storage's elements).
    case storage(Tensor)

    final class ListBox {
        var items: [PickleNode]
        init(_ items: [PickleNode] = []) { self.items = items }
    }

    final class DictBox {
        private(set) var keys: [PickleNode] = []
        private(set) var values: [PickleNode] = []
        private var index: [HashableKey: Int] = [:]

        func removeAll() {
            keys = []
            values = []
            index = [:]
        }

        /// Sets `key` to `value`, replacing an equal key's value in place as a Python dict does.
        func set(_ key: PickleNode, _ value: PickleNode) {
            if let hashable = HashableKey(key) {
                if let existing = index[hashable] {
                    values[existing] = value
                    return
                }
                index[hashable] = keys.count
            }
            keys.append(key)
            values.append(value)
        }
    }

    /// The keys that dictionaries can look up by value (others are kept in order, never merged).
    enum HashableKey: Hashable {
        case none, bool(Bool), int(Int), double(Double), string(String), bytes([UInt8])

        init?(_ node: PickleNode) {
            guard case .value(let value) = node else { return nil }
            switch value {
            case .none: self = .none
            case .bool(let v): self = .bool(v)
            case .int(let v): self = .int(v)
            case .double(let v): self = .double(v)
            case .string(let v): self = .string(v)
            case .bytes(let v): self = .bytes(v)
            default: return nil
            }
        }
    }

    /// The finished value. `depth` guards against self-referencing containers.
    /// `budget` is the number of values still allowed, so memo references that double at every level
    /// fail instead of expanding to 2^60 values.
    func resolve(depth: Int = 0, name: String, budget: inout Int) throws(TorchError) -> PickleValue {
        guard depth < 1000 else {
            throw TorchError.format(name, "the pickle nests containers more than 1000 deep, or a container holds itself; this cannot be loaded")
        }
        budget -= 1
        guard budget >= 0 else {
            throw TorchError.format(name, "the pickle repeats shared objects so often that it would expand to more values than Torch loads; it is corrupt or hostile")
        }
        switch self {
        case .value(let value):
            return value
        case .list(let box):
            var items: [PickleValue] = []
            items.reserveCapacity(box.items.count)
            for item in box.items { items.append(try item.resolve(depth: depth + 1, name: name, budget: &budget)) }
            return .list(items)
        case .tuple(let items):
            var values: [PickleValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try item.resolve(depth: depth + 1, name: name, budget: &budget)) }
            return .tuple(values)
        case .dict(let box):
            var entries: [(key: PickleValue, value: PickleValue)] = []
            entries.reserveCapacity(box.keys.count)
            for (key, value) in zip(box.keys, box.values) {
                entries.append((try key.resolve(depth: depth + 1, name: name, budget: &budget), try value.resolve(depth: depth + 1, name: name, budget: &budget)))
            }
            return .dict(entries)
        case .storage(let tensor):
            return .tensor(tensor)
        case .global(let module, let attribute):
            // A torch.dtype is pickled as the global `torch.float32`; keep its name.
            if module == "torch", DType.allCases.contains(where: { $0.torchAttributeName == attribute }) {
                return .string("torch." + attribute)
            }
            throw TorchError.format(name, "the pickle holds the Python object \(module).\(attribute), which Torch cannot represent")
        }
    }
}
