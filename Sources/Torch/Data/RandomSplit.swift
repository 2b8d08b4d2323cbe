/// Splits a dataset into non-overlapping random subsets of the given lengths, as PyTorch's
/// `random_split(dataset, lengths, generator)`: the same seed gives the same subsets as in Python
/// (both take `randperm(sum(lengths), generator)` and cut it in order).
///
/// ```swift
/// let splits = try randomSplit(data, lengths: [50_000, 10_000], generator: Generator(seed: 42))
/// let (train, validation) = (splits[0], splits[1])
/// ```
///
/// Without a generator the global one is used (seed it with ``manualSeed(_:)``).
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Int], generator: Generator? = nil) throws(TorchError) -> [Subset<D>] {
    guard lengths.allSatisfy({ $0 >= 0 }) else { throw TorchError("randomSplit: lengths must not be negative; got \(lengths)") }
    let total = lengths.reduce(0, +)
    guard total == dataset.count else {
        throw TorchError("Sum of input lengths does not equal the length of the input dataset! (\(total) vs \(dataset.count))")
    }
    let permutation: [Int64] = try Tensor.randperm(n: total, generator: generator).toArray()
    var offset = 0
    return lengths.map { length in
        defer { offset += length }
        return Subset(dataset, indices: permutation[offset..<offset + length].map { Int($0) })
    }
}

/// Splits a dataset by fractions that sum to 1, as `random_split(dataset, [0.8, 0.2], generator)`:
/// each split gets `floor(count * fraction)` samples, and the remainder is handed out one by one
/// from the first split on, exactly as PyTorch rounds.
public func randomSplit<D: Dataset>(_ dataset: D, fractions: [Double], generator: Generator? = nil) throws(TorchError) -> [Subset<D>] {
    try randomSplit(dataset, lengths: splitLengths(count: dataset.count, fractions: fractions), generator: generator)
}

/// The lengths PyTorch's `random_split` derives from fractions (exposed for tests and for
/// callers that split other things the same way).
public func splitLengths(count: Int, fractions: [Double]) throws(TorchError) -> [Int] {
    let sum = fractions.reduce(0, +)
    // math.isclose(sum, 1) with its default relative tolerance, and sum <= 1.
    guard abs(sum - 1) <= 1e-9 * max(abs(sum), 1), sum <= 1 else {
        throw TorchError("randomSplit: fractions must sum to 1; got \(fractions) (sum \(sum))")
    }
    var lengths: [Int] = []
    for (i, fraction) in fractions.enumerated() {
        guard (0...1).contains(fraction) else { throw TorchError("Fraction at index \(i) is not between 0 and 1") }
        lengths.append(Int((Double(count) * fraction).rounded(.down)))
    }
    let remainder = count - lengths.reduce(0, +)
    if !lengths.isEmpty {
        for i in 0..<max(remainder, 0) { lengths[i % lengths.count] += 1 }
    }
    return lengths
}
