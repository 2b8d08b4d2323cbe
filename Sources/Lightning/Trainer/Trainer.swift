import Foundation
import Torch

/// The engineering: runs the loops of a ``LightningModule`` — training, validation, test,
/// prediction — on the chosen device and precision, with logging, callbacks and checkpoints, as
/// Lightning's `Trainer`.
///
/// ```swift
/// let trainer = try Trainer(callbacks: [EarlyStopping(monitor: "val_loss")], maxEpochs: 10)
/// try trainer.fit(model, datamodule: data)
/// let results = try trainer.test(model, datamodule: data, ckptPath: "best")
/// ```
///
/// Every argument is optional; nil means Lightning's default (see ``TrainerConfiguration``).
/// `checkValEveryNEpoch: 0` stands for Lightning's `None` (validation driven by batch count only).
public final class Trainer {
    /// The settings this trainer was made with.
    public let configuration: TrainerConfiguration

    // MARK: Progress (Lightning §1.3)

    /// Epochs finished (0-based index of the current epoch).
    public internal(set) var currentEpoch = 0
    /// Optimizer steps taken.
    public internal(set) var globalStep = 0
    /// Set to stop training at the next chance (EarlyStopping does); honoured after `minEpochs`/`minSteps`.
    public var shouldStop = false
    /// The stage now running.
    public internal(set) var stage: RunningStage?
    /// Training batches per epoch after limits (nil before fit, or for sources of unknown length).
    public internal(set) var numTrainingBatches: Int?
    /// Validation batches per loader after limits.
    public internal(set) var numValBatches: [Int] = []
    /// Sanity-check batches per validation loader.
    public internal(set) var numSanityValBatches: [Int] = []
    public internal(set) var numTestBatches: [Int] = []
    public internal(set) var numPredictBatches: [Int] = []
    /// The checkpoint the current or latest `fit` resumed from (resolved from "best"/"last"), or nil.
    public internal(set) var ckptPath: String?
    /// True once an entry point was stopped by an error, Ctrl-C or `SIGTERM` (Lightning's
    /// `trainer.interrupted`, status INTERRUPTED); reset when the next entry point starts.
    public internal(set) var interrupted = false
    /// True once `SIGTERM` stopped a fit (Lightning's `trainer.received_sigterm`).
    public internal(set) var receivedSigterm = false
    /// True on the last batch of a training epoch.
    public internal(set) var isLastBatch = false
    /// Batches whose gradients are summed before each optimizer step (Lightning's
    /// `trainer.accumulate_grad_batches`): the configuration's `accumulateGradBatches`, which a
    /// callback such as ``GradientAccumulationScheduler`` may change between epochs.
    public var accumulateGradBatches: Int
    /// The number of optimizer steps of the whole fit, as Lightning's `estimated_stepping_batches`
    /// (for OneCycleLR); available from `configureOptimizers` on (it loads the training data if needed).
    /// `Int.max` stands for Lightning's `inf` (`maxEpochs: -1` without `maxSteps`); with a training
    /// loader of unknown length it is `maxSteps`, so -1 when that is unset, as in Lightning.
    public var estimatedSteppingBatches: Int { (try? estimatedSteppingBatchesProvider?()) ?? 0 }

    // MARK: Metrics

    /// Every logged value, by name (and `_step`/`_epoch` names): what callbacks monitor.
    public var callbackMetrics: [String: Double] { (try? metrics.read(metrics.callback)) ?? [:] }
    /// What was sent to the loggers, by name.
    public var loggedMetrics: [String: Double] { (try? metrics.read(metrics.logged)) ?? [:] }
    /// What the progress bar shows, by name.
    public var progressBarMetrics: [String: Double] { (try? metrics.read(metrics.progressBar)) ?? [:] }

    // MARK: Objects

    /// The callbacks of the current run (the trainer's and the model's), in the order they run.
    public internal(set) var callbacks: [any Callback] {
        didSet { context.callbackNoOpDefaults = Array(repeating: 0, count: callbacks.count) }
    }
    /// The loggers; the first one's `logDir` is where checkpoints go.
    public internal(set) var loggers: [any Logger]
    /// The optimizers of the current fit.
    public internal(set) var optimizers: [Optimizer] = []
    /// The schedulers of the current fit with their Lightning settings.
    public internal(set) var lrSchedulerConfigs: [LRSchedulerConfiguration] = []
    /// The device the model runs on.
    public internal(set) var device: Device = .cpu
    /// The precision in use.
    public var precision: PrecisionSetting { configuration.precision }
    /// The profiler timing the hooks and loop actions (nil: none, the default).
    public let profiler: (any Profiler)?

    // MARK: Paths

    /// Where logs and checkpoints go when no logger or checkpoint folder says otherwise.
    public var defaultRootDir: String { configuration.defaultRootDir ?? FileManager.default.currentDirectoryPath }
    /// The first logger's folder, or `defaultRootDir`.
    public var logDir: String { loggers.first?.logDir ?? defaultRootDir }

    // MARK: Distribution

    /// This process's rank among all processes (0 with one process).
    public var globalRank: Int { runtime?.globalRank ?? 0 }
    /// This process's rank on its machine.
    public var localRank: Int { runtime?.localRank ?? 0 }
    /// The machine's rank among the machines.
    public var nodeRank: Int { runtime?.nodeRank ?? 0 }
    /// The number of processes (devices × numNodes in a DDP run).
    public var worldSize: Int { runtime?.worldSize ?? 1 }
    public var isGlobalZero: Bool { globalRank == 0 }

    // MARK: Internal state

    /// The process group of a DDP run (nil with one process).
    var runtime: DistributedRuntime?
    /// The cluster environment of the run: the DDP run's, or SLURM's for one process (nil outside).
    var clusterEnvironment: (any ClusterEnvironment)?
    /// The DDP settings of the current run (nil with one process).
    var ddpStrategy: DDPStrategy?
    /// The gradient synchronisation of the module being fitted (DDP only).
    var ddp: DistributedDataParallel?

    let metrics = MetricStore()
    /// Optimizer steps taken, counted for logging (Lightning's `_batches_that_stepped`).
    var batchesThatStepped = 0
    /// The run context hooks see (a constant: the step path reads it without an access check).
    let context = LightningContext()
    /// The batch being processed; its size (found only when a logged mean needs it) weights the mean.
    var currentBatch: Any?
    var estimatedSteppingBatchesProvider: (() throws -> Int)?
    /// The run that `saveCheckpoint` saves (set by fit, kept after it ends).
    var checkpointSource: CheckpointSource?
    lazy var defaultCheckpointIO: any CheckpointIO = TorchCheckpointIO()
    /// The ModelCheckpoint `enableCheckpointing` adds to fits without one (one per trainer, so its
    /// best and last paths outlive the fit). `ModelCheckpoint()` only throws for contradictory
    /// settings, and the defaults are consistent: it cannot throw.
    lazy var defaultModelCheckpoint: ModelCheckpoint = try! ModelCheckpoint()
    /// The Timer behind `maxTime` (one per trainer, as Lightning's `Timer(duration=max_time,
    /// interval="step")` added to `trainer.callbacks`).
    lazy var maxTimeTimer: Timer? = configuration.maxTime.map { Timer(duration: $0, interval: .step) }
    /// The signal counters when the running entry point began (nil outside one).
    var signalMark: SignalFunnel.Mark?
    /// Whether the loss scaler skipped this batch's optimizer step (inf or NaN gradients under
    /// "16-mixed"): its step-interval schedulers do not step either.
    var scalerSkippedStep = false
    /// Under DDP, what the ranks agreed at the end of the current training step (nil with one
    /// process); see ``StepAgreement``.
    var stepDecisions: StepDecisions?
    /// When the last validation ended (for time-based validation intervals).
    var lastValidationTime: TimeInterval?
    /// The precision's conversions and autocast region.
    var precisionPlugin = PrecisionPlugin(setting: .float32, device: .cpu)
    /// A plugin to use instead of the one `precision` selects (Lightning's `plugins=[MixedPrecision(…)]`).
    var precisionPluginOverride: PrecisionPlugin?
    /// The entry point running (Lightning's `trainer.state.fn`).
    var entryPoint: Stage?
    /// Whether the training batch being processed only accumulates gradients (Lightning's
    /// `fit_loop._should_accumulate()`).
    var batchAccumulates = false
    /// Batches read by the running evaluation or prediction loop in this run (Lightning's
    /// `batch_progress.current.ready`; what ThroughputMonitor logs them at).
    var evaluationBatchesReady = 0
    /// Callbacks the Tuner puts first for the run it starts.
    var tunerCallbacks: [any Callback] = []
    /// What the running prediction has seen, for prediction writers.
    var predictionRecord = PredictionRecord()
    /// Limits changed during the running fit by tuners and callbacks.
    var loopOverrides = LoopOverrides()
    /// The running fit loop, for the tuners and callbacks that rerun or adjust it (nil outside fit).
    var fitLoopControl: (any FitLoopControl)?
    /// The running loop (fit, validate/test or predict) for the batch-size finder.
    var activeTrialLoop: (any BatchSizeTrials)?
    /// The module's class name, for the profiler's action names.
    var profiledModuleName = "LightningModule"

    /// Creates a trainer from a configuration; throws when settings contradict each other.
    public init(_ configuration: TrainerConfiguration) throws {
        self.configuration = configuration
        self.accumulateGradBatches = configuration.accumulateGradBatches
        self.callbacks = configuration.callbacks
        self.loggers = []
        self.profiler = configuration.profiler?.make()
        try validate(configuration)
        self.loggers = try makeLoggers()
        context.trainer = self
        context.callbackNoOpDefaults = Array(repeating: 0, count: callbacks.count)
    }

    /// Creates a trainer; every argument left nil takes Lightning's default.
    public convenience init(
        accelerator: String? = nil, strategy: StrategyChoice? = nil, devices: Devices? = nil, numNodes: Int? = nil,
        precision: PrecisionSetting? = nil, logger: [any Logger]? = nil, callbacks: [any Callback]? = nil,
        fastDevRun: Int? = nil, maxEpochs: Int? = nil, minEpochs: Int? = nil, maxSteps: Int? = nil, minSteps: Int? = nil,
        maxTime: Double? = nil, limitTrainBatches: BatchLimit? = nil, limitValBatches: BatchLimit? = nil,
        limitTestBatches: BatchLimit? = nil, limitPredictBatches: BatchLimit? = nil, overfitBatches: BatchLimit? = nil,
        valCheckInterval: ValidationInterval? = nil, checkValEveryNEpoch: Int? = nil, numSanityValSteps: Int? = nil,
        logEveryNSteps: Int? = nil, enableCheckpointing: Bool? = nil, enableProgressBar: Bool? = nil,
        enableModelSummary: Bool? = nil, accumulateGradBatches: Int? = nil, gradientClipVal: Double? = nil,
        gradientClipAlgorithm: GradientClipAlgorithm? = nil, deterministic: Bool? = nil, benchmark: Bool? = nil,
        inferenceMode: Bool? = nil, profiler: ProfilerChoice? = nil, detectAnomaly: Bool? = nil, barebones: Bool? = nil,
        reloadDataloadersEveryNEpochs: Int? = nil, defaultRootDir: String? = nil, useDistributedSampler: Bool? = nil
    ) throws {
        var c = TrainerConfiguration()
        if barebones == true {
            // As Lightning's `barebones=True`: everything that costs time is off unless asked for.
            c.barebones = true
            c.loggers = []
            c.enableCheckpointing = false
            c.enableProgressBar = false
            c.enableModelSummary = false
            c.numSanityValSteps = 0
        }
        if let accelerator { c.accelerator = accelerator }
        if let strategy { c.strategy = strategy }
        if let devices { c.devices = devices }
        if let numNodes { c.numNodes = numNodes }
        if let precision { c.precision = precision }
        if let logger { c.loggers = logger }
        if let callbacks { c.callbacks = callbacks }
        if let fastDevRun { c.fastDevRun = fastDevRun }
        if let maxEpochs { c.maxEpochs = maxEpochs }
        if let minEpochs { c.minEpochs = minEpochs }
        if let maxSteps { c.maxSteps = maxSteps }
        if let minSteps { c.minSteps = minSteps }
        if let maxTime { c.maxTime = maxTime }
        if let limitTrainBatches { c.limitTrainBatches = limitTrainBatches }
        if let limitValBatches { c.limitValBatches = limitValBatches }
        if let limitTestBatches { c.limitTestBatches = limitTestBatches }
        if let limitPredictBatches { c.limitPredictBatches = limitPredictBatches }
        if let overfitBatches { c.overfitBatches = overfitBatches }
        if let valCheckInterval { c.valCheckInterval = valCheckInterval }
        if let checkValEveryNEpoch { c.checkValEveryNEpoch = checkValEveryNEpoch == 0 ? nil : checkValEveryNEpoch }
        if let numSanityValSteps { c.numSanityValSteps = numSanityValSteps }
        if let logEveryNSteps { c.logEveryNSteps = logEveryNSteps }
        if let enableCheckpointing { c.enableCheckpointing = enableCheckpointing }
        if let enableProgressBar { c.enableProgressBar = enableProgressBar }
        if let enableModelSummary { c.enableModelSummary = enableModelSummary }
        if let accumulateGradBatches { c.accumulateGradBatches = accumulateGradBatches }
        if let gradientClipVal { c.gradientClipVal = gradientClipVal }
        if let gradientClipAlgorithm { c.gradientClipAlgorithm = gradientClipAlgorithm }
        if let deterministic { c.deterministic = deterministic }
        if let benchmark { c.benchmark = benchmark }
        if let inferenceMode { c.inferenceMode = inferenceMode }
        if let profiler { c.profiler = profiler }
        if let detectAnomaly { c.detectAnomaly = detectAnomaly }
        if let barebones { c.barebones = barebones }
        if let reloadDataloadersEveryNEpochs { c.reloadDataloadersEveryNEpochs = reloadDataloadersEveryNEpochs }
        if let defaultRootDir { c.defaultRootDir = defaultRootDir }
        if let useDistributedSampler { c.useDistributedSampler = useDistributedSampler }
        try self.init(c)
    }

    /// Prints on global rank 0 only (Lightning's `trainer.print`).
    public func print(_ items: Any...) {
        guard isGlobalZero else { return }
        Swift.print(items.map { "\($0)" }.joined(separator: " "))
    }
}

/// What the Trainer is doing now (Lightning's `trainer.state.stage`).
public enum RunningStage: String, Sendable {
    case training = "train"
    case sanityChecking = "sanity_check"
    case validating = "validate"
    case testing = "test"
    case predicting = "predict"
}
