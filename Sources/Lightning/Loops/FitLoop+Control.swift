import Foundation
import Torch

// What the tuners (LearningRateFinder, BatchSizeFinder) need of the running fit loop without
// knowing the module's type: trial runs of the training loop from a saved position, and a way back
// to the state before them (Lightning's `_try_loop_run`, `fit_loop.load_state_dict`,
// `_checkpoint_connector.restore`).

/// The running fit loop as the tuners see it.
protocol FitLoopControl: AnyObject {
    /// Runs the training loop alone, without the sanity check (Lightning's `fit_loop.run()`).
    func runTraining() throws
    /// Keeps the state a tuner's trial runs start from: the loop's counters, and a checkpoint in
    /// `defaultRootDir` (`.<prefix>_<uuid>.ckpt`, the same name on every rank).
    func beginTrialRuns(checkpointPrefix prefix: String) throws -> FitTrialStart
    /// Back to the state ``beginTrialRuns(checkpointPrefix:)`` kept: counters, loaders asked for
    /// again, model, optimizers and callbacks from the checkpoint, which is then removed.
    func endTrialRuns(_ start: FitTrialStart) throws
    /// The loop's counters and stage now.
    func snapshot() -> FitLoopSnapshot
    /// Puts back counters from ``snapshot()`` (before each trial run).
    func restore(_ snapshot: FitLoopSnapshot)
    /// Asks the hooks for the data loaders again: the training loader now, the validation loaders
    /// when next needed (after a batch size changed, and after tuning, as Lightning's `setup_data`).
    func reloadData() throws
    /// The number of samples in the training data, when the loader knows it (loading the training
    /// loader if it is not loaded).
    func trainDatasetCount() throws -> Int?
    /// True when the training loader was passed to `fit` instead of made by a hook.
    var trainGivenDirectly: Bool { get }
    /// Restores model, callbacks, optimizers, schedulers and counters from a checkpoint file.
    func restoreCheckpoint(at path: String) throws
}

/// Where a tuner's trial runs in `fit` start from.
struct FitTrialStart {
    var snapshot: FitLoopSnapshot
    var checkpoint: String
}

/// The counters a trial run changes.
struct FitLoopSnapshot {
    var progress: LoopProgress
    var currentEpoch: Int
    var globalStep: Int
    var batchesThatStepped: Int
    var totalBatchIndex: Int
    var resumeBatchIndex: Int
    var shouldStop: Bool
    var stage: RunningStage?
}

extension FitLoop: FitLoopControl {
    func beginTrialRuns(checkpointPrefix prefix: String) throws -> FitTrialStart {
        let path = try trainer.broadcast((trainer.defaultRootDir as NSString)
            .appendingPathComponent(".\(prefix)_\(UUID().uuidString.lowercased()).ckpt"))
        try trainer.saveCheckpoint(path)
        return FitTrialStart(snapshot: snapshot(), checkpoint: path)
    }

    func endTrialRuns(_ start: FitTrialStart) throws {
        // Rank 0 wrote the file; it removes it once every rank has read it (the barrier).
        defer { if trainer.isGlobalZero { try? FileManager.default.removeItem(atPath: start.checkpoint) } }
        restore(start.snapshot)
        try reloadData()
        try restoreCheckpoint(at: start.checkpoint)
        try trainer.barrier()
    }

    func snapshot() -> FitLoopSnapshot {
        let t = trainer
        return FitLoopSnapshot(progress: progress, currentEpoch: t.currentEpoch, globalStep: t.globalStep,
                               batchesThatStepped: t.batchesThatStepped, totalBatchIndex: totalBatchIndex,
                               resumeBatchIndex: resumeBatchIndex, shouldStop: t.shouldStop, stage: t.stage)
    }

    func restore(_ snapshot: FitLoopSnapshot) {
        let t = trainer
        progress = snapshot.progress
        t.currentEpoch = snapshot.currentEpoch
        t.globalStep = snapshot.globalStep
        t.batchesThatStepped = snapshot.batchesThatStepped
        totalBatchIndex = snapshot.totalBatchIndex
        resumeBatchIndex = snapshot.resumeBatchIndex
        t.shouldStop = snapshot.shouldStop
        t.stage = snapshot.stage
    }

    func reloadData() throws {
        evaluation.forgetLoaders()
        trainLoader = try trainer.loadTrainData(data)
    }

    var trainGivenDirectly: Bool { data.trainGivenDirectly }

    func trainDatasetCount() throws -> Int? {
        if trainLoader == nil { trainLoader = try trainer.loadTrainData(data) }
        return trainLoader?.datasetCount
    }

    func restoreCheckpoint(at path: String) throws {
        let checkpoint = try trainer.loadCheckpoint(at: path)
        try restoreModelAndCallbacks(checkpoint)
        try restoreTrainingState(checkpoint)
        trainer.shouldStop = false
        trainer.metrics.reset()
    }
}

extension Trainer {
    /// The running fit loop, or an error naming `who` needs one.
    func requireFitLoop(_ who: String) throws -> any FitLoopControl {
        guard let control = fitLoopControl else {
            throw LightningError.configuration("\(who) runs inside `Trainer.fit` (from `onFitStart`); it found no running fit")
        }
        return control
    }

    /// Runs `body` with loggers silenced and only `callbacks` active, then puts both back (the
    /// tuners' `DummyLogger` and callback swap).
    func withTuningSetup<T>(callbacks tuningCallbacks: [any Callback], _ body: () throws -> T) rethrows -> T {
        let savedCallbacks = callbacks
        let savedLoggers = loggers
        let savedOverrides = loopOverrides
        callbacks = tuningCallbacks
        loggers = []
        defer {
            callbacks = savedCallbacks
            loggers = savedLoggers
            loopOverrides = savedOverrides
        }
        return try body()
    }

    /// True, after a warning, when `fastDevRun` is on: the tuners skip their search then
    /// (`searchName` goes into the warning), as Lightning.
    func skipsTuning(_ searchName: String) -> Bool {
        guard configuration.fastDevRun > 0 else { return false }
        print("warning: Skipping \(searchName) since `fastDevRun` is enabled.")
        return true
    }

    /// Runs `body` and puts the CPU random state back afterwards, also when it throws (Lightning's
    /// `isolate_rng`, for the CPU generator).
    func withIsolatedRandomState<T>(_ body: () throws -> T) throws -> T {
        let cpu = try Generator.default(for: .cpu)
        let state = try cpu.state()
        defer { try? cpu.setState(state) }
        return try body()
    }
}
