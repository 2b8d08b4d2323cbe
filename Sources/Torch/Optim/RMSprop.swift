// RMSprop (smoothing constant, eps, weight decay, momentum, centered) on ATen's `_foreach_*` ops.

/// RMSprop, as PyTorch's `torch.optim.RMSprop`.
///
/// v ← αv + (1 − α)g²; with `centered`, ḡ ← αḡ + (1 − α)g and the denominator is √(v − ḡ²) + ε,
/// else √v + ε; with momentum μ, b ← μb + g / denominator and θ ← θ − lr·b, else
/// θ ← θ − lr·g / denominator.
///
/// **Kernels.** ATen has no fused RMSprop kernel, so every group runs PyTorch's `foreach=True`
/// algorithm on the `_foreach_*` ops (one multi-tensor op per stage per device and dtype).
///
/// ```swift
/// let optimizer = try RMSprop(model.parameters(), lr: 1e-3, momentum: 0.9, centered: true)
/// ```
///
/// State per parameter: `step` (float32 CPU scalar), `square_avg`, `momentum_buffer` (momentum > 0),
/// `grad_avg` (centered).
public final class RMSprop: Optimizer {
    /// An optimizer of `params` (one group).
    public convenience init(
        _ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
        momentum: Double = 0, centered: Bool = false, maximize: Bool = false, foreach: Bool? = nil
    ) throws(TorchError) {
        try self.init(Optimizer.singleGroup(params), lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                      momentum: momentum, centered: centered, maximize: maximize, foreach: foreach)
    }

    /// An optimizer of several groups; the arguments are the defaults of groups that lack them.
    public init(
        _ groups: [ParamGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
        momentum: Double = 0, centered: Bool = false, maximize: Bool = false, foreach: Bool? = nil
    ) throws(TorchError) {
        let defaults: StateMap = [
            "lr": .double(lr), "momentum": .double(momentum), "alpha": .double(alpha), "eps": .double(eps),
            "centered": .bool(centered), "weight_decay": .double(weightDecay), "capturable": false,
            "foreach": StateValue(foreach), "maximize": .bool(maximize), "differentiable": false,
        ]
        try super.init(groups, defaults: defaults)
    }

    public override func validate(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), eps = try group.double("eps"), momentum = try group.double("momentum")
        let weightDecay = try group.double("weight_decay"), alpha = try group.double("alpha")
        if !(lr >= 0) { throw TorchError("Invalid learning rate: \(lr)") }
        if !(eps >= 0) { throw TorchError("Invalid epsilon value: \(eps)") }
        if !(momentum >= 0) { throw TorchError("Invalid momentum value: \(momentum)") }
        if !(weightDecay >= 0) { throw TorchError("Invalid weight_decay value: \(weightDecay)") }
        if !(alpha >= 0) { throw TorchError("Invalid alpha value: \(alpha)") }
    }

    public override func step() throws(TorchError) {
        try noGrad { () throws(TorchError) in
            for group in paramGroups { try step(group) }
        }
    }

    private func step(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), alpha = try group.double("alpha"), eps = try group.double("eps")
        let weightDecay = try group.double("weight_decay"), momentum = try group.double("momentum")
        let centered = try group.bool("centered"), maximize = try group.bool("maximize")
        if try group.optionalBool("fused") == true { throw TorchError("RMSprop has no fused implementation; use foreach") }
        try checkNoGradScaling(.foreach)

        var params: [Tensor] = [], grads: [Tensor] = []
        var squareAvgs: [Tensor] = [], gradAvgs: [Tensor] = [], buffers: [Tensor] = [], steps: [Tensor] = []
        let stepOnDevice = group["capturable"]?.boolValue == true
        for parameter in group.params {
            guard let grad = parameter.grad else { continue }
            params.append(parameter)
            grads.append(grad)
            var entries = state(for: parameter) ?? StateMap()
            var changed = false
            func buffer(_ key: String) throws(TorchError) -> Tensor {
                if let tensor = entries[key]?.tensorValue { return tensor }
                let tensor = try parameter.zerosLike()
                entries[key] = .tensor(tensor)
                changed = true
                return tensor
            }
            steps.append(try stepTensor(&entries, for: parameter, onDevice: stepOnDevice, changed: &changed))
            squareAvgs.append(try buffer("square_avg"))
            if momentum > 0 { buffers.append(try buffer("momentum_buffer")) }
            if centered { gradAvgs.append(try buffer("grad_avg")) }
            if changed { setState(entries, for: parameter) }
        }
        guard !params.isEmpty else { return }

        // PyTorch's `_multi_tensor_rmsprop` (capturable=False).
        for bucket in bucketsByDeviceAndDType(params) {
            let idx = bucket.indices
            let p = params.picking(idx), squareAvg = squareAvgs.picking(idx)
            var g = grads.picking(idx)
            if maximize { g = try Tensor._foreachNeg(self: g) }
            try incrementSteps(steps.picking(idx))
            if weightDecay != 0 {
                if maximize {
                    try Tensor._foreachAdd_(self: g, other: p, alpha: weightDecay)
                } else {
                    g = try Tensor._foreachAdd(self: g, other: p, alpha: weightDecay)
                }
            }
            try Tensor._foreachMul_(self: squareAvg, scalar: alpha)
            try Tensor._foreachAddcmul_(self: squareAvg, tensor1: g, tensor2: g, value: 1 - alpha)
            let avg: [Tensor]
            if centered {
                let gradAvg = gradAvgs.picking(idx)
                try Tensor._foreachLerp_(self: gradAvg, tensors1: g, weight: 1 - alpha)
                avg = try Tensor._foreachAddcmul(self: squareAvg, tensor1: gradAvg, tensor2: gradAvg, value: -1)
                try Tensor._foreachSqrt_(self: avg)
                try Tensor._foreachAdd_(self: avg, scalar: eps)
            } else {
                avg = try Tensor._foreachSqrt(self: squareAvg)
                try Tensor._foreachAdd_(self: avg, scalar: eps)
            }
            if momentum > 0 {
                let buf = buffers.picking(idx)
                try Tensor._foreachMul_(self: buf, scalar: momentum)
                try Tensor._foreachAddcdiv_(self: buf, tensor1: g, tensor2: avg)
                try Tensor._foreachAdd_(self: p, other: buf, alpha: -lr)
            } else {
                try Tensor._foreachAddcdiv_(self: p, tensor1: g, tensor2: avg, value: -lr)
            }
        }
    }
}
