import CTorch

// Thread-local autograd modes as scoped, synchronous helpers (libtorch keeps them per OS thread,
// so they take synchronous closures and restore the previous state on exit, even on a throw).

/// Runs `body` with gradient recording off, as PyTorch's `with torch.no_grad():`.
///
/// ```swift
/// let prediction = try noGrad { try model(x) }
/// ```
public func noGrad<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    try withGradEnabled(false, body)
}

/// Runs `body` with gradient recording on, as PyTorch's `with torch.enable_grad():`.
public func enableGrad<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    try withGradEnabled(true, body)
}

/// Runs `body` with gradient recording set to `enabled`, as `torch.set_grad_enabled(enabled)`.
public func withGradEnabled<R, E: Error>(_ enabled: Bool, _ body: () throws(E) -> R) throws(E) -> R {
    let previous = ts_grad_mode_is_enabled()
    ts_grad_mode_set_enabled(enabled)
    defer { ts_grad_mode_set_enabled(previous) }
    return try body()
}

/// Whether operations on this thread are recorded for autograd now.
public var isGradEnabled: Bool { ts_grad_mode_is_enabled() }

/// Runs `body` in inference mode, as `with torch.inference_mode():`: faster than ``noGrad(_:)``,
/// and tensors made inside can never join an autograd graph later.
public func inferenceMode<R, E: Error>(_ enabled: Bool = true, _ body: () throws(E) -> R) throws(E) -> R {
    var guardHandle: OpaquePointer?
    // Entering inference mode only fails on allocation failure; then run without it.
    if let error = ts_inference_mode_enter(enabled, &guardHandle) { ts_error_free(error) }
    defer { if let guardHandle { ts_guard_free(guardHandle) } }
    return try body()
}

/// Whether inference mode is on for this thread.
public var isInferenceModeEnabled: Bool { ts_inference_mode_is_enabled() }

/// Runs `body` with autograd anomaly detection, as `with torch.autograd.detect_anomaly():` —
/// a backward that produces NaN names the forward operation that caused it.
public func detectAnomaly<R, E: Error>(checkNaN: Bool = true, _ body: () throws(E) -> R) throws(E) -> R {
    let previous = ts_anomaly_mode_is_enabled()
    ts_anomaly_mode_set_enabled(true, checkNaN)
    defer { ts_anomaly_mode_set_enabled(previous, true) }
    return try body()
}
