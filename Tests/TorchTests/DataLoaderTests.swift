import Foundation
import Testing
@testable import Torch

// DataLoader behaviour: order under worker threads, collation, early stop, errors, resume.

/// Thread-safe counters for datasets read from worker threads.
final class ReadLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reads: [Int] = []
    private var inFlight = 0
    private var threads: [pthread_t] = []
    private var intraOpThreads: Set<Int> = []
    private var workerInfos: [WorkerInfo?] = []

    func begin(_ index: Int) {
        lock.withLock {
            inFlight += 1
            reads.append(index)
            threads.append(pthread_self())
            intraOpThreads.insert(numThreads())
            workerInfos.append(WorkerInfo.current)
        }
    }

    func end() { lock.withLock { inFlight -= 1 } }

    var readCount: Int { lock.withLock { reads.count } }
    var running: Int { lock.withLock { inFlight } }
    var readingThreads: [pthread_t] { lock.withLock { threads } }
    var intraOp: Set<Int> { lock.withLock { intraOpThreads } }
    var infos: [WorkerInfo?] { lock.withLock { workerInfos } }
}

struct TestFailure: Error, Equatable { var index: Int }

/// Sample `i` is the 0-dim int64 tensor `i`, read after a pause that varies with `i` (so workers
/// finish out of order), failing at `failAt`.
struct SlowIndexDataset: Dataset {
    var count: Int
    var log = ReadLog()
    var pauseMicroseconds: (Int) -> UInt32 = { UInt32(($0 * 7919) % 5) * 400 }
    var failAt: Int? = nil

    subscript(index: Int) -> Tensor {
        get throws {
            log.begin(index)
            defer { log.end() }
            guard index >= 0 && index < count else { throw TorchError("index \(index) out of range") }
            usleep(pauseMicroseconds(index))
            if index == failAt { throw TestFailure(index: index) }
            return try Tensor(scalar: Int64(index))
        }
    }
}

func batchesAsInts(_ loader: DataLoader<Tensor>) throws -> [[Int]] {
    var result: [[Int]] = []
    try loader.forEach { result.append(try $0.toArray(of: Int.self)) }
    return result
}

func floats(_ loader: DataLoader<Tensor>) throws -> [[Float]] {
    var result: [[Float]] = []
    try loader.forEach { result.append(try $0.toArray(of: Float.self)) }
    return result
}

@Suite("Data: DataLoader")
struct DataLoaderTests {
    @Test(arguments: [0, 1, 2, 3])
    func batchesComeInSamplerOrderWhateverTheWorkerTiming(numWorkers: Int) throws {
        let data = SlowIndexDataset(count: 43)
        let loader = try DataLoader(data, batchSize: 5, shuffle: true, numWorkers: numWorkers, generator: Generator(seed: 7))
        let generator = try Generator(seed: 7)
        let expected = try BatchSampler(RandomSampler(count: 43, generator: generator), batchSize: 5, dropLast: false)
        _ = try Tensor.empty([], dtype: .int64).random_(generator: generator)  // the loader's base seed draw
        #expect(try batchesAsInts(loader) == expected.epochIndices())
        #expect(loader.count == 9)
        if numWorkers > 0 {
            let caller = pthread_self()
            #expect(!data.log.readingThreads.contains { pthread_equal($0, caller) != 0 })
            #expect(data.log.infos.allSatisfy { $0?.numWorkers == numWorkers })
            // Each worker reads with one intra-op thread, as PyTorch's workers do; the caller keeps its own.
            #expect(data.log.intraOp == [1])
            #expect(numThreads() >= 1)
        }
    }

    @Test func dropLastAndSequentialOrder() throws {
        let data = try TensorDataset(Tensor.arange(end: 10))
        let keep = try DataLoader(data, batchSize: 4)
        var sizes: [[Int]] = []
        try keep.forEach { sizes.append($0[0].shape) }
        #expect(sizes == [[4], [4], [2]])
        let drop = try DataLoader(data, batchSize: 4, numWorkers: 2, dropLast: true)
        var values: [[Int]] = []
        try drop.forEach { values.append(try $0[0].toArray(of: Int.self)) }
        #expect(values == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(drop.count == 2)
    }

    @Test func workerInfoDuringReads() throws {
        let data = SlowIndexDataset(count: 12)
        _ = try batchesAsInts(DataLoader(data, batchSize: 3, numWorkers: 2))
        let infos = data.log.infos.compactMap { $0 }
        #expect(infos.count == 12)
        #expect(infos.allSatisfy { $0.numWorkers == 2 && (0..<2).contains($0.id) })
        #expect(Set(infos.map(\.sampleSeed)).count == 12)
        #expect(WorkerInfo.current == nil)
    }

    @Test func randomTransformsAreReproducibleAcrossWorkerCounts() throws {
        let rows = try TensorDataset(Tensor.arange(end: 30, dtype: .float32))
        let noisy = rows.map { (sample: [Tensor]) -> Tensor in
            let generator = try Generator(seed: WorkerInfo.current?.sampleSeed ?? 0)
            return try sample[0] + Tensor.rand([], generator: generator)
        }
        let results = try [0, 1, 3].map { workers in
            try floats(DataLoader(noisy, batchSize: 4, shuffle: true, numWorkers: workers, generator: Generator(seed: 5)))
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
        #expect(Set(results[0].joined().map { $0 - $0.rounded(.down) }).count == 30)
    }

    @Test func leavingEarlyStopsTheWorkers() throws {
        let data = SlowIndexDataset(count: 2000, pauseMicroseconds: { _ in 200 })
        let loader = try DataLoader(data, batchSize: 4, numWorkers: 3, prefetchFactor: 2)
        do {
            let iterator = try loader.makeIterator()
            var seen = 0
            while let batch = try iterator.next() {
                #expect(try batch.toArray(of: Int.self) == Array(seen * 4..<seen * 4 + 4))
                seen += 1
                if seen == 3 { break }
            }
            #expect(iterator.runningWorkers == 3)
        }  // the iterator is released here: its workers finish their batch and exit before deinit returns
        #expect(data.log.running == 0)
        let reads = data.log.readCount
        // Read-ahead is bounded: 3 consumed + at most prefetchFactor * numWorkers batches in flight.
        #expect(reads <= (3 + 2 * 3) * 4)
        usleep(20_000)
        #expect(data.log.readCount == reads, "a worker kept reading after the iterator was released")

        // close() does the same without releasing the iterator.
        let iterator = try loader.makeIterator()
        _ = try iterator.next()
        iterator.close()
        #expect(iterator.runningWorkers == 0)
        #expect(try iterator.next() == nil)
    }

    @Test func persistentWorkersServeSeveralEpochs() throws {
        let data = SlowIndexDataset(count: 20)
        let loader = try DataLoader(data, batchSize: 3, shuffle: true, numWorkers: 2, persistentWorkers: true, generator: Generator(seed: 1))
        let reference = try DataLoader(data, batchSize: 3, shuffle: true, numWorkers: 0, generator: Generator(seed: 1))
        // PyTorch draws the base seed once with persistent workers; replay that on the reference.
        let first = try batchesAsInts(loader)
        #expect(first == (try batchesAsInts(reference)))
        // Abandon an epoch halfway; the next epoch is whole and in order.
        let iterator = try loader.makeIterator()
        _ = try iterator.next()
        iterator.close()
        #expect(loader.persistentWorkersRunning == 2)
        let third = try batchesAsInts(loader)
        #expect(third.count == 7)
        #expect(Set(third.joined()) == Set(0..<20))
    }

    @Test func collatesDictionariesNumbersPairsAndUserTypes() throws {
        struct Record: Dataset {
            var count: Int { 6 }
            subscript(index: Int) -> [String: Tensor] {
                get throws { ["x": try Tensor.full([2], fillValue: index), "y": try Tensor(scalar: Double(index) / 2)] }
            }
        }
        let dictionaries = try DataLoader(Record(), batchSize: 4)
        var first: [String: Tensor] = [:]
        try dictionaries.forEach { if first.isEmpty { first = $0 } }
        #expect(first["x"]?.shape == [4, 2])
        #expect(try first["y"]?.toArray(of: Double.self) == [0, 0.5, 1, 1.5])

        struct Labelled: Dataset {
            var count: Int { 5 }
            subscript(index: Int) -> (Tensor, Int) { get throws { (try Tensor.ones([3]) * Double(index), index % 2) } }
        }
        let pairs = try DataLoader(Labelled(), batchSize: 2)
        var labels: [[Int]] = []
        try pairs.forEach { (images, classes) in
            #expect(images.shape[1] == 3)
            #expect(classes.dtype == .int64)
            labels.append(try classes.toArray(of: Int.self))
        }
        #expect(labels == [[0, 1], [0, 1], [0]])

        struct Example: Collatable {
            var image: Tensor
            var label: Int
            var name: String
            static func collate(_ samples: [Example]) throws -> (images: Tensor, labels: Tensor, names: [String]) {
                (try samples.collate(\.image), try samples.collate(\.label), try samples.collate(\.name))
            }
        }
        struct Examples: Dataset {
            var count: Int { 3 }
            subscript(index: Int) -> Example { get throws { Example(image: try Tensor.zeros([2, 2]), label: index, name: "n\(index)") } }
        }
        let typed: DataLoader<(images: Tensor, labels: Tensor, names: [String])> = try DataLoader(Examples(), batchSize: 3, numWorkers: 1)
        try typed.forEach { batch throws in
            #expect(batch.images.shape == [3, 2, 2])
            #expect(try batch.labels.toArray(of: Int.self) == [0, 1, 2])
            #expect(batch.names == ["n0", "n1", "n2"])
        }

        // A custom closure.
        let summed = try DataLoader(try TensorDataset(Tensor.arange(end: 6)), batchSize: 3, collate: { samples in
            try samples.map { try $0[0].item(Int.self) }.reduce(0, +)
        })
        var sums: [Int] = []
        try summed.forEach { sums.append($0) }
        #expect(sums == [3, 12])
    }

    @Test func pinMemoryIsANoOpWithoutCUDA() throws {
        let data = try TensorDataset(Tensor.arange(end: 8))
        let loader = try DataLoader(data, batchSize: 4, numWorkers: 1, pinMemory: true)
        var values: [[Int]] = []
        try loader.forEach { batch in
            values.append(try batch[0].toArray(of: Int.self))
            if !CUDA.isAvailable { #expect(!batch[0].isPinned) } else { #expect(batch[0].isPinned) }
        }
        #expect(values == [[0, 1, 2, 3], [4, 5, 6, 7]])
    }

    @Test func invalidOptionsAreRejectedAsPyTorchDoes() throws {
        let data = try TensorDataset(Tensor.arange(end: 4))
        #expect(throws: TorchError("sampler option is mutually exclusive with shuffle")) {
            try DataLoader(data, shuffle: true, sampler: SequentialSampler(count: 4))
        }
        #expect(throws: TorchError("persistent_workers option needs num_workers > 0")) {
            try DataLoader(data, persistentWorkers: true)
        }
        #expect(throws: TorchError.self) { try DataLoader(data, batchSize: 2, batchSampler: BatchSampler(SequentialSampler(count: 4), batchSize: 2, dropLast: false)) }
        #expect(throws: TorchError.self) { try DataLoader(data, prefetchFactor: 2) }
        #expect(throws: TorchError.self) { try DataLoader(data, numWorkers: -1) }
        #expect(throws: TorchError.self) { try TensorDataset(Tensor.zeros([3]), Tensor.zeros([4])) }
    }
}

@Suite("Data: DataLoader errors")
struct DataLoaderErrorTests {
    @Test(arguments: [0, 2])
    func aFailingSampleReachesTheCallerWithItsIndex(numWorkers: Int) throws {
        let data = SlowIndexDataset(count: 30, failAt: 13)
        let loader = try DataLoader(data, batchSize: 4, numWorkers: numWorkers)
        let iterator = try loader.makeIterator()
        var seen = 0
        do {
            while try iterator.next() != nil { seen += 1 }
            Issue.record("no error")
        } catch let error as DataLoaderError {
            #expect(error.stage == .sample)
            #expect(error.sampleIndex == 13)
            #expect(error.batchIndex == 3)
            #expect(error.indices == [12, 13, 14, 15])
            #expect(error.underlying as? TestFailure == TestFailure(index: 13))
            #expect(numWorkers == 0 ? error.worker == nil : error.worker != nil)
            #expect(error.description.contains("reading dataset[13] for batch 3 failed"))
        }
        #expect(seen == 3)  // the batches before the failing one arrived in order
        #expect(iterator.runningWorkers == 0)
        #expect(try iterator.next() == nil)
    }

    @Test(arguments: [0, 2])
    func anIndexOutOfRangeReachesTheCaller(numWorkers: Int) throws {
        final class Overreaching: Sampler {
            var count: Int { 6 }
            func epochIndices() -> [Int] { [0, 1, 2, 3, 4, 10] }
        }
        let data = try TensorDataset(Tensor.arange(end: 5))
        let loader = try DataLoader(data, batchSize: 2, sampler: Overreaching(), numWorkers: numWorkers)
        do {
            try loader.forEach { _ in }
            Issue.record("no error")
        } catch let error as DataLoaderError {
            #expect(error.sampleIndex == 10)
            #expect(error.batchIndex == 2)
            #expect("\(error.underlying)".contains("index 10 out of range"))
        }
    }

    @Test(arguments: [0, 2])
    func aCollateOfMismatchedShapesReachesTheCaller(numWorkers: Int) throws {
        struct Ragged: Dataset {
            var count: Int { 6 }
            subscript(index: Int) -> Tensor { get throws { try Tensor.zeros([index < 3 ? 2 : 3]) } }
        }
        let loader = try DataLoader(Ragged(), batchSize: 2, numWorkers: numWorkers)
        do {
            try loader.forEach { _ in }
            Issue.record("no error")
        } catch let error as DataLoaderError {
            #expect(error.stage == .collate)
            #expect(error.batchIndex == 1)
            #expect(error.indices == [2, 3])
            #expect("\(error.underlying)".contains("stack expects each tensor to be equal size"))
        }
    }

    @Test func aTimeoutEndsTheWait() throws {
        let data = SlowIndexDataset(count: 4, pauseMicroseconds: { $0 == 0 ? 300_000 : 0 })
        let loader = try DataLoader(data, batchSize: 2, numWorkers: 1, timeout: 0.02)
        do {
            try loader.forEach { _ in }
            Issue.record("no error")
        } catch let error as DataLoaderError {
            #expect(error.stage == .timeout)
        }
    }

    @Test func aThrowingIterableDatasetReachesTheCaller() throws {
        struct Failing: IterableDataset {
            func makeIterator(worker: WorkerInfo?) -> DatasetIterator<Int> {
                var next = 0
                return DatasetIterator {
                    defer { next += 1 }
                    if next == 5 { throw TestFailure(index: next) }
                    return next
                }
            }
        }
        for workers in [0, 2] {
            let loader = try DataLoader(Failing(), batchSize: 2, numWorkers: workers)
            var batches = 0
            do {
                try loader.forEach { _ in batches += 1 }
                Issue.record("no error")
            } catch let error as DataLoaderError {
                #expect(error.stage == .sample)
                #expect(error.underlying as? TestFailure == TestFailure(index: 5))
            }
            #expect(batches <= 2 * max(workers, 1))
        }
    }
}

@Suite("Data: iterable datasets")
struct IterableDatasetTests {
    /// The numbers 0..<n, split between workers by stride as PyTorch's documentation suggests.
    struct Numbers: IterableDataset {
        var n: Int
        func makeIterator(worker: WorkerInfo?) -> DatasetIterator<Int> {
            let (id, step) = (worker?.id ?? 0, max(worker?.numWorkers ?? 1, 1))
            return DatasetIterator(stride(from: id, to: n, by: step))
        }
    }

    @Test func batchesOnTheCallingThread() throws {
        let loader = try DataLoader(Numbers(n: 7), batchSize: 3)
        #expect(try batchesAsInts(loader) == [[0, 1, 2], [3, 4, 5], [6]])
        #expect(loader.count == nil)
        let drop = try DataLoader(Numbers(n: 7), batchSize: 3, dropLast: true)
        #expect(try batchesAsInts(drop) == [[0, 1, 2], [3, 4, 5]])
    }

    @Test func workersAlternateAsInPyTorch() throws {
        // PyTorch: list(DataLoader(Numbers(10), batch_size=2, num_workers=2)) with stride sharding
        // gives [0, 2], [1, 3], [4, 6], [5, 7], [8], [9].
        let loader = try DataLoader(Numbers(n: 10), batchSize: 2, numWorkers: 2)
        #expect(try batchesAsInts(loader) == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]])
        // Uneven shards: the worker that runs out is skipped.
        let uneven = try DataLoader(Numbers(n: 7), batchSize: 1, numWorkers: 3)
        #expect(try batchesAsInts(uneven) == [[0], [1], [2], [3], [4], [5], [6]])
    }

    @Test func resumeSkipsTheBatchesAlreadyHandedOut() throws {
        let loader = try DataLoader(Numbers(n: 10), batchSize: 2, numWorkers: 2)
        let iterator = try loader.makeIterator()
        _ = try iterator.next()
        _ = try iterator.next()
        let state = try loader.stateDict()
        iterator.close()
        #expect(state.batchesYielded == 2)
        let resumed = try DataLoader(Numbers(n: 10), batchSize: 2, numWorkers: 2)
        try resumed.loadStateDict(state)
        #expect(try batchesAsInts(resumed) == [[4, 6], [5, 7], [8], [9]])
    }
}
