// Batched reads: a dataset that gives the samples of a whole batch at once, already collated.

/// A map-style dataset that reads the samples of a whole batch at once, already collated: PyTorch's
/// `__getitems__` and `default_collate` in one step. A ``DataLoader`` with the default collation
/// uses it, so that a batch of a ``TensorDataset`` costs one `index_select` per tensor instead of a
/// read per sample and a `stack` (a batch of 64 rows of 784 floats: about 70 µs instead of 450 µs).
///
/// ```swift
/// struct Rows: BatchReadableDataset {
///     let data: Tensor                                  // [N, features]
///     var count: Int { data.shape[0] }
///     subscript(index: Int) -> Tensor { get throws { try data.select(dim: 0, index: index) } }
///     func batch(at indices: [Int]) throws -> Tensor {
///         try data.indexSelect(dim: 0, index: Tensor(indices.map(Int64.init)))
///     }
/// }
/// ```
///
/// The loader calls ``batch(at:)`` only with indices in `0..<count`; a batch with any other index,
/// and a batch whose read throws, is read again sample by sample through the subscript, so that
/// negative indices keep the subscript's meaning and an error names the sample that failed. In a
/// worker, ``WorkerInfo/current`` during `batch(at:)` is that of the batch's first sample.
public protocol BatchReadableDataset<Element>: Dataset where Element: Collatable {
    /// The samples at `indices` (each in `0..<count`, in this order), collated: equal to
    /// `Element.collate(indices.map { self[$0] })`.
    func batch(at indices: [Int]) throws -> Element.Batch
}

extension TensorDataset: BatchReadableDataset {
    /// Rows `indices` of every tensor (`index_select` on the first dimension): the same values,
    /// shapes and dtypes as stacking the samples, contiguous.
    public func batch(at indices: [Int]) throws(TorchError) -> [Tensor] {
        let cpuIndex = try Tensor(indices.map(Int64.init))
        return try tensors.map { (tensor) throws(TorchError) -> Tensor in
            try tensor.indexSelect(dim: 0, index: cpuIndex.to(tensor.device))
        }
    }
}

extension Subset: BatchReadableDataset where Base: BatchReadableDataset {
    /// The base dataset's batch at the subset's indices; throws when an index is outside the
    /// subset's `0..<count` or maps outside the base dataset's (a ``DataLoader`` then reads the
    /// batch sample by sample).
    public func batch(at indices: [Int]) throws -> Base.Element.Batch {
        guard indices.allSatisfy({ self.indices.indices.contains($0) }) else {
            throw TorchError("an index is outside this Subset's 0..<\(count); read it sample by sample")
        }
        let baseIndices = indices.map { self.indices[$0] }
        guard baseIndices.allSatisfy({ $0 >= 0 && $0 < dataset.count }) else {
            throw TorchError("a Subset index is outside its dataset's 0..<\(dataset.count); read it sample by sample")
        }
        return try dataset.batch(at: baseIndices)
    }
}
