// Loss scaling for float16 mixed precision, as PyTorch's `torch.amp.GradScaler`.

/// Scales the loss so float16 gradients do not underflow, unscales the gradients before the
/// optimizer step, skips steps whose gradients overflowed and adapts the scale, as PyTorch's
/// `torch.amp.GradScaler`.
///
/// ```swift
/// let scaler = try GradScaler(device: .cuda(0))
/// for (x, y) in batches {
///     try optimizer.zeroGrad()
///     let loss = try autocast(device: .cuda(0), dtype: .float16) { try model(x).mseLoss(target: y) }
///     try scaler.scale(loss).backward()
///     try scaler.unscale_(optimizer)          // optional: to clip or inspect real gradients
///     _ = try clipGradNorm_(model.parameters(), maxNorm: 1)
///     try scaler.step(optimizer)               // skipped when a gradient is inf or NaN
///     try scaler.update()                      // backs off after a skip, grows after `growthInterval` good steps
/// }
/// ```
///
/// The scale starts at `initScale` (2^16); a step with an inf/NaN gradient is skipped and the scale
/// multiplied by `backoffFactor` (0.5); after `growthInterval` (2000) steps in a row without one, it
/// is multiplied by `growthFactor` (2). The scale and the count of good steps are tensors on the
/// device of the first scaled output, updated by ATen's `_amp_update_scale_`.
///
/// Optimizers built with `fused: true` unscale inside their kernel
/// (``Optimizer/stepSupportsAMPScaling``): ``step(_:)`` then hands them ``Optimizer/gradScale`` and
/// ``Optimizer/foundInf`` instead of unscaling, as PyTorch does.
public final class GradScaler {
    /// Where a scaler is in an iteration, for one optimizer.
    enum Stage { case ready, unscaled, stepped }

    private struct OptimizerRecord {
        var stage = Stage.ready
        /// The overflow flags (float32 scalars, nonzero = found) per device of the gradients.
        var foundInfPerDevice: [(device: Device, flag: Tensor)] = []
    }

    /// The device type the scaler is meant for (PyTorch's `device`); the scale tensor itself lives
    /// on the device of the first scaled output.
    public let device: Device
    /// Whether the scaler does anything; a disabled scaler passes tensors through and steps plainly.
    public let isEnabled: Bool
    /// The factor applied to the scale after `growthInterval` steps in a row without overflow.
    public var growthFactor: Double
    /// The factor applied to the scale after a step with an overflow.
    public var backoffFactor: Double
    /// How many steps in a row without overflow grow the scale.
    public var growthInterval: Int

    private var initScale: Double
    private var initGrowthTracker = 0
    private var scaleTensor: Tensor?
    private var growthTracker: Tensor?
    private var records: [ObjectIdentifier: OptimizerRecord] = [:]

    /// A scaler with PyTorch's defaults. `growthFactor` must be above 1 and `backoffFactor` below 1.
    public init(device: Device = .cuda(0), initScale: Double = 65536, growthFactor: Double = 2,
                backoffFactor: Double = 0.5, growthInterval: Int = 2000, enabled: Bool = true) throws(TorchError) {
        self.device = device
        self.isEnabled = enabled
        if enabled {
            if !(growthFactor > 1) { throw TorchError("The growth factor must be > 1.0.") }
            if !(backoffFactor < 1) { throw TorchError("The backoff factor must be < 1.0.") }
        }
        self.initScale = initScale
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
    }

    private func checkScale(_ function: String) throws(TorchError) -> (scale: Tensor, tracker: Tensor) {
        guard let scaleTensor, let growthTracker else {
            throw TorchError("Attempted \(function) but _scale is None.  This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.")
        }
        return (scaleTensor, growthTracker)
    }

    private func lazyInit(on device: Device) throws(TorchError) {
        scaleTensor = try Tensor.full([], fillValue: initScale, dtype: .float32, device: device)
        growthTracker = try Tensor.full([], fillValue: initGrowthTracker, dtype: .int32, device: device)
    }

    // MARK: - Scaling

    /// `outputs` multiplied by the current scale (the scale is created on `outputs`' device the
    /// first time). A disabled scaler returns `outputs`.
    public func scale(_ outputs: Tensor) throws(TorchError) -> Tensor {
        guard isEnabled else { return outputs }
        if scaleTensor == nil { try lazyInit(on: outputs.device) }
        let scale = scaleTensor!
        return try outputs * (scale.device == outputs.device ? scale : try scale.to(outputs.device))
    }

    /// Each of `outputs` multiplied by the current scale.
    public func scale(_ outputs: [Tensor]) throws(TorchError) -> [Tensor] {
        var scaled: [Tensor] = []
        for output in outputs { scaled.append(try scale(output)) }
        return scaled
    }

    /// Divides the gradients of `optimizer`'s parameters by the scale in place and records whether
    /// any is inf or NaN (PyTorch's `unscale_`). Call it at most once per optimizer between
    /// ``update(newScale:)`` calls, after all gradients are accumulated; ``step(_:)`` calls it when
    /// it was not called.
    public func unscale_(_ optimizer: Optimizer) throws(TorchError) {
        guard isEnabled else { return }
        let (scale, _) = try checkScale("unscale_")
        let id = ObjectIdentifier(optimizer)
        var record = records[id] ?? OptimizerRecord()
        switch record.stage {
        case .unscaled: throw TorchError("unscale_() has already been called on this optimizer since the last update().")
        case .stepped: throw TorchError("unscale_() is being called after step().")
        case .ready: break
        }
        let invScale = try scale.to(dtype: .float64).reciprocal().to(dtype: .float32)
        let foundInf = try Tensor.full([], fillValue: 0.0, dtype: .float32, device: scale.device)
        record.foundInfPerDevice = try unscaleGrads(optimizer, invScale: invScale, foundInf: foundInf, allowFloat16: false)
        record.stage = .unscaled
        records[id] = record
    }

    /// PyTorch's `_unscale_grads_`: one `_amp_foreach_non_finite_check_and_unscale_` per device and dtype.
    private func unscaleGrads(_ optimizer: Optimizer, invScale: Tensor, foundInf: Tensor,
                              allowFloat16: Bool) throws(TorchError) -> [(device: Device, flag: Tensor)] {
        var perDevice: [(device: Device, invScale: Tensor, foundInf: Tensor)] = []
        func replicas(on device: Device) throws(TorchError) -> (invScale: Tensor, foundInf: Tensor) {
            if let found = perDevice.first(where: { $0.device == device }) { return (found.invScale, found.foundInf) }
            let pair = device == foundInf.device ? (invScale, foundInf)
                : (try invScale.to(device, copy: true), try foundInf.to(device, copy: true))
            perDevice.append((device, pair.0, pair.1))
            return pair
        }
        var grads: [Tensor] = []
        for group in optimizer.paramGroups {
            for parameter in group.params {
                guard let grad = parameter.grad else { continue }
                if !allowFloat16 && grad.dtype == .float16 { throw TorchError("Attempting to unscale FP16 gradients.") }
                grads.append(grad)
            }
        }
        try noGrad { () throws(TorchError) in
            for bucket in bucketsByDeviceAndDType(grads) {
                let (inv, found) = try replicas(on: bucket.key.device)
                try Tensor._ampForeachNonFiniteCheckAndUnscale_(self: grads.picking(bucket.indices), foundInf: found, invScale: inv)
            }
        }
        return perDevice.map { ($0.device, $0.foundInf) }
    }

    // MARK: - Stepping

    /// Unscales the gradients (unless ``unscale_(_:)`` already did) and steps `optimizer` when no
    /// gradient is inf or NaN; returns whether the optimizer stepped. Optimizers that
    /// ``Optimizer/stepSupportsAMPScaling`` always step: their fused kernel unscales and skips
    /// the update itself, given ``Optimizer/gradScale`` and ``Optimizer/foundInf``.
    @discardableResult
    public func step(_ optimizer: Optimizer) throws(TorchError) -> Bool {
        guard isEnabled else {
            try optimizer.step()
            return true
        }
        let (scale, _) = try checkScale("step")
        let id = ObjectIdentifier(optimizer)
        var record = records[id] ?? OptimizerRecord()
        if record.stage == .stepped { throw TorchError("step() has already been called since the last update().") }

        if optimizer.stepSupportsAMPScaling {
            if record.stage == .ready {
                // PyTorch's `_check_inf_per_device`: check only (inverse scale 1), float16 allowed.
                let one = try Tensor.full([], fillValue: 1.0, dtype: .float32, device: scale.device)
                let found = try Tensor.full([], fillValue: 0.0, dtype: .float32, device: scale.device)
                record.foundInfPerDevice = try unscaleGrads(optimizer, invScale: one, foundInf: found, allowFloat16: true)
            }
            var foundInf: Tensor?
            for (_, flag) in record.foundInfPerDevice {
                let onScale = flag.device == scale.device ? flag : try flag.to(scale.device)
                if let sum = foundInf { foundInf = try sum + onScale } else { foundInf = onScale }
            }
            if record.stage == .ready {
                if let existing = optimizer.gradScale { optimizer.gradScale = try scale * existing } else { optimizer.gradScale = scale }
            }
            if foundInf == nil { foundInf = try Tensor.full([], fillValue: 0.0, dtype: .float32, device: scale.device) }
            optimizer.foundInf = foundInf
            // PyTorch deletes both attributes after the step.
            defer { optimizer.gradScale = nil; optimizer.foundInf = nil }
            try optimizer.step()
            record.stage = .stepped
            records[id] = record
            return true
        }

        if record.stage == .ready {
            try unscale_(optimizer)
            record = records[id]!
        }
        guard !record.foundInfPerDevice.isEmpty else { throw TorchError("No inf checks were recorded for this optimizer.") }
        var total = 0.0
        for (_, flag) in record.foundInfPerDevice { total += try flag.item(Double.self) }
        let stepped = total == 0
        if stepped { try optimizer.step() }
        record.stage = .stepped
        records[id] = record
        return stepped
    }

    /// Updates the scale after an iteration: backs off when a stepped optimizer found inf or NaN,
    /// grows after `growthInterval` clean iterations (ATen's `_amp_update_scale_`); or sets it to
    /// `newScale`. Call it once per iteration after stepping every optimizer.
    public func update(newScale: Double? = nil) throws(TorchError) {
        guard isEnabled else { return }
        let (scale, tracker) = try checkScale("update")
        if let newScale {
            _ = try scale.fill_(value: newScale)
        } else {
            var combined: Tensor?
            for record in records.values {
                for (_, flag) in record.foundInfPerDevice {
                    let onScale = flag.device == scale.device ? flag : try flag.to(scale.device)
                    if let sum = combined { try sum.add_(onScale) } else { combined = onScale }
                }
            }
            guard let combined else { throw TorchError("No inf checks were recorded prior to update.") }
            try scale._ampUpdateScale_(growthTracker: tracker, foundInf: combined, scaleGrowthFactor: growthFactor,
                                       scaleBackoffFactor: backoffFactor, growthInterval: growthInterval)
        }
        records = [:]
    }

    // MARK: - State

    /// The current scale (`initScale` before the first `scale(_:)`; 1 when disabled).
    public func getScale() throws(TorchError) -> Double {
        guard isEnabled else { return 1 }
        return try scaleTensor?.item(Double.self) ?? initScale
    }

    /// How many clean steps in a row have been taken since the scale last changed.
    public func growthTrackerValue() throws(TorchError) -> Int {
        guard isEnabled else { return 0 }
        guard let growthTracker else { return initGrowthTracker }
        return Int(try growthTracker.item().doubleValue)
    }

    /// The state in PyTorch's `GradScaler.state_dict()` layout (`scale`, `growth_factor`,
    /// `backoff_factor`, `growth_interval`, `_growth_tracker`); empty when disabled.
    public func stateDict() throws(TorchError) -> StateMap {
        guard isEnabled else { return StateMap() }
        var state = StateMap()
        state["scale"] = .double(try getScale())
        state["growth_factor"] = .double(growthFactor)
        state["backoff_factor"] = .double(backoffFactor)
        state["growth_interval"] = .int(growthInterval)
        state["_growth_tracker"] = .int(try growthTrackerValue())
        return state
    }

    /// Loads state written by ``stateDict()`` or PyTorch; a disabled scaler ignores it.
    public func loadStateDict(_ state: StateMap) throws(TorchError) {
        guard isEnabled else { return }
        if state.isEmpty {
            throw TorchError("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.")
        }
        func number(_ key: String) throws(TorchError) -> Double {
            guard let value = state[key]?.doubleValue else { throw TorchError("GradScaler state has no numeric \"\(key)\"") }
            return value
        }
        initScale = try number("scale")
        if let scaleTensor { _ = try scaleTensor.fill_(value: initScale) }
        growthFactor = try number("growth_factor")
        backoffFactor = try number("backoff_factor")
        growthInterval = Int(try number("growth_interval"))
        initGrowthTracker = Int(try number("_growth_tracker"))
        if let growthTracker { _ = try growthTracker.fill_(value: initGrowthTracker) }
    }
}

extension Optimizer {
    /// Whether `step()` unscales gradients and skips overflowed updates itself, given
    /// ``gradScale`` and ``foundInf`` (PyTorch's `_step_supports_amp_scaling`): true for optimizers
    /// created with `fused: true`.
    public var stepSupportsAMPScaling: Bool { defaults["fused"]?.boolValue == true }
}
