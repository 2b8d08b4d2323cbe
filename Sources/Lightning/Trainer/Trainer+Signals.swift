import Foundation
import Torch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown when Ctrl-C (`SIGINT`) arrived: the run stops after the training step (or evaluation
/// batch) in progress (Lightning's `KeyboardInterrupt` handling), after the
/// ``Callback/onException(_:_:error:)`` hooks (``OnExceptionCheckpoint`` saves) and the loggers'
/// `finalize("failed")`. `fit` does not pass it on: it returns with ``Trainer/interrupted`` set.
/// `validate`, `test` and `predict` throw it, since their results would be incomplete (Lightning
/// exits the process in both cases).
public struct KeyboardInterrupt: Error, CustomStringConvertible {
    public var description: String { "KeyboardInterrupt: SIGINT received; training stopped after the current step" }
}

/// Thrown when `SIGTERM` arrived (a scheduler pre-empting the job): the run stops after the
/// training step (or evaluation batch) in progress, as Lightning's `SIGTERMException`. Callbacks
/// see it in ``Callback/onException(_:_:error:)`` — ``OnExceptionCheckpoint`` and
/// `ModelCheckpoint(saveOnException: true)` save there — then the loggers are finalised "failed"
/// and `fit` returns with ``Trainer/interrupted`` and ``Trainer/receivedSigterm`` set;
/// `validate`, `test` and `predict` throw it. Under DDP a SIGTERM to any rank stops all of them
/// after the same training step.
public struct SIGTERMException: Error, CustomStringConvertible {
    public var description: String { "SIGTERMException: SIGTERM received; training stopped after the current step" }
}

/// The process's signal funnel: while at least one run (fit, validate, test, predict) is going, `SIGINT` and `SIGTERM` only bump a
/// counter (nothing else happens in the handler); the fit loop compares the counters with those at
/// its start between training steps. The previous handlers come back when the last run ends.
enum SignalFunnel {
    /// [SIGINT count, SIGTERM count, requeue-signal count]; a `sig_atomic_t` store is the one thing
    /// a handler may do. Created before any handler is installed, so the handler never runs a lazy
    /// initialiser.
    nonisolated(unsafe) static let counts: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 3)
        pointer.initialize(repeating: 0, count: 3)
        return pointer
    }()
    /// The signal SLURM sends before the time limit, when a run auto-requeues (0: none installed).
    nonisolated(unsafe) static var requeueSignal: sig_atomic_t = 0
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installs = 0
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]

    struct Mark: Equatable {
        var interrupts: sig_atomic_t
        var terminations: sig_atomic_t
        var requeues: sig_atomic_t
    }

    /// The counters now.
    static var mark: Mark { Mark(interrupts: counts[0], terminations: counts[1], requeues: counts[2]) }

    /// Installs the handlers (the first caller) and returns the counters to compare with.
    static func install() -> Mark {
        _ = counts
        lock.lock()
        defer { lock.unlock() }
        if installs == 0 {
            for signal in [SIGINT, SIGTERM] { installHandler(signal) }
        }
        installs += 1
        return mark
    }

    /// Also counts `signal` (SLURM's requeue signal) while runs go on, unless the process already
    /// handles it itself (as Lightning, which leaves a user's handler alone). Returns whether the
    /// funnel counts it.
    static func installRequeue(_ signal: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard installs > 0 else { return false }
        if previous[signal] != nil { return requeueSignal == signal }
        var current = sigaction()
        sigaction(signal, nil, &current)
        #if canImport(Glibc)
        let isDefault = current.__sigaction_handler.sa_handler == nil  // SIG_DFL
        #else
        let isDefault = current.__sigaction_u.__sa_handler == nil
        #endif
        guard isDefault else { return false }
        requeueSignal = signal
        installHandler(signal)
        return true
    }

    /// Points `signal` at the counting handler, keeping the previous action (under the lock).
    private static func installHandler(_ signal: Int32) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = signalFunnelHandler
        #else
        action.__sigaction_u.__sa_handler = signalFunnelHandler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var old = sigaction()
        if sigaction(signal, &action, &old) == 0 { previous[signal] = old }
    }

    /// Puts the previous handlers back when the last fit ends.
    static func uninstall() {
        lock.lock()
        defer { lock.unlock() }
        installs -= 1
        guard installs == 0 else { return }
        for (signal, old) in previous {
            var action = old
            sigaction(signal, &action, nil)
        }
        previous = [:]
        requeueSignal = 0
    }
}

/// The handler: counts the signal, nothing more.
private let signalFunnelHandler: @convention(c) (Int32) -> Void = { signal in
    switch signal {
    case SIGINT: SignalFunnel.counts[0] &+= 1
    case SIGTERM: SignalFunnel.counts[1] &+= 1
    default: SignalFunnel.counts[2] &+= 1
    }
}

/// The signals that arrived since a run began.
struct ReceivedSignals {
    var terminated = false
    var interrupted = false
    /// SLURM's requeue signal (acted on between training steps only).
    var requeue = false
}

extension Trainer {
    /// The signals this process received since the run began.
    func localSignals() -> ReceivedSignals {
        guard let start = signalMark else { return ReceivedSignals() }
        let now = SignalFunnel.mark
        return ReceivedSignals(terminated: now.terminations != start.terminations, interrupted: now.interrupts != start.interrupts,
                               requeue: now.requeues != start.requeues)
    }

    /// The signals received by any rank, with `extra` decisions of this rank agreed the same way
    /// (any rank true makes it true), in one small all-reduce under DDP: a signal to any rank stops
    /// every rank at the same step, so none is left waiting in a collective. Lightning broadcasts
    /// rank 0's SIGTERM flag before each training batch for the same reason. `count` is agreed as
    /// the smallest of the ranks' values.
    func agreedSignals(with extra: [Bool] = [], count: Int = 1) throws -> (signals: ReceivedSignals, extra: [Bool], count: Int) {
        let local = localSignals()
        guard let runtime, worldSize > 1 else { return (local, extra, count) }
        // One collective: flags as 0/1 (their maximum: any rank), then the count (its minimum).
        let flags = [local.terminated, local.interrupted, local.requeue] + extra
        let ranges = try runtime.guarding { try runtime.processGroup.extremes(flags.map { $0 ? 1 : 0 } + [Int64(count)]) }
        let any = ranges.dropLast().map { $0.upperBound > 0 }
        return (ReceivedSignals(terminated: any[0], interrupted: any[1], requeue: any[2]),
                Array(any[3...]), Int(ranges[ranges.count - 1].lowerBound))
    }

    /// Acts on signals between training steps: SLURM's requeue signal saves an HPC checkpoint and
    /// requeues the job (see ``SLURMEnvironment``), training goes on; SIGTERM throws
    /// ``SIGTERMException``, Ctrl-C ``KeyboardInterrupt``.
    /// `requeue: false` leaves SLURM's requeue signal for the training loop (evaluation and
    /// prediction act on SIGTERM and Ctrl-C only).
    func act(on signals: ReceivedSignals, requeue: Bool = true) throws {
        if requeue && signals.requeue {
            signalMark?.requeues = SignalFunnel.mark.requeues
            try saveAndRequeue()
        }
        if signals.terminated {
            receivedSigterm = true
            throw SIGTERMException()
        }
        if signals.interrupted { throw KeyboardInterrupt() }
    }

    /// This process's SIGTERM or Ctrl-C stops the run (between evaluation batches of one process).
    func checkSignals() throws {
        try act(on: localSignals(), requeue: false)
    }

    /// Runs `body` with Ctrl-C and SIGTERM caught by the signal funnel, so they stop the run
    /// between steps instead of killing the process.
    func withSignalFunnel<R>(_ body: () throws -> R) rethrows -> R {
        signalMark = SignalFunnel.install()
        defer {
            signalMark = nil
            SignalFunnel.uninstall()
        }
        return try body()
    }
}

/// A callback that decides something from this rank's clock after every training batch: a
/// step-interval ``Timer`` (`maxTime`) whether time is up, a ``ModelCheckpoint`` with
/// `trainTimeInterval` whether a save is due. Under DDP the ranks' clocks differ, so the fit loop
/// agrees these decisions at ``StepAgreement``'s paced points and the callback reads
/// ``StepDecisions/callbacksDue`` instead of its own clock.
protocol ClockDecidingCallback: AnyObject {
    /// Whether this callback decides after training batches in this run.
    var decidesAfterTrainingBatches: Bool { get }
    /// This rank's decision, on ``Trainer/monotonicClock``.
    var isDueOnThisRank: Bool { get }
}

/// What the ranks agreed at the end of a training step under DDP (see ``StepAgreement``).
struct StepDecisions {
    var signals = ReceivedSignals()
    /// The ``ClockDecidingCallback``s due on some rank.
    var callbacksDue: Set<ObjectIdentifier> = []
    /// Whether a time-based validation (`valCheckInterval: .seconds`) is due on some rank.
    var validationDue = false
}

/// When the ranks agree on what each decides from its own clock or signals: Ctrl-C and SIGTERM,
/// step-interval ``Timer``s (`maxTime`), `trainTimeInterval` checkpoints and time-based validation. With one process nothing needs
/// agreeing: each is decided where Lightning decides it, after every step. Under DDP the ranks must
/// agree, which takes a collective; one per step would cost as much as a small step (+40% on W1
/// with 2 CPU processes), so the ranks agree every `interval` batches, re-deciding the interval at
/// each agreement to come about every 0.1 s of training (the slowest rank's pace decides). A
/// signal, a time limit or a due validation then acts on every rank after the same step, at most
/// about 0.1 s (or one step, when steps are longer) after one rank saw it.
struct StepAgreement {
    private var interval = 1
    private var remaining = 1
    private var since = Trainer.now
    static let period = 0.1

    /// After a training batch, before its `onTrainBatchEnd` hooks: nil with one process (decide
    /// locally); under DDP the agreed decisions, or none between agreements. `validationDue` is
    /// this rank's view of a time-based validation.
    mutating func afterBatch(_ trainer: Trainer, validationDue: () -> Bool) throws -> StepDecisions? {
        guard trainer.worldSize > 1 else { return nil }
        guard isDue() else { return StepDecisions() }
        // Every rank runs the same program, so the callbacks line up across the ranks.
        let deciders = trainer.callbacks.compactMap { $0 as? any ClockDecidingCallback }.filter(\.decidesAfterTrainingBatches)
        let (signals, extra) = try agree(trainer, extra: [validationDue()] + deciders.map(\.isDueOnThisRank))
        let due = zip(deciders, extra.dropFirst()).filter { $0.1 }.map { ObjectIdentifier($0.0) }
        return StepDecisions(signals: signals, callbacksDue: Set(due), validationDue: extra[0])
    }

    /// Before an evaluation or prediction batch under DDP: the signals agreed (none between
    /// agreements). Only for ranks that run the same number of batches (see
    /// ``Trainer/ranksRunTheSameBatches(_:)``), so every rank reaches every agreement.
    mutating func beforeEvaluationBatch(_ trainer: Trainer) throws -> ReceivedSignals {
        guard isDue() else { return ReceivedSignals() }
        return try agree(trainer, extra: []).signals
    }

    /// Counts a batch; true when this one agrees.
    private mutating func isDue() -> Bool {
        remaining -= 1
        return remaining <= 0
    }

    /// The collective: signals and `extra` agreed, and the next interval.
    private mutating func agree(_ trainer: Trainer, extra: [Bool]) throws -> (signals: ReceivedSignals, extra: [Bool]) {
        let perBatch = Swift.max((Trainer.now - since) / Double(interval), 1e-6)
        let wanted = Swift.max(1, Swift.min(10_000, Int(Self.period / perBatch)))
        let (signals, agreedExtra, agreedInterval) = try trainer.agreedSignals(with: extra, count: wanted)
        (interval, remaining, since) = (agreedInterval, agreedInterval, Trainer.now)
        return (signals, agreedExtra)
    }
}

extension Trainer {
    /// Under DDP: whether every rank runs exactly these batch counts (one collective), so a
    /// collective between batches is reached by all of them. False when a rank does not know its
    /// counts in advance.
    func ranksRunTheSameBatches(_ counts: [Int]) throws -> Bool {
        guard worldSize > 1, let ranges = try batchCountRanges(counts) else { return false }
        return ranges.allSatisfy { $0.lowerBound == $0.upperBound }
    }

    /// Under DDP: the smallest and largest count of every rank for each of `counts` (one
    /// all-reduce), or nil when a rank does not know its counts in advance (`Int.max`).
    func batchCountRanges(_ counts: [Int]) throws -> [ClosedRange<Int>]? {
        guard let runtime, worldSize > 1 else { return counts.map { $0...$0 } }
        let known = counts.allSatisfy { $0 < Int.max / 2 }
        // "Unknown" as 0/1 (its maximum says whether any rank does not know), then the counts.
        let ranges = try runtime.guarding {
            try runtime.processGroup.extremes([known ? 0 : 1] + counts.map { known ? Int64($0) : 0 })
        }
        guard ranges[0].upperBound == 0 else { return nil }
        return ranges.dropFirst().map { Int($0.lowerBound)...Int($0.upperBound) }
    }

    /// Between evaluation and prediction batches: SIGTERM or Ctrl-C stops the run. With one
    /// process at once; under DDP at the next paced agreement of `agreement` (nil when the ranks
    /// run different numbers of batches: then the signal waits for the run's end).
    func checkEvaluationSignals(_ agreement: inout StepAgreement?) throws {
        if worldSize == 1 { return try checkSignals() }
        guard agreement != nil else { return }
        try act(on: try agreement!.beforeEvaluationBatch(self), requeue: false)
    }

    /// At the end of a standalone evaluation or prediction under DDP: the signals any rank got,
    /// agreed (the training loop agrees them itself after a validation inside `fit`).
    func actOnSignalsAfterEvaluation() throws {
        guard worldSize > 1, entryPoint != .fit else { return }
        try act(on: try agreedSignals().signals, requeue: false)
    }
}
