import Torch

/// Code that runs at points of the training loop without being part of the model: checkpointing,
/// early stopping, progress bars, logging of learning rates (Lightning's `Callback`).
///
/// Every hook has an empty default; implement the ones you need. A callback's hook runs before the
/// module's hook of the same name, in the order the callbacks were given (checkpoint callbacks
/// last), as in Lightning. Batches and step outputs arrive type-erased (`Any`), since one callback
/// serves any module. A per-batch hook a callback leaves to its default, which does nothing
/// (`onTrainBatchStart`, `onBeforeBackward`, …), is called once and then skipped for that callback
/// while the run's callback list stays the same (a callback's type fixes which implementation it
/// has); with a profiler every call is made and timed, as in Lightning.
///
/// ```swift
/// final class PrintLoss: Callback {
///     func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
///         print("epoch", trainer.currentEpoch, "loss", trainer.callbackMetrics["train_loss"] ?? .nan)
///     }
/// }
/// ```
public protocol Callback: AnyObject {
    /// The key of this callback's state in checkpoints; distinct callbacks of one type need distinct
    /// keys (ModelCheckpoint includes its settings).
    var stateKey: String { get }

    func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws
    func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws
    func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onFitEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onSanityCheckStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onSanityCheckEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws
    func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onValidationEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onValidationEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onValidationBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTestEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTestEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTestEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onTestBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onPredictEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onPredictEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws
    func onPredictEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws
    func onPredictBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws
    func onBeforeZeroGrad(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws
    func onBeforeBackward(_ trainer: Trainer, _ module: any LightningModule, loss: Tensor) throws
    func onAfterBackward(_ trainer: Trainer, _ module: any LightningModule) throws
    func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws
    /// Any error thrown in a Trainer entry point, before it reaches the caller.
    func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws

    /// The callback's state saved in `checkpoint["callbacks"][stateKey]`; nil saves nothing.
    func stateDict() -> PickleValue?
    /// Restores what ``stateDict()`` returned.
    func loadStateDict(_ state: PickleValue) throws
    /// Edit the checkpoint while it is being saved.
    func onSaveCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: inout Checkpoint) throws
    /// Read a checkpoint while it is being loaded.
    func onLoadCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: Checkpoint) throws
}

extension Callback {
    public var stateKey: String { String(describing: type(of: self)) }

    // The per-batch hooks that do nothing by default say so, and the trainer skips them on this
    // callback from then on (see LightningContext.callbackNoOpDefaults).

    public func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {}
    public func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {}
    public func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onFitEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onSanityCheckStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onSanityCheckEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onTrainBatchStart, of: self) }
    public func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onTrainBatchEnd, of: self) }
    public func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onValidationEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onValidationEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onValidationBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onValidationBatchStart, of: self) }
    public func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onValidationBatchEnd, of: self) }
    public func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTestEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTestEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTestEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onTestBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onTestBatchStart, of: self) }
    public func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onTestBatchEnd, of: self) }
    public func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onPredictEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onPredictEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onPredictEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {}
    public func onPredictBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onPredictBatchStart, of: self) }
    public func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { LightningContext.noteCallbackNoOpDefault(.onPredictBatchEnd, of: self) }
    public func onBeforeZeroGrad(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { LightningContext.noteCallbackNoOpDefault(.onBeforeZeroGrad, of: self) }
    public func onBeforeBackward(_ trainer: Trainer, _ module: any LightningModule, loss: Tensor) throws { LightningContext.noteCallbackNoOpDefault(.onBeforeBackward, of: self) }
    public func onAfterBackward(_ trainer: Trainer, _ module: any LightningModule) throws { LightningContext.noteCallbackNoOpDefault(.onAfterBackward, of: self) }
    public func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { LightningContext.noteCallbackNoOpDefault(.onBeforeOptimizerStep, of: self) }
    public func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws {}
    public func stateDict() -> PickleValue? { nil }
    public func loadStateDict(_ state: PickleValue) throws {}
    public func onSaveCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: inout Checkpoint) throws {}
    public func onLoadCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: Checkpoint) throws {}
}

/// Callbacks that act on monitored metrics at the end of a training epoch (ModelCheckpoint,
/// EarlyStopping) run after the module's `onTrainEpochEnd`, so they see what it logged.
public protocol MonitoringCallback: Callback {}

/// Callbacks that write checkpoints run last among the callbacks, as in Lightning; the Trainer asks
/// them for the paths behind `ckptPath: "best"` and `"last"`.
public protocol CheckpointingCallback: MonitoringCallback {
    /// The best checkpoint so far, or "".
    var bestModelPath: String { get }
    /// The latest `last*.ckpt`, or "".
    var lastModelPath: String { get }
    /// The files this callback offers for `ckptPath: "last"` (existing or not); the Trainer takes
    /// the newest that exists. The default offers ``lastModelPath``.
    func lastCheckpointCandidates(_ trainer: Trainer) -> [String]
}

extension CheckpointingCallback {
    public func lastCheckpointCandidates(_ trainer: Trainer) -> [String] { [lastModelPath] }
}
