import CTorch

// Moving a module between devices and dtypes, freezing, and clearing gradients.

extension Module {
    /// Moves every parameter and buffer to `device` and casts floating-point ones to `dtype`, in
    /// place, as PyTorch's `module.to(...)`. Tensor identities are kept, so an optimizer built
    /// before the move still holds the right tensors.
    ///
    /// ```swift
    /// try model.to(.cuda(0))
    /// try model.to(dtype: .bfloat16)
    /// ```
    @discardableResult
    public func to(_ device: Device? = nil, dtype: DType? = nil) throws(TorchError) -> Self {
        for tensor in parameters() + buffers() {
            let castType = (dtype != nil && tensor.isFloatingPoint) ? dtype : nil
            try Module.move(tensor, device: device, dtype: castType)
            if let grad = tensor.grad {
                let moved = try grad.to(device, dtype: castType)
                try tensor.setGrad(moved)
            }
        }
        return self
    }

    private static func move(_ tensor: Tensor, device: Device?, dtype: DType?) throws(TorchError) {
        let moved = try tensor.to(device, dtype: dtype)
        if !moved.isSame(as: tensor) {
            try check(ts_tensor_set_data(tensor.handle, moved.handle))
        }
    }

    /// Stops gradients for every parameter (PyTorch's `requires_grad_(False)`), for fine-tuning
    /// only part of a model.
    public func freeze() throws(TorchError) {
        for parameter in parameters() { try parameter.setRequiresGrad(false) }
    }

    /// Turns gradients back on for every parameter.
    public func unfreeze() throws(TorchError) {
        for parameter in parameters() { try parameter.setRequiresGrad(true) }
    }

    /// Clears the gradients of every parameter; with `setToNone: false`, zeroes them instead.
    public func zeroGrad(setToNone: Bool = true) throws(TorchError) {
        for parameter in parameters() {
            guard let grad = parameter.grad else { continue }
            if setToNone {
                try parameter.setGrad(nil)
            } else {
                try check(ts_tensor_copy_(grad.handle, try Tensor(scalar: Float(0)).to(dtype: grad.dtype).handle, false))
            }
        }
    }
}
