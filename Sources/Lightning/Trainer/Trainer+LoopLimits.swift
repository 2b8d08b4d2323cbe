import Torch

// The limits the loops run under: the configuration's, as `fastDevRun` and `overfitBatches`
// adjust them, and as callbacks change them during a fit (Lightning's mutable
// `trainer.fit_loop.max_epochs`, `trainer.limit_val_batches`, …, which the tuners and
// StochasticWeightAveraging set and restore).

/// Changes to the configured limits made during a run by the tuners and callbacks.
struct LoopOverrides {
    var maxEpochs: Int?
    var maxSteps: Int?
    var limitTrainBatches: BatchLimit?
    var limitValBatches: BatchLimit?
    /// Training batches run the training step only: no zero-grad, backward or optimizer step
    /// (StochasticWeightAveraging's batch-norm epoch, Lightning's `fit_loop._skip_backward`).
    ///
    /// Lightning still steps the optimizer on that epoch's last batch, with the gradients left from
    /// the epoch before, which moves the weights away from the average just computed; here no step
    /// is taken, so a fit with SWA ends with exactly the averaged weights.
    var forwardOnly = false
}

extension Trainer {
    /// The epoch limit in force: 1 with `fastDevRun`; the configured `maxEpochs`; else 1000 when
    /// `maxSteps` is unset and -1 (none) when it is set, as Lightning.
    public var maxEpochs: Int {
        if let maxEpochs = loopOverrides.maxEpochs { return maxEpochs }
        if configuration.fastDevRun > 0 { return 1 }
        if let maxEpochs = configuration.maxEpochs { return maxEpochs }
        return configuration.maxSteps == -1 ? 1000 : -1
    }

    /// The optimizer-step limit in force (-1: none).
    public var maxSteps: Int {
        if let maxSteps = loopOverrides.maxSteps { return maxSteps }
        return configuration.fastDevRun > 0 ? configuration.fastDevRun : configuration.maxSteps
    }

    /// The training-batch limit in force per epoch.
    var trainBatchLimit: BatchLimit {
        if let limit = loopOverrides.limitTrainBatches { return limit }
        if configuration.fastDevRun > 0 { return .count(configuration.fastDevRun) }
        if !configuration.overfitBatches.isZero { return configuration.overfitBatches }
        return configuration.limitTrainBatches
    }

    /// The validation-batch limit in force per loader.
    var valBatchLimit: BatchLimit {
        if let limit = loopOverrides.limitValBatches { return limit }
        if configuration.fastDevRun > 0 { return .count(configuration.fastDevRun) }
        if !configuration.overfitBatches.isZero { return configuration.overfitBatches }
        return configuration.limitValBatches
    }
}
