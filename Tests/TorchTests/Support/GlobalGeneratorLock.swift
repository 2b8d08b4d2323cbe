import Foundation

/// One lock for the test suites that seed the global random generator and then draw from it
/// (RandomParityTests, NNParityTests), so that their seed-and-draw stretches never interleave.
/// Other tests that draw random numbers do not take it; the suites retry for those.
enum GlobalGeneratorLock {
    private static let lock = NSLock()

    static func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
