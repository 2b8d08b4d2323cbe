// The optimizer base class: parameter groups, per-parameter state, zeroGrad, step, state export
// and import in PyTorch's state_dict layout.

/// Which kernels an optimizer step runs for a parameter group.
public enum OptimizerImplementation: String, Sendable {
    /// One fused ATen kernel per device and dtype (`_fused_adam_`, `_fused_sgd_`, …).
    case fused
    /// ATen's multi-tensor `_foreach_*` ops, mirroring PyTorch's `foreach=True` implementation.
    case foreach
}

/// The base class of optimizers, as PyTorch's `torch.optim.Optimizer`.
///
/// An optimizer holds parameter groups (``paramGroups``, each with its options such as `lr`),
/// per-parameter state (momentum buffers, running averages, step counts) and updates the
/// parameters from their gradients in ``step()``.
///
/// ```swift
/// let optimizer = try AdamW(model.parameters(), lr: 1e-3)
/// for (x, y) in batches {
///     try optimizer.zeroGrad()
///     let loss = try model(x).crossEntropyLoss(target: y)
///     try loss.backward()
///     try optimizer.step()
/// }
/// ```
///
/// ``stateDict()`` and ``loadStateDict(_:)`` export and import the state in PyTorch's layout, so a
/// checkpoint resumes with the same buffers and options. Subclasses implement ``step()`` and, when
/// their state needs it, ``didLoadState()``.
open class Optimizer {
    /// The parameter groups. LR schedulers and trainers change options here (`paramGroups[0].lr`).
    public var paramGroups: [ParamGroup]
    /// The default options, by PyTorch name, that groups without their own value take.
    public let defaults: StateMap
    /// Per-parameter state by parameter identity.
    var perParameterState: [ObjectIdentifier: StateMap] = [:]

    /// With a fused implementation: the scale that gradients were multiplied by (the gradient scaler
    /// of mixed precision sets it so the fused kernel unscales while it steps), as PyTorch's
    /// `optimizer.grad_scale`.
    public var gradScale: Tensor?
    /// With a fused implementation: a one-element tensor that is nonzero when a gradient overflowed;
    /// the fused kernel then leaves the parameters and state unchanged (`optimizer.found_inf`).
    public var foundInf: Tensor?

    /// Creates an optimizer of `groups`; options a group lacks come from `defaults`.
    public init(_ groups: [ParamGroup], defaults: StateMap) throws(TorchError) {
        self.paramGroups = []
        self.defaults = defaults
        guard !groups.isEmpty else { throw TorchError("optimizer got an empty parameter list") }
        for group in groups { try addParamGroup(group) }
    }

    /// One group of `params`; an empty list is an error, as in PyTorch.
    public static func singleGroup(_ params: [Tensor]) throws(TorchError) -> [ParamGroup] {
        guard !params.isEmpty else { throw TorchError("optimizer got an empty parameter list") }
        return [ParamGroup(params)]
    }

    /// The name used in messages (`SGD`, `Adam`, …).
    public var typeName: String { String(describing: type(of: self)) }

    // MARK: - Parameter groups

    /// Adds a group (PyTorch's `add_param_group`): options it lacks take the defaults. Useful to
    /// start training layers that were frozen.
    open func addParamGroup(_ group: ParamGroup) throws(TorchError) {
        var group = group
        if group.params.contains(where: { !$0.isLeaf }) { throw TorchError("can't optimize a non-leaf Tensor") }
        if let names = group.paramNames, names.count != group.params.count {
            throw TorchError("all optimizer params should be with/without names. Some param names are missing")
        }
        if let first = paramGroups.first, (first.paramNames == nil) != (group.paramNames == nil) {
            let kind = group.paramNames == nil ? "without names" : "with names"
            throw TorchError("all optimizer param groups should be with/without names. cannot add param group \(kind) to the optimizer")
        }
        group.paramNamesPosition = group.options.count
        for (key, value) in defaults { group.options.setDefault(key, value) }
        let existing = Set(paramGroups.flatMap { $0.params.map(ObjectIdentifier.init) })
        if group.params.contains(where: { existing.contains(ObjectIdentifier($0)) }) {
            throw TorchError("some parameters appear in more than one parameter group")
        }
        try validate(group)
        paramGroups.append(group)
        try didAddParamGroup(paramGroups.count - 1)
    }

    /// Checks a group's options before it is added; subclasses throw PyTorch's messages for invalid
    /// values.
    open func validate(_ group: ParamGroup) throws(TorchError) {}

    /// Called after a group is added (Adagrad creates its state here).
    open func didAddParamGroup(_ index: Int) throws(TorchError) {}

    /// All parameters, group by group.
    public var parameters: [Tensor] { paramGroups.flatMap(\.params) }

    // MARK: - State

    /// The state of `parameter` (its buffers and step count), or nil before its first step.
    public func state(for parameter: Tensor) -> StateMap? {
        perParameterState[ObjectIdentifier(parameter)]
    }

    /// Replaces (or, with nil, clears) the state of `parameter`.
    public func setState(_ state: StateMap?, for parameter: Tensor) {
        perParameterState[ObjectIdentifier(parameter)] = state
    }

    // MARK: - Step

    /// Updates the parameters from their gradients (parameters without a gradient are skipped).
    open func step() throws(TorchError) {
        throw TorchError("\(typeName) does not implement step()")
    }

    /// Evaluates `closure` with gradients on (it should zero the gradients, compute the loss and
    /// call `backward()`), then steps; returns the closure's result, as PyTorch's
    /// `optimizer.step(closure)`.
    ///
    /// ```swift
    /// let loss = try optimizer.step {
    ///     try optimizer.zeroGrad()
    ///     let loss = try model(x).mseLoss(target: y)
    ///     try loss.backward()
    ///     return loss
    /// }
    /// ```
    @discardableResult
    public func step<Loss>(closure: () throws -> Loss) throws -> Loss {
        let loss = try enableGrad { try closure() }
        try step()
        return loss
    }

    /// Resets the gradients of all parameters: to nil (the default, as PyTorch) or to zeros.
    public func zeroGrad(setToNone: Bool = true) throws(TorchError) {
        var zeroed: [Tensor] = []
        for group in paramGroups {
            for parameter in group.params {
                guard let grad = parameter.grad else { continue }
                if setToNone {
                    try parameter.setGrad(nil)
                } else {
                    if grad.gradFunctionName != nil { _ = try grad.detach_() } else { try grad.setRequiresGrad(false) }
                    zeroed.append(grad)
                }
            }
        }
        for bucket in bucketsByDeviceAndDType(zeroed) {
            try Tensor._foreachZero_(self: zeroed.picking(bucket.indices))
        }
    }

    // MARK: - Implementation choice

    /// The devices on which this optimizer has a fused kernel (none by default).
    open func hasFusedKernel(on device: Device) -> Bool { false }

    /// The implementation that ``step()`` uses for group `index` with its current parameters.
    public func implementation(forGroup index: Int) throws(TorchError) -> OptimizerImplementation {
        try implementation(for: paramGroups[index], params: paramGroups[index].params)
    }

    /// Resolves the `fused` and `foreach` options of a group: `fused: true` demands the fused
    /// kernel; `foreach: true` or `fused: false` picks foreach; with neither set, the fused kernel
    /// where this optimizer has one for every parameter's device and dtype, else foreach.
    func implementation(for group: ParamGroup, params: [Tensor]) throws(TorchError) -> OptimizerImplementation {
        let fused = try group.optionalBool("fused")
        let foreach = try group.optionalBool("foreach")
        if fused == true {
            if foreach == true { throw TorchError("`fused` and `foreach` cannot be `True` together.") }
            for parameter in params where !(parameter.isFloatingPoint && hasFusedKernel(on: parameter.device)) {
                throw TorchError("`fused=True` requires all the params to be floating point Tensors of supported devices: \(fusedDevicesDescription) but \(parameter.dtype) and \(parameter.device)")
            }
            return .fused
        }
        if foreach == true || fused == false { return .foreach }
        let fusable = params.allSatisfy { $0.isFloatingPoint && hasFusedKernel(on: $0.device) }
        return fusable ? .fused : .foreach
    }

    private var fusedDevicesDescription: String {
        "[" + [Device.cpu, .cuda(0)].filter(hasFusedKernel(on:)).map { $0 == .cpu ? "'cpu'" : "'cuda'" }.joined(separator: ", ") + "]"
    }

    /// Throws when a gradient scale or overflow flag is set for an implementation that cannot use it.
    func checkNoGradScaling(_ implementation: OptimizerImplementation) throws(TorchError) {
        if implementation != .fused && (gradScale != nil || foundInf != nil) {
            throw TorchError("\(typeName): gradScale and foundInf are only supported by the fused implementation (fused: true)")
        }
    }

    /// `gradScale` and `foundInf` on `device`, as the fused kernels need them.
    func gradScaling(on device: Device) throws(TorchError) -> (scale: Tensor?, foundInf: Tensor?) {
        (try gradScale.map { (t: Tensor) throws(TorchError) in t.device == device ? t : try t.to(device) },
         try foundInf.map { (t: Tensor) throws(TorchError) in t.device == device ? t : try t.to(device) })
    }

    // MARK: - Export and import

    /// The state in PyTorch's `optimizer.state_dict()` layout: per-parameter buffers by parameter
    /// number, and each group's options with its parameter numbers.
    ///
    /// The tensors are the optimizer's own buffers (not copies), as in PyTorch: save them, or copy
    /// them before changing them.
    public func stateDict() -> OptimizerState {
        var numbers: [ObjectIdentifier: Int] = [:]
        var start = 0
        var groups: [StateMap] = []
        for group in paramGroups {
            var packed = StateMap()
            for (position, (key, value)) in group.options.enumerated() where key != "params" && key != "param_names" {
                if position == group.paramNamesPosition, let names = group.paramNames {
                    packed["param_names"] = .list(names.map { .string($0) })
                }
                packed[key] = value
            }
            if let names = group.paramNames, packed["param_names"] == nil {
                packed["param_names"] = .list(names.map { .string($0) })
            }
            var indices: [StateValue] = []
            for (offset, parameter) in group.params.enumerated() {
                let id = ObjectIdentifier(parameter)
                if numbers[id] == nil { numbers[id] = start + offset }
                indices.append(.int(numbers[id]!))
            }
            packed["params"] = .list(indices)
            start += group.params.count
            groups.append(packed)
        }
        var state: [Int: StateMap] = [:]
        for (id, entries) in perParameterState {
            if let number = numbers[id] { state[number] = entries }
        }
        return OptimizerState(state: state, paramGroups: groups)
    }

    /// Loads state exported by ``stateDict()`` (here or by PyTorch), as `optimizer.load_state_dict`.
    ///
    /// The groups must match this optimizer's in number and size; parameters are matched by
    /// position. Buffers are copied to each parameter's device and (floating parameters) dtype;
    /// `step` counts stay float32 scalars, on the parameter's device for fused groups. Loaded group
    /// options replace the current ones (including `lr`), so create LR schedulers before loading.
    public func loadStateDict(_ saved: OptimizerState) throws(TorchError) {
        guard saved.paramGroups.count == paramGroups.count else {
            throw TorchError("loaded state dict has a different number of parameter groups")
        }
        let savedIndices = saved.groupParameterIndices
        for (group, indices) in zip(paramGroups, savedIndices) where group.params.count != indices.count {
            throw TorchError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        }
        var parameterForNumber: [Int: (parameter: Tensor, group: Int)] = [:]
        for (groupIndex, (group, indices)) in zip(paramGroups, savedIndices).enumerated() {
            for (parameter, number) in zip(group.params, indices) { parameterForNumber[number] = (parameter, groupIndex) }
        }
        var newState: [ObjectIdentifier: StateMap] = [:]
        for (number, entries) in saved.state {
            guard let (parameter, groupIndex) = parameterForNumber[number] else { continue }
            let savedGroup = saved.paramGroups[groupIndex]
            let stepOnDevice = savedGroup["fused"]?.boolValue == true || savedGroup["capturable"]?.boolValue == true
            var copied = StateMap()
            for (key, value) in entries {
                copied[key] = try Optimizer.cast(value, key: key, parameter: parameter, stepOnDevice: stepOnDevice)
            }
            newState[ObjectIdentifier(parameter)] = copied
        }
        var newGroups: [ParamGroup] = []
        for (group, savedGroup) in zip(paramGroups, saved.paramGroups) {
            var options = savedGroup
            options["params"] = nil
            var loaded = group
            if let names = options["param_names"]?.arrayValue {
                loaded.paramNames = names.compactMap(\.stringValue)
                loaded.paramNamesPosition = options.keys.firstIndex(of: "param_names") ?? 0
            }
            options["param_names"] = nil
            for (key, value) in defaults { options.setDefault(key, value) }
            loaded.options = options
            newGroups.append(loaded)
        }
        paramGroups = newGroups
        perParameterState = newState
        try didLoadState()
    }

    /// Called after `loadStateDict(_:)` (PyTorch's `__setstate__`): subclasses fill options that
    /// older state lacks and turn numeric `step` values into tensors.
    open func didLoadState() throws(TorchError) {
        for group in paramGroups {
            let onDevice = group["fused"]?.boolValue == true || group["capturable"]?.boolValue == true
            for parameter in group.params {
                let id = ObjectIdentifier(parameter)
                guard var entries = perParameterState[id], let step = entries["step"], let count = step.doubleValue else { continue }
                entries["step"] = .tensor(try Tensor.full([], fillValue: count, dtype: .float32, device: onDevice ? parameter.device : .cpu))
                perParameterState[id] = entries
            }
        }
    }

    /// A copy of a loaded value placed for `parameter` (PyTorch's
    /// `_process_value_according_to_param_policy`).
    static func cast(_ value: StateValue, key: StateKey?, parameter: Tensor, stepOnDevice: Bool) throws(TorchError) -> StateValue {
        switch value {
        case .tensor(let tensor):
            if key == "step" {
                return .tensor(stepOnDevice ? try tensor.to(parameter.device, dtype: .float32, copy: true) : try tensor.clone())
            }
            let dtype: DType? = parameter.isFloatingPoint ? parameter.dtype : nil
            return .tensor(try tensor.to(parameter.device, dtype: dtype, copy: true))
        case .dict(let map):
            var copied = StateMap()
            for (innerKey, inner) in map {
                copied[innerKey] = try cast(inner, key: innerKey, parameter: parameter, stepOnDevice: stepOnDevice)
            }
            return .dict(copied)
        case .list(let values):
            var copied: [StateValue] = []
            for inner in values { copied.append(try cast(inner, key: nil, parameter: parameter, stepOnDevice: stepOnDevice)) }
            return .list(copied)
        case .tuple(let values):
            var copied: [StateValue] = []
            for inner in values { copied.append(try cast(inner, key: nil, parameter: parameter, stepOnDevice: stepOnDevice)) }
            return .tuple(copied)
        default:
            return value
        }
    }
}
