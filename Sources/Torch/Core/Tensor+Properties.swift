import CTorch

// What a tensor is: shape, dtype, device, layout, autograd flags; and moving it between devices
// and dtypes.

extension Tensor {
    /// The size of each dimension (PyTorch's `shape` / `size()`).
    public var shape: [Int] {
        let rank = Int(ts_tensor_dim(handle))
        return [Int](unsafeUninitializedCapacity: rank) { buffer, initialized in
            buffer.withMemoryRebound(to: Int64.self) { _ = ts_tensor_sizes(handle, $0.baseAddress, Int64(rank)) }
            initialized = rank
        }
    }

    /// The size of dimension `dim` (negative counts from the end), as PyTorch's `size(dim)`.
    public func size(_ dim: Int) throws(TorchError) -> Int {
        let shape = self.shape
        let index = dim < 0 ? dim + shape.count : dim
        guard shape.indices.contains(index) else {
            throw TorchError("Dimension out of range (expected to be in range of [\(-shape.count), \(shape.count - 1)], but got \(dim))")
        }
        return shape[index]
    }

    /// The step in elements between neighbours along each dimension.
    public var strides: [Int] {
        let rank = Int(ts_tensor_dim(handle))
        return [Int](unsafeUninitializedCapacity: rank) { buffer, initialized in
            buffer.withMemoryRebound(to: Int64.self) { _ = ts_tensor_strides(handle, $0.baseAddress, Int64(rank)) }
            initialized = rank
        }
    }

    /// The number of dimensions (PyTorch's `dim()` / `ndim`).
    public var rank: Int { Int(ts_tensor_dim(handle)) }

    /// The number of elements (PyTorch's `numel()`).
    public var numel: Int { Int(ts_tensor_numel(handle)) }

    /// The element type.
    public var dtype: DType { (try? DType(code: ts_tensor_dtype(handle))) ?? .float32 }

    /// Where the data lives.
    public var device: Device { Device(ts_tensor_device(handle)) }

    /// The offset of the first element in the underlying storage.
    public var storageOffset: Int { Int(ts_tensor_storage_offset(handle)) }

    /// True when the elements are laid out densely in row-major order.
    public var isContiguous: Bool { ts_tensor_is_contiguous(handle) }

    /// True when the tensor lives in page-locked host memory (for fast copies to CUDA).
    public var isPinned: Bool { ts_tensor_is_pinned(handle) }

    /// True for floating-point dtypes.
    public var isFloatingPoint: Bool { dtype.isFloatingPoint }

    /// True when both tensors are the same libtorch tensor (not merely equal values).
    public func isSame(as other: Tensor) -> Bool { ts_tensor_same(handle, other.handle) }

    /// A tensor on `device` and/or with `dtype`; `self` when nothing changes and `copy` is false.
    ///
    /// ```swift
    /// let x = try Tensor.randn([2, 2]).to(.cuda(0), dtype: .bfloat16)
    /// ```
    public func to(_ device: Device? = nil, dtype: DType? = nil, nonBlocking: Bool = false, copy: Bool = false) throws(TorchError) -> Tensor {
        // What libtorch would answer, without its dispatch and a new handle (the Trainer moves
        // every batch to its device, where it usually is already).
        if !copy, device.map({ $0 == self.device }) ?? true, dtype.map({ $0 == self.dtype }) ?? true { return self }
        return try Tensor.make { ts_tensor_to(handle, device.cValue, dtype.code, nonBlocking, copy, $0) }
    }

    /// A tensor with `dtype` (PyTorch's `x.to(dtype)`).
    public func to(dtype: DType) throws(TorchError) -> Tensor {
        try to(nil, dtype: dtype)
    }

    /// The same data as a tensor on the CPU.
    public func cpu() throws(TorchError) -> Tensor { try to(.cpu) }

    /// The same data on a CUDA device.
    public func cuda(_ index: Int = 0) throws(TorchError) -> Tensor { try to(.cuda(index)) }

    /// A second Swift reference to the same libtorch tensor with its own handle.
    public func alias() throws(TorchError) -> Tensor {
        try Tensor.make { ts_tensor_alias(handle, $0) }
    }
}
