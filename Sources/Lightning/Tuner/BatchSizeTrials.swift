import Foundation
import Torch

// The running loop as the batch-size finder sees it, in each entry point: fit runs training steps,
// validate and test evaluation batches, predict prediction batches (Lightning's
// `trainer._active_loop` with `__scale_batch_reset_params`, `_try_loop_run`, `_reset_dataloaders`
// and the checkpoint put back after the search).

/// Trial runs of the running loop at changing batch sizes.
protocol BatchSizeTrials: AnyObject {
    /// Before the search: keeps the state the trials start from and limits each trial to `steps`
    /// batches. Refuses data the search cannot handle (several evaluation loaders).
    func beginTrials(steps: Int) throws
    /// One trial from the kept state (outside fit with the loaders asked for again, as
    /// Lightning's evaluation and prediction loops ask on every run).
    func runTrial() throws
    /// Asks the data hooks for the loaders again (the batch size changed).
    func reloadData() throws
    /// The number of samples in the data searched for, when the loader knows it.
    func datasetCount() throws -> Int?
    /// After the search: the state before it, limits lifted, the loaders asked for again (at once,
    /// as Lightning's `_reset_dataloaders`).
    func endTrials() throws
}

extension FitLoop: BatchSizeTrials {
    func beginTrials(steps: Int) throws {
        batchSizeTrialStart = try beginTrialRuns(checkpointPrefix: "scale_batch_size")
        trainer.loopOverrides.limitTrainBatches = .fraction(1)
        trainer.loopOverrides.limitValBatches = .count(steps)
        trainer.loopOverrides.maxSteps = steps
    }

    func runTrial() throws {
        guard let start = batchSizeTrialStart else { return }
        restore(start.snapshot)
        try runTraining()
    }

    func datasetCount() throws -> Int? { try trainDatasetCount() }

    func endTrials() throws {
        guard let start = batchSizeTrialStart else { return }
        batchSizeTrialStart = nil
        try endTrialRuns(start)
    }
}

/// What an evaluation or prediction loop keeps for the batch-size finder's trials.
struct EvaluationTrials {
    /// Batches per trial (Lightning sets `limit_<stage>_batches` to `steps_per_trial`).
    var batches: Int
    /// The model's weights before the search (trials change none, unless a hook does).
    var weights: StateDict
    /// The loop's step counter for logged rows.
    var loggedSteps: Int

    init(batches: Int, module: Module, loggedSteps: Int) throws {
        self.batches = batches
        weights = try StateDict(module.stateDict().map { ($0.key, try $0.value.detach().clone()) })
        self.loggedSteps = loggedSteps
    }

    /// Puts the weights back.
    func restoreWeights(of module: Module) throws {
        _ = try module.loadStateDict(weights)
    }
}

/// The batch-size finder refuses several loaders outside fit, as Lightning.
func refuseSeveralLoaders(_ count: Int, prefix: String) throws {
    guard count <= 1 else {
        throw LightningError.configuration("The Batch size finder cannot be used with multiple \(prefix) dataloaders.")
    }
}

extension EvaluationLoop: BatchSizeTrials {
    func beginTrials(steps: Int) throws {
        try refuseSeveralLoaders(try loaderCount(), prefix: stage == .test ? "test" : "val")
        trials = try EvaluationTrials(batches: steps, module: module, loggedSteps: loggedSteps)
    }

    func runTrial() throws {
        guard let trials else { return }
        loggedSteps = trials.loggedSteps
        forgetLoaders()
        try run(maxBatches: nil)
    }

    func reloadData() throws { forgetLoaders() }

    func endTrials() throws {
        guard let saved = trials else { return }
        trials = nil
        loggedSteps = saved.loggedSteps
        try saved.restoreWeights(of: module)
        forgetLoaders()
        _ = try loaderCount()
    }
}

extension PredictionLoop: BatchSizeTrials {
    func beginTrials(steps: Int) throws {
        try refuseSeveralLoaders(try ensureLoaders().count, prefix: "predict")
        trials = try EvaluationTrials(batches: steps, module: module, loggedSteps: 0)
    }

    func runTrial() throws {
        guard trials != nil else { return }
        loaders = nil
        _ = try run()
    }

    func reloadData() throws { loaders = nil }

    func datasetCount() throws -> Int? { try ensureLoaders().first?.datasetCount }

    func endTrials() throws {
        guard let saved = trials else { return }
        trials = nil
        try saved.restoreWeights(of: module)
        loaders = nil
        try ensureLoaders()
    }
}
