// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
// maximize, on ATen's `_fused_sgd_` kernel or `_foreach_*` ops.

/// Stochastic gradient descent (optionally with momentum), as PyTorch's `torch.optim.SGD`.
///
/// With momentum μ, dampening τ and weight decay λ, each step computes g ← ∇f + λθ,
/// b ← μb + (1 − τ)g (b ← g at the first step), g ← g + μb with Nesterov or g ← b without, and
/// θ ← θ − lr·g (gradients are negated first with `maximize`).
///
/// **Kernels.** By default (neither `fused` nor `foreach` given) a group runs ATen's fused kernel
/// `_fused_sgd_` (CPU and CUDA; one kernel per device and dtype), the same code as PyTorch's
/// `fused=True`. `foreach: true` (or `fused: false`) runs PyTorch's `foreach=True` algorithm on the
/// `_foreach_*` ops. Both agree with PyTorch's default single-tensor loop to rounding.
///
/// ```swift
/// let optimizer = try SGD(model.parameters(), lr: 0.1, momentum: 0.9, nesterov: true)
/// ```
///
/// State per parameter: `momentum_buffer` (only with momentum).
public final class SGD: Optimizer {
    /// An optimizer of `params` (one group).
    public convenience init(
        _ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        try self.init(Optimizer.singleGroup(params), lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                      nesterov: nesterov, maximize: maximize, foreach: foreach, fused: fused)
    }

    /// An optimizer of several groups; the arguments are the defaults of groups that lack them.
    public init(
        _ groups: [ParamGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false,
        foreach: Bool? = nil, fused: Bool? = nil
    ) throws(TorchError) {
        if fused == true && foreach == true { throw TorchError("`fused` and `foreach` cannot be `True` together.") }
        let defaults: StateMap = [
            "lr": .double(lr), "momentum": .double(momentum), "dampening": .double(dampening),
            "weight_decay": .double(weightDecay), "nesterov": .bool(nesterov), "maximize": .bool(maximize),
            "foreach": StateValue(foreach), "differentiable": false, "fused": StateValue(fused),
        ]
        try super.init(groups, defaults: defaults)
    }

    public override func validate(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), momentum = try group.double("momentum")
        let dampening = try group.double("dampening"), weightDecay = try group.double("weight_decay")
        if lr < 0 { throw TorchError("Invalid learning rate: \(lr)") }
        if momentum < 0 { throw TorchError("Invalid momentum value: \(momentum)") }
        if weightDecay < 0 { throw TorchError("Invalid weight_decay value: \(weightDecay)") }
        if try group.bool("nesterov") && (momentum <= 0 || dampening != 0) {
            throw TorchError("Nesterov momentum requires a momentum and zero dampening")
        }
    }

    public override func hasFusedKernel(on device: Device) -> Bool { true }

    public override func step() throws(TorchError) {
        try noGrad { () throws(TorchError) in
            for group in paramGroups { try step(group) }
        }
    }

    private func step(_ group: ParamGroup) throws(TorchError) {
        let lr = try group.double("lr"), momentum = try group.double("momentum")
        let dampening = try group.double("dampening"), weightDecay = try group.double("weight_decay")
        let nesterov = try group.bool("nesterov"), maximize = try group.bool("maximize")

        var params: [Tensor] = [], grads: [Tensor] = [], buffers: [Tensor?] = []
        for parameter in group.params {
            guard let grad = parameter.grad else { continue }
            params.append(parameter)
            grads.append(grad)
            if momentum != 0 { buffers.append(state(for: parameter)?["momentum_buffer"]?.tensorValue) }
        }
        guard !params.isEmpty else { return }
        let implementation = try implementation(for: group, params: params)
        try checkNoGradScaling(implementation)

        for bucket in bucketsByDeviceAndDType(params) {
            let p = params.picking(bucket.indices), g = grads.picking(bucket.indices)
            var b = momentum != 0 ? buffers.picking(bucket.indices) : []
            switch implementation {
            case .fused:
                let (scale, inf) = try gradScaling(on: bucket.key.device)
                func run(_ indices: [Int], firstStep: Bool) throws(TorchError) {
                    try Tensor._fusedSgd_(
                        self: p.picking(indices), grads: g.picking(indices),
                        momentumBufferList: momentum == 0 ? [] : b.picking(indices).map { $0! },
                        weightDecay: weightDecay, momentum: momentum, lr: lr, dampening: dampening,
                        nesterov: nesterov, maximize: maximize, isFirstStep: firstStep, gradScale: scale, foundInf: inf)
                }
                if momentum == 0 {
                    try run(Array(p.indices), firstStep: false)
                } else {
                    // PyTorch allocates every buffer at the first step and the kernel fills it with
                    // the gradient; parameters that join later get the same treatment on their own.
                    let fresh = b.indices.filter { b[$0] == nil }
                    let existing = b.indices.filter { b[$0] != nil }
                    for index in fresh { b[index] = try g[index].emptyLike() }
                    if !existing.isEmpty { try run(existing, firstStep: false) }
                    if !fresh.isEmpty { try run(fresh, firstStep: true) }
                }
            case .foreach:
                try foreachStep(params: p, grads: g, buffers: &b, lr: lr, momentum: momentum, dampening: dampening,
                                weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
            }
            if momentum != 0 {
                for (parameter, buffer) in zip(p, b) {
                    var entries = state(for: parameter) ?? StateMap()
                    entries["momentum_buffer"] = .tensor(buffer!)
                    setState(entries, for: parameter)
                }
            }
        }
    }

    /// PyTorch's `_multi_tensor_sgd`.
    private func foreachStep(
        params: [Tensor], grads: [Tensor], buffers: inout [Tensor?], lr: Double, momentum: Double,
        dampening: Double, weightDecay: Double, nesterov: Bool, maximize: Bool
    ) throws(TorchError) {
        var grads = grads
        if maximize { grads = try Tensor._foreachNeg(self: grads) }
        if weightDecay != 0 {
            if maximize {
                try Tensor._foreachAdd_(self: grads, other: params, alpha: weightDecay)
            } else {
                grads = try Tensor._foreachAdd(self: grads, other: params, alpha: weightDecay)
            }
        }
        if momentum != 0 {
            var bufs: [Tensor] = []
            if buffers.allSatisfy({ $0 != nil }) {
                bufs = buffers.map { $0! }
                try Tensor._foreachMul_(self: bufs, scalar: momentum)
                try Tensor._foreachAdd_(self: bufs, other: grads, alpha: 1 - dampening)
            } else {
                for index in buffers.indices {
                    if let buffer = buffers[index] {
                        _ = try buffer.mul_(momentum).add_(grads[index], alpha: 1 - dampening)
                    } else {
                        buffers[index] = try grads[index].detach().clone()
                    }
                    bufs.append(buffers[index]!)
                }
            }
            if nesterov {
                try Tensor._foreachAdd_(self: grads, other: bufs, alpha: momentum)
            } else {
                grads = bufs
            }
        }
        try Tensor._foreachAdd_(self: params, other: grads, alpha: -lr)
    }
}
