import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown inside `fit` when Ctrl-C (`SIGINT`) arrived: the run stops after the training step in
/// progress (Lightning's `KeyboardInterrupt` handling). `fit` does not pass it on: it returns with
/// ``Trainer/interrupted`` set, after the ``Callback/onException(_:_:error:)`` hooks
/// (``OnExceptionCheckpoint`` saves) and the loggers' `finalize("failed")`.
public struct KeyboardInterrupt: Error, CustomStringConvertible {
    public var description: String { "KeyboardInterrupt: SIGINT received; training stopped after the current step" }
}

/// Thrown inside `fit` when `SIGTERM` arrived (a scheduler pre-empting the job): the run stops after
/// the training step in progress, as Lightning's `SIGTERMException`. Callbacks see it in
/// ``Callback/onException(_:_:error:)`` — ``OnExceptionCheckpoint`` and
/// `ModelCheckpoint(saveOnException: true)` save there — then the loggers are finalised "failed"
/// and `fit` returns with ``Trainer/interrupted`` and ``Trainer/receivedSigterm`` set.
public struct SIGTERMException: Error, CustomStringConvertible {
    public var description: String { "SIGTERMException: SIGTERM received; training stopped after the current step" }
}

/// The process's signal funnel: while at least one `fit` runs, `SIGINT` and `SIGTERM` only bump a
/// counter (nothing else happens in the handler); the fit loop compares the counters with those at
/// its start between training steps. The previous handlers come back when the last fit ends.
enum SignalFunnel {
    /// [SIGINT count, SIGTERM count]; a `sig_atomic_t` store is the one thing a handler may do.
    /// Created before any handler is installed, so the handler never runs a lazy initialiser.
    nonisolated(unsafe) static let counts: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 2)
        pointer.initialize(repeating: 0, count: 2)
        return pointer
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installs = 0
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]

    struct Mark: Equatable {
        var interrupts: sig_atomic_t
        var terminations: sig_atomic_t
    }

    /// The counters now.
    static var mark: Mark { Mark(interrupts: counts[0], terminations: counts[1]) }

    /// Installs the handlers (the first caller) and returns the counters to compare with.
    static func install() -> Mark {
        _ = counts
        lock.lock()
        defer { lock.unlock() }
        if installs == 0 {
            for signal in [SIGINT, SIGTERM] {
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
        }
        installs += 1
        return mark
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
    }
}

/// The handler: counts the signal, nothing more.
private let signalFunnelHandler: @convention(c) (Int32) -> Void = { signal in
    if signal == SIGINT { SignalFunnel.counts[0] &+= 1 } else { SignalFunnel.counts[1] &+= 1 }
}

extension Trainer {
    /// Throws ``SIGTERMException`` or ``KeyboardInterrupt`` when such a signal arrived since this
    /// fit began (checked by the fit loop between training steps).
    func checkSignals() throws {
        guard let start = signalMark else { return }
        let now = SignalFunnel.mark
        if now.terminations != start.terminations {
            receivedSigterm = true
            throw SIGTERMException()
        }
        if now.interrupts != start.interrupts { throw KeyboardInterrupt() }
    }
}
