import Torch

/// The loop counters Lightning saves under `checkpoint["loops"]` (its `_Progress` trackers), with the
/// same nesting and names so Python Lightning reads our checkpoints and we read its.
///
/// Counters a single-process run keeps equal (ready = started = processed = completed) are written
/// that way; the epoch counters differ at an epoch's end, where `processed` is one ahead of
/// `completed` (the checkpoint is written in `on_train_epoch_end`).
struct LoopProgress {
    var batchesThatStepped = 0
    /// Training batches finished, in all epochs and in this one.
    var batchesTotal = 0
    var batchesThisEpoch = 0
    var lastBatchSeen = false
    /// Scheduler steps, in all and in this epoch.
    var schedulerStepsTotal = 0
    var schedulerStepsThisEpoch = 0
    /// Optimizer steps and zero-grads, in all and in this epoch.
    var optimizerSteps = 0
    var optimizerStepsThisEpoch = 0
    var zeroGrads = 0
    var zeroGradsThisEpoch = 0
    var manualSteps = 0
    /// Validation batches of the latest validation run.
    var validationBatches = 0
    var validationLastBatch = false
    /// Epochs started, processed (their batches done) and completed (their end hooks done).
    var epochStarted = 0
    var epochProcessed = 0
    var epochsCompleted = 0

    /// A training batch finished (`last`: the epoch's last).
    mutating func finishBatch(last: Bool) {
        batchesTotal += 1
        batchesThisEpoch += 1
        lastBatchSeen = last
    }

    mutating func countZeroGrad() {
        zeroGrads += 1
        zeroGradsThisEpoch += 1
    }

    mutating func countOptimizerStep() {
        optimizerSteps += 1
        optimizerStepsThisEpoch += 1
    }

    mutating func countSchedulerStep() {
        schedulerStepsTotal += 1
        schedulerStepsThisEpoch += 1
    }

    mutating func startEpoch() {
        batchesThisEpoch = 0
        schedulerStepsThisEpoch = 0
        optimizerStepsThisEpoch = 0
        zeroGradsThisEpoch = 0
        lastBatchSeen = false
    }

    private static func counts(_ total: Int, _ current: Int, started: Bool = true, processed: Bool = true) -> PickleValue {
        func tracker(_ n: Int) -> PickleValue {
            var entries: [(String, PickleValue)] = [("ready", .int(n)), ("completed", .int(n))]
            if started { entries.insert(("started", .int(n)), at: 2) }
            if processed { entries.append(("processed", .int(n))) }
            return .dict(entries.map { (.string($0.0), $0.1) })
        }
        return .dict([(.string("total"), tracker(total)), (.string("current"), tracker(current))])
    }

    private static func batchProgress(_ total: Int, _ current: Int, last: Bool?) -> PickleValue {
        guard case .dict(var entries) = counts(total, current) else { return .none }
        if let last { entries.append((.string("is_last_batch"), .bool(last))) }
        return .dict(entries)
    }

    private static func stepCounts(_ total: Int, _ current: Int) -> PickleValue {
        counts(total, current, started: false, processed: false)
    }

    /// The training loader's saved position, if it keeps one (Lightning's `combined_loader` state).
    var trainLoaderState: PickleValue?

    /// The `loops` entry of a checkpoint.
    func pickleValue(batchesThatStepped: Int) -> PickleValue {
        let empty: PickleValue = [:]
        let fitState: PickleValue = trainLoaderState.map { .dict([(.string("combined_loader"), .list([$0]))]) } ?? empty
        let epochCounts = PickleValue.dict([("ready", epochStarted), ("completed", epochsCompleted), ("started", epochStarted),
                                            ("processed", epochProcessed)].map { (.string($0.0), .int($0.1)) })
        let epoch: PickleValue = .dict([(.string("total"), epochCounts), (.string("current"), epochCounts)])
        let fit: [(String, PickleValue)] = [
            ("state_dict", fitState),
            ("epoch_loop.state_dict", .dict([(.string("_batches_that_stepped"), .int(batchesThatStepped))])),
            ("epoch_loop.batch_progress", Self.batchProgress(batchesTotal, batchesThisEpoch, last: lastBatchSeen)),
            ("epoch_loop.scheduler_progress", Self.stepCounts(schedulerStepsTotal, schedulerStepsThisEpoch)),
            ("epoch_loop.automatic_optimization.state_dict", empty),
            ("epoch_loop.automatic_optimization.optim_progress", .dict([(.string("optimizer"), .dict([
                (.string("step"), Self.stepCounts(optimizerSteps, optimizerStepsThisEpoch)),
                (.string("zero_grad"), Self.counts(zeroGrads, zeroGradsThisEpoch, processed: false)),
            ]))])),
            ("epoch_loop.manual_optimization.state_dict", empty),
            ("epoch_loop.manual_optimization.optim_step_progress", Self.stepCounts(manualSteps, manualSteps)),
            ("epoch_loop.val_loop.state_dict", empty),
            ("epoch_loop.val_loop.batch_progress", Self.batchProgress(validationBatches, validationBatches, last: validationLastBatch)),
            ("epoch_progress", epoch),
        ]
        func evaluation(_ last: Bool?) -> PickleValue {
            .dict([(.string("state_dict"), empty), (.string("batch_progress"), Self.batchProgress(0, 0, last: last))])
        }
        return .dict([
            (.string("fit_loop"), .dict(fit.map { (.string($0.0), $0.1) })),
            (.string("validate_loop"), evaluation(false)),
            (.string("test_loop"), evaluation(false)),
            (.string("predict_loop"), evaluation(nil)),
        ])
    }

    /// Reads the counters back from a checkpoint's `loops` entry.
    mutating func load(_ loops: PickleValue) throws {
        guard let fit = loops["fit_loop"] else {
            throw LightningError.checkpoint("the checkpoint's `loops` entry has no `fit_loop`; it cannot resume training")
        }
        func number(_ path: [String], in value: PickleValue?) -> Int? {
            var current = value
            for key in path { current = current?[key] }
            return current?.intValue
        }
        batchesThatStepped = number(["epoch_loop.state_dict", "_batches_that_stepped"], in: fit) ?? 0
        trainLoaderState = fit["state_dict"]?["combined_loader"]?.arrayValue?.first
        batchesTotal = number(["epoch_loop.batch_progress", "total", "completed"], in: fit) ?? 0
        batchesThisEpoch = number(["epoch_loop.batch_progress", "current", "completed"], in: fit) ?? 0
        lastBatchSeen = fit["epoch_loop.batch_progress"]?["is_last_batch"]?.boolValue ?? false
        schedulerStepsTotal = number(["epoch_loop.scheduler_progress", "total", "completed"], in: fit) ?? 0
        schedulerStepsThisEpoch = number(["epoch_loop.scheduler_progress", "current", "completed"], in: fit) ?? 0
        let optim = ["epoch_loop.automatic_optimization.optim_progress", "optimizer"]
        optimizerSteps = number(optim + ["step", "total", "completed"], in: fit) ?? 0
        optimizerStepsThisEpoch = number(optim + ["step", "current", "completed"], in: fit) ?? 0
        zeroGrads = number(optim + ["zero_grad", "total", "completed"], in: fit) ?? 0
        zeroGradsThisEpoch = number(optim + ["zero_grad", "current", "completed"], in: fit) ?? 0
        manualSteps = number(["epoch_loop.manual_optimization.optim_step_progress", "total", "completed"], in: fit) ?? 0
        epochStarted = number(["epoch_progress", "current", "started"], in: fit) ?? 0
        epochProcessed = number(["epoch_progress", "current", "processed"], in: fit) ?? 0
        epochsCompleted = number(["epoch_progress", "current", "completed"], in: fit) ?? 0
    }
}
