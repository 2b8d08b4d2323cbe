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

    /// Whether cuDNN picks the fastest convolution algorithms by benchmarking (`torch.backends.cudnn.benchmark`).
    public static var cudnnBenchmark: Bool {
        get { ts_cudnn_benchmark_enabled() }
        set { ts_set_cudnn_benchmark(newValue) }
    }
}
