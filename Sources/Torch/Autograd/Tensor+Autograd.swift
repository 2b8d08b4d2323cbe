import CTorch

// Autograd on a tensor: requiresGrad, grad, backward, detach-free graph queries.

extension Tensor {
    /// Whether autograd records operations on this tensor (PyTorch's `requires_grad`).
    ///
    /// Setting it on a non-leaf tensor, or on an integer tensor, is an error in libtorch; use
    /// ``setRequiresGrad(_:)`` to handle that as a thrown error.
    public var requiresGrad: Bool {
        get { ts_tensor_requires_grad(handle) }
    }

    /// Sets `requiresGrad` (PyTorch's `requires_grad_()`); returns `self` for chaining.
    ///
    /// ```swift
    /// let w = try Tensor.randn([3, 3]).setRequiresGrad()
    /// ```
    @discardableResult
    public func setRequiresGrad(_ requiresGrad: Bool = true) throws(TorchError) -> Tensor {
        try check(ts_tensor_set_requires_grad(handle, requiresGrad))
        return self
    }

    /// The gradient accumulated by ``backward(gradient:retainGraph:createGraph:)``, or nil.
    public var grad: Tensor? {
        (try? Tensor.makeOptional { ts_tensor_grad(handle, $0) }) ?? nil
    }

    /// Replaces (or, with nil, clears) the accumulated gradient.
    public func setGrad(_ gradient: Tensor?) throws(TorchError) {
        try check(withExtendedLifetime(gradient) { ts_tensor_set_grad(handle, gradient?.handle) })
    }

    /// True for tensors that autograd did not compute (user-created, or with `requiresGrad` false).
    public var isLeaf: Bool { ts_tensor_is_leaf(handle) }

    /// The name of the autograd node that produced this tensor (`"AddBackward0"`), or nil for leaves.
    public var gradFunctionName: String? {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = ts_tensor_grad_fn_name(handle, &buffer, Int64(buffer.count))
        guard length > 0 else { return nil }
        if length >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = ts_tensor_grad_fn_name(handle, &buffer, Int64(buffer.count))
        }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Keeps `grad` for this non-leaf tensor after backward (PyTorch's `retain_grad()`).
    public func retainGrad() throws(TorchError) {
        try check(ts_tensor_retain_grad(handle))
    }

    /// Computes the gradient of this tensor with respect to the graph leaves and accumulates it
    /// into their ``grad``.
    ///
    /// - Parameters:
    ///   - gradient: The gradient of some final value with respect to this tensor; required unless
    ///     this tensor has one element.
    ///   - retainGraph: Keep the graph for another backward; defaults to `createGraph`.
    ///   - createGraph: Record the backward pass itself, for higher-order derivatives.
    ///
    /// ```swift
    /// let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
    /// try x.pow(2).sum().backward()
    /// print(try x.grad!.toArray(of: Float.self))  // [2.0, 4.0, 6.0]
    /// ```
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) throws(TorchError) {
        let retain: Int32 = retainGraph.map { $0 ? 1 : 0 } ?? -1
        try check(withExtendedLifetime(gradient) { ts_tensor_backward(handle, gradient?.handle, retain, createGraph) })
    }
}

/// Functions of the autograd engine that work on several tensors at once.
public enum Autograd {
    /// The gradients of `outputs` with respect to `inputs`, as PyTorch's `torch.autograd.grad`.
    ///
    /// Unlike ``Tensor/backward(gradient:retainGraph:createGraph:)`` nothing is accumulated into
    /// `grad`. With `createGraph: true` the results are differentiable again (higher order).
    ///
    /// ```swift
    /// let x = try Tensor(scalar: 3.0).setRequiresGrad()
    /// let y = try x.pow(3)
    /// let dy = try Autograd.grad(outputs: [y], inputs: [x], createGraph: true)[0]!   // 27
    /// let d2y = try Autograd.grad(outputs: [dy], inputs: [x])[0]!                     // 18
    /// ```
    ///
    /// - Returns: One gradient per input; nil for an input that the outputs do not depend on
    ///   (only with `allowUnused: true`, otherwise that is an error).
    public static func grad(
        outputs: [Tensor],
        inputs: [Tensor],
        gradOutputs: [Tensor?]? = nil,
        retainGraph: Bool? = nil,
        createGraph: Bool = false,
        allowUnused: Bool = false
    ) throws(TorchError) -> [Tensor?] {
        if let gradOutputs, gradOutputs.count != outputs.count {
            throw TorchError("grad: got \(gradOutputs.count) gradOutputs for \(outputs.count) outputs; pass one per output")
        }
        let retain: Int32 = retainGraph.map { $0 ? 1 : 0 } ?? -1
        var results = [OpaquePointer?](repeating: nil, count: inputs.count)
        let error: OpaquePointer? = try outputs.withHandles { (outs, nOuts) throws(TorchError) in
            try inputs.withHandles { (ins, nIns) throws(TorchError) in
                try (gradOutputs ?? []).withHandles { (grads, _) throws(TorchError) in
                    results.withUnsafeMutableBufferPointer { buffer in
                        ts_autograd_grad(outs, nOuts, ins, nIns, gradOutputs == nil ? nil : grads, retain, createGraph, allowUnused, buffer.baseAddress)
                    }
                }
            }
        }
        try check(error)
        return results.map { $0.map { Tensor(owning: $0) } }
    }
}
