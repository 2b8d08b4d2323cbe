import Foundation

extension Trainer {
    /// The monotonic clock that everything timed in a run reads: `maxTime` and ``Timer``,
    /// `valCheckInterval: .seconds(_:)`, ModelCheckpoint's `trainTimeInterval` and
    /// ``ThroughputMonitor`` (Lightning reads `time.monotonic`/`time.perf_counter` in those
    /// places). A test can run a fit on a fake clock of its own, for its task only, where
    /// Lightning's tests patch `time.monotonic`:
    ///
    /// ```swift
    /// try Trainer.$monotonicClock.withValue({ fake.now }) { try trainer.fit(model) }
    /// ```
    @TaskLocal public static var monotonicClock: @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }

    /// Seconds on ``monotonicClock``.
    static var now: TimeInterval { monotonicClock() }
}
