/// The indices `0..<count` in order, as PyTorch's `SequentialSampler` (a DataLoader's default).
public final class SequentialSampler: Sampler {
    public let count: Int

    public init(count: Int) {
        self.count = count
    }

    public convenience init<D: Dataset>(_ dataset: D) {
        self.init(count: dataset.count)
    }

    public func epochIndices() -> [Int] {
        Array(0..<count)
    }
}
