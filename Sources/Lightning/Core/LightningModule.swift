import Torch

/// The research code: a model with its training, validation, test and predict steps and its
/// optimizer, as Lightning's `LightningModule`.
///
/// A LightningModule is a `Module` (layers are stored properties, as usual) that adopts this
/// protocol. Only `trainingStep` is required; every other hook has a default that does what
/// Lightning's does, so you write only the hooks you need. The batch type is an associated type:
/// handing the Trainer a data module whose batches are of another type is a compile error.
///
/// ```swift
/// final class LitClassifier: Module, LightningModule {
///     typealias Batch = (Tensor, Tensor)
///     let net = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
///
///     func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
///         let loss = try net(batch.0).crossEntropyLoss(target: batch.1)
///         try log("train_loss", loss, progressBar: true)
///         return loss
///     }
///
///     func validationStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
///         let loss = try net(batch.0).crossEntropyLoss(target: batch.1)
///         try log("val_loss", loss)
///         return loss
///     }
///
///     func configureOptimizers() throws -> Adam {
///         try Adam(parameters(), lr: 1e-3)
///     }
/// }
/// ```
///
/// Hooks run in exactly Lightning's order (see `docs/lightning/hooks.md`); inside them,
/// ``log(_:_:progressBar:logger:onStep:onEpoch:reduce:syncDist:batchSize:)`` records metrics and
/// ``trainer`` gives the running ``Trainer``. A per-batch hook you do not implement, whose default
/// does nothing (`onTrainBatchEnd`, `onBeforeBackward`, …), is called once and then skipped for the
/// rest of the run: its call would cost the step time and change nothing. With a profiler every
/// call is made and timed, as in Lightning.
public protocol LightningModule: Module, DataHooks {
    /// What `trainingStep` returns: a loss `Tensor`, `Tensor?` (nil skips the step) or ``TrainingStepResult``.
    associatedtype TrainingOutput: TrainingStepOutput
    associatedtype ValidationOutput = NotImplemented
    associatedtype TestOutput = NotImplemented
    associatedtype PredictOutput = NotImplemented
    associatedtype OptimizerOutput: OptimizerConfigurationConvertible = OptimizerConfiguration

    // MARK: Steps

    /// Computes the loss of one training batch.
    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> TrainingOutput
    /// One validation batch. Implement this or the form with `dataloaderIndex`.
    func validationStep(_ batch: Batch, batchIndex: Int) throws -> ValidationOutput
    /// One validation batch of the `dataloaderIndex`-th validation loader.
    func validationStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> ValidationOutput
    /// One test batch. Implement this or the form with `dataloaderIndex`.
    func testStep(_ batch: Batch, batchIndex: Int) throws -> TestOutput
    /// One test batch of the `dataloaderIndex`-th test loader.
    func testStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> TestOutput
    /// One prediction batch. Implement this or the form with `dataloaderIndex`.
    func predictStep(_ batch: Batch, batchIndex: Int) throws -> PredictOutput
    /// One prediction batch of the `dataloaderIndex`-th predict loader.
    func predictStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> PredictOutput

    /// The optimizer (and schedulers) to train with. Automatic optimization takes one optimizer.
    func configureOptimizers() throws -> OptimizerOutput
    /// Callbacks the model brings along; one of the same type as a Trainer callback replaces it.
    func configureCallbacks() -> [any Callback]
    /// Builds layers late, after `setup` (Lightning's `configure_model`); most modules build them in `init`.
    func configureModel() throws

    // MARK: Settings

    /// False switches to manual optimization: `trainingStep` calls `manualBackward` and steps the
    /// optimizers itself (`optimizers()`), and the Trainer does not step, clip or accumulate.
    var automaticOptimization: Bool { get }
    /// The hyperparameters saved into checkpoints (`hyper_parameters`) and sent to loggers.
    var hyperparameters: Hyperparameters { get }

    // MARK: Lifecycle hooks

    func onFitStart() throws
    func onFitEnd() throws
    func onTrainStart() throws
    func onTrainEnd() throws
    func onValidationStart() throws
    func onValidationEnd() throws
    func onTestStart() throws
    func onTestEnd() throws
    func onPredictStart() throws
    func onPredictEnd() throws
    func onTrainEpochStart() throws
    func onTrainEpochEnd() throws
    func onValidationEpochStart() throws
    func onValidationEpochEnd() throws
    func onTestEpochStart() throws
    func onTestEpochEnd() throws
    func onPredictEpochStart() throws
    func onPredictEpochEnd() throws

    /// Before each training batch; returning -1 ends the epoch here.
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws -> Int?
    func onTrainBatchEnd(_ outputs: StepOutputs, batch: Batch, batchIndex: Int) throws
    func onValidationBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws
    func onValidationBatchEnd(_ outputs: ValidationOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws
    func onTestBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws
    func onTestBatchEnd(_ outputs: TestOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws
    func onPredictBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws
    func onPredictBatchEnd(_ outputs: PredictOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws

    /// Before validation inside `fit` (not while accumulating): the default clears gradients.
    func onValidationModelZeroGrad() throws
    /// The default sets eval mode.
    func onValidationModelEval() throws
    /// The default restores the train/eval mode each submodule had before validation.
    func onValidationModelTrain() throws
    func onTestModelEval() throws
    func onTestModelTrain() throws
    func onPredictModelEval() throws

    // MARK: Optimization hooks

    func onBeforeZeroGrad(_ optimizer: Optimizer) throws
    func onBeforeBackward(_ loss: Tensor) throws
    func onAfterBackward() throws
    func onBeforeOptimizerStep(_ optimizer: Optimizer) throws
    /// The default is `loss.backward()`.
    func backward(_ loss: Tensor) throws
    /// The default calls `optimizer.step(closure:)`; the closure runs the training step, zero-grad
    /// and backward, and must be called exactly once.
    func optimizerStep(epoch: Int, batchIndex: Int, optimizer: Optimizer, closure: () throws -> Tensor?) throws
    /// The default is `optimizer.zeroGrad()`.
    func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: Optimizer) throws
    /// Called on every real optimizer step; the default clips with the Trainer's settings.
    func configureGradientClipping(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws
    /// Clips the gradients of `optimizer`'s parameters by norm or value; nil or 0 does nothing.
    func clipGradients(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws
    /// The default steps the scheduler (with the monitored value for plateau schedulers).
    func lrSchedulerStep(_ scheduler: any LearningRateScheduler, metric: Double?) throws

    // MARK: Data hooks (the loaders of ``DataHooks`` are used when no data module provides them)

    func onBeforeBatchTransfer(_ batch: Batch, dataloaderIndex: Int) throws -> Batch
    /// Moves a batch to the training device; the default handles tensors, arrays and dictionaries
    /// of tensors, pairs and triples of tensors, and ``DeviceTransferable`` types.
    func transferBatchToDevice(_ batch: Batch, device: Device, dataloaderIndex: Int) throws -> Batch
    func onAfterBatchTransfer(_ batch: Batch, dataloaderIndex: Int) throws -> Batch

    // MARK: Checkpoint hooks

    /// Edit the checkpoint before it is written (after the callbacks' `onSaveCheckpoint`).
    func onSaveCheckpoint(_ checkpoint: inout Checkpoint) throws
    /// Read what `onSaveCheckpoint` added, when a checkpoint is loaded.
    func onLoadCheckpoint(_ checkpoint: Checkpoint) throws
}

/// The outputs of a training step as callbacks and `onTrainBatchEnd` see them (the loss already
/// divided by the accumulation factor, as in Lightning).
public struct StepOutputs {
    /// The step's loss, detached from its graph (Lightning's `ClosureResult.loss`).
    public var loss: Tensor? {
        get {
            switch storedLoss {
            case .detached(let loss): loss
            case .attached(let box): box.detached
            }
        }
        set { storedLoss = .detached(newValue) }
    }
    public var extras: [String: Tensor]
    private var storedLoss: StoredLoss

    public init(loss: Tensor?, extras: [String: Tensor] = [:]) {
        self.storedLoss = .detached(loss)
        self.extras = extras
    }

    /// The outputs of a step whose `loss` is still attached to its graph: it is detached when first
    /// read, so a step whose hooks never read it does no detach. Only for a loss whose backward
    /// runs before the hooks see it: backward frees the graph's saved tensors, so outputs a hook
    /// keeps hold no activations (a `backward` override with `retainGraph` would keep them).
    init(attachedLoss loss: Tensor, extras: [String: Tensor]) {
        self.storedLoss = .attached(DetachedOnRead(loss))
        self.extras = extras
    }

    /// A detached loss as it is; an attached one in a box shared by the copies of these outputs,
    /// so that every reader gets the same detached tensor.
    private enum StoredLoss {
        case detached(Tensor?)
        case attached(DetachedOnRead)
    }
}

/// A loss detached the first time it is read, the same tensor on every read after that.
private final class DetachedOnRead {
    private var loss: Tensor
    private var isDetached = false

    init(_ loss: Tensor) {
        self.loss = loss
    }

    var detached: Tensor {
        if !isDetached {
            // `detach` only fails where libtorch cannot make a tensor object at all; the attached
            // loss then still has the values a hook reads.
            loss = (try? loss.detach()) ?? loss
            isDetached = true
        }
        return loss
    }
}

/// How `gradientClipVal` clips: by total norm (`clip_grad_norm_`) or by value (`clip_grad_value_`).
public enum GradientClipAlgorithm: String, Sendable {
    case norm, value
}
