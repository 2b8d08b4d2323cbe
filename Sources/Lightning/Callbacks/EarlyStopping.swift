import Foundation
import Torch

/// Stops training when a monitored metric stops improving, or crosses a threshold, or is no longer
/// finite (Lightning's `EarlyStopping`).
///
/// ```swift
/// let early = EarlyStopping(monitor: "val_loss", minDelta: 0.001, patience: 5)
/// let trainer = try Trainer(callbacks: [early], maxEpochs: 100)
/// try trainer.fit(model, datamodule: data)
/// print(early.stoppedEpoch, early.stoppingReason, early.stoppingReasonMessage ?? "")
/// ```
///
/// Each check reads `trainer.callbackMetrics[monitor]` and, in this order: stops if the value is
/// not finite (`checkFinite`); stops if it is better than `stoppingThreshold`; stops if it is worse
/// than `divergenceThreshold`; resets `waitCount` if it improves on `bestScore` by more than
/// `minDelta`; otherwise counts one more check without improvement and stops after `patience` of
/// them. Patience counts checks, not epochs: there is one check per validation run, at the end of
/// the training epoch when validation runs once every epoch, otherwise after each validation
/// (`checkOnTrainEpochEnd` overrides this). The Trainer stops once `minEpochs`/`minSteps` are met.
///
/// Comparisons are made as Lightning makes them on float32 tensors when the metric is a float32
/// value (as logged Floats and float32 tensors are), in double precision otherwise.
open class EarlyStopping: MonitoringCallback {
    /// Why training was stopped (Lightning's `EarlyStoppingReason`, same raw values).
    public enum Reason: Int, Sendable, CustomStringConvertible {
        case notStopped = 0
        case stoppingThreshold = 1
        case divergenceThreshold = 2
        case patienceExhausted = 3
        case nonFiniteMetric = 4

        /// Lightning's enum member name (`PATIENCE_EXHAUSTED`).
        public var name: String {
            switch self {
            case .notStopped: "NOT_STOPPED"
            case .stoppingThreshold: "STOPPING_THRESHOLD"
            case .divergenceThreshold: "DIVERGENCE_THRESHOLD"
            case .patienceExhausted: "PATIENCE_EXHAUSTED"
            case .nonFiniteMetric: "NON_FINITE_METRIC"
            }
        }

        public var description: String { name }
    }

    public let monitor: String
    /// The improvement a check needs, signed as Lightning keeps it: negative in `.min` mode
    /// (`minDelta: 0.05` is stored as -0.05), positive in `.max` mode.
    public let minDelta: Double
    public private(set) var patience: Int
    public let verbose: Bool
    public let mode: MonitorMode
    public let strict: Bool
    public let checkFinite: Bool
    public let stoppingThreshold: Double?
    public let divergenceThreshold: Double?
    public let logRankZeroOnly: Bool
    /// nil until `setup` decides (see the type's documentation).
    public private(set) var checkOnTrainEpochEnd: Bool?

    /// Checks in a row without improvement.
    public private(set) var waitCount = 0
    /// The epoch at which training was told to stop (0 if it was not).
    public private(set) var stoppedEpoch = 0
    /// The best value seen (±inf before the first check).
    public private(set) var bestScore: Double
    public private(set) var stoppingReason = Reason.notStopped
    public private(set) var stoppingReasonMessage: String?

    private var fitting = false

    /// - Parameters:
    ///   - monitor: The logged metric to watch.
    ///   - minDelta: The change a value must beat to count as an improvement; a negative value lets a
    ///     small worsening count as one (as in Lightning).
    ///   - patience: Checks without improvement before stopping.
    ///   - verbose: Print each improvement and the stop (under DDP on every rank, unless
    ///     `logRankZeroOnly`).
    ///   - mode: Whether lower (`.min`) or higher (`.max`) values are better.
    ///   - strict: Throw when the metric is missing (otherwise the check is skipped).
    ///   - checkFinite: Stop when the metric becomes NaN or infinite.
    ///   - stoppingThreshold: Stop as soon as the metric is better than this.
    ///   - divergenceThreshold: Stop as soon as the metric is worse than this.
    ///   - checkOnTrainEpochEnd: Check at the end of the training epoch (true) or after validation
    ///     (false); nil decides from the Trainer's validation settings.
    ///   - logRankZeroOnly: Under DDP, only rank 0 prints the `verbose` messages.
    public init(monitor: String, minDelta: Double = 0, patience: Int = 3, verbose: Bool = false, mode: MonitorMode = .min,
                strict: Bool = true, checkFinite: Bool = true, stoppingThreshold: Double? = nil,
                divergenceThreshold: Double? = nil, checkOnTrainEpochEnd: Bool? = nil, logRankZeroOnly: Bool = false) {
        self.monitor = monitor
        self.minDelta = mode == .max ? minDelta : -minDelta
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.strict = strict
        self.checkFinite = checkFinite
        self.stoppingThreshold = stoppingThreshold
        self.divergenceThreshold = divergenceThreshold
        self.checkOnTrainEpochEnd = checkOnTrainEpochEnd
        self.logRankZeroOnly = logRankZeroOnly
        self.bestScore = mode.worst
    }

    /// `EarlyStopping{'monitor': 'val_loss', 'mode': 'min'}`.
    open var stateKey: String {
        "\(String(describing: type(of: self))){'monitor': \(PythonFormat.repr(monitor)), 'mode': \(PythonFormat.repr(mode.rawValue))}"
    }

    // MARK: Hooks

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        fitting = stage == .fit
        if checkOnTrainEpochEnd == nil {
            // Validation several times per epoch, or not every epoch: check after validation.
            let c = trainer.configuration
            let intervalIsOne = c.valCheckInterval == .fraction(1.0) || c.valCheckInterval == .batches(1)
            checkOnTrainEpochEnd = intervalIsOne && c.checkValEveryNEpoch == 1
        }
    }

    open func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        if stage == .fit { fitting = false }
    }

    open func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard checkOnTrainEpochEnd == true, !shouldSkipCheck(trainer) else { return }
        try runEarlyStoppingCheck(trainer)
    }

    open func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard checkOnTrainEpochEnd != true, !shouldSkipCheck(trainer) else { return }
        try runEarlyStoppingCheck(trainer)
    }

    private func shouldSkipCheck(_ trainer: Trainer) -> Bool {
        !fitting || trainer.stage == .sanityChecking
    }

    /// One check: reads the metric, updates the counters, and tells the Trainer to stop if needed.
    private func runEarlyStoppingCheck(_ trainer: Trainer) throws {
        let metrics = trainer.callbackMetrics
        guard trainer.configuration.fastDevRun == 0 else { return }
        guard let current = metrics[monitor] else {
            let message = "Early stopping conditioned on metric `\(monitor)` which is not available. Pass in or modify your `EarlyStopping` callback to use any of the following: `\(metrics.keys.sorted().joined(separator: "`, `"))`"
            if strict { throw LightningError.configuration(message) }
            if verbose { Swift.print("warning: " + message) }
            return
        }
        let (localDecision, reason) = evaluateStoppingCriteria(current)
        // Every rank stops when any rank decided to (Lightning's reduce_boolean_decision(all=False)).
        let shouldStop = try trainer.reduceBooleanDecision(localDecision, all: false)
        trainer.shouldStop = trainer.shouldStop || shouldStop
        if shouldStop {
            stoppedEpoch = trainer.currentEpoch
            stoppingReasonMessage = reason
        }
        if let reason, verbose, !logRankZeroOnly || trainer.isGlobalZero {
            Swift.print(trainer.worldSize > 1 ? "[rank: \(trainer.globalRank)] \(reason)" : reason)
        }
    }

    private func evaluateStoppingCriteria(_ current: Double) -> (Bool, String?) {
        let order = mode == .min ? "<" : ">"
        let value = PythonFormat.repr(current)
        if checkFinite && !current.isFinite {
            stoppingReason = .nonFiniteMetric
            return (true, "Monitored metric \(monitor) = \(value) is not finite. Previous best value was \(String(format: "%.3f", bestScore)). Signaling Trainer to stop.")
        }
        if let stoppingThreshold, isBetter(current, than: stoppingThreshold, current) {
            stoppingReason = .stoppingThreshold
            return (true, "Stopping threshold reached: \(monitor) = \(value) \(order) \(PythonFormat.repr(stoppingThreshold)). Signaling Trainer to stop.")
        }
        if let divergenceThreshold, isBetter(-current, than: -divergenceThreshold, current) {
            stoppingReason = .divergenceThreshold
            return (true, "Divergence threshold reached: \(monitor) = \(value) \(order) \(PythonFormat.repr(divergenceThreshold)). Signaling Trainer to stop.")
        }
        if isBetter(subtract(current, minDelta), than: bestScore, current) {
            let message = bestScore.isFinite
                ? "Metric \(monitor) improved by \(String(format: "%.3f", abs(subtract(bestScore, current)))) >= min_delta = \(PythonFormat.repr(abs(minDelta))). New best score: \(String(format: "%.3f", current))"
                : "Metric \(monitor) improved. New best score: \(String(format: "%.3f", current))"
            bestScore = current
            waitCount = 0
            return (false, message)
        }
        waitCount += 1
        if waitCount >= patience {
            stoppingReason = .patienceExhausted
            return (true, "Monitored metric \(monitor) did not improve in the last \(waitCount) records. Best score: \(String(format: "%.3f", bestScore)). Signaling Trainer to stop.")
        }
        return (false, nil)
    }

    /// `a` better than `b` in this mode, compared in the metric's precision (float32 when `metric` is
    /// a float32 value, as Lightning's tensor comparisons with Python numbers).
    private func isBetter(_ a: Double, than b: Double, _ metric: Double) -> Bool {
        if ScoreValue.isFloat32(metric) {
            let (x, y) = (Float(a), Float(b))
            return mode == .min ? x < y : x > y
        }
        return mode.isBetter(a, than: b)
    }

    /// `a - b` in the precision of `a` (float32 tensor arithmetic when `a` is a float32 value).
    private func subtract(_ a: Double, _ b: Double) -> Double {
        ScoreValue.isFloat32(a) ? Double(Float(a) - Float(b)) : a - b
    }

    // MARK: State

    open func stateDict() -> PickleValue? {
        .dict([
            ("wait_count", .int(waitCount)),
            ("stopped_epoch", .int(stoppedEpoch)),
            ("best_score", ScoreValue.pickle(bestScore)),
            ("patience", .int(patience)),
            ("stopping_reason", .int(stoppingReason.rawValue)),
            ("stopping_reason_message", stoppingReasonMessage.map { PickleValue.string($0) } ?? PickleValue.none),
        ].map { (PickleValue.string($0.0), $0.1) })
    }

    open func loadStateDict(_ state: PickleValue) throws {
        guard let wait = state["wait_count"]?.intValue, let stopped = state["stopped_epoch"]?.intValue,
              let best = ScoreValue.read(state["best_score"]), let patience = state["patience"]?.intValue else {
            throw LightningError.checkpoint("the EarlyStopping state in the checkpoint lacks wait_count, stopped_epoch, best_score or patience")
        }
        waitCount = wait
        stoppedEpoch = stopped
        bestScore = best
        self.patience = patience
        stoppingReason = state["stopping_reason"]?.intValue.flatMap(Reason.init(rawValue:)) ?? .notStopped
        stoppingReasonMessage = state["stopping_reason_message"]?.stringValue
    }
}
