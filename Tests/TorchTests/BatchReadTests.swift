import Foundation
import Testing
@testable import Torch

// Batched reads (BatchReadableDataset): a loader with the default collation reads a TensorDataset,
// a Subset of one, or a user's batch-readable dataset a batch at a time, with the same batches as
// reading sample by sample and stacking.

/// Sample `i` is the float tensor `[i, 10 i]`; counts its subscript and batch reads, and throws from
/// `batch(at:)` when `failBatchReads` is set.
final class CountingRows: BatchReadableDataset, @unchecked Sendable {
    let rows: Tensor
    let failBatchReads: Bool
    private let lock = NSLock()
    private var sampleReads = 0
    private var batchReads: [[Int]] = []
    private var batchWorkerIDs: [Int?] = []

    init(count: Int, failBatchReads: Bool = false) throws {
        let index = try Tensor.arange(end: count, dtype: .float32)
        rows = try Tensor.stack([index, index * 10], dim: 1)
        self.failBatchReads = failBatchReads
    }

    var count: Int { rows.shape[0] }

    subscript(index: Int) -> Tensor {
        get throws {
            lock.withLock { sampleReads += 1 }
            return try rows.select(dim: 0, index: index)
        }
    }

    func batch(at indices: [Int]) throws -> Tensor {
        lock.withLock {
            batchReads.append(indices)
            batchWorkerIDs.append(WorkerInfo.current?.id)
        }
        if failBatchReads { throw TorchError("batch read refused") }
        return try rows.indexSelect(dim: 0, index: Tensor(indices.map(Int64.init)))
    }

    var reads: (samples: Int, batches: [[Int]], workerIDs: [Int?]) { lock.withLock { (sampleReads, batchReads, batchWorkerIDs) } }
}

struct BatchReadTests {
    /// Every batch of a loader, as its tensors.
    func batches(_ loader: DataLoader<[Tensor]>) throws -> [[Tensor]] {
        var result: [[Tensor]] = []
        try loader.forEach { result.append($0) }
        return result
    }

    @Test func aTensorDatasetBatchEqualsItsStackedSamples() throws {
        manualSeed(0)
        // A float image tensor, int64 labels and a non-contiguous (transposed) column pair.
        let data = try TensorDataset(Tensor.randn([50, 3, 4]), Tensor.randint(high: 10, size: [50]), Tensor.randn([2, 50]).t())
        let read = try DataLoader(data, batchSize: 8, shuffle: true, generator: Generator(seed: 3))
        let stacked = try DataLoader(data, batchSize: 8, shuffle: true, collate: { try [Tensor].collate($0) }, generator: Generator(seed: 3))
        let (readBatches, stackedBatches) = (try batches(read), try batches(stacked))
        #expect(readBatches.count == 7)  // 6 of 8 and a last one of 2
        for (a, b) in zip(readBatches, stackedBatches) {
            #expect(a.map(\.shape) == b.map(\.shape))
            #expect(a.map(\.dtype) == b.map(\.dtype))
            #expect(a.allSatisfy { $0.isContiguous })
            #expect(try zip(a, b).allSatisfy { try $0.equal($1) })
        }
    }

    @Test(arguments: [0, 2])
    func theLoaderReadsWholeBatches(numWorkers: Int) throws {
        let data = try CountingRows(count: 10)
        let loader = try DataLoader(data, batchSize: 4, numWorkers: numWorkers)
        var firstColumns: [[Float]] = []
        try loader.forEach { firstColumns.append(try $0.select(dim: 1, index: 0).toArray(of: Float.self)) }
        #expect(firstColumns == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let reads = data.reads
        #expect(reads.samples == 0)
        // Workers read concurrently: each batch once, in any order, by one of the workers
        // (batch(at:) sees the WorkerInfo that the subscript would).
        #expect(reads.batches.sorted { $0[0] < $1[0] } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(reads.workerIDs.allSatisfy { $0.map { (0..<max(1, numWorkers)).contains($0) } ?? false })
        #expect(WorkerInfo.current == nil)
    }

    @Test func aSubsetReadsItsBaseDatasetsBatches() throws {
        let data = try CountingRows(count: 10)
        let subset = Subset(data, indices: [9, 7, 5, 3, 1])
        let loader = try DataLoader(subset, batchSize: 3)
        var firstColumns: [[Float]] = []
        try loader.forEach { firstColumns.append(try $0.select(dim: 1, index: 0).toArray(of: Float.self)) }
        #expect(firstColumns == [[9, 7, 5], [3, 1]])
        #expect(data.reads.samples == 0)
        #expect(data.reads.batches == [[9, 7, 5], [3, 1]])
    }

    @Test func aSubsetWithANegativeIndexIsReadSampleBySample() throws {
        let data = try CountingRows(count: 10)
        // -1 is the base's last sample through the subscript; a batch read cannot take it.
        let loader = try DataLoader(Subset(data, indices: [0, -1]), batchSize: 2)
        var firstColumns: [[Float]] = []
        try loader.forEach { firstColumns.append(try $0.select(dim: 1, index: 0).toArray(of: Float.self)) }
        #expect(firstColumns == [[0, 9]])
        #expect(data.reads.samples == 2)
        #expect(data.reads.batches.isEmpty)
    }

    @Test func aSubsetBatchOutsideItsRangeThrowsInsteadOfTrapping() throws {
        let subset = Subset(try CountingRows(count: 10), indices: [1, 2])
        #expect(throws: TorchError.self) { try subset.batch(at: [0, 2]) }
        #expect(throws: TorchError.self) { try subset.batch(at: [-1]) }
    }

    @Test func aFailingBatchReadIsReadAgainSampleBySample() throws {
        let data = try CountingRows(count: 5, failBatchReads: true)
        let loader = try DataLoader(data, batchSize: 2)
        var firstColumns: [[Float]] = []
        try loader.forEach { firstColumns.append(try $0.select(dim: 1, index: 0).toArray(of: Float.self)) }
        #expect(firstColumns == [[0, 1], [2, 3], [4]])
        #expect(data.reads.batches.count == 3)
        #expect(data.reads.samples == 5)
    }

    @Test func aCustomCollationReadsSampleBySample() throws {
        let data = try CountingRows(count: 4)
        let loader = try DataLoader(data, batchSize: 2, collate: { try Tensor.stack($0, dim: 0).sum() })
        try loader.forEach { _ in }
        #expect(data.reads.samples == 4)
        #expect(data.reads.batches.isEmpty)
    }
}
