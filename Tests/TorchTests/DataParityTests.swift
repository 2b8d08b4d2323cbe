import Foundation
import Testing
@testable import Torch

// Sampler orders, random_split and DataLoader batches against PyTorch, from the fixture written by
// Tools/parity/make_data_fixtures.py (Tests/TorchTests/Fixtures/data/samplers.json).

struct DataFixtureCase: Decodable, Sendable {
    var kind: String
    var n: Int?
    var seed: UInt64?
    var seededGlobal: Bool?
    var numSamples: Int?
    var replacement: Bool?
    var batchSize: Int?
    var dropLast: Bool?
    var numReplicas: Int?
    var rank: Int?
    var shuffle: Bool?
    var indices: [Int]?
    var weights: [Double]?
    var lengths: [Int]?
    var fractions: [Double]?
    var numWorkers: Int?
    var persistentWorkers: Bool?
    var epochs: [[Int]]?
    var batches: [[[Int]]]?
    var baseSeeds: [UInt64]?
    var splits: [[Int]]?
    var splitLengths: [Int]?

    /// The generator the Python case used (nil for the seeded global generator).
    func generator() throws -> Generator? {
        seededGlobal == true ? nil : try Generator(seed: seed ?? 0)
    }
}

enum DataFixtures {
    struct File: Decodable { var format: Int; var torch: String; var cases: [String: DataFixtureCase] }

    static let cases: [String: DataFixtureCase] = {
        let url = Fixtures.directory.appendingPathComponent("data/samplers.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [:] }
        return file.cases
    }()

    static func names(kind: String...) -> [String] {
        cases.filter { kind.contains($0.value.kind) }.map(\.key).sorted()
    }
}

/// Serialises the cases that seed the global generator, so they do not disturb each other.

@Suite("Data: PyTorch parity")
struct DataParityTests {
    @Test func fixtureIsPresent() {
        #expect(DataFixtures.cases.count >= 80, "run Tools/parity/make_data_fixtures.py")
    }

    @Test(arguments: DataFixtures.names(kind: "random", "sequential", "subsetRandom", "weighted", "distributed"))
    func samplerOrder(name: String) throws {
        let c = try #require(DataFixtures.cases[name])
        let sampler: any Sampler<Int>
        switch c.kind {
        case "random":
            sampler = try RandomSampler(count: c.n!, replacement: c.replacement ?? false, numSamples: c.numSamples, generator: c.generator())
        case "sequential":
            sampler = SequentialSampler(count: c.n!)
        case "subsetRandom":
            sampler = SubsetRandomSampler(indices: c.indices!, generator: try c.generator())
        case "weighted":
            sampler = try WeightedRandomSampler(weights: c.weights!, numSamples: c.numSamples!, replacement: c.replacement!, generator: c.generator())
        case "distributed":
            sampler = try DistributedSampler(count: c.n!, numReplicas: c.numReplicas!, rank: c.rank!, shuffle: c.shuffle!, seed: Int(c.seed!), dropLast: c.dropLast!)
        default:
            Issue.record("unknown kind \(c.kind)")
            return
        }
        let expected = try #require(c.epochs)
        #expect(sampler.count == expected[0].count)
        var epochs: [[Int]] = []
        if c.seededGlobal == true {
            // Shared global generator: the suites' common lock, and retries (see loaderBatches).
            for _ in 0..<5 {
                epochs = try GlobalGeneratorLock.withLock {
                    manualSeed(c.seed!)
                    return try expected.map { _ in try sampler.epochIndices() }
                }
                if epochs == expected { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
        } else {
            for (epoch, _) in expected.enumerated() {
                sampler.setEpoch(epoch)
                epochs.append(try sampler.epochIndices())
            }
        }
        #expect(epochs == expected)
    }

    @Test(arguments: DataFixtures.names(kind: "batch", "batchRandom"))
    func batchSamplerOrder(name: String) throws {
        let c = try #require(DataFixtures.cases[name])
        let inner: any Sampler<Int> = c.kind == "batch" ? SequentialSampler(count: c.n!) : try RandomSampler(count: c.n!, generator: c.generator())
        let sampler = try BatchSampler(inner, batchSize: c.batchSize!, dropLast: c.dropLast!)
        let expected = try #require(c.batches)
        #expect(sampler.count == expected[0].count)
        #expect(try expected.map { _ in try sampler.epochIndices() } == expected)
    }

    @Test(arguments: DataFixtures.names(kind: "split"))
    func randomSplitMatches(name: String) throws {
        let c = try #require(DataFixtures.cases[name])
        let data = try TensorDataset(Tensor.arange(end: c.n!))
        let generator = try Generator(seed: c.seed!)
        let subsets = try c.fractions.map { try randomSplit(data, fractions: $0, generator: generator) }
            ?? randomSplit(data, lengths: c.lengths!, generator: generator)
        #expect(subsets.map(\.count) == c.splitLengths)
        #expect(subsets.map(\.indices) == c.splits)
        // The subsets read the right rows.
        let first = try #require(subsets.first)
        if first.count > 0 { #expect(try first[0][0].item(Int.self) == c.splits![0][0]) }
    }

    @Test(arguments: DataFixtures.names(kind: "loader"))
    func loaderBatches(name: String) throws {
        let c = try #require(DataFixtures.cases[name])
        let expected = try #require(c.batches)
        var loader: DataLoader<[Tensor]>!
        var epochs: [[[Int]]] = []
        var seeds: [UInt64] = []
        func run() throws {
            let data = try TensorDataset(Tensor.arange(end: c.n!))
            loader = try DataLoader(
                data, batchSize: c.batchSize!, shuffle: c.shuffle!, numWorkers: c.numWorkers ?? 0, dropLast: c.dropLast ?? false,
                persistentWorkers: c.persistentWorkers ?? false, generator: c.generator())
            epochs = []
            seeds = []
            for _ in expected {
                let iterator = try loader.makeIterator()
                seeds.append(try loader.stateDict().baseSeed)
                var batches: [[Int]] = []
                while let batch = try iterator.next() { batches.append(try batch[0].toArray(of: Int.self)) }
                epochs.append(batches)
            }
        }
        if c.seededGlobal == true {
            // The global generator is shared with tests running in parallel: take the suites' common
            // lock, and retry when a test that does not take it drew in between (as the other RNG
            // suites do); a real difference fails every try.
            for _ in 0..<5 {
                try GlobalGeneratorLock.withLock {
                    manualSeed(c.seed!)
                    try run()
                }
                if epochs == expected && seeds == c.baseSeeds { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
        } else {
            try run()
        }
        #expect(epochs == expected)
        #expect(seeds == c.baseSeeds)
        #expect(loader.count == expected[0].count)
    }
}
