import Foundation
import Torch

/// One `Trainer.fit` run: Lightning's `_run` + `_FitLoop` + `_TrainingEpochLoop` + automatic
/// optimization, in Lightning's exact hook order (docs/lightning/hooks.md).
final class FitLoop<M: LightningModule> {
    unowned let trainer: Trainer
    let module: M
    let data: RunData<M>
    let evaluation: EvaluationLoop<M>

    var optimizer: Optimizer?
    var trainLoader: (any BatchLoader<M.Batch>)?
    /// Batches to skip at the start of the first epoch (resuming mid-epoch).
    var resumeBatchIndex = 0
    /// Batches seen across all epochs (for `checkValEveryNEpoch: nil`).
    var totalBatchIndex = 0
    /// Lightning's loop counters, saved in checkpoints.
    var progress = LoopProgress()
    /// Batches read from the loader but not yet counted as done: the one being trained on, until it
    /// is counted, and the one read ahead when the loader's length is unknown (see `TrainingBatches`).
    var prefetchedBatches = 0
    /// The checkpoint file to resume from, if any; read after `configureModel`, as Lightning does.
    let resumePath: String?
    /// The checkpoint read from `resumePath`.
    private(set) var resumeFrom: Checkpoint?

    init(trainer: Trainer, module: M, data: RunData<M>, resumePath: String?) {
        self.trainer = trainer
        self.module = module
        self.data = data
        self.resumePath = resumePath
        self.evaluation = EvaluationLoop(trainer: trainer, module: module, data: data, stage: .validate)
        self.configuration = trainer.configuration
    }

    /// The trainer's settings (immutable; held here so the step path reads fields, not copies).
    let configuration: TrainerConfiguration
    /// When the ranks agree on signals, Timers and time-based validation under DDP.
    private var stepAgreement = StepAgreement()
    /// The batch-size finder's starting point: the counters and a checkpoint (see BatchSizeTrials).
    var batchSizeTrialStart: FitTrialStart?

    // MARK: Limits (the trainer's, as fastDevRun, overfitBatches and callbacks set them)

    var maxEpochs: Int { trainer.maxEpochs }
    var maxSteps: Int { trainer.maxSteps }
    var trainLimit: BatchLimit { trainer.trainBatchLimit }

    var canStopEarly: Bool {
        let metEpochs = configuration.minEpochs.map { trainer.currentEpoch >= $0 } ?? true
        let metSteps = configuration.minSteps.map { trainer.globalStep >= $0 } ?? true
        return metEpochs && metSteps
    }

    var maxStepsReached: Bool { maxSteps != -1 && trainer.globalStep >= maxSteps }

    var done: Bool {
        if trainer.numTrainingBatches == 0 { return true }
        if maxStepsReached { return true }
        if maxEpochs != -1 && trainer.currentEpoch >= maxEpochs { return true }
        if trainer.shouldStop && canStopEarly { return true }
        return false
    }

    /// How many batches run between validations (Lightning's `val_check_batch`), nil = end of epoch only.
    var valCheckBatch: Int? {
        switch configuration.valCheckInterval {
        case .batches(let n): return n
        case .fraction(let f):
            guard let batches = trainer.numTrainingBatches else { return nil }
            return Swift.max(1, Int(Double(batches) * f))
        case .seconds: return nil
        }
    }

    // MARK: The run

    func run() throws {
        let t = trainer
        t.fitLoopControl = self
        t.activeTrialLoop = self
        defer {
            t.fitLoopControl = nil
            t.activeTrialLoop = nil
        }
        try t.setupStrategy()
        t.precisionPlugin = t.precisionPluginOverride ?? PrecisionPlugin(setting: configuration.precision, device: t.device)
        if let deterministic = configuration.deterministic { try useDeterministicAlgorithms(deterministic) }
        if let benchmark = configuration.benchmark { CUDA.cudnnBenchmark = benchmark }

        try t.prepareData(module, data)
        try data.setup(.fit)
        try t.callCallbacks(.named("setup")) { try $0.setup(t, module, stage: .fit) }
        try t.callModule(.named("setup")) { try module.setup(stage: .fit) }

        try t.callModule(.named("configure_model")) { try module.configureModel() }
        // Held strongly: `saveCheckpoint` works after fit ends, and in `onException` once the loop
        // has unwound (the loop holds the trainer unowned, so there is no cycle).
        t.checkpointSource = CheckpointSource(dump: { [self] in try self.dumpCheckpoint(weightsOnly: $0) })
        if let resumePath {
            let checkpoint = try t.loadCheckpoint(at: resumePath)
            resumeFrom = checkpoint
            try restoreModelAndCallbacks(checkpoint)
        }
        try module.to(t.device)
        try t.precisionPlugin.convertModule(module)
        try t.wrapForDistributedTraining(module)
        t.estimatedSteppingBatchesProvider = { [unowned self] in try self.estimatedSteppingBatches() }
        try configureOptimizers()

        try t.callCallbacks(.named("on_fit_start")) { try $0.onFitStart(t, module) }
        try t.callModule(.named("on_fit_start")) { try module.onFitStart() }
        let hyperparameters = module.hyperparameters.merging(data.hyperparameters)
        if !hyperparameters.isEmpty {
            for logger in t.loggers where t.isGlobalZero { try logger.logHyperparams(hyperparameters) }
        }
        if let resumeFrom { try restoreTrainingState(resumeFrom) }
        try module.zeroGrad()

        try runSanityCheck()
        try detectAnomalyIfAsked { try runTraining() }

        try t.callCallbacks(.named("on_fit_end")) { try $0.onFitEnd(t, module) }
        try t.callModule(.named("on_fit_end")) { try module.onFitEnd() }
        try t.finishRun(module, data: data, stage: .fit)
    }

    private func detectAnomalyIfAsked(_ body: () throws -> Void) throws {
        if configuration.detectAnomaly { try detectAnomaly { try body() } } else { try body() }
    }

    private func configureOptimizers() throws {
        let configured = try trainer.callModule(.named("configure_optimizers")) { try module.configureOptimizers() }.optimizerConfiguration
        if module.automaticOptimization && configured.optimizers.count > 1 {
            throw LightningError.configuration("Training with multiple optimizers is only supported with manual optimization. Set `automaticOptimization` to false in \(module.typeName), then step the optimizers yourself in trainingStep")
        }
        if !module.automaticOptimization {
            if trainer.accumulateGradBatches != 1 {
                throw LightningError.configuration("accumulateGradBatches does not work with manual optimization: accumulate in your trainingStep instead")
            }
            if configuration.gradientClipVal != nil {
                throw LightningError.configuration("gradientClipVal does not work with manual optimization: call clipGradients(_:clipValue:algorithm:) in your trainingStep instead")
            }
        }
        for scheduler in configured.schedulers where scheduler.isPlateau && scheduler.monitor == nil {
            throw LightningError.configuration("ReduceLROnPlateau needs `monitor` in its LRSchedulerConfiguration: the name of a logged metric, such as \"val_loss\"")
        }
        trainer.optimizers = configured.optimizers
        trainer.lrSchedulerConfigs = configured.schedulers
        optimizer = configured.optimizers.first
        if configured.optimizers.isEmpty {
            Swift.print("warning: `configureOptimizers` returned no optimizer; training runs without updating the model")
        }
    }

    private func estimatedSteppingBatches() throws -> Int {
        if trainLoader == nil { trainLoader = try trainer.loadTrainData(data) }
        if maxEpochs == -1 { return maxSteps == -1 ? Int.max : maxSteps }
        // An epoch of unknown length (an iterable loader, no limit): Lightning returns `max_steps`, -1 when unset.
        guard let batches = trainLimit.resolve(trainLoader?.batchCount) else { return maxSteps }
        let perEpoch = (batches + trainer.accumulateGradBatches - 1) / trainer.accumulateGradBatches
        let product = perEpoch.multipliedReportingOverflow(by: Swift.max(maxEpochs, 1))
        let total = product.overflow ? Int.max : product.partialValue
        return maxSteps == -1 ? total : Swift.min(total, maxSteps)
    }

    // MARK: Sanity check

    private func runSanityCheck() throws {
        let steps = configuration.fastDevRun > 0 ? 0 : configuration.numSanityValSteps
        // Lightning skips the sanity check when resuming mid-epoch only.
        let resumingMidEpoch = resumeFrom != nil && resumeBatchIndex > 0
        guard steps != 0, evaluation.isEnabled, !resumingMidEpoch else { return }
        let t = trainer
        t.stage = .sanityChecking
        t.metrics.reset()
        try t.callCallbacks(.named("on_sanity_check_start")) { try $0.onSanityCheckStart(t, module) }
        // As Lightning's isolate_rng: the sanity check uses up no random numbers.
        _ = try t.withIsolatedRandomState { try noGrad { try evaluation.run(maxBatches: steps == -1 ? nil : steps) } }
        try t.callCallbacks(.named("on_sanity_check_end")) { try $0.onSanityCheckEnd(t, module) }
        t.metrics.reset()
        t.stage = nil
    }

    // MARK: Training

    func runTraining() throws {
        let t = trainer
        t.stage = .training
        // As Lightning's `_FitLoop.setup_data`: a zero training limit fetches no training data.
        if trainLimit.isZero {
            t.numTrainingBatches = 0
            return
        }
        if trainLoader == nil { trainLoader = try t.loadTrainData(data) }
        guard trainLoader != nil else {
            throw LightningError.configuration("No training data: implement trainDataloader() in \(module.typeName) or in a data module, or pass trainDataloaders to fit")
        }
        t.numTrainingBatches = try trainLimit.resolve(trainLoader!.batchCount, name: "limit_train_batches", loader: "train_dataloader")
        // The fit loop sets up the validation data with the training data (fetched already if a
        // sanity check ran), as Lightning's `_FitLoop.setup_data`.
        // `numValBatches` is known from here on (callbacks such as ModelCheckpoint read it before the
        // first validation), as in Lightning.
        if evaluation.isEnabled, try evaluation.hasData() { t.numValBatches = try evaluation.batchCounts() }
        if t.numSanityValBatches.isEmpty { t.numSanityValBatches = t.numValBatches.map { _ in 0 } }
        startValidationInterval()
        try t.callCallbacks(.onTrainStart) { try $0.onTrainStart(t, module) }
        try t.callModule(.onTrainStart) { try module.onTrainStart() }
        module.train()
        while !done {
            try t.profiled("run_training_epoch") { try runEpoch() }
        }
        try t.callCallbacks(.named("on_train_end")) { try $0.onTrainEnd(t, module) }
        try t.callModule(.named("on_train_end")) { try module.onTrainEnd() }
    }

    private func shouldReloadTrainLoader(epoch: Int) -> Bool {
        let n = configuration.reloadDataloadersEveryNEpochs
        return n > 0 && epoch > 0 && epoch % n == 0
    }

    private func runEpoch() throws {
        let t = trainer
        if shouldReloadTrainLoader(epoch: t.currentEpoch) {
            trainLoader = try t.loadTrainData(data)
            t.numTrainingBatches = try trainLimit.resolve(trainLoader?.batchCount, name: "limit_train_batches", loader: "train_dataloader")
            startValidationInterval()
        }
        t.metrics.training.reset()
        try checkRanksHaveTheSameBatches()
        guard t.accumulateGradBatches >= 1 else {
            throw LightningError.configuration("trainer.accumulateGradBatches must be at least 1, got \(t.accumulateGradBatches)")
        }
        if resumeBatchIndex == 0 { progress.startEpoch() }
        progress.epochStarted = t.currentEpoch + 1
        // An epoch resumed in its middle has started already: Lightning skips its start hooks.
        if resumeBatchIndex == 0 {
            try t.callCallbacks(.onTrainEpochStart) { try $0.onTrainEpochStart(t, module) }
            try t.callModule(.onTrainEpochStart) { try module.onTrainEpochStart() }
        }

        var batchIndex = resumeBatchIndex
        // A loader that saved its position continues there; others skip the batches already done.
        var skipping = batchIndex
        if let state = progress.trainLoaderState {
            try trainLoader!.restorePosition(state)
            skipping = 0
        }
        progress.trainLoaderState = nil
        var batches = TrainingBatches(try trainLoader!.makeBatchIterator(epoch: t.currentEpoch, skipping: skipping),
                                      length: t.numTrainingBatches, trainer: t)
        resumeBatchIndex = 0
        let plan = EpochPlan(trainer: t, hasCallbacks: !t.callbacks.isEmpty, distributed: t.worldSize > 1, ddp: t.ddp,
                             precision: t.precisionPlugin, maxSteps: maxSteps, validation: validationSchedule(),
                             forwardOnly: t.loopOverrides.forwardOnly, launcher: SubprocessLauncher.current)
        while let (accumulating, stepped) = try trainBatch(&batches, batchIndex: batchIndex, plan) {
            if shouldValidate(plan, batchIndex: batchIndex) {
                if !accumulating { try t.callModule(.named("on_validation_model_zero_grad")) { try module.onValidationModelZeroGrad() } }
                // Validation inside fit always runs under no-grad (not inference mode), as in Lightning.
                _ = try noGrad { try evaluation.run(maxBatches: nil) }
                t.stage = .training
            }
            // Plateau step schedulers read the metrics of a validation that just ran.
            if stepped, !t.lrSchedulerConfigs.isEmpty { try stepSchedulers(.step, plateau: true, index: batchIndex + 1) }
            if !accumulating { t.batchesThatStepped += 1 }
            batchIndex += 1
            totalBatchIndex += 1
            if (plan.maxSteps != -1 && t.globalStep >= plan.maxSteps) || (t.shouldStop && canStopEarly) { break }
            // Ctrl-C or SIGTERM: stop here, after a whole step (Lightning checks at batch end); on the
            // epoch's last batch the epoch finishes first (checked again at the epoch's end).
            if !t.isLastBatch {
                try t.act(on: plan.distributed ? t.stepDecisions?.signals ?? t.agreedSignals().signals : t.localSignals())
            }
            if let launcher = plan.launcher { try t.checkPeers(launcher) }
        }
        t.stepDecisions = nil

        // Epoch end: non-monitoring callbacks, the module, then monitoring callbacks (they see what the
        // module logged), then epoch schedulers, then the epoch row at the last step.
        progress.epochProcessed = t.currentEpoch + 1
        try t.finishEpochMetrics(t.metrics.training, step: t.batchesThatStepped - 1, write: false)
        try t.callCallbacks(.onTrainEpochEnd) { callback in
            if !(callback is any MonitoringCallback) { try callback.onTrainEpochEnd(t, module) }
        }
        try t.callModule(.onTrainEpochEnd) { try module.onTrainEpochEnd() }
        try t.finishEpochMetrics(t.metrics.training, step: t.batchesThatStepped - 1, write: false)
        try t.callCallbacks(.onTrainEpochEnd) { callback in
            if callback is any MonitoringCallback { try callback.onTrainEpochEnd(t, module) }
        }
        try stepSchedulers(.epoch, plateau: true, index: t.currentEpoch + 1)
        try t.finishEpochMetrics(t.metrics.training, step: t.batchesThatStepped - 1, write: true)
        t.metrics.training.resetMetrics()
        t.currentEpoch += 1
        progress.epochsCompleted = t.currentEpoch
        if !done { try t.act(on: t.agreedSignals().signals) }
    }

    /// One training batch, from loading it to its logging (Lightning's `_TrainingEpochLoop.advance`);
    /// nil when the epoch has no batch left or `onTrainBatchStart` returned -1. The batch lives only
    /// here: validation and what follows a batch run without it, as in Lightning.
    private func trainBatch(_ batches: inout TrainingBatches<M.Batch>, batchIndex: Int, _ plan: EpochPlan) throws -> (accumulating: Bool, stepped: Bool)? {
        let t = plan.trainer
        guard let raw = try batches.next(batchIndex: batchIndex) else { return nil }
        // Until this batch is counted it is pending too: a checkpoint saved while it runs (an
        // OnExceptionCheckpoint after its training step failed) resumes with this same batch.
        prefetchedBatches = batches.readAhead ? 2 : 1
        t.isLastBatch = batches.isLast
        let batch = try t.prepare(raw, module, data, dataloaderIndex: 0)

        if plan.hasCallbacks { try t.callCallbacks(.onTrainBatchStart) { try $0.onTrainBatchStart(t, module, batch: batch, batchIndex: batchIndex) } }
        let response = try t.callModule(.onTrainBatchStart, skipped: nil) { try module.onTrainBatchStart(batch, batchIndex: batchIndex) }
        if response == -1 { return nil }

        let accumulating = plan.forwardOnly || !((batchIndex + 1) % t.accumulateGradBatches == 0 || t.isLastBatch)
        t.batchAccumulates = accumulating
        t.scalerSkippedStep = false
        let outputs = try t.profiled("run_training_batch") {
            try module.automaticOptimization
                ? automaticStep(batch, batchIndex: batchIndex, accumulating: accumulating, plan)
                : manualStep(batch, batchIndex: batchIndex)
        }
        // Non-plateau schedulers: step ones after a real step; epoch ones on the epoch's last batch.
        // Unlike Lightning (its issue #5558), a step the loss scaler skipped (inf or NaN
        // gradients under "16-mixed") steps no step-interval scheduler: the schedule follows
        // the optimizer steps taken, without PyTorch's "lr_scheduler.step() before
        // optimizer.step()" warning.
        let stepped = !accumulating && !t.scalerSkippedStep
        if !t.lrSchedulerConfigs.isEmpty {
            if stepped { try stepSchedulers(.step, plateau: false, index: batchIndex + 1) }
            if t.isLastBatch { try stepSchedulers(.epoch, plateau: false, index: t.currentEpoch + 1) }
        }

        progress.finishBatch(last: t.isLastBatch)
        prefetchedBatches -= 1
        // Under DDP the ranks agree on signals, Timers (`maxTime`) and time-based validation
        // here, before the hooks that act on them (paced, see StepAgreement).
        if plan.distributed { t.stepDecisions = try stepAgreement.afterBatch(t) { timeBasedValidationDue() } }
        if plan.hasCallbacks {
            try t.callCallbacks(.onTrainBatchEnd) { try $0.onTrainBatchEnd(t, module, outputs: outputs, batch: batch, batchIndex: batchIndex) }
        }
        try t.callModule(.onTrainBatchEnd, skipped: ()) { try module.onTrainBatchEnd(outputs, batch: batch, batchIndex: batchIndex) }
        if !(accumulating && module.automaticOptimization) {
            try t.logTrainingStep(force: configuration.fastDevRun > 0)
        }
        t.endBatch()
        return (accumulating, stepped)
    }

    /// Under DDP, at each epoch's start: every rank must run the same number of training
    /// batches, or the one with more waits forever in a gradient all-reduce the others never
    /// start (the hang of Lightning's uneven-data reports). One all-reduce compares the counts.
    private func checkRanksHaveTheSameBatches() throws {
        let t = trainer
        guard t.worldSize > 1, let range = try t.batchCountRanges([t.numTrainingBatches ?? Int.max])?.first,
              range.lowerBound != range.upperBound else { return }
        throw LightningError.distributed(
            "The ranks have different numbers of training batches this epoch (\(range.lowerBound) to \(range.upperBound); rank \(t.globalRank) has \(t.numTrainingBatches ?? 0)). DDP steps every rank together, so the rank with more batches would wait for the others forever: give every rank the same number of batches (the DistributedSampler the Trainer adds pads the shares to equal length; `limitTrainBatches` caps them).")
    }

    /// When this epoch validates (Lightning's `_should_check_val_fx` less what changes per batch),
    /// from the settings and the epoch's length, fixed once the epoch has started.
    private func validationSchedule() -> ValidationSchedule {
        guard evaluation.isEnabled else { return .never }
        if let every = configuration.checkValEveryNEpoch, (trainer.currentEpoch + 1) % every != 0 { return .never }
        if case .seconds = configuration.valCheckInterval { return .elapsedTime }
        guard let every = valCheckBatch else { return .lastBatch }
        return .everyBatches(every, acrossEpochs: configuration.checkValEveryNEpoch == nil)
    }

    private func shouldValidate(_ plan: EpochPlan, batchIndex: Int) -> Bool {
        if case .never = plan.validation { return false }
        let t = plan.trainer
        if t.shouldStop && canStopEarly { return true }
        switch plan.validation {
        case .never: return false
        case .elapsedTime:
            // Time alone decides, also at an epoch's end (Lightning validates at no epoch end then).
            // Under DDP the ranks agreed at the step's end (Lightning lets each rank's clock decide,
            // which can leave one rank validating while the others train).
            return t.stepDecisions?.validationDue ?? timeBasedValidationDue()
        case .lastBatch: return t.isLastBatch
        case .everyBatches(let every, let acrossEpochs): return ((acrossEpochs ? totalBatchIndex : batchIndex) + 1) % every == 0
        }
    }

    /// Whether `valCheckInterval: .seconds(s)` has passed on this process's clock since training
    /// started (or its data was reloaded) or the last validation ended, as Lightning's `_last_val_time`.
    private func timeBasedValidationDue() -> Bool {
        guard case .seconds(let seconds) = configuration.valCheckInterval, let last = trainer.lastValidationTime else { return false }
        return Trainer.now - last >= seconds
    }

    /// Starts the time-based validation interval, where Lightning's `_FitLoop.setup_data` does: when
    /// the training data is set up, and again when it is reloaded.
    private func startValidationInterval() {
        if case .seconds = configuration.valCheckInterval { trainer.lastValidationTime = Trainer.now }
    }

    // MARK: Optimization

    /// Training step, zero-grad (on the first batch of an accumulation window) and backward: the
    /// closure of Lightning's automatic optimization.
    private func trainingClosure(_ batch: M.Batch, batchIndex: Int, record: inout StepRecord, _ plan: EpochPlan) throws -> Tensor? {
        let t = plan.trainer
        try plan.ddp?.prepareForForward()
        let result = try plan.precision.forwardContext {
            try t.callModule(.trainingStep) { try module.trainingStep(batch, batchIndex: batchIndex) }
        }
        guard var loss = result.loss else {
            record.outputs = StepOutputs(loss: nil, extras: result.extras)
            return nil
        }
        // The next backward averages gradients across the ranks (a no-op while accumulating).
        try plan.ddp?.prepareForBackward([loss])
        let k = t.accumulateGradBatches
        if k > 1 { loss = try loss / Double(k) }
        // Detached, as Lightning's ClosureResult: when a hook first reads it if backward is to free
        // its graph's saved tensors, at once if not (a hook that keeps the outputs keeps no graph).
        // Only `onTrainBatchEnd` reads the outputs: none are made when no hook of it runs.
        if plan.hasCallbacks || !t.context.skips(.onTrainBatchEnd) {
            record.outputs = plan.forwardOnly
                ? StepOutputs(loss: try loss.detach(), extras: result.extras)
                : StepOutputs(attachedLoss: loss, extras: result.extras)
        }
        if batchIndex % k == 0, !plan.forwardOnly, let optimizer {
            progress.countZeroGrad()
            if plan.hasCallbacks { try t.callCallbacks(.onBeforeZeroGrad) { try $0.onBeforeZeroGrad(t, module, optimizer: optimizer) } }
            try t.callModule(.onBeforeZeroGrad, skipped: ()) { try module.onBeforeZeroGrad(optimizer) }
            try t.callModule(.optimizerZeroGrad) {
                try module.optimizerZeroGrad(epoch: t.currentEpoch, batchIndex: batchIndex, optimizer: optimizer)
            }
        }
        if plan.forwardOnly { return loss }
        // With a loss scaler, the hooks and backward see the scaled loss (Lightning's `pre_backward`).
        let backwardLoss = try plan.precision.preBackward(loss)
        if plan.hasCallbacks { try t.callCallbacks(.onBeforeBackward) { try $0.onBeforeBackward(t, module, loss: backwardLoss) } }
        try t.callModule(.onBeforeBackward, skipped: ()) { try module.onBeforeBackward(backwardLoss) }
        try t.callModule(.backward) { try module.backward(backwardLoss) }
        if plan.hasCallbacks { try t.callCallbacks(.onAfterBackward) { try $0.onAfterBackward(t, module) } }
        try t.callModule(.onAfterBackward, skipped: ()) { try module.onAfterBackward() }
        return loss
    }

    /// The closure handed to `optimizerStep` on a real step: the training closure, then the
    /// pre-step hooks and clipping once the gradients exist (Lightning's `_after_closure`).
    private func stepClosure(_ batch: M.Batch, batchIndex: Int, optimizer: Optimizer, record: inout StepRecord, _ plan: EpochPlan) throws -> Tensor? {
        let t = plan.trainer
        record.closureCalls += 1
        let loss = try trainingClosure(batch, batchIndex: batchIndex, record: &record, plan)
        record.skipped = loss == nil
        if loss != nil { try plan.precision.afterBackward(optimizer) }
        try plan.precision.checkClipping(optimizer, clipValue: configuration.gradientClipVal)
        if plan.hasCallbacks { try t.callCallbacks(.onBeforeOptimizerStep) { try $0.onBeforeOptimizerStep(t, module, optimizer: optimizer) } }
        try t.callModule(.onBeforeOptimizerStep, skipped: ()) { try module.onBeforeOptimizerStep(optimizer) }
        try t.callModule(.configureGradientClipping, skipped: ()) {
            try module.configureGradientClipping(optimizer, clipValue: configuration.gradientClipVal,
                                                 algorithm: configuration.gradientClipAlgorithm)
        }
        return loss
    }

    /// One batch of automatic optimization (Lightning's `_AutomaticOptimization.run`).
    private func automaticStep(_ batch: M.Batch, batchIndex: Int, accumulating: Bool, _ plan: EpochPlan) throws -> StepOutputs {
        let t = plan.trainer
        var record = StepRecord()
        guard let optimizer, !accumulating else {
            // Accumulating: gradients stay local until the step's batch (DDP's `no_sync`).
            if let ddp = plan.ddp {
                _ = try ddp.noSync { try trainingClosure(batch, batchIndex: batchIndex, record: &record, plan) }
            } else {
                _ = try trainingClosure(batch, batchIndex: batchIndex, record: &record, plan)
            }
            return record.outputs
        }
        try t.callModule(.optimizerStep) {
            try module.optimizerStep(epoch: t.currentEpoch, batchIndex: batchIndex, optimizer: optimizer) {
                try self.stepClosure(batch, batchIndex: batchIndex, optimizer: optimizer, record: &record, plan)
            }
        }
        guard record.closureCalls == 1 else {
            throw LightningError.configuration(record.closureCalls == 0
                ? "optimizerStep(epoch:batchIndex:optimizer:closure:) in \(module.typeName) must call the closure (pass it to optimizer.step(closure:)); it runs the training step and backward"
                : "the closure of optimizerStep was called \(record.closureCalls) times; call it exactly once")
        }
        if !record.skipped {
            t.globalStep += 1
            progress.countOptimizerStep()
        }
        return record.outputs
    }

    /// One batch of manual optimization: the module steps its optimizers itself.
    private func manualStep(_ batch: M.Batch, batchIndex: Int) throws -> StepOutputs {
        let t = trainer
        // DDP: `manualBackward` readies the gradient averaging before each backward.
        try t.ddp?.prepareForForward()
        let result = try t.precisionPlugin.forwardContext {
            try t.callModule(.trainingStep) { try module.trainingStep(batch, batchIndex: batchIndex) }
        }
        // Detached at once: the module may not have run backward, and a graph with its saved
        // tensors must not outlive the step in outputs a hook keeps.
        return StepOutputs(loss: try result.loss?.detach(), extras: result.extras)
    }

    /// Steps the schedulers of `interval` whose kind matches `plateau` and whose frequency divides
    /// `index` (the 1-based batch of the epoch, or epoch), as Lightning's `_update_learning_rates`.
    private func stepSchedulers(_ interval: SchedulerInterval, plateau: Bool, index: Int) throws {
        let t = trainer
        guard !t.lrSchedulerConfigs.isEmpty, module.automaticOptimization else { return }
        for config in t.lrSchedulerConfigs where config.interval == interval && config.isPlateau == plateau {
            guard index % Swift.max(config.frequency, 1) == 0 else { continue }
            var metric: Double?
            if config.isPlateau, let monitor = config.monitor {
                guard let value = t.callbackMetrics[monitor] else {
                    if config.strict {
                        throw LightningError.configuration("ReduceLROnPlateau conditioned on metric \(monitor) which is not available. Available metrics are: \(t.callbackMetrics.keys.sorted()). Condition can be set using `monitor` key in lr scheduler dict")
                    }
                    Swift.print("warning: ReduceLROnPlateau conditioned on metric \(monitor) which is not available but strict is set to false. Skipping learning rate update.")
                    continue
                }
                metric = value
            }
            try t.callModule(.named("lr_scheduler_step")) { try module.lrSchedulerStep(config.scheduler, metric: metric) }
            progress.countSchedulerStep()
        }
    }
}

/// What the closures of one optimization step record. Outside `FitLoop`, which is generic: a type
/// nested there has its metadata looked up at run time, on every step.
private struct StepRecord {
    var outputs = StepOutputs(loss: nil)
    var closureCalls = 0
    var skipped = false
}

/// What the step path needs that stays fixed for an epoch, worked out when the epoch has started
/// (after its start hooks, where callbacks such as StochasticWeightAveraging change the loop):
/// each step then reads a few fields instead of the trainer's settings, limits and callbacks. The
/// per-batch values a hook may change (`shouldStop`, `accumulateGradBatches`, the schedulers)
/// are still read on every step.
private struct EpochPlan {
    /// The loop's trainer, held strongly for the epoch (the loop's own reference is unowned, and
    /// each use of it pays for the check that the trainer is alive).
    var trainer: Trainer
    var hasCallbacks: Bool
    /// More than one process: signals and clock decisions are agreed across the ranks.
    var distributed: Bool
    /// The gradient averaging of a DDP fit.
    var ddp: DistributedDataParallel?
    var precision: PrecisionPlugin
    var maxSteps: Int
    var validation: ValidationSchedule
    /// The training step alone on every batch (see ``LoopOverrides/forwardOnly``).
    var forwardOnly: Bool
    /// The launcher of this node's other ranks, watched between steps.
    var launcher: SubprocessLauncher?
}

/// When validation runs inside a training epoch.
private enum ValidationSchedule {
    /// No validation this epoch (no validation step, a zero limit, or `checkValEveryNEpoch`).
    case never
    /// At the epoch's last batch (`valCheckInterval: 1.0`, the default).
    case lastBatch
    /// Every `n` batches, counted in the epoch or, with `checkValEveryNEpoch: nil`, across epochs.
    case everyBatches(Int, acrossEpochs: Bool)
    /// When `valCheckInterval: .seconds` has passed.
    case elapsedTime
}
