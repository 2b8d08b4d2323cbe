import CTorch

/// A multi-dimensional array with autograd, backed by a libtorch `at::Tensor`.
///
/// `Tensor` is a final class that owns one libtorch handle and releases it when the last Swift
/// reference goes away. Operations return new tensors; in-place operations end in `_`, as in
/// PyTorch (`x.add_(y)`). Operations that can fail (a shape, dtype or device mismatch) throw a
/// ``TorchError``; one `try` covers a whole expression.
///
/// ```swift
/// let x = try Tensor.randn([64, 784])
/// let w = try Tensor.randn([784, 10], requiresGrad: true)
/// let loss = try x.matmul(w).relu().sum()
/// try loss.backward()
/// print(w.grad!.shape)  // [784, 10]
/// ```
///
/// `Tensor` is not `Sendable`: libtorch's grad mode and autocast state are per thread, so a
/// tensor and the code that uses it stay on one thread.
public final class Tensor {
    @usableFromInline
    let handle: OpaquePointer

    /// Takes ownership of a fresh handle returned by CTorch.
    @usableFromInline
    init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        ts_tensor_free(handle)
    }

    /// The number of libtorch tensor handles alive now, across the process. Leak tests compare it
    /// before and after a workload.
    public static var liveCount: Int { Int(ts_live_tensor_count()) }

    /// Tensor handles created minus handles released on the calling thread. Unlike ``liveCount``
    /// it is not disturbed by work on other threads, so a leak test can run beside other tests.
    public static var threadBalance: Int { Int(ts_thread_tensor_balance()) }
}

// MARK: - The result funnel used by every operation

extension Tensor {
    /// Runs a C call that writes one tensor handle, and wraps it.
    @inlinable
    static func make(_ call: (UnsafeMutablePointer<OpaquePointer?>) -> OpaquePointer?) throws(TorchError) -> Tensor {
        var out: OpaquePointer?
        try check(call(&out))
        guard let out else { throw TorchError("libtorch returned no tensor") }
        return Tensor(owning: out)
    }

    /// Runs a C call that writes `count` tensor handles (a tuple result), and wraps them.
    @inlinable
    static func make(count: Int, _ call: (UnsafeMutablePointer<OpaquePointer?>) -> OpaquePointer?) throws(TorchError) -> [Tensor] {
        var out = [OpaquePointer?](repeating: nil, count: count)
        let error = out.withUnsafeMutableBufferPointer { call($0.baseAddress!) }
        try check(error)
        return try out.map { (handle: OpaquePointer?) throws(TorchError) -> Tensor in
            guard let handle else { throw TorchError("libtorch returned an undefined tensor in a tuple result") }
            return Tensor(owning: handle)
        }
    }

    /// Runs a C call that returns a list of tensors (a malloc'ed, NULL-terminated handle array).
    @inlinable
    static func makeList(
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>, UnsafeMutablePointer<Int64>) -> OpaquePointer?
    ) throws(TorchError) -> [Tensor] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        var count: Int64 = 0
        try check(call(&list, &count))
        guard let list else { return [] }
        defer { ts_tensor_list_free(list) }
        var result: [Tensor] = []
        result.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            if let handle = list[i] { result.append(Tensor(owning: handle)) }
        }
        return result
    }

    /// Runs a C call that writes an optional tensor handle (NULL meaning "none").
    @inlinable
    static func makeOptional(_ call: (UnsafeMutablePointer<OpaquePointer?>) -> OpaquePointer?) throws(TorchError) -> Tensor? {
        var out: OpaquePointer?
        try check(call(&out))
        return out.map { Tensor(owning: $0) }
    }
}

// MARK: - Helpers for passing tensors and lists to C

extension Optional where Wrapped == Tensor {
    /// The handle, or NULL for none.
    @usableFromInline
    var handle: OpaquePointer? { self?.handle }
}

extension Array where Element == Tensor {
    /// Calls `body` with a C array of the handles; the tensors stay alive for the call.
    @inlinable
    func withHandles<R>(_ body: (UnsafePointer<OpaquePointer?>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
        let handles: [OpaquePointer?] = map { $0.handle }
        return try withExtendedLifetime(self) { () throws(TorchError) -> R in
            try handles.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
                try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(count))
            }
        }
    }
}

extension Array where Element == Tensor? {
    /// Calls `body` with a C array of the handles (NULL for none); the tensors stay alive for the call.
    @inlinable
    func withHandles<R>(_ body: (UnsafePointer<OpaquePointer?>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
        let handles: [OpaquePointer?] = map { $0?.handle }
        return try withExtendedLifetime(self) { () throws(TorchError) -> R in
            try handles.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
                try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(count))
            }
        }
    }
}

/// Calls `body` with a C array of Int64 values for a Swift `[Int]` (a list argument).
@inlinable
func withInt64Array<R>(_ values: [Int], _ body: (UnsafePointer<Int64>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
    let converted = values.map(Int64.init)
    return try converted.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
        try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(buffer.count))
    }
}

/// Like ``withInt64Array(_:_:)`` for an optional list: NULL for none.
@inlinable
func withOptionalInt64Array<R>(_ values: [Int]?, _ body: (UnsafePointer<Int64>?, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
    guard let values else { return try body(nil, 0) }
    return try withInt64Array(values) { (pointer, count) throws(TorchError) -> R in try body(pointer, count) }
}

/// Calls `body` with a C array of Double values (NULL for none).
@inlinable
func withOptionalDoubleArray<R>(_ values: [Double]?, _ body: (UnsafePointer<Double>?, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
    guard let values else { return try body(nil, 0) }
    return try values.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
        try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(buffer.count))
    }
}
