import Torch

/// Tunes hyperparameters before training with a trainer's settings (Lightning's `Tuner`): the
/// learning-rate range test and the largest batch size that fits in memory.
///
/// ```swift
/// let trainer = try Trainer(maxEpochs: 10)
/// let tuner = Tuner(trainer)
/// let finder = try tuner.lrFind(model, datamodule: data, attribute: \.learningRate)
/// print(finder?.suggestion() ?? .nan)
/// try tuner.scaleBatchSize(model, datamodule: data, batchSize: \.batchSize)
/// try trainer.fit(model, datamodule: data)     // with the tuned settings
/// ```
///
/// Each search runs inside a short run (`fit`, or `validate`, `test` or `predict` for
/// `scaleBatchSize(method:)`) that ends once the search is done; the model, optimizer and counters
/// are put back as they were, so the next run starts from the same weights.
public struct Tuner {
    public let trainer: Trainer

    public init(_ trainer: Trainer) {
        self.trainer = trainer
    }

    /// Runs a learning-rate range test on `model` with its own loaders (or those given); returns
    /// the rates and losses, or nil with `fastDevRun`. With `updateAttr`, the suggestion is written
    /// to `attribute` when given.
    @discardableResult
    public func lrFind<M: LightningModule>(_ model: M, trainDataloaders: (any BatchLoader<M.Batch>)? = nil,
                                           valDataloaders: [any BatchLoader<M.Batch>]? = nil,
                                           minLR: Double = 1e-8, maxLR: Double = 1, numTraining: Int = 100,
                                           mode: LRFinder.Mode = .exponential, earlyStopThreshold: Double? = 4.0,
                                           updateAttr: Bool = true, attribute: ReferenceWritableKeyPath<M, Double>? = nil) throws -> LRFinder? {
        let finder = try makeLRFinder(minLR: minLR, maxLR: maxLR, numTraining: numTraining, mode: mode,
                                      earlyStopThreshold: earlyStopThreshold, updateAttr: updateAttr, attribute: attribute)
        try withTunerCallback(finder) { try trainer.fit(model, trainDataloaders: trainDataloaders, valDataloaders: valDataloaders) }
        return finder.optimalLR
    }

    /// Runs a learning-rate range test on `model` with `datamodule`'s loaders.
    @discardableResult
    public func lrFind<M: LightningModule, D: LightningDataModule>(_ model: M, datamodule: D,
                                                                   minLR: Double = 1e-8, maxLR: Double = 1, numTraining: Int = 100,
                                                                   mode: LRFinder.Mode = .exponential, earlyStopThreshold: Double? = 4.0,
                                                                   updateAttr: Bool = true,
                                                                   attribute: ReferenceWritableKeyPath<M, Double>? = nil) throws -> LRFinder? where D.Batch == M.Batch {
        let finder = try makeLRFinder(minLR: minLR, maxLR: maxLR, numTraining: numTraining, mode: mode,
                                      earlyStopThreshold: earlyStopThreshold, updateAttr: updateAttr, attribute: attribute)
        try withTunerCallback(finder) { try trainer.fit(model, datamodule: datamodule) }
        return finder.optimalLR
    }

    private func makeLRFinder<M: LightningModule>(minLR: Double, maxLR: Double, numTraining: Int, mode: LRFinder.Mode,
                                                  earlyStopThreshold: Double?, updateAttr: Bool,
                                                  attribute: ReferenceWritableKeyPath<M, Double>?) throws -> LearningRateFinder {
        if trainer.configuration.callbacks.contains(where: { $0 is LearningRateFinder }) {
            throw LightningError.configuration("Trainer is already configured with a `LearningRateFinder` callback. Please remove it if you want to use the Tuner.")
        }
        let finder = attribute.flatMap { keyPath in updateAttr ? keyPath : nil }.map {
            LearningRateFinder(minLR: minLR, maxLR: maxLR, numTrainingSteps: numTraining, mode: mode,
                               earlyStopThreshold: earlyStopThreshold, attribute: $0)
        } ?? LearningRateFinder(minLR: minLR, maxLR: maxLR, numTrainingSteps: numTraining, mode: mode,
                                earlyStopThreshold: earlyStopThreshold, updateAttr: updateAttr)
        finder.earlyExit = true
        return finder
    }

    /// Finds the largest batch size that runs (see ``BatchSizeFinder``) for `model` on
    /// `datamodule`, whose property at `batchSize` its loader hooks read; leaves the size found in
    /// that property and returns it (nil with `fastDevRun`). `method` is the run searched in:
    /// training steps (`.fit`), or the batches of `.validate`, `.test` or `.predict`.
    ///
    /// ```swift
    /// let size = try Tuner(trainer).scaleBatchSize(model, datamodule: data, batchSize: \.batchSize, method: .predict)
    /// ```
    @discardableResult
    public func scaleBatchSize<M: LightningModule, D: LightningDataModule>(
        _ model: M, datamodule: D, batchSize: ReferenceWritableKeyPath<D, Int>, method: Stage = .fit, mode: BatchSizeFinder.Mode = .power,
        stepsPerTrial: Int = 3, initVal: Int = 2, maxTrials: Int = 25, margin: Double = 0.05, maxVal: Int = 8192
    ) throws -> Int? where D.Batch == M.Batch {
        let finder = try makeBatchSizeFinder(BatchSizeFinder(mode: mode, stepsPerTrial: stepsPerTrial, initVal: initVal, maxTrials: maxTrials,
                                                             margin: margin, maxVal: maxVal, batchSize: batchSize, of: datamodule))
        try withTunerCallback(finder) {
            switch method {
            case .fit: try trainer.fit(model, datamodule: datamodule)
            case .validate: _ = try trainer.validate(model, datamodule: datamodule, verbose: false)
            case .test: _ = try trainer.test(model, datamodule: datamodule, verbose: false)
            case .predict: _ = try trainer.predict(model, datamodule: datamodule, returnPredictions: false)
            }
        }
        return finder.optimalBatchSize
    }

    /// Finds the largest batch size that runs for `model` on its own loaders, which read the
    /// property at `batchSize`.
    @discardableResult
    public func scaleBatchSize<M: LightningModule>(
        _ model: M, batchSize: ReferenceWritableKeyPath<M, Int>, method: Stage = .fit, mode: BatchSizeFinder.Mode = .power,
        stepsPerTrial: Int = 3, initVal: Int = 2, maxTrials: Int = 25, margin: Double = 0.05, maxVal: Int = 8192
    ) throws -> Int? {
        let finder = try makeBatchSizeFinder(BatchSizeFinder(mode: mode, stepsPerTrial: stepsPerTrial, initVal: initVal, maxTrials: maxTrials,
                                                             margin: margin, maxVal: maxVal, batchSize: batchSize, of: model))
        try withTunerCallback(finder) {
            switch method {
            case .fit: try trainer.fit(model)
            case .validate: _ = try trainer.validate(model, verbose: false)
            case .test: _ = try trainer.test(model, verbose: false)
            case .predict: _ = try trainer.predict(model, returnPredictions: false)
            }
        }
        return finder.optimalBatchSize
    }

    private func makeBatchSizeFinder(_ finder: BatchSizeFinder) throws -> BatchSizeFinder {
        if trainer.configuration.callbacks.contains(where: { $0 is BatchSizeFinder }) {
            throw LightningError.configuration("Trainer is already configured with a `BatchSizeFinder` callback. Please remove it if you want to use the Tuner.")
        }
        finder.earlyExit = true
        return finder
    }

    /// Runs `body` with `callback` first among the trainer's callbacks; the run it starts ends
    /// once the search is done (`fit` returns then; the others throw TunerExit, caught here).
    func withTunerCallback(_ callback: any Callback, _ body: () throws -> Void) throws {
        trainer.tunerCallbacks = [callback]
        defer { trainer.tunerCallbacks = [] }
        do {
            try body()
        } catch is TunerExit {}
    }
}
