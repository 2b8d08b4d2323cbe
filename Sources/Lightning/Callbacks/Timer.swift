import Foundation
import Torch

/// Measures the time of each stage and stops training when `duration` is used up (Lightning's
/// `Timer`). Its elapsed training time is saved in checkpoints, so a resumed run counts on.
///
/// ```swift
/// let timer = try Lightning.Timer(duration: "00:12:00:00")   // DD:HH:MM:SS
/// let trainer = try Trainer(callbacks: [timer])
/// try trainer.fit(model, datamodule: data)
/// print(timer.timeElapsed(.training), timer.timeElapsed(.validating))
/// ```
///
/// `Timer` is also Foundation's class name: write `Lightning.Timer`, or use ``TrainingTimer``.
open class Timer: Callback {
    /// When the time is checked: after every training batch or every training epoch.
    public enum Interval: String, Sendable {
        case step
        case epoch
    }

    /// The time budget in seconds (nil: only measure).
    public let duration: TimeInterval?
    public let interval: Interval
    public let verbose: Bool
    private var startTimes: [RunningStage: TimeInterval] = [:]
    private var endTimes: [RunningStage: TimeInterval] = [:]
    /// Training time from a restored checkpoint.
    private var offset: TimeInterval = 0

    public init(duration: TimeInterval? = nil, interval: Interval = .step, verbose: Bool = true) {
        self.duration = duration
        self.interval = interval
        self.verbose = verbose
    }

    /// A duration written as `"DD:HH:MM:SS"`.
    public convenience init(duration: String, interval: Interval = .step, verbose: Bool = true) throws {
        let parts = duration.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              parts[1...].allSatisfy({ $0.count == 2 }),
              let days = Int(parts[0]), let hours = Int(parts[1]), let minutes = Int(parts[2]), let seconds = Int(parts[3]) else {
            throw LightningError.configuration("`Timer(duration: \(PythonFormat.repr(duration)))` is not a valid duration. Expected a string in the format DD:HH:MM:SS.")
        }
        self.init(duration: TimeInterval(((days * 24 + hours) * 60 + minutes) * 60 + seconds), interval: interval, verbose: verbose)
    }

    /// When `stage` last started (seconds on ``Trainer/monotonicClock``), or nil.
    public func startTime(_ stage: RunningStage = .training) -> TimeInterval? { startTimes[stage] }
    /// When `stage` last ended, or nil.
    public func endTime(_ stage: RunningStage = .training) -> TimeInterval? { endTimes[stage] }

    /// Seconds spent in `stage` (training includes the time restored from a checkpoint).
    public func timeElapsed(_ stage: RunningStage = .training) -> TimeInterval {
        let offset = stage == .training ? self.offset : 0
        guard let start = startTimes[stage] else { return offset }
        guard let end = endTimes[stage] else { return Trainer.now - start + offset }
        return end - start + offset
    }

    /// Seconds left of `duration` for `stage`, or nil without a duration.
    public func timeRemaining(_ stage: RunningStage = .training) -> TimeInterval? {
        duration.map { $0 - timeElapsed(stage) }
    }

    // MARK: Hooks

    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws { startTimes[.training] = Trainer.now }
    open func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws { endTimes[.training] = Trainer.now }
    open func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws { startTimes[.validating] = Trainer.now }
    open func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws { endTimes[.validating] = Trainer.now }
    open func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws { startTimes[.testing] = Trainer.now }
    open func onTestEnd(_ trainer: Trainer, _ module: any LightningModule) throws { endTimes[.testing] = Trainer.now }

    /// Checks after a restore, so a checkpoint whose time is used up stops at once.
    open func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        if duration != nil { try checkTimeRemaining(trainer) }
    }

    open func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        guard interval == .step && duration != nil else { return }
        if let agreed = trainer.stepDecisions {
            // Under DDP the fit loop agrees every step-interval Timer's decision with the other
            // ranks at its paced step agreement, instead of a collective per step.
            stop(trainer, if: agreed.callbacksDue.contains(ObjectIdentifier(self)))
        } else {
            try checkTimeRemaining(trainer)
        }
    }

    open func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        if interval == .epoch && duration != nil { try checkTimeRemaining(trainer) }
    }

    /// Whether `duration` is used up on this process's clock.
    var isOutOfTime: Bool { duration.map { timeElapsed() >= $0 } ?? false }

    /// Under DDP every rank stops at the same step: the decision is agreed across the ranks (any
    /// rank out of time stops all; Lightning broadcasts rank 0's).
    private func checkTimeRemaining(_ trainer: Trainer) throws {
        stop(trainer, if: try trainer.reduceBooleanDecision(isOutOfTime, all: false))
    }

    private func stop(_ trainer: Trainer, if shouldStop: Bool) {
        trainer.shouldStop = trainer.shouldStop || shouldStop
        if shouldStop && verbose && trainer.isGlobalZero {
            Swift.print("Time limit reached. Elapsed time is \(Self.clock(Int(timeElapsed(.training)))). Signaling Trainer to stop.")
        }
    }

    /// Python's `str(timedelta(seconds=n))`: `H:MM:SS`, with `N day(s), ` in front.
    static func clock(_ seconds: Int) -> String {
        let days = seconds / 86_400
        let rest = seconds % 86_400
        let time = String(format: "%d:%02d:%02d", rest / 3600, rest % 3600 / 60, rest % 60)
        return days == 0 ? time : "\(days) day\(days == 1 ? "" : "s"), \(time)"
    }

    // MARK: State

    /// `{"time_elapsed": {"train": s, "sanity_check": s, "validate": s, "test": s, "predict": s}}`.
    open func stateDict() -> PickleValue? {
        let stages: [RunningStage] = [.training, .sanityChecking, .validating, .testing, .predicting]
        return .dict([(.string("time_elapsed"), .dict(stages.map { (.string($0.rawValue), .double(timeElapsed($0))) }))])
    }

    open func loadStateDict(_ state: PickleValue) throws {
        offset = state["time_elapsed"]?["train"]?.doubleValue ?? 0
    }
}

/// Lightning's `Timer` under a name that does not clash with Foundation's.
public typealias TrainingTimer = Timer

extension Timer: ClockDecidingCallback {
    var decidesAfterTrainingBatches: Bool { interval == .step && duration != nil }
    var isDueOnThisRank: Bool { isOutOfTime }
}
