/// Groups the indices of another sampler into batches, as PyTorch's `BatchSampler`: with
/// `dropLast` a last, smaller batch is left out.
///
/// ```swift
/// let batches = try BatchSampler(SequentialSampler(count: 10), batchSize: 3, dropLast: false)
/// try batches.epochIndices()   // [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
/// ```
public final class BatchSampler: Sampler {
    public let sampler: any Sampler<Int>
    public let batchSize: Int
    public let dropLast: Bool

    public init(_ sampler: any Sampler<Int>, batchSize: Int, dropLast: Bool) throws(TorchError) {
        guard batchSize > 0 else {
            throw TorchError("batch_size should be a positive integer value, but got batch_size=\(batchSize)")
        }
        self.sampler = sampler
        self.batchSize = batchSize
        self.dropLast = dropLast
    }

    /// The number of batches per epoch.
    public var count: Int {
        dropLast ? sampler.count / batchSize : (sampler.count + batchSize - 1) / batchSize
    }

    public func epochIndices() throws -> [[Int]] {
        let indices = try sampler.epochIndices()
        let end = dropLast ? indices.count - indices.count % batchSize : indices.count
        return stride(from: 0, to: end, by: batchSize).map { Array(indices[$0..<min($0 + batchSize, end)]) }
    }

    public func setEpoch(_ epoch: Int) { sampler.setEpoch(epoch) }
    public func stateDict() throws -> SamplerState { try sampler.stateDict() }
    public func loadStateDict(_ state: SamplerState) throws { try sampler.loadStateDict(state) }
}
