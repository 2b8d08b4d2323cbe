/// A monotonic clock that a test advances by hand (the `FakeClock` of the reference scripts'
/// `common.py`), for `Trainer.$monotonicClock.withValue({ clock.now }) { … }`: where time runs
/// out, a timed validation or a timed checkpoint falls then does not depend on the machine.
final class FakeClock: @unchecked Sendable {
    var now = 1000.0
}
