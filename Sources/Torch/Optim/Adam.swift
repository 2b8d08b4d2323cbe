// Adam and AdamW (AMSGrad, maximize, L2 or decoupled weight decay) on ATen's `_fused_adam_` /
// `_fused_adamw_` kernels or `_foreach_*` ops.

import Foundation

/// Adam, as PyTorch's `torch.optim.Adam`.
///
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − lr·m̂ / (√v̂ + ε) with the bias corrections
/// m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ); with `amsgrad` v̂ uses the running maximum of v. Weight
/// decay is added to the gradient (L2), unless `decoupledWeightDecay` (then this is ``AdamW``).
///
/// **Kernels.** By default (neither `fused` nor `foreach` given) a group runs ATen's fused kernel
/// `_fused_adam_` (CPU and CUDA), the same code as PyTorch's `fused=True`: one kernel per device
/// and dtype, and the step counts live on the parameters' device, so a step never waits for the
/// GPU. `foreach: true` (or `fused: false`) runs PyTorch's `foreach=True` algorithm (which reads the
/// step counts on the host). Both agree with PyTorch's default single-tensor loop to rounding.
///
/// ```swift
/// let optimizer = try Adam(model.parameters(), lr: 1e-3, betas: (0.9, 0.98), amsgrad: true)
/// ```
///
/// State per parameter: `step` (float32 scalar), `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with
/// `amsgrad`.
public class Adam: Optimizer {
    /// An optimizer of `params` (one group).
    public convenience init(
        _ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil, decoupledWeightDecay: Bool = false
    ) throws(TorchError) {
        try self.init(Optimizer.singleGroup(params), lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                      maximize: maximize, foreach: foreach, fused: fused, decoupledWeightDecay: decoupledWeightDecay)
    }

    /// An optimizer of several groups; the arguments are the defaults of groups that lack them.
    public init(
        _ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil, decoupledWeightDecay: Bool = false
    ) throws(TorchError) {
        if fused == true && foreach == true { throw TorchError("`fused` and `foreach` cannot be `True` together.") }
        let defaults: StateMap = [
            "lr": .double(lr), "betas": .tuple([.double(betas.0), .double(betas.1)]), "eps": .double(eps),
            "weight_decay": .double(weightDecay), "amsgrad": .bool(amsgrad), "maximize": .bool(maximize),
            "foreach": StateValue(foreach), "capturable": false, "differentiable": false, "fused": StateValue(fused),
            "decoupled_weight_decay": .bool(decoupledWeightDecay),
        ]
        try super.init(groups, defaults: defaults)
    }

    public override func validate(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), eps = try group.double("eps"), weightDecay = try group.double("weight_decay")
        let (beta1, beta2) = try group.pair("betas")
        if !(lr >= 0) { throw TorchError("Invalid learning rate: \(lr)") }
        if !(eps >= 0) { throw TorchError("Invalid epsilon value: \(eps)") }
        if !(beta1 >= 0 && beta1 < 1) { throw TorchError("Invalid beta parameter at index 0: \(beta1)") }
        if !(beta2 >= 0 && beta2 < 1) { throw TorchError("Invalid beta parameter at index 1: \(beta2)") }
        if !(weightDecay >= 0) { throw TorchError("Invalid weight_decay value: \(weightDecay)") }
    }

    public override func hasFusedKernel(on device: Device) -> Bool { true }

    public override func step() throws(TorchError) {
        try noGrad { () throws(TorchError) in
            for group in paramGroups { try step(group) }
        }
    }

    private func step(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), eps = try group.double("eps"), weightDecay = try group.double("weight_decay")
        let (beta1, beta2) = try group.pair("betas")
        let amsgrad = try group.bool("amsgrad"), maximize = try group.bool("maximize")
        let decoupled = try group.optionalBool("decoupled_weight_decay") ?? false

        var params: [Tensor] = [], grads: [Tensor] = []
        for parameter in group.params {
            guard let grad = parameter.grad else { continue }
            params.append(parameter)
            grads.append(grad)
        }
        guard !params.isEmpty else { return }
        let implementation = try implementation(for: group, params: params)
        try checkNoGradScaling(implementation)
        let stepOnDevice = implementation == .fused || group["capturable"]?.boolValue == true

        var expAvgs: [Tensor] = [], expAvgSqs: [Tensor] = [], maxExpAvgSqs: [Tensor] = [], steps: [Tensor] = []
        for parameter in params {
            var entries = state(for: parameter) ?? StateMap()
            var changed = false
            func buffer(_ key: String) throws(TorchError) -> Tensor {
                if let tensor = entries[key]?.tensorValue { return tensor }
                let tensor = try parameter.zerosLike()
                entries[key] = .tensor(tensor)
                changed = true
                return tensor
            }
            let step = try stepTensor(&entries, for: parameter, onDevice: stepOnDevice, changed: &changed)
            let expAvg = try buffer("exp_avg"), expAvgSq = try buffer("exp_avg_sq")
            if amsgrad { maxExpAvgSqs.append(try buffer("max_exp_avg_sq")) }
            steps.append(step)
            expAvgs.append(expAvg)
            expAvgSqs.append(expAvgSq)
            if changed { setState(entries, for: parameter) }
        }

        for bucket in bucketsByDeviceAndDType(params) {
            let idx = bucket.indices
            switch implementation {
            case .fused:
                let (scale, inf) = try gradScaling(on: bucket.key.device)
                let bucketSteps = steps.picking(idx)
                try Tensor._foreachAdd_(self: bucketSteps, scalar: 1)
                let p = params.picking(idx), g = grads.picking(idx), m = expAvgs.picking(idx), v = expAvgSqs.picking(idx)
                let vMax = amsgrad ? maxExpAvgSqs.picking(idx) : []
                if decoupled {
                    try Tensor._fusedAdamw_(
                        self: p, grads: g, expAvgs: m, expAvgSqs: v, maxExpAvgSqs: vMax, stateSteps: bucketSteps,
                        lr: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay, eps: eps, amsgrad: amsgrad,
                        maximize: maximize, gradScale: scale, foundInf: inf)
                } else {
                    try Tensor._fusedAdam_(
                        self: p, grads: g, expAvgs: m, expAvgSqs: v, maxExpAvgSqs: vMax, stateSteps: bucketSteps,
                        lr: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay, eps: eps, amsgrad: amsgrad,
                        maximize: maximize, gradScale: scale, foundInf: inf)
                }
                if let inf {
                    try Tensor._foreachSub_(self: bucketSteps, other: Array(repeating: inf, count: bucketSteps.count))
                }
            case .foreach:
                try foreachStep(
                    params: params.picking(idx), grads: grads.picking(idx), expAvgs: expAvgs.picking(idx),
                    expAvgSqs: expAvgSqs.picking(idx), maxExpAvgSqs: amsgrad ? maxExpAvgSqs.picking(idx) : [],
                    steps: steps.picking(idx), lr: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay, eps: eps,
                    amsgrad: amsgrad, maximize: maximize, decoupled: decoupled)
            }
        }
    }

    /// PyTorch's `_multi_tensor_adam` (capturable=False).
    private func foreachStep(
        params: [Tensor], grads: [Tensor], expAvgs: [Tensor], expAvgSqs: [Tensor], maxExpAvgSqs: [Tensor],
        steps: [Tensor], lr: Double, beta1: Double, beta2: Double, weightDecay: Double, eps: Double,
        amsgrad: Bool, maximize: Bool, decoupled: Bool
    ) throws(TorchError) {
        var grads = grads
        if maximize { grads = try Tensor._foreachNeg(self: grads) }
        try incrementSteps(steps)
        if weightDecay != 0 {
            if decoupled {
                try Tensor._foreachMul_(self: params, scalar: 1 - lr * weightDecay)
            } else if maximize {
                try Tensor._foreachAdd_(self: grads, other: params, alpha: weightDecay)
            } else {
                grads = try Tensor._foreachAdd(self: grads, other: params, alpha: weightDecay)
            }
        }
        try Tensor._foreachLerp_(self: expAvgs, tensors1: grads, weight: 1 - beta1)
        try Tensor._foreachMul_(self: expAvgSqs, scalar: beta2)
        try Tensor._foreachAddcmul_(self: expAvgSqs, tensor1: grads, tensor2: grads, value: 1 - beta2)

        var stepSizes: [Scalar] = [], biasCorrection2Sqrts: [Scalar] = []
        for step in steps {
            let t = try step.item(Double.self)
            let biasCorrection1 = 1 - pow(beta1, t)
            let biasCorrection2 = 1 - pow(beta2, t)
            stepSizes.append(.double((lr / biasCorrection1) * -1))
            biasCorrection2Sqrts.append(.double(pow(biasCorrection2, 0.5)))
        }
        let denominators: [Tensor]
        if amsgrad {
            try Tensor._foreachMaximum_(self: maxExpAvgSqs, other: expAvgSqs)
            denominators = try Tensor._foreachSqrt(self: maxExpAvgSqs)
        } else {
            denominators = try Tensor._foreachSqrt(self: expAvgSqs)
        }
        try Tensor._foreachDiv_(self: denominators, scalars: biasCorrection2Sqrts)
        try Tensor._foreachAdd_(self: denominators, scalar: eps)
        try Tensor._foreachAddcdiv_(self: params, tensor1: expAvgs, tensor2: denominators, scalars: stepSizes)
    }
}

/// AdamW: Adam with decoupled weight decay, as PyTorch's `torch.optim.AdamW`.
///
/// Each step first shrinks the parameters, θ ← θ − lr·λ·θ, then takes an Adam step without weight
/// decay in the gradient. The default weight decay is 0.01. Kernels and state are ``Adam``'s
/// (`_fused_adamw_` by default).
///
/// ```swift
/// let optimizer = try AdamW(model.parameters(), lr: 3e-4, weightDecay: 0.05)
/// ```
public final class AdamW: Adam {
    /// An optimizer of `params` (one group).
    public convenience init(
        _ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        try self.init(Optimizer.singleGroup(params), lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                      maximize: maximize, foreach: foreach, fused: fused)
    }

    /// An optimizer of several groups; the arguments are the defaults of groups that lack them.
    public init(
        _ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        try super.init(groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                       maximize: maximize, foreach: foreach, fused: fused, decoupledWeightDecay: true)
    }

    public override func didLoadState() throws(TorchError) {
        try super.didLoadState()
        for index in paramGroups.indices { paramGroups[index]["decoupled_weight_decay"] = true }
    }
}

// MARK: - Shared by the optimizers with step counts

extension Optimizer {
    /// The `step` count tensor of a parameter's state, created (zero) when missing and moved when it
    /// is not where the implementation keeps it: float32 on the parameter's device for fused
    /// kernels, a float32 CPU scalar otherwise (PyTorch's layout).
    func stepTensor(_ entries: inout StateMap, for parameter: Tensor, onDevice: Bool, changed: inout Bool) throws(TorchError) -> Tensor {
        let device: Device = onDevice ? parameter.device : .cpu
        if let step = entries["step"]?.tensorValue {
            if step.device == device && step.dtype == .float32 { return step }
            let moved = try step.to(device, dtype: .float32, copy: true)
            entries["step"] = .tensor(moved)
            changed = true
            return moved
        }
        let count = entries["step"]?.doubleValue ?? 0
        let step = try Tensor.full([], fillValue: count, dtype: .float32, device: device)
        entries["step"] = .tensor(step)
        changed = true
        return step
    }

    /// Adds one to the step counts, as PyTorch's foreach implementations do.
    func incrementSteps(_ steps: [Tensor]) throws(TorchError) {
        for bucket in bucketsByDeviceAndDType(steps) {
            try Tensor._foreachAdd_(self: steps.picking(bucket.indices), scalar: 1)
        }
    }
}
