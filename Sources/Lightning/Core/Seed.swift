import Foundation
import Torch
#if canImport(Glibc)
import Glibc
#endif

/// Seeds libtorch's generators (CPU and every GPU) for a reproducible run, as Lightning's
/// `seed_everything`: without a seed, `PL_GLOBAL_SEED` or else 0; a seed outside 0…2³²-1 becomes 0
/// with a warning. Sets `PL_GLOBAL_SEED` (and `PL_SEED_WORKERS`), so the ranks a launcher starts
/// later, and their distributed samplers, use the same seed. Returns the seed used.
///
/// ```swift
/// seedEverything(42)
/// let trainer = try Trainer(devices: 2)
/// ```
@discardableResult
public func seedEverything(_ seed: Int? = nil, workers: Bool = false, verbose: Bool = true) -> Int {
    let maxSeed = Int(UInt32.max)
    var chosen = seed ?? globalSeed
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

/// The seed `seedEverything` set (`PL_GLOBAL_SEED`), else 0: what distributed samplers shuffle with.
var globalSeed: Int {
    ProcessInfo.processInfo.environment["PL_GLOBAL_SEED"].flatMap { Int($0) } ?? 0
}
