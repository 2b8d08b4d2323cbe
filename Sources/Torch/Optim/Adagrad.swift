// Adagrad (lr decay, initial accumulator value, eps, weight decay, maximize) on ATen's
// `_fused_adagrad_` kernel or `_foreach_*` ops.

/// Adagrad, as PyTorch's `torch.optim.Adagrad`.
///
/// s ← s + g², θ ← θ − lr_t · g / (√s + ε) with lr_t = lr / (1 + (t − 1)·lr_decay); the sums start
/// at `initialAccumulatorValue`.
///
/// **Kernels.** By default a group on the CPU runs ATen's fused kernel `_fused_adagrad_`, the same
/// code as PyTorch's `fused=True`; ATen has no CUDA kernel for it, so CUDA groups (and
/// `foreach: true` or `fused: false`) run PyTorch's `foreach=True` algorithm on the `_foreach_*` ops.
///
/// ```swift
/// let optimizer = try Adagrad(model.parameters(), lr: 0.01, lrDecay: 1e-4)
/// ```
///
/// State per parameter (created with the optimizer, as PyTorch does): `step` (float32 scalar) and
/// `sum`.
public final class Adagrad: Optimizer {
    /// An optimizer of `params` (one group).
    public convenience init(
        _ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        try self.init(Optimizer.singleGroup(params), lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                      initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize,
                      foreach: foreach, fused: fused)
    }

    /// An optimizer of several groups; the arguments are the defaults of groups that lack them.
    public init(
        _ groups: [ParamGroup], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        if fused == true && foreach == true { throw TorchError("`fused` and `foreach` cannot be `True` together.") }
        let defaults: StateMap = [
            "lr": .double(lr), "lr_decay": .double(lrDecay), "eps": .double(eps), "weight_decay": .double(weightDecay),
            "initial_accumulator_value": .double(initialAccumulatorValue), "foreach": StateValue(foreach),
            "maximize": .bool(maximize), "differentiable": false, "fused": StateValue(fused),
        ]
        try super.init(groups, defaults: defaults)
    }

    public override func validate(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), lrDecay = try group.double("lr_decay"), eps = try group.double("eps")
        let weightDecay = try group.double("weight_decay"), initial = try group.double("initial_accumulator_value")
        if !(lr >= 0) { throw TorchError("Invalid learning rate: \(lr)") }
        if !(lrDecay >= 0) { throw TorchError("Invalid lr_decay value: \(lrDecay)") }
        if !(weightDecay >= 0) { throw TorchError("Invalid weight_decay value: \(weightDecay)") }
        if !(initial >= 0) { throw TorchError("Invalid initial_accumulator_value value: \(initial)") }
        if !(eps >= 0) { throw TorchError("Invalid epsilon value: \(eps)") }
    }

    /// ATen's fused Adagrad runs on the CPU only.
    public override func hasFusedKernel(on device: Device) -> Bool { device == .cpu }

    /// Creates `step` and `sum` for the new group's parameters, as PyTorch's constructor does.
    public override func didAddParamGroup(_ index: Int) throws(TorchError) {
        let group = paramGroups[index]
        let onDevice = try group.optionalBool("fused") == true
        for parameter in group.params where state(for: parameter) == nil {
            try setState(initialState(for: parameter, group: group, stepOnDevice: onDevice), for: parameter)
        }
    }

    private func initialState(for parameter: Tensor, group: ParamGroup, stepOnDevice: Bool) throws(TorchError) -> StateMap {
        let initial = try group.double("initial_accumulator_value")
        return [
            "step": .tensor(try Tensor.zeros([], dtype: .float32, device: stepOnDevice ? parameter.device : .cpu)),
            "sum": .tensor(try parameter.fullLike(fillValue: initial)),
        ]
    }

    public override func step() throws(TorchError) {
        try noGrad { () throws(TorchError) in
            for group in paramGroups { try step(group) }
        }
    }

    private func step(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), lrDecay = try group.double("lr_decay"), eps = try group.double("eps")
        let weightDecay = try group.double("weight_decay"), maximize = try group.bool("maximize")

        var params: [Tensor] = [], grads: [Tensor] = []
        for parameter in group.params {
            guard let grad = parameter.grad else { continue }
            params.append(parameter)
            grads.append(grad)
        }
        guard !params.isEmpty else { return }
        let implementation = try implementation(for: group, params: params)
        try checkNoGradScaling(implementation)

        var sums: [Tensor] = [], steps: [Tensor] = []
        for parameter in params {
            var changed = false
            var entries: StateMap
            if let existing = state(for: parameter) {
                entries = existing
            } else {
                entries = try initialState(for: parameter, group: group, stepOnDevice: implementation == .fused)
                changed = true
            }
            if entries["sum"]?.tensorValue == nil {
                entries["sum"] = .tensor(try parameter.fullLike(fillValue: try group.double("initial_accumulator_value")))
                changed = true
            }
            steps.append(try stepTensor(&entries, for: parameter, onDevice: implementation == .fused, changed: &changed))
            sums.append(entries["sum"]!.tensorValue!)
            if changed { setState(entries, for: parameter) }
        }

        for bucket in bucketsByDeviceAndDType(params) {
            let idx = bucket.indices
            let p = params.picking(idx), s = sums.picking(idx), t = steps.picking(idx)
            var g = grads.picking(idx)
            switch implementation {
            case .fused:
                let (scale, inf) = try gradScaling(on: bucket.key.device)
                try Tensor._foreachAdd_(self: t, scalar: 1)
                try Tensor._fusedAdagrad_(
                    self: p, grads: g, stateSums: s, stateSteps: t, lr: lr, lrDecay: lrDecay,
                    weightDecay: weightDecay, eps: eps, maximize: maximize, gradScale: scale, foundInf: inf)
                if let inf { try Tensor._foreachSub_(self: t, other: Array(repeating: inf, count: t.count)) }
            case .foreach:
                // PyTorch's `_multi_tensor_adagrad`.
                if maximize { g = try Tensor._foreachNeg(self: g) }
                try incrementSteps(t)
                if weightDecay != 0 {
                    if maximize {
                        try Tensor._foreachAdd_(self: g, other: p, alpha: weightDecay)
                    } else {
                        g = try Tensor._foreachAdd(self: g, other: p, alpha: weightDecay)
                    }
                }
                var minusClr: [Scalar] = []
                for step in t {
                    let count = try step.item(Double.self)
                    minusClr.append(.double(-lr / (1 + (count - 1) * lrDecay)))
                }
                try Tensor._foreachAddcmul_(self: s, tensor1: g, tensor2: g, value: 1)
                let std = try Tensor._foreachSqrt(self: s)
                try Tensor._foreachAdd_(self: std, scalar: eps)
                let numerator: [Tensor]
                if weightDecay != 0 || maximize {
                    try Tensor._foreachMul_(self: g, scalars: minusClr)
                    numerator = g
                } else {
                    numerator = try Tensor._foreachMul(self: g, scalars: minusClr)
                }
                try Tensor._foreachAddcdiv_(self: p, tensor1: numerator, tensor2: std)
            }
        }
    }
}
