/// The samples of a dataset at chosen indices, as PyTorch's `Subset`.
///
/// ```swift
/// let firstHundred = Subset(mnist, indices: Array(0..<100))
/// ```
public struct Subset<Base: Dataset>: Dataset {
    public typealias Element = Base.Element

    /// The dataset the samples come from.
    public let dataset: Base
    /// The index in ``dataset`` of each sample of the subset.
    public let indices: [Int]

    public init(_ dataset: Base, indices: [Int]) {
        self.dataset = dataset
        self.indices = indices
    }

    public var count: Int { indices.count }

    /// Sample `indices[index]` of the base dataset (negative indices count from the end).
    public subscript(index: Int) -> Base.Element {
        get throws {
            let position = index < 0 ? index + indices.count : index
            guard indices.indices.contains(position) else {
                throw TorchError("index \(index) is out of range for a Subset of \(indices.count) samples")
            }
            return try dataset[indices[position]]
        }
    }
}
