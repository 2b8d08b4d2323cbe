import CTorch

// Types and helpers that the generated operations (Sources/Torch/Generated) use: random number
// generators, memory formats, loss reductions, and the conversions of optional and list arguments
// to their C encodings.

/// A random number generator, as PyTorch's `torch.Generator`. Pass it to random operations for
/// reproducible streams independent of the global seed.
///
/// ```swift
/// let g = try Generator(seed: 42)
/// let x = try Tensor.randn([2, 3], generator: g)
/// ```
public final class Generator {
    @usableFromInline
    let handle: OpaquePointer

    private init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    /// A new generator on `device` seeded with `seed` (PyTorch's default seed when omitted).
    public convenience init(seed: UInt64 = 67280421310721, device: Device = .cpu) throws(TorchError) {
        var out: OpaquePointer?
        try check(ts_generator_new(device.cValue, seed, &out))
        guard let out else { throw TorchError("libtorch returned no generator") }
        self.init(owning: out)
    }

    deinit {
        ts_generator_free(handle)
    }

    /// The default generator of a device (the one the global seed controls).
    public static func `default`(for device: Device = .cpu) throws(TorchError) -> Generator {
        var out: OpaquePointer?
        try check(ts_generator_default(device.cValue, &out))
        guard let out else { throw TorchError("libtorch returned no generator") }
        return Generator(owning: out)
    }

    /// The current seed.
    public var seed: UInt64 { ts_generator_seed(handle) }

    /// Reseeds the generator (PyTorch's `manual_seed`).
    public func manualSeed(_ seed: UInt64) throws(TorchError) {
        try check(ts_generator_set_seed(handle, seed))
    }

    /// The full state, as a uint8 tensor (PyTorch's `get_state`).
    public func state() throws(TorchError) -> Tensor {
        try Tensor.make { ts_generator_get_state(handle, $0) }
    }

    /// Restores a state returned by ``state()``.
    public func setState(_ state: Tensor) throws(TorchError) {
        try check(ts_generator_set_state(handle, state.handle))
    }
}

/// How a tensor's elements are laid out in memory (PyTorch's `torch.memory_format`).
public enum MemoryFormat: Int32, Sendable {
    case contiguous = 0
    case preserve = 1
    case channelsLast = 2
    case channelsLast3d = 3
}

extension Optional where Wrapped == MemoryFormat {
    /// The C code: the raw value, or -1 for none.
    @usableFromInline
    var code: Int32 { self?.rawValue ?? -1 }
}

/// How a loss reduces over the batch (PyTorch's `reduction='none' | 'mean' | 'sum'`).
public enum Reduction: Int, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

extension Optional where Wrapped == Scalar {
    /// The C value (zero for none; the has-value flag travels separately).
    @usableFromInline
    var cValue: ts_scalar { self?.cValue ?? ts_scalar(kind: 0, f: 0, i: 0) }
}

/// The C code of a `bool?` argument: -1 for none, 0 or 1.
@inlinable
func optionalBoolCode(_ value: Bool?) -> Int32 {
    guard let value else { return -1 }
    return value ? 1 : 0
}

extension Tensor {
    /// Runs a C call that writes `count` tensor handles, some possibly NULL (an undefined result,
    /// as a backward op returns for inputs masked out).
    @inlinable
    static func makeOptionals(count: Int, _ call: (UnsafeMutablePointer<OpaquePointer?>) -> OpaquePointer?) throws(TorchError) -> [Tensor?] {
        var out = [OpaquePointer?](repeating: nil, count: count)
        let error = out.withUnsafeMutableBufferPointer { call($0.baseAddress!) }
        try check(error)
        return out.map { $0.map { Tensor(owning: $0) } }
    }

    /// Sets `requires_grad` on a freshly made tensor when `flag` is true (factory functions).
    @inlinable
    func withRequiresGrad(_ flag: Bool) throws(TorchError) -> Tensor {
        if flag { try check(ts_tensor_set_requires_grad(handle, true)) }
        return self
    }
}

/// Calls `body` with a C array of exactly `count` booleans (a `bool[N]` argument).
@inlinable
func withBoolArray<R>(_ values: [Bool], count: Int, _ body: (UnsafePointer<Bool>) throws(TorchError) -> R) throws(TorchError) -> R {
    guard values.count == count else {
        throw TorchError("expected \(count) booleans, got \(values.count)")
    }
    return try values.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in try body(buffer.baseAddress!) }
}

/// Calls `body` with a C array of scalars (a `Scalar[]` argument).
@inlinable
func withScalarArray<R>(_ values: [Scalar], _ body: (UnsafePointer<ts_scalar>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
    let converted = values.map(\.cValue)
    return try converted.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
        try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(buffer.count))
    }
}

/// Calls `body` with a NUL-terminated copy of `value`, or NULL for none (a `str?` argument).
@inlinable
func withOptionalCString<R>(_ value: String?, _ body: (UnsafePointer<CChar>?) throws(TorchError) -> R) throws(TorchError) -> R {
    guard let value else { return try body(nil) }
    let bytes = Array(value.utf8CString)
    return try bytes.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in try body(buffer.baseAddress) }
}
