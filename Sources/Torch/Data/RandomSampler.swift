/// The indices in a random order each epoch, as PyTorch's `RandomSampler` (what `shuffle: true`
/// gives): the same generator seed gives the same order as in Python.
///
/// Without replacement an epoch is `randperm(n, generator)` (repeated and cut to `numSamples`);
/// with replacement, `randint(high: n)` in chunks of 32, as PyTorch draws them. Without a generator
/// each epoch draws a seed from the global generator, as PyTorch does.
///
/// ```swift
/// let sampler = try RandomSampler(count: 10, generator: Generator(seed: 0))
/// try sampler.epochIndices()   // [4, 1, 7, 5, 3, 9, 0, 8, 6, 2], as torch.randperm(10) after manual_seed(0)
/// ```
public final class RandomSampler: Sampler {
    /// The size of the dataset the indices are drawn from.
    public let datasetCount: Int
    /// Whether an index may come more than once per epoch.
    public let replacement: Bool
    /// The number of indices per epoch (`numSamples`, default the dataset size).
    public let count: Int
    private let source: RandomSource

    /// The generator the order is drawn from; nil uses the global generator.
    public var generator: Generator? { source.generator }

    public init(count datasetCount: Int, replacement: Bool = false, numSamples: Int? = nil, generator: Generator? = nil) throws(TorchError) {
        let numSamples = numSamples ?? datasetCount
        guard numSamples > 0 else {
            throw TorchError("num_samples should be a positive integer value, but got num_samples=\(numSamples)")
        }
        self.datasetCount = datasetCount
        self.replacement = replacement
        self.count = numSamples
        self.source = RandomSource(generator)
    }

    public convenience init<D: Dataset>(_ dataset: D, replacement: Bool = false, numSamples: Int? = nil, generator: Generator? = nil) throws(TorchError) {
        try self.init(count: dataset.count, replacement: replacement, numSamples: numSamples, generator: generator)
    }

    public func epochIndices() throws(TorchError) -> [Int] {
        let n = datasetCount
        return try source.draw { (drawn) throws(TorchError) -> [Int] in
            let generator: Generator
            if self.source.generator != nil {
                generator = drawn
            } else {
                let seed = try Tensor.empty([], dtype: .int64).random_(generator: drawn).item(Int64.self)
                generator = try Generator(seed: UInt64(bitPattern: seed))
            }
            var result: [Int] = []
            result.reserveCapacity(count)
            if replacement {
                for _ in 0..<(count / 32) {
                    result += try indexArray(Tensor.randint(high: n, size: [32], generator: generator, dtype: .int64))
                }
                result += try indexArray(Tensor.randint(high: n, size: [count % 32], generator: generator, dtype: .int64))
            } else {
                for _ in 0..<(count / n) {
                    result += try indexArray(Tensor.randperm(n: n, generator: generator))
                }
                result += try indexArray(Tensor.randperm(n: n, generator: generator)).prefix(count % n)
            }
            return result
        }
    }

    public func stateDict() throws(TorchError) -> SamplerState {
        SamplerState(generatorState: try source.state())
    }

    public func loadStateDict(_ state: SamplerState) throws(TorchError) {
        try source.load(state.generatorState)
    }
}
