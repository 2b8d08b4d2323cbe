// Optimizer and scheduler state in `.pt` files: `StateValue` and `PickleValue` hold the same Python
// objects, so the conversion is one-to-one. (Both exist because they were written side by side; a
// later change can make `StateValue` an alias of `PickleValue`.)

extension StateValue {
    /// The same value as a `.pt` value.
    public var pickleValue: PickleValue {
        switch self {
        case .none: .none
        case .bool(let v): .bool(v)
        case .int(let v): .int(v)
        case .double(let v): .double(v)
        case .string(let v): .string(v)
        case .tensor(let v): .tensor(v)
        case .list(let v): .list(v.map(\.pickleValue))
        case .tuple(let v): .tuple(v.map(\.pickleValue))
        case .dict(let map): .dict(map.map { (key: $0.key.pickleValue, value: $0.value.pickleValue) })
        }
    }

    /// A state value from a `.pt` value; dictionary keys other than ints and strings are written
    /// as strings.
    public init(_ value: PickleValue) {
        switch value {
        case .none: self = .none
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(v)
        case .double(let v): self = .double(v)
        case .string(let v): self = .string(v)
        case .bytes(let v): self = .list(v.map { .int(Int($0)) })
        case .tensor(let v): self = .tensor(v)
        case .list(let v): self = .list(v.map(StateValue.init))
        case .tuple(let v): self = .tuple(v.map(StateValue.init))
        case .dict(let entries):
            self = .dict(StateMap(entries.map { entry -> (StateKey, StateValue) in
                let key: StateKey = entry.key.intValue.map { .int($0) } ?? .string(entry.key.stringValue ?? "\(entry.key)")
                return (key, StateValue(entry.value))
            }))
        }
    }
}

extension StateMap {
    public var pickleValue: PickleValue { StateValue.dict(self).pickleValue }
}

extension StateKey {
    var pickleValue: PickleValue {
        switch self {
        case .int(let v): .int(v)
        case .string(let v): .string(v)
        }
    }
}
