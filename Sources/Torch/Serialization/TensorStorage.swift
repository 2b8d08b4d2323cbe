import CTorch

/// The storage-level view of tensors that PyTorch's file format needs: which tensors share memory,
/// the bytes of a whole storage, and tensors rebuilt as strided views of a storage. A namespace, so
/// these internal helpers never collide with the public `Tensor` API.
enum TensorStorage {
    /// A key equal for tensors that share memory, and the storage size in bytes.
    static func info(of tensor: Tensor) throws(TorchError) -> (identity: UInt64, byteCount: Int) {
        var identity: UInt64 = 0
        var count: Int64 = 0
        try check(ts_tensor_storage_info(tensor.handle, &identity, &count))
        return (identity, Int(count))
    }

    /// The bytes of the tensor's whole storage, from its first byte, copied to the host.
    static func bytes(of tensor: Tensor, byteCount: Int) throws(TorchError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: byteCount)
        let error = result.withUnsafeMutableBytes { buffer in
            withExtendedLifetime(tensor) { ts_tensor_storage_copy_to(tensor.handle, buffer.baseAddress, byteCount) }
        }
        try check(error)
        return result
    }

    /// A view of `base`'s storage with these sizes, strides and offset (in elements), sharing memory.
    static func view(of base: Tensor, shape: [Int], strides: [Int], offset: Int) throws(TorchError) -> Tensor {
        guard shape.count == strides.count else {
            throw TorchError("a tensor view needs as many strides as sizes; got sizes \(shape) and strides \(strides)")
        }
        return try withInt64Array(shape) { (sizes, rank) throws(TorchError) -> Tensor in
            try withInt64Array(strides) { (strides, _) throws(TorchError) -> Tensor in
                try withExtendedLifetime(base) { () throws(TorchError) -> Tensor in
                    try Tensor.make { ts_tensor_as_strided(base.handle, sizes, strides, rank, Int64(offset), $0) }
                }
            }
        }
    }

    static func requiresGrad(_ tensor: Tensor) -> Bool {
        ts_tensor_requires_grad(tensor.handle)
    }

    static func setRequiresGrad(_ tensor: Tensor, _ value: Bool) throws(TorchError) {
        try check(ts_tensor_set_requires_grad(tensor.handle, value))
    }
}
