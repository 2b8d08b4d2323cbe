/// Several datasets of the same element type read one after the other, as PyTorch's `ConcatDataset`.
///
/// ```swift
/// let all = ConcatDataset([trainPart1, trainPart2])
/// ```
public struct ConcatDataset<Base: Dataset>: Dataset {
    public typealias Element = Base.Element

    public let datasets: [Base]
    /// The running totals of the datasets' counts (PyTorch's `cumulative_sizes`).
    public let cumulativeSizes: [Int]

    public init(_ datasets: [Base]) {
        self.datasets = datasets
        var total = 0
        cumulativeSizes = datasets.map { total += $0.count; return total }
    }

    public var count: Int { cumulativeSizes.last ?? 0 }

    /// The sample at `index` of the concatenation (negative indices count from the end).
    public subscript(index: Int) -> Base.Element {
        get throws {
            var position = index
            if position < 0 {
                guard -position <= count else { throw TorchError("absolute value of index should not exceed dataset length") }
                position += count
            }
            guard position < count else { throw TorchError("index \(index) is out of range for a ConcatDataset of \(count) samples") }
            // bisect_right(cumulative_sizes, position)
            var low = 0, high = cumulativeSizes.count
            while low < high {
                let middle = (low + high) / 2
                if cumulativeSizes[middle] <= position { low = middle + 1 } else { high = middle }
            }
            let start = low == 0 ? 0 : cumulativeSizes[low - 1]
            return try datasets[low][position - start]
        }
    }
}
