import CTorch

/// CUDA GPUs. libtorch's CUDA libraries are loaded at run time, the first time CUDA is asked for,
/// so a CPU machine needs no NVIDIA libraries at all.
///
/// ```swift
/// if CUDA.isAvailable { print("GPUs:", CUDA.deviceCount) }
/// ```
public enum CUDA {
    /// Loads libtorch's CUDA libraries; throws with the loader's reason when they or the driver are
    /// missing. Called for you by ``isAvailable`` and ``deviceCount``.
    public static func load() throws(TorchError) {
        try check(ts_cuda_load())
    }

    /// True when the CUDA libraries load and at least one GPU is visible.
    public static var isAvailable: Bool {
        (try? load()) != nil && ts_cuda_is_available()
    }

    /// The number of visible GPUs (0 without CUDA).
    public static var deviceCount: Int {
        guard (try? load()) != nil else { return 0 }
        return Int(ts_cuda_device_count())
    }

    /// Waits for all work queued on `device` to finish.
    public static func synchronize(device: Int = 0) throws(TorchError) {
        try load()
        try check(ts_cuda_synchronize(Int32(device)))
    }

    /// Seeds the default generator of every GPU.
    public static func manualSeedAll(_ seed: UInt64) throws(TorchError) {
        try load()
        try check(ts_cuda_manual_seed_all(seed))
    }

    /// The caching allocator's statistics for `device`, named as `torch.cuda.memory_stats` names
    /// them (`"allocated_bytes.all.current"`, `"reserved_bytes.large_pool.peak"`, `"num_ooms"`, …);
    /// empty before CUDA allocated anything (as PyTorch).
    ///
    /// ```swift
    /// let inUse = try CUDA.memoryStats()["allocated_bytes.all.current"] ?? 0
    /// ```
    public static func memoryStats(device: Int = 0) throws(TorchError) -> [String: Int] {
        try load()
        var values = [Int64](repeating: 0, count: Int(TS_CUDA_MEMORY_STAT_COUNT))
        var initialized = false
        try check(values.withUnsafeMutableBufferPointer { ts_cuda_memory_stats(Int32(device), $0.baseAddress, &initialized) })
        guard initialized else { return [:] }
        return Dictionary(uniqueKeysWithValues: zip(memoryStatNames, values.map(Int.init)))
    }

    /// The names of ``memoryStats(device:)``, in the order CTorch writes them.
    static let memoryStatNames: [String] = {
        let metrics = ["allocation", "segment", "active", "inactive_split", "allocated_bytes", "reserved_bytes",
                       "active_bytes", "inactive_split_bytes", "requested_bytes"]
        let fields = ["current", "peak", "allocated", "freed"]
        let pooled = metrics.flatMap { metric in
            ["all", "small_pool", "large_pool"].flatMap { pool in fields.map { "\(metric).\(pool).\($0)" } }
        }
        let oversize = ["oversize_allocations", "oversize_segments"].flatMap { stat in fields.map { "\(stat).\($0)" } }
        return pooled + oversize + ["num_alloc_retries", "num_ooms", "num_sync_all_streams", "num_device_alloc",
                                    "num_device_free", "max_split_size"]
    }()

    /// Returns the cached, unused memory of the caching allocator to the driver
    /// (`torch.cuda.empty_cache`); does nothing before CUDA allocated anything.
    public static func emptyCache() throws(TorchError) {
        try load()
        try check(ts_cuda_empty_cache())
    }

    /// Free and total memory of `device` in bytes (`torch.cuda.mem_get_info`).
    public static func memoryInfo(device: Int = 0) throws(TorchError) -> (free: Int, total: Int) {
        try load()
        var free: Int64 = 0, total: Int64 = 0
        try check(ts_cuda_memory_info(Int32(device), &free, &total))
        return (Int(free), Int(total))
    }

    /// Whether cuDNN picks the fastest convolution algorithms by benchmarking (`torch.backends.cudnn.benchmark`).
    public static var cudnnBenchmark: Bool {
        get { ts_cudnn_benchmark_enabled() }
        set { ts_set_cudnn_benchmark(newValue) }
    }
}
