import Foundation
import Torch

// fit, validate, test and predict.

extension Trainer {
    /// Trains `model` on its own loaders (or those given), validating as configured.
    ///
    /// ```swift
    /// try trainer.fit(model, trainDataloaders: trainLoader, valDataloaders: [valLoader])
    /// ```
    ///
    /// - Parameters:
    ///   - model: The module to train.
    ///   - trainDataloaders: The training data; nil asks `model.trainDataloader()`.
    ///   - valDataloaders: The validation data; nil asks `model.valDataloader()`.
    ///   - ckptPath: Resume from this checkpoint: a path, `"last"` (the newest `last*.ckpt` of
    ///     the checkpoint callbacks or OnExceptionCheckpoint's file; none yet trains from the start, with
    ///     a warning, as Lightning), `"best"` or `"hpc"` (the newest `hpc_ckpt_N.ckpt` of
    ///     `defaultRootDir`, which a SLURM job resumes from by itself; see ``SLURMEnvironment``).
    ///     Resuming mid-epoch continues with exactly the next batch.
    public func fit<M: LightningModule>(_ model: M, trainDataloaders: (any BatchLoader<M.Batch>)? = nil,
                                        valDataloaders: [any BatchLoader<M.Batch>]? = nil, ckptPath: String? = nil) throws {
        try fit(model, data: RunData(module: model, train: trainDataloaders, val: valDataloaders), ckptPath: ckptPath)
    }

    /// Trains `model` on `datamodule`'s loaders. The batch types must agree: this does not compile
    /// when they differ.
    public func fit<M: LightningModule, D: LightningDataModule>(_ model: M, datamodule: D, ckptPath: String? = nil) throws where D.Batch == M.Batch {
        try fit(model, data: RunData(module: model, datamodule: datamodule), ckptPath: ckptPath)
    }

    /// Runs one validation epoch; returns the logged epoch metrics of each validation loader.
    @discardableResult
    ///
    /// - Parameter ckptPath: Evaluate the weights of this checkpoint: a path, `"best"` or `"last"`.
    public func validate<M: LightningModule>(_ model: M, dataloaders: [any BatchLoader<M.Batch>]? = nil, ckptPath: String? = nil,
                                             verbose: Bool = true) throws -> [[String: Double]] {
        try evaluate(model, data: RunData(module: model, val: dataloaders), stage: .validate, ckptPath: ckptPath, verbose: verbose)
    }

    @discardableResult
    public func validate<M: LightningModule, D: LightningDataModule>(_ model: M, datamodule: D, ckptPath: String? = nil,
                                                                     verbose: Bool = true) throws -> [[String: Double]] where D.Batch == M.Batch {
        try evaluate(model, data: RunData(module: model, datamodule: datamodule), stage: .validate, ckptPath: ckptPath, verbose: verbose)
    }

    /// Runs one test epoch; returns the logged epoch metrics of each test loader.
    @discardableResult
    ///
    /// - Parameter ckptPath: Test the weights of this checkpoint: a path, `"best"` or `"last"`.
    public func test<M: LightningModule>(_ model: M, dataloaders: [any BatchLoader<M.Batch>]? = nil, ckptPath: String? = nil,
                                         verbose: Bool = true) throws -> [[String: Double]] {
        try evaluate(model, data: RunData(module: model, test: dataloaders), stage: .test, ckptPath: ckptPath, verbose: verbose)
    }

    @discardableResult
    public func test<M: LightningModule, D: LightningDataModule>(_ model: M, datamodule: D, ckptPath: String? = nil,
                                                                 verbose: Bool = true) throws -> [[String: Double]] where D.Batch == M.Batch {
        try evaluate(model, data: RunData(module: model, datamodule: datamodule), stage: .test, ckptPath: ckptPath, verbose: verbose)
    }

    /// Runs `predictStep` over the predict loaders; returns the outputs, one list per loader.
    ///
    /// With `returnPredictions: false` nothing is kept (empty lists come back): for predictions
    /// written out by a ``BasePredictionWriter``, without holding them all in memory.
    public func predict<M: LightningModule>(_ model: M, dataloaders: [any BatchLoader<M.Batch>]? = nil,
                                            returnPredictions: Bool = true, ckptPath: String? = nil) throws -> [[M.PredictOutput]] {
        try predict(model, data: RunData(module: model, predict: dataloaders), returnPredictions: returnPredictions, ckptPath: ckptPath)
    }

    public func predict<M: LightningModule, D: LightningDataModule>(_ model: M, datamodule: D, returnPredictions: Bool = true,
                                                                    ckptPath: String? = nil) throws -> [[M.PredictOutput]] where D.Batch == M.Batch {
        try predict(model, data: RunData(module: model, datamodule: datamodule), returnPredictions: returnPredictions, ckptPath: ckptPath)
    }

    // MARK: Shared set-up

    private func beginRun<M: LightningModule>(_ model: M, stage: Stage) {
        callbacks = assembleCallbacks(modelCallbacks: model.configureCallbacks(), stage: stage)
        entryPoint = stage
        evaluationBatchesReady = 0
        if stage == .fit {
            // Evaluation keeps the counters of an earlier fit (a validate after fit logs at its epoch).
            currentEpoch = 0
            globalStep = 0
            batchesThatStepped = 0
        }
        shouldStop = false
        loopOverrides = LoopOverrides()
        interrupted = false
        receivedSigterm = false
        metrics.reset()
        lastValidationTime = nil
    }

    func fit<M: LightningModule>(_ model: M, data: RunData<M>, ckptPath: String?) throws {
        beginRun(model, stage: .fit)
        do {
            try runEntryPoint(model, data: data, stage: .fit) {
                // On SLURM, a requeued job resumes from its newest HPC checkpoint (as Lightning).
                let requested = ckptPath ?? (SLURMEnvironment.detect()
                    && HPCCheckpoint.latestPath(in: defaultRootDir) != nil ? "hpc" : nil)
                let resolved = try requested.flatMap { try resolveCheckpointPath($0) }
                self.ckptPath = resolved
                try FitLoop(trainer: self, module: model, data: data, resumePath: resolved).run()
            }
        } catch is KeyboardInterrupt {
            // Lightning's graceful shutdown ends with sys.exit(1); a library returns instead and the
            // caller reads `interrupted`.
            Swift.print("\nDetected KeyboardInterrupt, attempting graceful shutdown ...")
        } catch is SIGTERMException {
            // Lightning raises SIGTERMException (a SystemExit) to the script; fit returns instead.
        } catch is TunerExit {
            // The Tuner ended the fit after its search.
        }
    }

    /// A path for `ckptPath`: `"best"` and `"last"` come from the checkpoint callbacks.
    /// nil for `"last"` when no last checkpoint exists yet (Lightning warns and trains from the start,
    /// so a script can always pass "last").
    func resolveCheckpointPath(_ ckptPath: String) throws -> String? {
        // The callbacks of this run, and the default ModelCheckpoint of an earlier fit.
        var checkpointers = callbacks.compactMap { $0 as? any CheckpointingCallback }
        if !checkpointers.contains(where: { $0 === defaultModelCheckpoint }) { checkpointers.append(defaultModelCheckpoint) }
        switch ckptPath {
        case "hpc":
            guard let path = HPCCheckpoint.latestPath(in: defaultRootDir) else {
                throw LightningError.checkpoint("ckptPath \"hpc\" is set but no HPC checkpoint (hpc_ckpt_N.ckpt) was found in \(defaultRootDir)")
            }
            return path
        case "best":
            guard let path = checkpointers.map(\.bestModelPath).first(where: { !$0.isEmpty }) else {
                throw LightningError.checkpoint("ckptPath \"best\" needs a ModelCheckpoint that has saved a best model; none has")
            }
            return path
        case "last":
            let candidates = Set(checkpointers.flatMap { $0.lastCheckpointCandidates(self) })
                .filter { !$0.isEmpty && FileManager.default.fileExists(atPath: $0) }
            let newest = candidates.max {
                let a = (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast
                let b = (try? FileManager.default.attributesOfItem(atPath: $1)[.modificationDate] as? Date) ?? .distantPast
                return a < b
            }
            guard let newest else {
                Swift.print("warning: .fit(ckptPath: \"last\") is set, but there is no last checkpoint available. No checkpoint will be loaded. HINT: Set `ModelCheckpoint(..., saveLast: true)`.")
                return nil
            }
            return newest
        default:
            guard FileManager.default.fileExists(atPath: ckptPath) else {
                throw LightningError.checkpoint("the checkpoint \(ckptPath) does not exist; check the path")
            }
            return ckptPath
        }
    }

    /// Reads a checkpoint file through the CheckpointIO plugin.
    func loadCheckpoint(at path: String) throws -> Checkpoint {
        try checkpointIO.load(from: path)
    }

    func evaluate<M: LightningModule>(_ model: M, data: RunData<M>, stage: Stage, ckptPath: String?, verbose: Bool) throws -> [[String: Double]] {
        beginRun(model, stage: stage)
        return try runEntryPoint(model, data: data, stage: stage) {
            try runStandalone(model, data: data, stage: stage, ckptPath: ckptPath) {
                let loop = EvaluationLoop(trainer: self, module: model, data: data, stage: stage)
                activeTrialLoop = loop
                defer { activeTrialLoop = nil }
                guard loop.isEnabled, try loop.hasData() else {
                    throw LightningError.configuration(stage == .test
                        ? "\(model.typeName) has no test data or no testStep: implement testStep and testDataloader (or pass dataloaders)"
                        : "\(model.typeName) has no validation data or no validationStep: implement validationStep and valDataloader (or pass dataloaders)")
                }
                let results = try configuration.inferenceMode
                    ? inferenceMode { try loop.run(maxBatches: nil) }
                    : noGrad { try loop.run(maxBatches: nil) }
                if verbose && isGlobalZero { Swift.print(ResultsTable(stage: stage, results: results).render()) }
                return results
            }
        }
    }

    func predict<M: LightningModule>(_ model: M, data: RunData<M>, returnPredictions: Bool, ckptPath: String?) throws -> [[M.PredictOutput]] {
        beginRun(model, stage: .predict)
        return try runEntryPoint(model, data: data, stage: .predict) {
            try runStandalone(model, data: data, stage: .predict, ckptPath: ckptPath) {
                let loop = PredictionLoop(trainer: self, module: model, data: data, returnPredictions: returnPredictions)
                activeTrialLoop = loop
                defer { activeTrialLoop = nil }
                return try configuration.inferenceMode ? inferenceMode { try loop.run() } : noGrad { try loop.run() }
            }
        }
    }

    /// The frame around validate/test/predict: device, data set-up, hooks, teardown.
    private func runStandalone<M: LightningModule, R>(_ model: M, data: RunData<M>, stage: Stage, ckptPath: String?,
                                                       _ body: () throws -> R) throws -> R {
        try setupStrategy()
        precisionPlugin = precisionPluginOverride ?? PrecisionPlugin(setting: configuration.precision, device: device)
        try prepareData(model, data)
        try data.setup(stage)
        try callCallbacks(.named("setup")) { try $0.setup(self, model, stage: stage) }
        try callModule(.named("setup")) { try model.setup(stage: stage) }
        try callModule(.named("configure_model")) { try model.configureModel() }
        if let ckptPath {
            // As Lightning's `_restore_modules_and_callbacks` for evaluation: the weights only.
            guard let path = try resolveCheckpointPath(ckptPath) else {
                throw LightningError.checkpoint("ckptPath \"\(ckptPath)\" found no checkpoint to evaluate; train first or pass a path")
            }
            let checkpoint = try loadCheckpoint(at: path)
            try callModule(.named("on_load_checkpoint")) { try model.onLoadCheckpoint(checkpoint) }
            guard let weights = checkpoint["state_dict"] else {
                throw LightningError.checkpoint("the checkpoint \(ckptPath) has no `state_dict`")
            }
            try model.loadStateDict(try StateDict(weights))
        }
        try model.to(device)
        try precisionPlugin.convertModule(model)
        let result = try body()
        try finishRun(model, data: data, stage: stage)
        return result
    }
}
