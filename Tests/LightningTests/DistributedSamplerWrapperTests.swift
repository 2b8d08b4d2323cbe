import Testing
import Torch
@testable import Lightning

// Splitting custom samplers across ranks, checked against Lightning 2.6.6's
// DistributedSamplerWrapper and UnrepeatedDistributedSamplerWrapper on the same sampler (the
// expected lists were printed by those classes over a sampler yielding 9, 8, …, 0).

/// Yields the dataset's indices backwards.
private final class Reversed: Sampler {
    let count: Int
    init(count: Int) { self.count = count }
    func epochIndices() -> [Int] { Array((0..<count).reversed()) }
}

@Suite("Distributed sampler wrappers")
struct DistributedSamplerWrapperTests {
    @Test func wrapperSplitsTheSamplersOrderPaddedAsLightning() throws {
        let expected = [[9, 6, 3, 0], [8, 5, 2, 9], [7, 4, 1, 8]]
        for rank in 0..<3 {
            let wrapper = try DistributedSamplerWrapper(Reversed(count: 10), numReplicas: 3, rank: rank, shuffle: false)
            #expect(wrapper.count == 4)
            #expect(try wrapper.epochIndices() == expected[rank])
        }
    }

    @Test func shuffledWrapperMatchesLightningForTheSameSeedAndEpoch() throws {
        let expected = [[4, 5, 0, 7], [9, 8, 3, 4], [6, 2, 1, 9]]
        for rank in 0..<3 {
            let wrapper = try DistributedSamplerWrapper(Reversed(count: 10), numReplicas: 3, rank: rank, shuffle: true, seed: 5)
            wrapper.setEpoch(2)
            #expect(try wrapper.epochIndices() == expected[rank])
            #expect(try wrapper.stateDict().epoch == 2)
        }
    }

    @Test func unrepeatedWrapperPredictsEverySampleOnce() throws {
        let expected = [[9, 6, 3, 0], [8, 5, 2], [7, 4, 1]]
        for rank in 0..<3 {
            let wrapper = try DistributedSamplerWrapper.unrepeated(Reversed(count: 10), numReplicas: 3, rank: rank)
            #expect(wrapper.count == expected[rank].count)
            #expect(try wrapper.epochIndices() == expected[rank])
        }
        #expect(throws: LightningError.self) { try UnrepeatedDistributedSampler(count: 2, numReplicas: 3, rank: 2) }
    }

    @Test func dataLoadersAreSplitByWhatTheyFeed() throws {
        let data = try TensorDataset(Tensor.arange(end: 7, dtype: .float32))
        func indices(_ loader: (any BatchLoader<[Tensor]>)?) throws -> [Int] {
            var iterator = try #require(loader).makeBatchIterator(epoch: 0, skipping: 0)
            var seen: [Int] = []
            while let batch = try iterator.next() { seen += try batch[0].toArray(of: Float.self).map { Int($0) } }
            return seen
        }
        let sequential = try DataLoader(data, batchSize: 2)
        // Prediction: no repeats; evaluation: padded to equal counts (PyTorch's DistributedSampler).
        #expect(try indices(sequential.distributed(rank: 1, worldSize: 2, shuffle: nil, seed: 0, unrepeated: true)) == [1, 3, 5])
        #expect(try indices(sequential.distributed(rank: 1, worldSize: 2, shuffle: nil, seed: 0, unrepeated: false)) == [1, 3, 5, 0])
        // A custom sampler is wrapped, not left whole on every rank.
        let custom = try DataLoader(data, batchSize: 2, sampler: Reversed(count: 7))
        #expect(try indices(custom.distributed(rank: 0, worldSize: 2, shuffle: nil, seed: 0, unrepeated: false)) == [6, 4, 2, 0])
        // A sampler that is already distributed is kept as it is.
        let presplit = try DataLoader(data, batchSize: 2, sampler: DistributedSampler(count: 7, numReplicas: 2, rank: 0))
        #expect(try presplit.distributed(rank: 0, worldSize: 2, shuffle: nil, seed: 0, unrepeated: false) == nil)
    }
}
