import Torch

/// How a precision setting changes a run (Lightning's precision plugins): the module's dtype, the
/// inputs' dtype, and the autocast region around the steps. A class, though it never changes: the
/// loops reach it on every step, and a reference is one load where a struct in a class property
/// is a copy of every field.
final class PrecisionPlugin {
    let setting: PrecisionSetting
    let device: Device
    /// The loss scaler of "16-mixed" (Lightning's `MixedPrecision.scaler`), nil otherwise.
    let scaler: GradScaler?
    /// The dtype parameters are converted to ("true" precisions), or nil.
    let moduleDtype: DType?
    /// The autocast dtype of mixed precisions, or nil. Stored: the loops read it on every step,
    /// and working it out compares the setting's strings.
    let autocastDtype: DType?

    /// The plugin Lightning's accelerator connector picks: "16-mixed" on the CPU turns into
    /// "bf16-mixed" with a warning (PyTorch's CPU AMP is meant for bfloat16); "16-mixed" elsewhere
    /// gets a `GradScaler` with PyTorch's defaults. `owner` names the caller in the warning
    /// ("Trainer" or "Fabric").
    convenience init(setting: PrecisionSetting, device: Device, owner: String = "Trainer") {
        var setting = setting
        if setting == .float16Mixed && device == .cpu {
            Swift.print("warning: You passed `\(owner)(accelerator='cpu', precision='16-mixed')` but AMP with fp16 is not supported on CPU. Using `precision='bf16-mixed'` instead.")
            setting = .bfloat16Mixed
        }
        self.init(setting: setting, device: device, scaler: setting == .float16Mixed ? try? GradScaler(device: device) : nil)
    }

    /// "16-mixed" on `device` with `scaler`, whatever the device (Lightning's
    /// `MixedPrecision("16-mixed", device, scaler)` passed as a plugin).
    convenience init(float16MixedOn device: Device, scaler: GradScaler) {
        self.init(setting: .float16Mixed, device: device, scaler: scaler)
    }

    private init(setting: PrecisionSetting, device: Device, scaler: GradScaler?) {
        self.setting = setting
        self.device = device
        self.scaler = scaler
        moduleDtype = switch setting {
        case .float64: .float64
        case .bfloat16: .bfloat16
        case .float16: .float16
        default: nil
        }
        autocastDtype = switch setting {
        case .bfloat16Mixed: .bfloat16
        case .float16Mixed: .float16
        default: nil
        }
    }

    func convertModule(_ module: Module) throws {
        if let dtype = moduleDtype { try module.to(dtype: dtype) }
    }

    /// "True" precisions convert floating-point inputs to the module's dtype.
    func convertInput<Batch>(_ batch: Batch) throws -> Batch {
        guard let dtype = moduleDtype else { return batch }
        return try convertFloatingTensors(batch, to: dtype)
    }

    /// Runs a step under autocast for mixed precisions (`cache_enabled=False`, as Lightning).
    func forwardContext<R>(_ body: () throws -> R) throws -> R {
        guard let dtype = autocastDtype else { return try body() }
        return try autocast(device: device, dtype: dtype, cacheEnabled: false) { () throws -> R in try body() }
    }

    /// The tensor backward runs on: the loss times the scale with a scaler (Lightning's `pre_backward`).
    func preBackward(_ loss: Tensor) throws -> Tensor {
        guard let scaler else { return loss }
        return try scaler.scale(loss)
    }

    /// After the closure's backward, before `onBeforeOptimizerStep` and clipping: unscales the
    /// gradients unless the optimizer's fused kernel unscales them itself.
    func afterBackward(_ optimizer: Optimizer) throws {
        guard let scaler, !optimizer.stepSupportsAMPScaling else { return }
        try scaler.unscale_(optimizer)
    }

    /// Lightning's `clip_gradients` check: fused optimizers that unscale inside their step cannot clip.
    func checkClipping(_ optimizer: Optimizer, clipValue: Double?) throws {
        guard scaler != nil, let clipValue, clipValue > 0, optimizer.stepSupportsAMPScaling else { return }
        throw LightningError.configuration("The current optimizer, \(optimizer.typeName), does not allow for gradient clipping because it performs unscaling of gradients internally. HINT: Are you using a 'fused' optimizer?")
    }

    /// Lightning's `MixedPrecision.optimizer_step`: runs the closure, then `scaler.step` (skipped
    /// on inf/NaN gradients) and `scaler.update()`; without a scaler, `optimizer.step(closure:)`.
    /// Returns false when the scaler skipped the step.
    @discardableResult
    func optimizerStep(_ optimizer: Optimizer, closure: () throws -> Tensor?) throws -> Bool {
        guard scaler != nil else {
            try optimizer.step(closure: closure)
            return true
        }
        let result = try enableGrad { try closure() }
        // A training step that returned no loss ran no backward: nothing to step.
        guard result != nil else { return true }
        return try step(optimizer)
    }

    /// Steps `optimizer` on gradients already computed: through the loss scaler (`scaler.step`,
    /// skipped on inf/NaN gradients, then `scaler.update()`) with one, else `optimizer.step()`.
    /// Returns false when the scaler skipped the step.
    @discardableResult
    func step(_ optimizer: Optimizer) throws -> Bool {
        guard let scaler else {
            try optimizer.step()
            return true
        }
        let stepped = try scaler.step(optimizer)
        try scaler.update()
        return stepped
    }

    /// The scaler's state for checkpoints (Lightning's `MixedPrecision.state_dict`), nil when empty.
    func stateDict() throws -> StateMap? {
        guard let scaler else { return nil }
        let state = try scaler.stateDict()
        return state.isEmpty ? nil : state
    }

    func loadStateDict(_ state: StateMap) throws {
        try scaler?.loadStateDict(state)
    }

    /// The checkpoint key of the plugin's state (Lightning's plugin class name).
    var checkpointKey: String { "MixedPrecision" }
}

/// Casts the floating tensors of a batch (tensors, arrays, dictionaries, pairs and triples).
func convertFloatingTensors<Batch>(_ batch: Batch, to dtype: DType) throws -> Batch {
    func cast(_ t: Tensor) throws -> Tensor { t.isFloatingPoint ? try t.to(dtype: dtype) : t }
    switch batch {
    case let t as Tensor: return try cast(t) as! Batch
    case let list as [Tensor]: return try list.map(cast) as! Batch
    case let dictionary as [String: Tensor]: return try dictionary.mapValues(cast) as! Batch
    case let (a, b) as (Tensor, Tensor): return (try cast(a), try cast(b)) as! Batch
    case let (a, b, c) as (Tensor, Tensor, Tensor): return (try cast(a), try cast(b), try cast(c)) as! Batch
    default: return batch
    }
}
