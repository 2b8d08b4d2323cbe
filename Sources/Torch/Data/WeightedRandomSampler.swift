/// Indices drawn with probabilities proportional to `weights`, as PyTorch's `WeightedRandomSampler`
/// (`multinomial(weights, numSamples, replacement, generator)` in float64).
///
/// ```swift
/// // Oversample a rare class: weight each sample by 1 / (its class frequency).
/// let sampler = try WeightedRandomSampler(weights: weights, numSamples: weights.count, generator: Generator(seed: 1))
/// ```
public final class WeightedRandomSampler: Sampler {
    public let weights: [Double]
    public let count: Int
    public let replacement: Bool
    private let weightTensor: Tensor
    private let source: RandomSource

    public var generator: Generator? { source.generator }

    public init(weights: [Double], numSamples: Int, replacement: Bool = true, generator: Generator? = nil) throws(TorchError) {
        guard numSamples > 0 else {
            throw TorchError("num_samples should be a positive integer value, but got num_samples=\(numSamples)")
        }
        self.weights = weights
        self.count = numSamples
        self.replacement = replacement
        self.weightTensor = try Tensor(weights)
        self.source = RandomSource(generator)
    }

    public func epochIndices() throws(TorchError) -> [Int] {
        try source.draw { (generator) throws(TorchError) -> [Int] in
            try indexArray(weightTensor.multinomial(numSamples: count, replacement: replacement, generator: generator))
        }
    }

    public func stateDict() throws(TorchError) -> SamplerState {
        SamplerState(generatorState: try source.state())
    }

    public func loadStateDict(_ state: SamplerState) throws(TorchError) {
        try source.load(state.generatorState)
    }
}
