import Torch

/// The Trainer's three views of logged values (Lightning's `callback_metrics`, `logged_metrics`,
/// `progress_bar_metrics`), kept as tensors or numbers until read.
final class MetricStore {
    var callback: [String: MetricValue] = [:]
    var logged: [String: MetricValue] = [:]
    var progressBar: [String: MetricValue] = [:]
    /// What the training loop and the evaluation loop logged this epoch.
    let training = ResultCollection()
    let evaluation = ResultCollection()

    func read(_ values: [String: MetricValue]) throws -> [String: Double] {
        try values.mapValues { try $0.doubleValue() }
    }

    func reset() {
        callback.removeAll()
        logged.removeAll()
        progressBar.removeAll()
        training.reset()
        evaluation.reset()
    }
}

extension LightningModule {
    /// Records a metric, as Lightning's `self.log`: for callbacks (`trainer.callbackMetrics`), the
    /// progress bar and the loggers.
    ///
    /// Defaults follow the hook: in `trainingStep` a value is logged per step; in
    /// `validationStep`/`testStep` it is reduced over the epoch (mean weighted by batch size: the
    /// `batchSize` given, else the first dimension of the batch's first tensor, or 1 in a hook that
    /// runs between batches, as in Lightning). With both `onStep` and `onEpoch`, two series appear:
    /// `name_step` and `name_epoch`.
    ///
    /// ```swift
    /// try log("train_loss", loss, progressBar: true)
    /// try log("val_acc", accuracy, onEpoch: true)
    /// ```
    public func log(_ name: String, _ value: some Loggable, progressBar: Bool = false, logger: Bool = true,
                    onStep: Bool? = nil, onEpoch: Bool? = nil, reduce: MetricReduction = .mean,
                    syncDist: Bool = false, batchSize: Int? = nil) throws {
        guard let context = LightningContext.current else {
            // Set up with Fabric: to the Fabric's loggers (Lightning's `_log_dict_through_fabric`);
            // without a trainer or Fabric, logging does nothing, as in Lightning. A tensor is read on
            // the host by rank 0 only (no device sync on the other ranks or without loggers).
            guard let fabric, logger else { return }
            switch try value.metricValue {
            case .tensor(let tensor): try fabric.log(name, tensor)
            case .number(let number): try fabric.log(name, number)
            }
            return
        }
        try context.trainer.record(name, try value.metricValue, metric: value.loggedMetric, progressBar: progressBar,
                                   logger: logger, onStep: onStep, onEpoch: onEpoch, reduce: reduce, syncDist: syncDist,
                                   batchSize: batchSize)
    }

    /// Logs several values with the same settings, as Lightning's `self.log_dict`.
    public func logDict(_ values: [String: any Loggable], progressBar: Bool = false, logger: Bool = true,
                        onStep: Bool? = nil, onEpoch: Bool? = nil, reduce: MetricReduction = .mean,
                        syncDist: Bool = false, batchSize: Int? = nil) throws {
        for name in values.keys.sorted() {
            try log(name, AnyLoggable(values[name]!), progressBar: progressBar, logger: logger, onStep: onStep,
                    onEpoch: onEpoch, reduce: reduce, syncDist: syncDist, batchSize: batchSize)
        }
    }

    /// The trainer running this module now, if any.
    public var trainer: Trainer? { LightningContext.current?.trainer }
    /// The trainer's current epoch (0 outside a run).
    public var currentEpoch: Int { trainer?.currentEpoch ?? 0 }
    /// The trainer's optimizer steps so far (0 outside a run).
    public var globalStep: Int { trainer?.globalStep ?? 0 }

    /// Prints on global rank 0 only (Lightning's `self.print`).
    public func print(_ items: Any...) {
        guard trainer?.isGlobalZero ?? fabric?.isGlobalZero ?? true else { return }
        Swift.print(items.map { "\($0)" }.joined(separator: " "))
    }
}

private struct AnyLoggable: Loggable {
    let base: any Loggable
    init(_ base: any Loggable) { self.base = base }
    var metricValue: MetricValue { get throws { try base.metricValue } }
    var loggedMetric: Metric? { base.loggedMetric }
}

extension Trainer {
    /// Applies Lightning's rules to one `log` call and records it.
    func record(_ name: String, _ value: MetricValue, metric: Metric? = nil, progressBar: Bool, logger: Bool, onStep: Bool?, onEpoch: Bool?,
                reduce: MetricReduction, syncDist: Bool = false, batchSize: Int?) throws {
        let hook = context.hook ?? .other
        guard let rule = hook.loggingRule else {
            throw LightningError.logging("You can't `log()` inside `\(hook.rawValue)`. Log from the step methods or the epoch hooks, or write to a Logger directly with logMetrics")
        }
        if configuration.barebones {
            throw LightningError.logging("`log()` is not allowed with `barebones: true`; turn barebones off to log metrics")
        }
        let onStep = onStep ?? rule.onStep
        let onEpoch = onEpoch ?? rule.onEpoch
        guard onStep || onEpoch else {
            throw LightningError.logging("`log(\"\(name)\", onStep: false, onEpoch: false)` is not useful: it logs nothing; set one of them")
        }
        if onStep && !rule.stepAllowed {
            throw LightningError.logging("You can't `log(\"\(name)\", onStep: true)` inside `\(hook.rawValue)`, must be one of (false): it runs once per epoch")
        }
        if name.contains("/dataloader_idx_") {
            throw LightningError.logging("You called `log` with the key `\(name)` but it should not contain information about `dataloader_idx`")
        }
        let results = hook.isTraining ? metrics.training : metrics.evaluation
        // `syncDist` in a DDP run: the step value is reduced across the ranks now; the epoch value
        // when it is computed (Lightning's `_Sync`).
        let synchronise = syncDist && runtime != nil && metric == nil
        var stepValue = value
        if synchronise && onStep, case .tensor(let tensor) = value {
            stepValue = .tensor(try self.reduce(tensor, op: reduce.reduceOp, checkingShape: false))
        }
        try results.log(name, value: value, stepValue: stepValue, metric: metric, onStep: onStep, onEpoch: onEpoch,
                        progressBar: progressBar, logger: logger, reduction: reduce, syncDist: synchronise,
                        batchSize: try resolvedBatchSize(batchSize, onEpoch: onEpoch, reduce: reduce))
        guard onStep else { return }
        // Step values are visible at once to callbacks and the progress bar.
        let key = onEpoch ? name + "_step" : name
        metrics.callback[key] = stepValue
        if onEpoch { metrics.callback[name] = stepValue }
        if progressBar { metrics.progressBar[key] = stepValue }
    }

    /// The batch size that weights an epoch mean: the one given, else the first dimension of the
    /// batch's first tensor, found only when a mean over the epoch needs it (not on every step).
    private func resolvedBatchSize(_ given: Int?, onEpoch: Bool, reduce: MetricReduction) throws -> Int {
        if let given { return given }
        guard onEpoch, reduce == .mean, let batch = currentBatch else { return 1 }
        return batchSize(of: batch) ?? 1
    }

    /// Sends this step's training values to the loggers when a row is due.
    func logTrainingStep(force: Bool) throws {
        let step = batchesThatStepped
        let due = (step + 1) % Swift.max(configuration.logEveryNSteps, 1) == 0 || shouldStop || force
        defer { metrics.training.endStep() }
        guard due, !loggers.isEmpty else { return }
        var row: [(name: String, value: Double)] = []
        for entry in metrics.training.entries where entry.onStep && entry.logger && entry.loggedThisStep {
            let key = entry.onEpoch ? entry.name + "_step" : entry.name
            metrics.logged[key] = entry.last
            row.append((key, try entry.last.doubleValue()))
        }
        try writeRow(row, step: step)
    }

    /// Writes the step values an evaluation batch logged (Lightning's `update_eval_step_metrics`):
    /// their own row at `step`, the evaluation loop's batch counter, without an `epoch` entry.
    func logEvaluationStep(step: Int) throws {
        defer { metrics.evaluation.endStep() }
        var row: [(name: String, value: Double)] = []
        for entry in metrics.evaluation.entries where entry.onStep && entry.loggedThisStep {
            let key = entry.onEpoch ? entry.name + "_step" : entry.name
            if entry.logger {
                metrics.logged[key] = entry.last
                row.append((key, try entry.last.doubleValue()))
            }
        }
        guard !row.isEmpty, isGlobalZero else { return }
        for logger in loggers where isGlobalZero { try logger.logMetrics(row, step: step) }
    }

    /// Reduces a loop's epoch values into the callback, progress-bar and logged metrics, and writes
    /// them to the loggers at `step`.
    func finishEpochMetrics(_ results: ResultCollection, step: Int, write: Bool) throws {
        try checkRanksReduceTheSameNames(results)
        var row: [(name: String, value: Double)] = []
        for entry in results.entries where entry.onEpoch {
            guard let value = try results.epochValue(entry) else { continue }
            let key = entry.onStep ? entry.name + "_epoch" : entry.name
            metrics.callback[entry.name] = value
            metrics.callback[key] = value
            if entry.progressBar { metrics.progressBar[key] = value }
            if entry.logger {
                metrics.logged[key] = value
                row.append((key, try value.doubleValue()))
            }
        }
        if results === metrics.evaluation {
            // Once an evaluation epoch ends, its per-batch values leave the callback metrics.
            for entry in results.entries where entry.onStep {
                metrics.callback[entry.onEpoch ? entry.name + "_step" : entry.name] = nil
            }
        }
        if write { try writeRow(row, step: step) }
    }

    /// Under DDP, before an epoch's values are reduced across the ranks: every rank must reduce the
    /// same names in the same order, or the collectives pair up different metrics (silently wrong
    /// values, Lightning issue #21409) or wait for one that never comes. One small all-reduce
    /// compares the names; a difference is an error naming this rank's names.
    func checkRanksReduceTheSameNames(_ results: ResultCollection) throws {
        guard let runtime, worldSize > 1 else { return }
        let names = results.entries.filter { $0.onEpoch && $0.reducesAcrossRanks }.map(\.name)
        let agreed = try runtime.guarding { try runtime.processGroup.allRanksAgree(on: names.joined(separator: "\u{0}")) }
        guard agreed else {
            throw LightningError.distributed(
                "The ranks logged different values to reduce across processes at this epoch's end (`syncDist: true` or Metric objects): rank \(globalRank) reduces \(names). Log the same names in the same order on every rank, or log the rank-specific ones without syncDist.")
        }
    }

    /// Whether a callback that logs by itself logs now (Lightning's `logger_connector.should_update_logs`):
    /// every `logEveryNSteps` of the running loop's counter (the optimizer step being taken in
    /// training, the batches read in evaluation and prediction), and when the run is stopping.
    var shouldUpdateLogs: Bool {
        let every = configuration.logEveryNSteps
        guard every > 0 else { return false }
        let counter = stage == .training ? batchesThatStepped + 1 : evaluationBatchesReady
        return counter % every == 0 || shouldStop
    }

    /// Sends metrics straight to the loggers (Lightning's `logger_connector.log_metrics`): without a
    /// step they go at the optimizer steps taken so far, with the current epoch added.
    func logMetricsDirectly(_ metrics: [(name: String, value: Double)], step: Int? = nil) throws {
        guard let step else { return try writeRow(metrics, step: batchesThatStepped) }
        guard !metrics.isEmpty, isGlobalZero else { return }
        for logger in loggers { try logger.logMetrics(metrics, step: step) }
    }

    private func writeRow(_ row: [(name: String, value: Double)], step: Int) throws {
        guard !row.isEmpty, isGlobalZero else { return }
        let entries = row + [("epoch", Double(currentEpoch))]
        for logger in loggers where isGlobalZero { try logger.logMetrics(entries, step: step) }
    }
}
