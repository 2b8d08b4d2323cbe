import CTorch

// Saving and loading a module's state: PyTorch's state_dict() and load_state_dict().

/// What ``Module/loadStateDict(_:strict:)`` found when not strict.
public struct LoadStateDictResult: Equatable, Sendable {
    /// Keys the module has but the state dict lacks.
    public var missingKeys: [String]
    /// Keys the state dict has but the module lacks.
    public var unexpectedKeys: [String]
}

extension Module {
    /// The parameters and persistent buffers, by dotted name, as PyTorch's `state_dict()`.
    ///
    /// The tensors are the module's own (not copies): save them, or copy them before changing them.
    public func stateDict() -> StateDict {
        var state = StateDict()
        func visit(_ module: Module, _ prefix: String) {
            let contents = module.contents()
            for (key, tensor) in contents.parameters { if let tensor { state[prefix + key] = tensor } }
            for (key, tensor, persistent) in contents.buffers where persistent { if let tensor { state[prefix + key] = tensor } }
            for (key, child) in contents.children { visit(child, prefix + key + ".") }
        }
        visit(self, "")
        return state
    }

    /// Copies the tensors of `state` into this module's parameters and buffers, as PyTorch's
    /// `load_state_dict`.
    ///
    /// Values are copied (with dtype and device conversion) without recording gradients.
    /// With `strict` (the default) a missing or unexpected key is an error; a shape mismatch is
    /// always an error. All problems are listed in one error, and nothing is changed then.
    ///
    /// ```swift
    /// try model.loadStateDict(try SafeTensors.load(contentsOf: url))
    /// ```
    @discardableResult
    public func loadStateDict(_ state: StateDict, strict: Bool = true) throws(TorchError) -> LoadStateDictResult {
        let own = stateDict()
        let missing = own.keys.filter { state[$0] == nil }
        let unexpected = state.keys.filter { own[$0] == nil }
        var problems: [String] = []
        for (key, target) in own {
            guard let source = state[key] else { continue }
            if source.shape != target.shape {
                problems.append("size mismatch for \(key): copying a param with shape \(source.shape) from the state dict, the shape in the current model is \(target.shape).")
            }
        }
        if strict {
            if !missing.isEmpty { problems.insert("Missing key(s) in state_dict: \(missing.map { "\"\($0)\"" }.joined(separator: ", ")).", at: 0) }
            if !unexpected.isEmpty { problems.insert("Unexpected key(s) in state_dict: \(unexpected.map { "\"\($0)\"" }.joined(separator: ", ")).", at: missing.isEmpty ? 0 : 1) }
        }
        if !problems.isEmpty {
            throw TorchError("Error(s) in loading state_dict for \(typeName):\n\t" + problems.joined(separator: "\n\t"))
        }
        try noGrad { () throws(TorchError) in
            for (key, target) in own {
                guard let source = state[key] else { continue }
                try check(ts_tensor_copy_(target.handle, source.handle, false))
            }
        }
        return LoadStateDictResult(missingKeys: missing, unexpectedKeys: unexpected)
    }
}
