/// The given indices in a random order each epoch, as PyTorch's `SubsetRandomSampler`
/// (`indices[randperm(len(indices), generator)]`).
public final class SubsetRandomSampler: Sampler {
    /// The dataset indices to sample from.
    public let indices: [Int]
    private let source: RandomSource

    public var generator: Generator? { source.generator }

    public init(indices: [Int], generator: Generator? = nil) {
        self.indices = indices
        self.source = RandomSource(generator)
    }

    public var count: Int { indices.count }

    public func epochIndices() throws(TorchError) -> [Int] {
        try source.draw { (generator) throws(TorchError) -> [Int] in
            try indexArray(Tensor.randperm(n: indices.count, generator: generator)).map { indices[$0] }
        }
    }

    public func stateDict() throws(TorchError) -> SamplerState {
        SamplerState(generatorState: try source.state())
    }

    public func loadStateDict(_ state: SamplerState) throws(TorchError) {
        try source.load(state.generatorState)
    }
}
