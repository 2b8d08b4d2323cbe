/// The share of the dataset one process reads in distributed training, as PyTorch's
/// `DistributedSampler`: every rank shuffles with the same seed (`seed + epoch`), pads the index list
/// by repeating its start so every rank gets `ceil(n / numReplicas)` indices (or drops the tail with
/// `dropLast`), and takes every `numReplicas`-th index from position `rank`.
///
/// ```swift
/// let sampler = try DistributedSampler(count: data.count, numReplicas: 4, rank: 1, seed: 0)
/// let loader = try DataLoader(data, batchSize: 32, sampler: sampler)   // calls setEpoch each epoch
/// ```
public final class DistributedSampler: Sampler {
    public let datasetCount: Int
    public let numReplicas: Int
    public let rank: Int
    public let shuffle: Bool
    public let seed: Int
    public let dropLast: Bool
    /// The epoch the next ``epochIndices()`` shuffles for.
    public private(set) var epoch = 0
    /// The number of indices per rank and epoch (PyTorch's `num_samples`).
    public let count: Int
    /// `count * numReplicas`.
    public let totalSize: Int

    public init(count datasetCount: Int, numReplicas: Int, rank: Int, shuffle: Bool = true, seed: Int = 0, dropLast: Bool = false) throws(TorchError) {
        guard numReplicas > 0 else { throw TorchError("numReplicas must be positive; got \(numReplicas)") }
        guard rank >= 0 && rank < numReplicas else {
            throw TorchError("Invalid rank \(rank), rank should be in the interval [0, \(numReplicas - 1)]")
        }
        self.datasetCount = datasetCount
        self.numReplicas = numReplicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        if dropLast && datasetCount % numReplicas != 0 {
            // math.ceil((n - replicas) / replicas)
            let numerator = datasetCount - numReplicas
            count = numerator > 0 ? (numerator + numReplicas - 1) / numReplicas : -(-numerator / numReplicas)
        } else {
            count = (datasetCount + numReplicas - 1) / numReplicas
        }
        totalSize = count * numReplicas
    }

    public convenience init<D: Dataset>(_ dataset: D, numReplicas: Int, rank: Int, shuffle: Bool = true, seed: Int = 0, dropLast: Bool = false) throws(TorchError) {
        try self.init(count: dataset.count, numReplicas: numReplicas, rank: rank, shuffle: shuffle, seed: seed, dropLast: dropLast)
    }

    public func setEpoch(_ epoch: Int) {
        self.epoch = epoch
    }

    /// The order of `0..<count` that every rank splits in `epoch`, before padding: a permutation
    /// drawn from a generator seeded with `seed + epoch` when shuffling, else `0..<count`.
    /// Lightning's `UnrepeatedDistributedSampler` splits the same order.
    public static func epochOrder(count: Int, shuffle: Bool, seed: Int, epoch: Int) throws(TorchError) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        let generator = try Generator(seed: UInt64(bitPattern: Int64(seed + epoch)))
        return try indexArray(Tensor.randperm(n: count, generator: generator))
    }

    public func epochIndices() throws(TorchError) -> [Int] {
        var indices = try Self.epochOrder(count: datasetCount, shuffle: shuffle, seed: seed, epoch: epoch)
        if !dropLast {
            let padding = totalSize - indices.count
            if padding > 0 {
                guard !indices.isEmpty else { throw TorchError("DistributedSampler: cannot pad an empty dataset") }
                if padding <= indices.count {
                    indices += indices[..<padding]
                } else {
                    let repeats = (padding + indices.count - 1) / indices.count
                    indices += Array(Array(repeating: indices, count: repeats).joined().prefix(padding))
                }
            }
        } else {
            indices = Array(indices.prefix(totalSize))
        }
        guard indices.count == totalSize else {
            throw TorchError("Number of indices (\(indices.count)) does not match total_size (\(totalSize))")
        }
        return Array(stride(from: rank, to: totalSize, by: numReplicas).map { indices[$0] })
    }

    public func stateDict() -> SamplerState {
        SamplerState(epoch: epoch)
    }

    public func loadStateDict(_ state: SamplerState) {
        if let epoch = state.epoch { self.epoch = epoch }
    }
}
