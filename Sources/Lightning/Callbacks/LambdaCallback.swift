import Torch

/// A callback made of closures, one per hook (Lightning's `LambdaCallback`): for a quick hook without
/// writing a type.
///
/// ```swift
/// let printer = LambdaCallback(onTrainEpochEnd: { trainer, _ in print("epoch", trainer.currentEpoch) })
/// let trainer = try Trainer(callbacks: [printer])
/// ```
///
/// Each closure takes the hook's arguments in order; set the properties after creation as well.
open class LambdaCallback: Callback {
    public var setupHook: ((Trainer, any LightningModule, Stage) throws -> Void)?
    public var teardownHook: ((Trainer, any LightningModule, Stage) throws -> Void)?
    public var onFitStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onFitEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onSanityCheckStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onSanityCheckEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTrainStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTrainEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTrainEpochStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTrainEpochEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTrainBatchStartHook: ((Trainer, any LightningModule, Any, Int) throws -> Void)?
    public var onTrainBatchEndHook: ((Trainer, any LightningModule, StepOutputs, Any, Int) throws -> Void)?
    public var onValidationStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onValidationEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onValidationEpochStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onValidationEpochEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onValidationBatchStartHook: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)?
    public var onValidationBatchEndHook: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)?
    public var onTestStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTestEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTestEpochStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTestEpochEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onTestBatchStartHook: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)?
    public var onTestBatchEndHook: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)?
    public var onPredictStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onPredictEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onPredictEpochStartHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onPredictEpochEndHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onPredictBatchStartHook: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)?
    public var onPredictBatchEndHook: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)?
    public var onBeforeZeroGradHook: ((Trainer, any LightningModule, Optimizer) throws -> Void)?
    public var onBeforeBackwardHook: ((Trainer, any LightningModule, Tensor) throws -> Void)?
    public var onAfterBackwardHook: ((Trainer, any LightningModule) throws -> Void)?
    public var onBeforeOptimizerStepHook: ((Trainer, any LightningModule, Optimizer) throws -> Void)?
    public var onExceptionHook: ((Trainer, any LightningModule, any Error) throws -> Void)?
    public var onSaveCheckpointHook: ((Trainer, any LightningModule, inout Checkpoint) throws -> Void)?
    public var onLoadCheckpointHook: ((Trainer, any LightningModule, Checkpoint) throws -> Void)?

    public init(setup: ((Trainer, any LightningModule, Stage) throws -> Void)? = nil,
                teardown: ((Trainer, any LightningModule, Stage) throws -> Void)? = nil,
                onFitStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onFitEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onSanityCheckStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onSanityCheckEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTrainStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTrainEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTrainEpochStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTrainEpochEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTrainBatchStart: ((Trainer, any LightningModule, Any, Int) throws -> Void)? = nil,
                onTrainBatchEnd: ((Trainer, any LightningModule, StepOutputs, Any, Int) throws -> Void)? = nil,
                onValidationStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onValidationEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onValidationEpochStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onValidationEpochEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onValidationBatchStart: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)? = nil,
                onValidationBatchEnd: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)? = nil,
                onTestStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTestEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTestEpochStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTestEpochEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onTestBatchStart: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)? = nil,
                onTestBatchEnd: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)? = nil,
                onPredictStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onPredictEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onPredictEpochStart: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onPredictEpochEnd: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onPredictBatchStart: ((Trainer, any LightningModule, Any, Int, Int) throws -> Void)? = nil,
                onPredictBatchEnd: ((Trainer, any LightningModule, Any, Any, Int, Int) throws -> Void)? = nil,
                onBeforeZeroGrad: ((Trainer, any LightningModule, Optimizer) throws -> Void)? = nil,
                onBeforeBackward: ((Trainer, any LightningModule, Tensor) throws -> Void)? = nil,
                onAfterBackward: ((Trainer, any LightningModule) throws -> Void)? = nil,
                onBeforeOptimizerStep: ((Trainer, any LightningModule, Optimizer) throws -> Void)? = nil,
                onException: ((Trainer, any LightningModule, any Error) throws -> Void)? = nil,
                onSaveCheckpoint: ((Trainer, any LightningModule, inout Checkpoint) throws -> Void)? = nil,
                onLoadCheckpoint: ((Trainer, any LightningModule, Checkpoint) throws -> Void)? = nil) {
        self.setupHook = setup
        self.teardownHook = teardown
        self.onFitStartHook = onFitStart
        self.onFitEndHook = onFitEnd
        self.onSanityCheckStartHook = onSanityCheckStart
        self.onSanityCheckEndHook = onSanityCheckEnd
        self.onTrainStartHook = onTrainStart
        self.onTrainEndHook = onTrainEnd
        self.onTrainEpochStartHook = onTrainEpochStart
        self.onTrainEpochEndHook = onTrainEpochEnd
        self.onTrainBatchStartHook = onTrainBatchStart
        self.onTrainBatchEndHook = onTrainBatchEnd
        self.onValidationStartHook = onValidationStart
        self.onValidationEndHook = onValidationEnd
        self.onValidationEpochStartHook = onValidationEpochStart
        self.onValidationEpochEndHook = onValidationEpochEnd
        self.onValidationBatchStartHook = onValidationBatchStart
        self.onValidationBatchEndHook = onValidationBatchEnd
        self.onTestStartHook = onTestStart
        self.onTestEndHook = onTestEnd
        self.onTestEpochStartHook = onTestEpochStart
        self.onTestEpochEndHook = onTestEpochEnd
        self.onTestBatchStartHook = onTestBatchStart
        self.onTestBatchEndHook = onTestBatchEnd
        self.onPredictStartHook = onPredictStart
        self.onPredictEndHook = onPredictEnd
        self.onPredictEpochStartHook = onPredictEpochStart
        self.onPredictEpochEndHook = onPredictEpochEnd
        self.onPredictBatchStartHook = onPredictBatchStart
        self.onPredictBatchEndHook = onPredictBatchEnd
        self.onBeforeZeroGradHook = onBeforeZeroGrad
        self.onBeforeBackwardHook = onBeforeBackward
        self.onAfterBackwardHook = onAfterBackward
        self.onBeforeOptimizerStepHook = onBeforeOptimizerStep
        self.onExceptionHook = onException
        self.onSaveCheckpointHook = onSaveCheckpoint
        self.onLoadCheckpointHook = onLoadCheckpoint
    }

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws { try setupHook?(trainer, module, stage) }
    open func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws { try teardownHook?(trainer, module, stage) }
    open func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onFitStartHook?(trainer, module) }
    open func onFitEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onFitEndHook?(trainer, module) }
    open func onSanityCheckStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onSanityCheckStartHook?(trainer, module) }
    open func onSanityCheckEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onSanityCheckEndHook?(trainer, module) }
    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onTrainStartHook?(trainer, module) }
    open func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onTrainEndHook?(trainer, module) }
    open func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onTrainEpochStartHook?(trainer, module) }
    open func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onTrainEpochEndHook?(trainer, module) }
    open func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws { try onTrainBatchStartHook?(trainer, module, batch, batchIndex) }
    open func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws { try onTrainBatchEndHook?(trainer, module, outputs, batch, batchIndex) }
    open func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onValidationStartHook?(trainer, module) }
    open func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onValidationEndHook?(trainer, module) }
    open func onValidationEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onValidationEpochStartHook?(trainer, module) }
    open func onValidationEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onValidationEpochEndHook?(trainer, module) }
    open func onValidationBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onValidationBatchStartHook?(trainer, module, batch, batchIndex, dataloaderIndex) }
    open func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onValidationBatchEndHook?(trainer, module, outputs, batch, batchIndex, dataloaderIndex) }
    open func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onTestStartHook?(trainer, module) }
    open func onTestEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onTestEndHook?(trainer, module) }
    open func onTestEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onTestEpochStartHook?(trainer, module) }
    open func onTestEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onTestEpochEndHook?(trainer, module) }
    open func onTestBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onTestBatchStartHook?(trainer, module, batch, batchIndex, dataloaderIndex) }
    open func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onTestBatchEndHook?(trainer, module, outputs, batch, batchIndex, dataloaderIndex) }
    open func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onPredictStartHook?(trainer, module) }
    open func onPredictEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onPredictEndHook?(trainer, module) }
    open func onPredictEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { try onPredictEpochStartHook?(trainer, module) }
    open func onPredictEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { try onPredictEpochEndHook?(trainer, module) }
    open func onPredictBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onPredictBatchStartHook?(trainer, module, batch, batchIndex, dataloaderIndex) }
    open func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { try onPredictBatchEndHook?(trainer, module, outputs, batch, batchIndex, dataloaderIndex) }
    open func onBeforeZeroGrad(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { try onBeforeZeroGradHook?(trainer, module, optimizer) }
    open func onBeforeBackward(_ trainer: Trainer, _ module: any LightningModule, loss: Tensor) throws { try onBeforeBackwardHook?(trainer, module, loss) }
    open func onAfterBackward(_ trainer: Trainer, _ module: any LightningModule) throws { try onAfterBackwardHook?(trainer, module) }
    open func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { try onBeforeOptimizerStepHook?(trainer, module, optimizer) }
    open func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws { try onExceptionHook?(trainer, module, error) }
    open func onSaveCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: inout Checkpoint) throws { try onSaveCheckpointHook?(trainer, module, &checkpoint) }
    open func onLoadCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: Checkpoint) throws { try onLoadCheckpointHook?(trainer, module, checkpoint) }
}
