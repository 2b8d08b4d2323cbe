// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ / get_total_norm /
// clip_grads_with_norm_, on ATen's `_foreach_norm`, `_foreach_mul_` and `_foreach_clamp_*` ops.

/// The norm of the norms of `tensors` (as if they were one vector), as PyTorch's
/// `torch.nn.utils.get_total_norm`.
///
/// - Parameters:
///   - tensors: The tensors, usually gradients.
///   - normType: The order of the norm; `.infinity` for the largest absolute value.
///   - errorIfNonfinite: Throw when the norm is NaN or infinite.
///   - foreach: Use `_foreach_norm` (the default, nil, on CPU and CUDA alike) or one
///     `linalg_vector_norm` per tensor (false).
/// - Returns: A 0-dimensional tensor on the first tensor's device (float32 zero for no tensors).
public func getTotalNorm(
    _ tensors: [Tensor], normType: Double = 2, errorIfNonfinite: Bool = false, foreach: Bool? = nil
) throws(TorchError) -> Tensor {
    try noGrad { () throws(TorchError) -> Tensor in
        guard let first = tensors.first else { return try Tensor.zeros([], dtype: .float32) }
        var norms: [Tensor] = []
        for bucket in bucketsByDeviceAndDType(tensors) {
            let group = tensors.picking(bucket.indices)
            if foreach != false {
                norms += try Tensor._foreachNorm(self: group, ord: normType)
            } else {
                for tensor in group { norms.append(try tensor.linalgVectorNorm(ord: normType)) }
            }
        }
        let device = first.device
        let onFirstDevice = try norms.map { (norm: Tensor) throws(TorchError) -> Tensor in
            norm.device == device ? norm : try norm.to(device)
        }
        let total = try Tensor.stack(onFirstDevice).linalgVectorNorm(ord: normType)
        if errorIfNonfinite {
            let nonfinite = try total.isnan().logicalOr(total.isinf()).item(Bool.self)
            if nonfinite {
                throw TorchError("The total norm of order \(normType) for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`")
            }
        }
        return total
    }
}

/// Scales the gradients of `parameters` by `maxNorm / (totalNorm + 1e-6)` when that is below one, as
/// PyTorch's `torch.nn.utils.clip_grads_with_norm_`.
public func clipGradsWithNorm_(
    _ parameters: [Tensor], maxNorm: Double, totalNorm: Tensor, foreach: Bool? = nil
) throws(TorchError) {
    try noGrad { () throws(TorchError) in
        let grads = parameters.compactMap(\.grad)
        guard !grads.isEmpty else { return }
        // Python's `max_norm / (total_norm + 1e-6)` is `reciprocal() * max_norm` (Tensor.__rtruediv__).
        let clipCoefficient = try (totalNorm + 1e-6).reciprocal().mul(maxNorm).clamp(max: 1.0)
        for bucket in bucketsByDeviceAndDType(grads) {
            let group = grads.picking(bucket.indices)
            let coefficient = clipCoefficient.device == bucket.key.device ? clipCoefficient : try clipCoefficient.to(bucket.key.device)
            if foreach != false {
                try Tensor._foreachMul_(self: group, other: coefficient)
            } else {
                for grad in group { _ = try grad.mul_(coefficient) }
            }
        }
    }
}

/// Rescales the gradients of `parameters` so that their total norm is at most `maxNorm`, as
/// PyTorch's `torch.nn.utils.clip_grad_norm_`; returns the total norm before clipping.
///
/// ```swift
/// try loss.backward()
/// let norm = try clipGradNorm_(model.parameters(), maxNorm: 1.0)
/// try optimizer.step()
/// ```
///
/// - Parameters:
///   - parameters: The parameters whose gradients are clipped (those without one are skipped).
///   - maxNorm: The largest total norm allowed.
///   - normType: The order of the norm; `.infinity` for the largest absolute value.
///   - errorIfNonfinite: Throw when the total norm is NaN or infinite (the gradients are left as
///     they are then).
///   - foreach: Use the `_foreach_norm` / `_foreach_mul_` kernels (the default, nil) or one op per
///     tensor (false).
/// - Returns: The total norm of the gradients (as one vector), a 0-dimensional tensor; it stays on
///   the device, so reading it is the caller's choice.
@discardableResult
public func clipGradNorm_(
    _ parameters: [Tensor], maxNorm: Double, normType: Double = 2, errorIfNonfinite: Bool = false, foreach: Bool? = nil
) throws(TorchError) -> Tensor {
    let grads = parameters.compactMap(\.grad)
    let total = try getTotalNorm(grads, normType: normType, errorIfNonfinite: errorIfNonfinite, foreach: foreach)
    try clipGradsWithNorm_(parameters, maxNorm: maxNorm, totalNorm: total, foreach: foreach)
    return total
}

/// Clamps every gradient element of `parameters` into `[-clipValue, clipValue]`, as PyTorch's
/// `torch.nn.utils.clip_grad_value_`.
public func clipGradValue_(_ parameters: [Tensor], clipValue: Double, foreach: Bool? = nil) throws(TorchError) {
    try noGrad { () throws(TorchError) in
        let grads = parameters.compactMap(\.grad)
        for bucket in bucketsByDeviceAndDType(grads) {
            let group = grads.picking(bucket.indices)
            if foreach != false {
                try Tensor._foreachClampMin_(self: group, scalar: -clipValue)
                try Tensor._foreachClampMax_(self: group, scalar: clipValue)
            } else {
                for grad in group { _ = try grad.clamp_(min: .double(-clipValue), max: .double(clipValue)) }
            }
        }
    }
}
