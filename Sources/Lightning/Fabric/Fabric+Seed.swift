import Foundation
import Torch
#if canImport(Glibc)
import Glibc
#endif

extension Fabric {
    /// Seeds libtorch's generators (CPU and every GPU) for a reproducible run, as Lightning's
    /// `seed_everything`: without a seed, `PL_GLOBAL_SEED` or else 0; a seed outside 0…2³²-1
    /// becomes 0 with a warning. Sets `PL_GLOBAL_SEED` (and `PL_SEED_WORKERS`) so processes started
    /// later use the same seed. Returns the seed used.
    ///
    /// ```swift
    /// Fabric.seedEverything(42)
    /// ```
    @discardableResult
    public static func seedEverything(_ seed: Int? = nil, workers: Bool = false, verbose: Bool = true) -> Int {
        let maxSeed = Int(UInt32.max)
        var chosen: Int
        if let seed {
            chosen = seed
        } else if let text = ProcessInfo.processInfo.environment["PL_GLOBAL_SEED"], let value = Int(text) {
            chosen = value
        } else {
            chosen = 0
        }
        if !(0...maxSeed).contains(chosen) {
            Swift.print("warning: \(chosen) is not in bounds, numpy accepts from 0 to \(maxSeed)")
            chosen = 0
        }
        if verbose { Swift.print("Seed set to \(chosen)") }
        setenv("PL_GLOBAL_SEED", String(chosen), 1)
        setenv("PL_SEED_WORKERS", workers ? "1" : "0", 1)
        manualSeed(UInt64(chosen))
        if CUDA.isAvailable { try? CUDA.manualSeedAll(UInt64(chosen)) }
        return chosen
    }
}
