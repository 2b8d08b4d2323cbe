import CTorch

/// The cache of freed CPU tensor memory: blocks of 16 KiB and more are kept, by size, for the next
/// tensor of that size, as PyTorch's CUDA caching allocator does on the GPU. On by default.
///
/// A training step allocates and frees the same sizes in the same pattern every step. With glibc's
/// `malloc` alone, the blocks of large tensors (a weight's gradient, a batch) land at addresses that
/// shift from step to step with the order of frees and allocations, and each step pays cache misses
/// and page faults for it; reusing the block just freed keeps the working set in place. On the MLP of
/// `Benchmarks/` (W1) that makes a step 18–24% faster, and makes where `zeroGrad` sits in the step
/// (Lightning's order frees gradients after the forward pass) cost nothing.
///
/// At most ``limit`` bytes are kept idle (an eighth of physical memory, at most 1 GiB, by default);
/// a freed block that would go over it is returned to the system. Sizes are rounded up (to 512
/// bytes below 1 MiB, to 64 KiB above) so that nearby sizes share blocks.
///
/// ```swift
/// CPUMemoryCache.limit = 256 << 20        // keep at most 256 MiB idle
/// CPUMemoryCache.empty()                  // give the idle blocks back now
/// CPUMemoryCache.isEnabled = false        // plain malloc/free from here on
/// ```
///
/// The environment variable `SWIFTLIGHTNING_CPU_MEMORY_CACHE=0` starts a process with the cache off
/// (for instance to measure with another allocator preloaded).
public enum CPUMemoryCache {
    /// A snapshot of the cache's state.
    public struct Statistics: Equatable, Sendable {
        /// Whether freed blocks are kept.
        public var isEnabled: Bool
        /// The most idle bytes the cache keeps.
        public var limit: Int
        /// The bytes held idle now.
        public var cachedBytes: Int
        /// Allocations served from the cache.
        public var hits: Int
        /// Allocations of a cacheable size that found no idle block.
        public var misses: Int
    }

    /// The cache's state now.
    public static var statistics: Statistics {
        var values = [Int64](repeating: 0, count: Int(TS_CPU_MEMORY_CACHE_STAT_COUNT))
        values.withUnsafeMutableBufferPointer { ts_cpu_memory_cache_stats($0.baseAddress) }
        return Statistics(isEnabled: values[0] != 0, limit: Int(values[1]), cachedBytes: Int(values[2]),
                          hits: Int(values[3]), misses: Int(values[4]))
    }

    /// Whether freed blocks are kept. Turning it off frees the idle blocks (and blocks in use as
    /// their tensors are freed).
    public static var isEnabled: Bool {
        get { statistics.isEnabled }
        set { ts_cpu_memory_cache_set_enabled(newValue) }
    }

    /// The most idle bytes kept; lowering it frees the largest idle blocks down to it.
    public static var limit: Int {
        get { statistics.limit }
        set { ts_cpu_memory_cache_set_limit(Int64(newValue)) }
    }

    /// The idle blocks that a tensor of `bytes` bytes could reuse (for tests: unlike the totals of
    /// ``statistics``, a size no other code uses is not changed by other threads).
    static func idleBlocks(forSize bytes: Int) -> Int {
        Int(ts_cpu_memory_cache_idle_blocks(Int64(bytes)))
    }

    /// Frees every idle block (as `torch.cuda.empty_cache()` does on the GPU).
    public static func empty() {
        ts_cpu_memory_cache_empty()
    }
}
