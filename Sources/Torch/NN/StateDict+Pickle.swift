// State dicts in `.pt` files: a dictionary from names to tensors, in the state dict's order.

extension StateDict {
    /// The state dict as a `.pt` dictionary of tensors (keys in order).
    public var pickleValue: PickleValue { .dict(map { (key: .string($0.key), value: .tensor($0.value)) }) }

    /// A state dict from a `.pt` dictionary with string keys and tensor values (a Python
    /// `state_dict()`, dict or OrderedDict).
    public init(_ value: PickleValue) throws(TorchError) {
        guard let entries = value.dictValue else { throw TorchError("a state dict must be a dictionary of tensors") }
        self.init()
        for (key, entry) in entries {
            guard let name = key.stringValue, let tensor = entry.tensorValue else {
                throw TorchError("a state dict must map names to tensors; the entry \(key) does not")
            }
            self[name] = tensor
        }
    }
}
