import CTorch

// Process-wide settings of libtorch: seeds, threads, determinism, version.

/// Seeds every device's default random generator, as `torch.manual_seed(seed)`: the same seed gives
/// the same `randn`/`rand` values as Python PyTorch.
public func manualSeed(_ seed: UInt64) {
    ts_manual_seed(seed)
}

/// The seed of the CPU default generator, as `torch.initial_seed()`.
public func initialSeed() -> UInt64 { ts_initial_seed() }

/// Sets the number of threads for intra-op parallelism, as `torch.set_num_threads(n)`.
public func setNumThreads(_ count: Int) {
    ts_set_num_threads(Int32(clamping: count))
}

/// The number of threads for intra-op parallelism, as `torch.get_num_threads()`.
public func numThreads() -> Int { Int(ts_get_num_threads()) }

/// Sets the number of inter-op threads; only allowed once, before any parallel work.
public func setNumInteropThreads(_ count: Int) throws(TorchError) {
    try check(ts_set_num_interop_threads(Int32(clamping: count)))
}

/// Makes operations choose deterministic algorithms, as `torch.use_deterministic_algorithms`.
public func useDeterministicAlgorithms(_ enabled: Bool, warnOnly: Bool = false) throws(TorchError) {
    try check(ts_set_deterministic_algorithms(enabled, warnOnly))
}

/// Whether deterministic algorithms are required now.
public var areDeterministicAlgorithmsEnabled: Bool { ts_deterministic_algorithms_enabled() }

/// The libtorch version CTorch was compiled against, such as `"2.11.0"`.
public var torchVersion: String { String(cString: ts_torch_version()) }

/// libtorch's build configuration (`torch.__config__.show()`).
public func torchBuildConfiguration() -> String {
    guard let text = ts_show_config() else { return "" }
    defer { ts_string_free(text) }
    return String(cString: text)
}
