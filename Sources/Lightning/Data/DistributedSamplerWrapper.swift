import Torch

// Splitting any index sampler across the ranks of a distributed run (Lightning's
// `DistributedSamplerWrapper` and `UnrepeatedDistributedSamplerWrapper`).

/// A sampler's order split across the ranks of a distributed run, as Lightning's
/// `DistributedSamplerWrapper`: each epoch the wrapped sampler draws its whole order, and this rank
/// reads its share of the positions in it, chosen as `DistributedSampler` chooses dataset indices
/// (the same shuffle on every rank with `seed + epoch`, padded so every rank gets the same count).
///
/// The Trainer and Fabric wrap a loader's custom sampler this way when they inject distributed
/// sampling; for prediction they use ``unrepeated(_:numReplicas:rank:shuffle:seed:)``.
///
/// ```swift
/// let weighted = try WeightedRandomSampler(weights: classWeights, numSamples: 1000)
/// let share = try DistributedSamplerWrapper(weighted, numReplicas: 2, rank: 1, shuffle: false)
/// let loader = try DataLoader(data, batchSize: 32, sampler: share)
/// ```
public final class DistributedSamplerWrapper: Sampler {
    /// The sampler whose order is split.
    public let sampler: any Sampler<Int>
    /// Positions in the wrapped sampler's order, for this rank.
    private let positions: any Sampler<Int>

    /// - Parameters: as `DistributedSampler`'s; `sampler.count` plays the dataset's length.
    public init(_ sampler: any Sampler<Int>, numReplicas: Int, rank: Int, shuffle: Bool = true, seed: Int = 0,
                dropLast: Bool = false) throws {
        self.sampler = sampler
        self.positions = try DistributedSampler(count: sampler.count, numReplicas: numReplicas, rank: rank,
                                                shuffle: shuffle, seed: seed, dropLast: dropLast)
    }

    private init(_ sampler: any Sampler<Int>, positions: any Sampler<Int>) {
        self.sampler = sampler
        self.positions = positions
    }

    /// Splits `sampler`'s order without padding (Lightning's `UnrepeatedDistributedSamplerWrapper`,
    /// which the Trainer uses for prediction): rank `r` reads positions `r, r + numReplicas, …`, so
    /// no sample is predicted twice and the ranks' counts differ by at most one.
    public static func unrepeated(_ sampler: any Sampler<Int>, numReplicas: Int, rank: Int, shuffle: Bool = false,
                                  seed: Int = 0) throws -> DistributedSamplerWrapper {
        DistributedSamplerWrapper(sampler, positions: try UnrepeatedDistributedSampler(
            count: sampler.count, numReplicas: numReplicas, rank: rank, shuffle: shuffle, seed: seed))
    }

    public var count: Int { positions.count }

    public func epochIndices() throws -> [Int] {
        let order = try sampler.epochIndices()
        guard order.count == sampler.count else {
            throw LightningError.configuration("the sampler \(type(of: sampler)) drew \(order.count) indices but its count is \(sampler.count); a sampler split across ranks must draw `count` indices each epoch")
        }
        return try positions.epochIndices().map { order[$0] }
    }

    public func setEpoch(_ epoch: Int) {
        sampler.setEpoch(epoch)
        positions.setEpoch(epoch)
    }

    /// The wrapped sampler's state with the epoch of the split.
    public func stateDict() throws -> SamplerState {
        var state = try sampler.stateDict()
        state.epoch = try positions.stateDict().epoch
        return state
    }

    public func loadStateDict(_ state: SamplerState) throws {
        try sampler.loadStateDict(state)
        try positions.loadStateDict(SamplerState(epoch: state.epoch))
    }
}

/// The indices `0..<count` split across ranks without padding (Lightning's
/// `UnrepeatedDistributedSampler`): rank `r` reads `r, r + numReplicas, …` of the (optionally
/// shuffled, with `seed + epoch`) order; every rank must get at least one index.
public final class UnrepeatedDistributedSampler: Sampler {
    public let datasetCount: Int
    public let numReplicas: Int
    public let rank: Int
    public let shuffle: Bool
    public let seed: Int
    public private(set) var epoch = 0
    /// This rank's number of indices: `len(range(rank, datasetCount, numReplicas))`.
    public let count: Int

    public init(count datasetCount: Int, numReplicas: Int, rank: Int, shuffle: Bool = false, seed: Int = 0) throws {
        guard numReplicas > 0, (0..<numReplicas).contains(rank) else {
            throw LightningError.configuration("Invalid rank \(rank) for \(numReplicas) replicas; rank should be in the interval [0, \(numReplicas - 1)]")
        }
        self.datasetCount = datasetCount
        self.numReplicas = numReplicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        count = datasetCount > rank ? (datasetCount - rank + numReplicas - 1) / numReplicas : 0
        // As Lightning's assertion: a rank with no batch would leave the others waiting.
        guard count >= 1 || datasetCount == 0 else {
            throw LightningError.configuration("\(datasetCount) samples cannot be split across \(numReplicas) processes without leaving rank \(rank) empty; give every process at least one sample")
        }
    }

    public func epochIndices() throws -> [Int] {
        let order = try DistributedSampler.epochOrder(count: datasetCount, shuffle: shuffle, seed: seed, epoch: epoch)
        return Array(stride(from: rank, to: datasetCount, by: numReplicas).map { order[$0] })
    }

    public func setEpoch(_ epoch: Int) {
        self.epoch = epoch
    }

    public func stateDict() -> SamplerState {
        SamplerState(epoch: epoch)
    }

    public func loadStateDict(_ state: SamplerState) {
        if let epoch = state.epoch { self.epoch = epoch }
    }
}
