import Foundation
import Synchronization
import Testing
@testable import Torch

// A run stopped after k batches and resumed from the saved DataLoaderState yields exactly the
// batches an uninterrupted run would have, with shuffling and random per-sample transforms.

@Suite("Data: resume mid-epoch")
struct DataResumeTests {
    /// Rows 0..<50 with per-sample noise drawn from the sample's seed: a batch's contents reveal
    /// both the order and the random state it was made with.
    static func noisyRows() throws -> MapDataset<TensorDataset, Tensor> {
        try TensorDataset(Tensor.arange(end: 50, dtype: .float32)).map { sample in
            let generator = try Generator(seed: WorkerInfo.current?.sampleSeed ?? 0)
            return try sample[0] + Tensor.rand([], generator: generator)
        }
    }

    static func makeLoader(numWorkers: Int, persistent: Bool = false) throws -> DataLoader<Tensor> {
        try DataLoader(noisyRows(), batchSize: 4, shuffle: true, numWorkers: numWorkers, persistentWorkers: persistent, generator: Generator(seed: 123))
    }

    static func roundTrip(_ state: DataLoaderState) throws -> DataLoaderState {
        try JSONDecoder().decode(DataLoaderState.self, from: JSONEncoder().encode(state))
    }

    @Test(arguments: [(0, false), (2, false), (2, true)])
    func resumedMidEpochYieldsTheSameBatches(numWorkers: Int, persistent: Bool) throws {
        // Uninterrupted: three epochs.
        let reference = try Self.makeLoader(numWorkers: numWorkers, persistent: persistent)
        let full = try (0..<3).map { _ in try floats(reference) }
        #expect(full[0] != full[1])

        // Interrupted: epoch 0 whole, then 5 batches of epoch 1, then the process "stops".
        let interrupted = try Self.makeLoader(numWorkers: numWorkers, persistent: persistent)
        #expect(try floats(interrupted) == full[0])
        let iterator = try interrupted.makeIterator()
        var head: [[Float]] = []
        for _ in 0..<5 { head.append(try #require(try iterator.next()).toArray(of: Float.self)) }
        let saved = try Self.roundTrip(try interrupted.stateDict())
        iterator.close()
        #expect(head == Array(full[1].prefix(5)))
        #expect(saved.epoch == 1)
        #expect(saved.batchesYielded == 5)

        // Resumed in a fresh loader (a new process would build it the same way).
        let resumed = try Self.makeLoader(numWorkers: numWorkers, persistent: persistent)
        try resumed.loadStateDict(saved)
        #expect(resumed.epoch == 1)
        #expect(try floats(resumed) == Array(full[1].dropFirst(5)))
        #expect(try floats(resumed) == full[2])
    }

    /// A position saved after an epoch's last batch but before its iterator reported the end (a
    /// trainer that knows the batch count never asks for more), restored, then moved on to the next
    /// epoch by setting `epoch`: the next epochs shuffle as in the unbroken run.
    @Test func resumedAtACompleteEpochThenSetToTheNextEpoch() throws {
        let reference = try Self.makeLoader(numWorkers: 0)
        let full = try (0..<3).map { _ in try floats(reference) }

        let first = try Self.makeLoader(numWorkers: 0)
        let iterator = try first.makeIterator()
        for _ in 0..<13 { _ = try #require(try iterator.next()) }   // all 13 batches, no end seen
        let saved = try Self.roundTrip(try first.stateDict())
        #expect(saved.epoch == 0)
        #expect(saved.batchesYielded == 13)

        let resumed = try Self.makeLoader(numWorkers: 0)
        try resumed.loadStateDict(saved)
        resumed.epoch = 1
        #expect(try floats(resumed) == full[1])
        #expect(try floats(resumed) == full[2])
    }

    @Test func resumedBetweenEpochsContinuesWithTheNextEpoch() throws {
        let reference = try Self.makeLoader(numWorkers: 0)
        let full = try (0..<3).map { _ in try floats(reference) }

        let first = try Self.makeLoader(numWorkers: 0)
        _ = try floats(first)
        let saved = try Self.roundTrip(try first.stateDict())
        #expect(saved.epoch == 1 && saved.batchesYielded == 0)
        // Taking the state does not change what the first loader yields next.
        #expect(try floats(first) == full[1])

        let resumed = try Self.makeLoader(numWorkers: 1)
        try resumed.loadStateDict(saved)
        #expect(try floats(resumed) == full[1])
        #expect(try floats(resumed) == full[2])
    }

    @Test func resumeWithoutAGeneratorReplaysTheEpoch() throws {
        // No generator: the order comes from the global generator, which other tests share. The
        // saved state holds the draws, so the resumed epoch does not depend on the global state.
        let data = try TensorDataset(Tensor.arange(end: 30))
        let loader = try DataLoader(data, batchSize: 4, shuffle: true)
        let iterator = try loader.makeIterator()
        _ = try iterator.next()
        _ = try iterator.next()
        let saved = try Self.roundTrip(try loader.stateDict())
        var rest: [[Int]] = []
        while let batch = try iterator.next() { rest.append(try batch[0].toArray(of: Int.self)) }

        _ = try Tensor.rand([100])  // disturb the global generator
        let resumed = try DataLoader(data, batchSize: 4, shuffle: true)
        try resumed.loadStateDict(saved)
        var replayed: [[Int]] = []
        try resumed.forEach { replayed.append(try $0[0].toArray(of: Int.self)) }
        #expect(replayed == rest)
    }

    /// The saved state and the epoch's draw used to be two reads of the global generator: a thread
    /// drawing from it in between (a worker's random transform, another test) made the resumed epoch
    /// replay another order. Without the snapshot, most of these rounds replayed a different order.
    @Test func resumeWithoutAGeneratorWhileAnotherThreadDraws() throws {
        let data = try TensorDataset(Tensor.arange(end: 30))
        let stop = Atomic<Bool>(false)
        let drawer = Thread {
            while !stop.load(ordering: .relaxed) { _ = try? Tensor.rand([64]) }
        }
        drawer.start()
        defer { stop.store(true, ordering: .relaxed) }
        for _ in 0..<30 {
            let loader = try DataLoader(data, batchSize: 4, shuffle: true)
            let iterator = try loader.makeIterator()
            _ = try iterator.next()
            let saved = try loader.stateDict()
            var rest: [[Int]] = []
            while let batch = try iterator.next() { rest.append(try batch[0].toArray(of: Int.self)) }
            let resumed = try DataLoader(data, batchSize: 4, shuffle: true)
            try resumed.loadStateDict(saved)
            var replayed: [[Int]] = []
            try resumed.forEach { replayed.append(try $0[0].toArray(of: Int.self)) }
            #expect(replayed == rest)
        }
    }

    /// The state as `.pt` values (how a Lightning checkpoint stores it): through a file and back
    /// unchanged, a base seed with its top bit set included; a malformed one names what is wrong.
    @Test func stateThroughAPtFile() throws {
        let loader = try Self.makeLoader(numWorkers: 0)
        let iterator = try loader.makeIterator()
        _ = try iterator.next()
        var state = try loader.stateDict()
        iterator.close()
        state.baseSeed = UInt64.max - 6
        state.samplerState?.epoch = 3
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loader-state-\(UUID().uuidString).pt")
        defer { try? FileManager.default.removeItem(at: url) }
        try TorchSerialization.save(["loader": state.pickleValue], to: url)
        let loaded = try #require(try TorchSerialization.load(contentsOf: url)["loader"])
        #expect(loaded["generator_state"]?.bytesValue?.count == 5056)
        #expect(try DataLoaderState(loaded) == state)

        let noGenerator = DataLoaderState(epoch: 2, batchesYielded: 0, baseSeed: 7)
        #expect(try DataLoaderState(noGenerator.pickleValue) == noGenerator)
        #expect(throws: TorchError.self) { try DataLoaderState(["epoch": "one", "batches_yielded": 0, "base_seed": 1]) }
        do {
            _ = try DataLoaderState(["epoch": 1, "batches_yielded": 0, "base_seed": 1, "generator_state": [1, 2]])
            Issue.record("a list where bytes belong should not load")
        } catch {
            #expect("\(error)".contains("generator_state must be bytes"))
        }
    }

    @Test func resumeWithADistributedSampler() throws {
        func make() throws -> DataLoader<[Tensor]> {
            let data = try TensorDataset(Tensor.arange(end: 23))
            return try DataLoader(data, batchSize: 3, sampler: DistributedSampler(count: 23, numReplicas: 2, rank: 1, seed: 4), numWorkers: 2)
        }
        func ints(_ loader: DataLoader<[Tensor]>) throws -> [[Int]] {
            var result: [[Int]] = []
            try loader.forEach { result.append(try $0[0].toArray(of: Int.self)) }
            return result
        }
        let reference = try make()
        let full = try (0..<2).map { _ in try ints(reference) }
        #expect(full[0] != full[1])  // the loader sets the sampler's epoch

        let interrupted = try make()
        _ = try ints(interrupted)
        let iterator = try interrupted.makeIterator()
        _ = try iterator.next()
        let saved = try interrupted.stateDict()
        iterator.close()
        #expect(saved.samplerState?.epoch == 1)

        let resumed = try make()
        try resumed.loadStateDict(saved)
        #expect(try ints(resumed) == Array(full[1].dropFirst()))
    }
}
