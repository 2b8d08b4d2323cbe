import Testing
@testable import Torch

@Suite("Data: datasets")
struct DatasetTests {
    @Test func tensorDatasetRows() throws {
        let x = try Tensor.arange(end: 12).reshape([6, 2])
        let y = try Tensor.arange(end: 6)
        let data = try TensorDataset(x, y)
        #expect(data.count == 6)
        let sample = try data[4]
        #expect(try sample[0].toArray(of: Int.self) == [8, 9])
        #expect(try sample[1].item(Int.self) == 4)
        #expect(try data[-1][1].item(Int.self) == 5)
        #expect(throws: TorchError.self) { try data[6] }
        #expect(throws: TorchError.self) { try TensorDataset(x, Tensor.arange(end: 5)) }
    }

    @Test func subsetConcatAndMap() throws {
        let a = try TensorDataset(Tensor.arange(end: 3))
        let b = try TensorDataset(Tensor.arange(start: 10, end: 14))
        let both = ConcatDataset([a, b])
        #expect(both.count == 7)
        #expect(both.cumulativeSizes == [3, 7])
        #expect(try (0..<7).map { try both[$0][0].item(Int.self) } == [0, 1, 2, 10, 11, 12, 13])
        #expect(try both[-1][0].item(Int.self) == 13)
        #expect(throws: TorchError.self) { try both[7] }
        #expect(throws: TorchError.self) { try both[-8] }

        let subset = Subset(both, indices: [6, 0, 3])
        #expect(try (0..<3).map { try subset[$0][0].item(Int.self) } == [13, 0, 10])
        #expect(throws: TorchError.self) { try subset[3] }

        let doubled = subset.map { try $0[0] * 2 }
        #expect(try doubled[0].item(Int.self) == 26)
        #expect(doubled.count == 3)
    }

    @Test func randomSplitValidation() throws {
        let data = try TensorDataset(Tensor.arange(end: 10))
        #expect(throws: TorchError.self) { try randomSplit(data, lengths: [3, 6]) }
        #expect(throws: TorchError.self) { try randomSplit(data, fractions: [0.5, 0.6]) }
        #expect(try splitLengths(count: 10, fractions: [0.3, 0.3, 0.4]) == [3, 3, 4])
        #expect(try splitLengths(count: 11, fractions: [0.25, 0.25, 0.5]) == [3, 3, 5])
        let parts = try randomSplit(data, lengths: [4, 6], generator: Generator(seed: 0))
        #expect(Set(parts[0].indices + parts[1].indices) == Set(0..<10))
    }

    @Test func samplerValidation() throws {
        #expect(throws: TorchError("num_samples should be a positive integer value, but got num_samples=0")) {
            try RandomSampler(count: 0)
        }
        #expect(throws: TorchError("Invalid rank 3, rank should be in the interval [0, 2]")) {
            try DistributedSampler(count: 10, numReplicas: 3, rank: 3)
        }
        #expect(throws: TorchError.self) { try BatchSampler(SequentialSampler(count: 3), batchSize: 0, dropLast: false) }
    }

    @Test func samplerStateReplaysAnEpoch() throws {
        let sampler = try RandomSampler(count: 20, generator: Generator(seed: 3))
        let state = try sampler.stateDict()
        let first = try sampler.epochIndices()
        let second = try sampler.epochIndices()
        try sampler.loadStateDict(state)
        #expect(try sampler.epochIndices() == first)
        #expect(try sampler.epochIndices() == second)

        // Without a generator the state is the global generator's; loading it replays once on a
        // private generator.
        let global = try RandomSampler(count: 20)
        let saved = try global.stateDict()
        let drawn = try global.epochIndices()
        _ = try Tensor.rand([10])
        try global.loadStateDict(saved)
        #expect(try global.epochIndices() == drawn)
    }

    @Test func collationRules() throws {
        #expect(try Int.collate([1, 2, 3]).dtype == .int64)
        #expect(try Double.collate([1, 2]).dtype == .float64)
        #expect(try Float.collate([1, 2]).dtype == .float32)
        #expect(try Bool.collate([true, false]).dtype == .bool)
        let nested = try [Int].collate([[1, 2], [3, 4], [5, 6]])
        #expect(try nested.map { try $0.toArray(of: Int.self) } == [[1, 3, 5], [2, 4, 6]])
        #expect(throws: TorchError.self) { try [Int].collate([[1, 2], [3]]) }
        #expect(throws: TorchError.self) { try [String: Int].collate([["a": 1], ["b": 2]]) }
        let (xs, ys) = try defaultCollate([(1.5, "a"), (2.5, "b")])
        #expect(try xs.toArray(of: Double.self) == [1.5, 2.5])
        #expect(ys == ["a", "b"])
    }
}
