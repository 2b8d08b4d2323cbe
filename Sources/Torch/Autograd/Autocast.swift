import CTorch

/// Runs `body` with automatic mixed precision, as `with torch.autocast(device_type, dtype):`.
/// Eligible operations (matmul, convolutions, linear layers, …) run in `dtype`; others keep float32.
///
/// ```swift
/// let logits = try autocast(device: .cpu, dtype: .bfloat16) { try model(x) }
/// ```
///
/// - Parameters:
///   - device: The device type whose autocast state to set (CPU or CUDA).
///   - dtype: The lower precision: bfloat16 (CPU default) or float16 (CUDA default).
///   - enabled: false runs `body` without autocast (one call site for both).
///   - cacheEnabled: Cache casts of weights inside the region, as PyTorch does by default.
///   - body: The code to run in the region.
public func autocast<R, E: Error>(device: Device = .cpu, dtype: DType? = nil, enabled: Bool = true,
                                  cacheEnabled: Bool = true, _ body: () throws(E) -> R) throws(E) -> R {
    let type: Int32 = device.isCUDA ? 1 : 0
    let previousEnabled = ts_autocast_is_enabled(type)
    let previousDtype = ts_autocast_get_dtype(type)
    let previousCache = ts_autocast_is_cache_enabled()
    ts_autocast_set_enabled(type, enabled)
    ts_autocast_set_dtype(type, (dtype ?? (device.isCUDA ? .float16 : .bfloat16)).rawValue)
    ts_autocast_set_cache_enabled(cacheEnabled)
    _ = ts_autocast_increment_nesting()
    defer {
        // As torch.autocast.__exit__: the cache is dropped when the outermost region ends.
        if ts_autocast_decrement_nesting() == 0 { ts_autocast_clear_cache() }
        ts_autocast_set_enabled(type, previousEnabled)
        ts_autocast_set_dtype(type, previousDtype)
        ts_autocast_set_cache_enabled(previousCache)
    }
    return try body()
}

/// Whether autocast is on for `device`'s type on this thread.
public func isAutocastEnabled(device: Device = .cpu) -> Bool {
    ts_autocast_is_enabled(device.isCUDA ? 1 : 0)
}
