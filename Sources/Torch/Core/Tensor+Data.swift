import CTorch

// Moving data between Swift and tensors: creation from arrays and bytes, conversion back, item().

extension Tensor {
    /// A tensor holding a copy of `values`, with the given shape (default: one dimension).
    ///
    /// ```swift
    /// let x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// ```
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil, device: Device = .cpu) throws(TorchError) {
        let shape = shape ?? [values.count]
        let count = shape.reduce(1, *)
        guard count == values.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw TorchError("\(values.count) values cannot fill a tensor of shape \(shape) (\(count) elements)")
        }
        let result = values.withUnsafeBytes { bytes in
            Result { () throws(TorchError) in try Tensor.handle(bytes: bytes, shape: shape, dtype: T.dtype, device: device) }
        }
        self.init(owning: try result.get())
    }

    /// A 2-D tensor from nested arrays (rows must have equal lengths).
    ///
    /// ```swift
    /// let m = try Tensor([[1, 2], [3, 4]] as [[Double]])
    /// ```
    public convenience init<T: TensorElement>(_ rows: [[T]], device: Device = .cpu) throws(TorchError) {
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else {
            throw TorchError("rows of a 2-D tensor must have equal lengths; got \(rows.map(\.count))")
        }
        try self.init(rows.flatMap { $0 }, shape: [rows.count, width], device: device)
    }

    /// A 3-D tensor from nested arrays.
    public convenience init<T: TensorElement>(_ planes: [[[T]]], device: Device = .cpu) throws(TorchError) {
        let rows = planes.first?.count ?? 0
        let width = planes.first?.first?.count ?? 0
        guard planes.allSatisfy({ $0.count == rows && $0.allSatisfy { $0.count == width } }) else {
            throw TorchError("a 3-D tensor needs every plane to have the same number of rows and columns")
        }
        try self.init(planes.flatMap { $0.flatMap { $0 } }, shape: [planes.count, rows, width], device: device)
    }

    /// A 0-dimensional tensor holding one value.
    ///
    /// ```swift
    /// let lr = try Tensor(scalar: 0.1 as Float)
    /// ```
    public convenience init<T: TensorElement>(scalar value: T, device: Device = .cpu) throws(TorchError) {
        try self.init([value], shape: [], device: device)
    }

    /// A tensor holding a copy of raw little-endian bytes laid out in row-major order.
    ///
    /// `bytes.count` must equal the number of elements times `dtype.elementSize`.
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType, device: Device = .cpu) throws(TorchError) {
        self.init(owning: try Tensor.handle(bytes: bytes, shape: shape, dtype: dtype, device: device))
    }

    private static func handle(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType, device: Device) throws(TorchError) -> OpaquePointer {
        let dims = shape.map(Int64.init)
        var out: OpaquePointer?
        let error = dims.withUnsafeBufferPointer { dimsBuffer in
            ts_tensor_from_data(bytes.baseAddress, bytes.count, dimsBuffer.baseAddress, Int64(dims.count), dtype.rawValue, device.cValue, &out)
        }
        try check(error)
        return out!
    }

    /// The elements in row-major order, converted to `T` when the dtype differs.
    ///
    /// ```swift
    /// let values: [Float] = try logits.softmax(dim: 1).toArray()
    /// ```
    public func toArray<T: TensorElement>(of type: T.Type = T.self) throws(TorchError) -> [T] {
        let source = dtype == T.dtype ? self : try to(dtype: T.dtype)
        let count = source.numel
        var error: OpaquePointer?
        let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            error = withExtendedLifetime(source) {
                ts_tensor_copy_to(source.handle, buffer.baseAddress, count * MemoryLayout<T>.stride)
            }
            initialized = error == nil ? count : 0
        }
        try check(error)
        return result
    }

    /// The raw bytes of the elements in row-major order (any dtype, any device).
    public func bytes() throws(TorchError) -> [UInt8] {
        let count = numel * dtype.elementSize
        var result = [UInt8](repeating: 0, count: count)
        let error = result.withUnsafeMutableBytes { buffer in
            ts_tensor_copy_to(handle, buffer.baseAddress, count)
        }
        try check(error)
        return result
    }

    /// The value of a one-element tensor, as PyTorch's `item()`.
    public func item() throws(TorchError) -> Scalar {
        var out = ts_scalar()
        try check(ts_tensor_item(handle, &out))
        return Scalar(out)
    }

    /// The value of a one-element tensor converted to `T`.
    ///
    /// ```swift
    /// let loss: Float = try lossTensor.item()
    /// ```
    public func item<T: TensorItem>(_ type: T.Type = T.self) throws(TorchError) -> T {
        T(scalar: try item())
    }
}

/// A Swift type that ``Tensor/item(_:)`` can return.
public protocol TensorItem {
    init(scalar: Scalar)
}

extension Float: TensorItem { public init(scalar: Scalar) { self = Float(scalar.doubleValue) } }
extension Double: TensorItem { public init(scalar: Scalar) { self = scalar.doubleValue } }
extension Int: TensorItem { public init(scalar: Scalar) { self = Int(scalar.intValue) } }
extension Int64: TensorItem { public init(scalar: Scalar) { self = scalar.intValue } }
extension Int32: TensorItem { public init(scalar: Scalar) { self = Int32(truncatingIfNeeded: scalar.intValue) } }
extension Bool: TensorItem {
    public init(scalar: Scalar) {
        if case .bool(let value) = scalar { self = value } else { self = scalar.doubleValue != 0 }
    }
}
