import Foundation
import Torch

/// Finds a good initial learning rate before training (Lightning's `LearningRateFinder`, after
/// Leslie Smith's range test): when fitting starts it trains `numTrainingSteps` steps while raising
/// the rate from `minLR` to `maxLR`, records the smoothed loss, puts model, optimizer and counters
/// back as they were, and sets the optimizer's rate to the point where the loss fell fastest.
///
/// ```swift
/// let finder = LearningRateFinder(attribute: \MyModel.learningRate)
/// let trainer = try Trainer(callbacks: [finder], maxEpochs: 10)
/// try trainer.fit(model, datamodule: data)        // trains with the suggested rate
/// print(finder.optimalLR?.suggestion() ?? .nan)
/// ```
///
/// Lightning finds the model's rate by the names `lr` / `learning_rate`; here a key path names it,
/// checked by the compiler. Without one, only the optimizer's parameter groups are updated (which
/// is what the run trains with). ``Tuner/lrFind(_:datamodule:minLR:maxLR:numTraining:mode:earlyStopThreshold:updateAttr:attribute:)``
/// runs the search alone, without training afterwards.
open class LearningRateFinder: Callback {
    public let minLR: Double
    public let maxLR: Double
    public let numTrainingSteps: Int
    public let mode: LRFinder.Mode
    /// Stop once the smoothed loss exceeds this multiple of the best loss (nil: never).
    public let earlyStopThreshold: Double?
    /// Whether the suggestion is applied (to the optimizer, and to `attribute` when given).
    public let updateAttr: Bool
    /// The result of the last search.
    public private(set) var optimalLR: LRFinder?
    private let setAttribute: ((any LightningModule, Double) throws -> Void)?
    /// Set by the Tuner: end `fit` once the search is done.
    var earlyExit = false

    public init(minLR: Double = 1e-8, maxLR: Double = 1, numTrainingSteps: Int = 100, mode: LRFinder.Mode = .exponential,
                earlyStopThreshold: Double? = 4.0, updateAttr: Bool = true) {
        self.minLR = minLR
        self.maxLR = maxLR
        self.numTrainingSteps = numTrainingSteps
        self.mode = mode
        self.earlyStopThreshold = earlyStopThreshold
        self.updateAttr = updateAttr
        self.setAttribute = nil
    }

    /// A finder that also writes the suggestion to the module's property at `attribute`.
    public init<M: LightningModule>(minLR: Double = 1e-8, maxLR: Double = 1, numTrainingSteps: Int = 100,
                                    mode: LRFinder.Mode = .exponential, earlyStopThreshold: Double? = 4.0,
                                    attribute: ReferenceWritableKeyPath<M, Double>) {
        self.minLR = minLR
        self.maxLR = maxLR
        self.numTrainingSteps = numTrainingSteps
        self.mode = mode
        self.earlyStopThreshold = earlyStopThreshold
        self.updateAttr = true
        self.setAttribute = { module, lr in
            guard let model = module as? M else {
                throw LightningError.configuration("LearningRateFinder's attribute belongs to \(M.self), but the trainer fits \(module.typeName)")
            }
            model[keyPath: attribute] = lr
        }
    }

    open func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        try lrFind(trainer, module)
    }

    /// Runs the search now (Lightning's `LearningRateFinder.lr_find`).
    open func lrFind(_ trainer: Trainer, _ module: any LightningModule) throws {
        optimalLR = try trainer.withIsolatedRandomState { try runSearch(trainer, module) }
        if earlyExit { throw TunerExit() }
    }

    /// Lightning's `_lr_find`.
    private func runSearch(_ trainer: Trainer, _ module: any LightningModule) throws -> LRFinder? {
        if trainer.skipsTuning("learning rate finder") { return nil }
        let control = try trainer.requireFitLoop("LearningRateFinder")
        let start = try control.beginTrialRuns(checkpointPrefix: "lr_find")
        let startSteps = trainer.globalStep
        let optimizers = trainer.optimizers
        let schedulers = trainer.lrSchedulerConfigs
        let recorder = LRFinderRecorder(earlyStopThreshold: earlyStopThreshold)
        var finder = LRFinder(mode: mode, minLR: minLR, maxLR: maxLR, numTraining: numTrainingSteps)
        do {
            defer {
                trainer.optimizers = optimizers
                trainer.lrSchedulerConfigs = schedulers
            }
            try trainer.withTuningSetup(callbacks: [recorder]) {
                trainer.loopOverrides.maxSteps = numTrainingSteps + trainer.globalStep
                trainer.loopOverrides.limitValBatches = .count(numTrainingSteps)
                try exchangeScheduler(trainer)
                try control.runTraining()
            }
            if trainer.globalStep != numTrainingSteps + startSteps {
                trainer.print("LR finder stopped early after \(trainer.globalStep) steps due to diverging loss.")
            }
            finder.lrs = recorder.lrs
            finder.losses = recorder.losses
            if trainer.worldSize > 1 { finder = try broadcastResults(trainer, finder) }
        } catch {
            try? control.endTrialRuns(start)
            throw error
        }
        try control.endTrialRuns(start)
        if updateAttr, let lr = finder.suggestion() {
            try setAttribute?(module, lr)
            for optimizer in trainer.optimizers {
                for index in optimizer.paramGroups.indices { optimizer.paramGroups[index].lr = lr }
            }
            trainer.print("Learning rate set to \(lr)")
        }
        return finder
    }

    /// The single optimizer starts at `minLR` under a step-wise range scheduler (Lightning's
    /// `_exchange_scheduler`).
    private func exchangeScheduler(_ trainer: Trainer) throws {
        guard trainer.optimizers.count == 1, let optimizer = trainer.optimizers.first else {
            throw LightningError.configuration("`configureOptimizers()` returned \(trainer.optimizers.count) optimizers, but the learning rate finder only works with a single optimizer")
        }
        for index in optimizer.paramGroups.indices {
            optimizer.paramGroups[index].lr = minLR
            optimizer.paramGroups[index].options["initial_lr"] = .double(minLR)
        }
        let scheduler = try LRRangeScheduler(optimizer, endLR: maxLR, numIterations: numTrainingSteps, mode: mode)
        trainer.lrSchedulerConfigs = [LRSchedulerConfiguration(scheduler, interval: .step)]
    }

    /// Rank 0's results on every rank.
    private func broadcastResults(_ trainer: Trainer, _ finder: LRFinder) throws -> LRFinder {
        // Text keeps NaN and infinite losses ("nan", "inf"), which JSON numbers cannot.
        func encode(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: " ") }
        func decode(_ text: Substring) -> [Double] { text.split(separator: " ").compactMap { Double($0) } }
        let received = try trainer.broadcast(encode(finder.lrs) + "|" + encode(finder.losses))
        let parts = received.split(separator: "|", omittingEmptySubsequences: false)
        var result = finder
        result.lrs = decode(parts[0])
        result.losses = decode(parts.count > 1 ? parts[1] : "")
        return result
    }
}

/// Ends a fit run by the Tuner once its search is done (Lightning's `_TunerExitException`): the
/// teardown hooks run and the loggers finish as successful.
struct TunerExit: Error {}
