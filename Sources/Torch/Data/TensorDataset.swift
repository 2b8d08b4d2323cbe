/// A dataset of tensors that share their first dimension: sample `i` holds row `i` of each tensor,
/// as PyTorch's `TensorDataset`.
///
/// ```swift
/// let data = try TensorDataset(Tensor.randn([100, 784]), Tensor.randint(high: 10, size: [100]))
/// let sample = try data[3]   // [image row (784), label (0-dim)]
/// let loader = try DataLoader(data, batchSize: 32, shuffle: true)   // batches: [[32, 784], [32]]
/// ```
public struct TensorDataset: Dataset {
    /// The tensors, in the order their rows appear in each sample.
    public let tensors: [Tensor]

    /// A dataset over the rows of `tensors`; throws when their first dimensions differ.
    public init(_ tensors: [Tensor]) throws(TorchError) {
        guard let first = tensors.first else { throw TorchError("TensorDataset needs at least one tensor") }
        guard first.rank > 0 else { throw TorchError("TensorDataset needs tensors with at least one dimension; got a 0-dim tensor") }
        let rows = first.shape[0]
        for tensor in tensors where tensor.rank == 0 || tensor.shape[0] != rows {
            throw TorchError("Size mismatch between tensors: the first dimension of every tensor must be \(rows); got shape \(tensor.shape)")
        }
        self.tensors = tensors
        self.count = rows
    }

    /// A dataset over the rows of the given tensors.
    public init(_ tensors: Tensor...) throws(TorchError) {
        try self.init(tensors)
    }

    public let count: Int

    /// Row `index` of every tensor (negative indices count from the end, as in PyTorch).
    public subscript(index: Int) -> [Tensor] {
        get throws {
            try tensors.map { (tensor) throws(TorchError) -> Tensor in try tensor.select(dim: 0, index: index) }
        }
    }
}
