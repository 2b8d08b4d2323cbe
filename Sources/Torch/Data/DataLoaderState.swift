/// A DataLoader's position, saveable in a checkpoint: which epoch, how many of its batches were
/// handed out, and the random state the epoch's order was drawn from. Loading it into a loader
/// built the same way makes the next iteration yield exactly the batches the interrupted one had
/// not yet yielded, shuffled or not (see ``DataLoader/stateDict()``).
///
/// It is `Codable`: a trainer stores it in a checkpoint as JSON or as nested values.
public struct DataLoaderState: Codable, Equatable, Sendable {
    /// The epoch (0-based).
    public var epoch: Int
    /// Batches of this epoch already handed out; a resumed iteration starts after them.
    public var batchesYielded: Int
    /// The epoch's base seed (PyTorch's `_base_seed`, drawn from the loader's generator when an
    /// epoch starts; the per-sample seeds of ``WorkerInfo`` derive from it).
    public var baseSeed: UInt64
    /// The loader generator's state after the epoch's base seed was drawn, before the sampler drew
    /// the order; nil without a generator.
    public var generatorState: [UInt8]?
    /// The sampler's state right before it drew the epoch's order; nil for iterable datasets.
    public var samplerState: SamplerState?

    public init(epoch: Int, batchesYielded: Int, baseSeed: UInt64, generatorState: [UInt8]? = nil, samplerState: SamplerState? = nil) {
        self.epoch = epoch
        self.batchesYielded = batchesYielded
        self.baseSeed = baseSeed
        self.generatorState = generatorState
        self.samplerState = samplerState
    }
}
