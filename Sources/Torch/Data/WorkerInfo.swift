/// Where a sample is being read: which DataLoader worker, and a seed for random augmentations,
/// as PyTorch's `torch.utils.data.get_worker_info()`.
///
/// ``current`` is set while a DataLoader reads a sample (in a worker thread, or on the calling thread
/// when `numWorkers` is 0, where PyTorch's `get_worker_info()` would return `None`).
///
/// Random transforms should draw from ``sampleSeed`` rather than the global generator: the global
/// generator is shared by all threads, so its draws depend on thread timing, whereas
/// ``sampleSeed`` depends only on the epoch's base seed and the sample's position in the epoch, so
/// the same augmented batches come back whatever the number of workers, and after a resume. (For
/// an iterable dataset it depends on the worker and the sample's position in that worker's pass.)
///
/// ```swift
/// let augmented = images.map { (image: Tensor) in
///     let generator = try Generator(seed: WorkerInfo.current?.sampleSeed ?? 0)
///     let flip = try Tensor.rand([1], generator: generator).item(Float.self) < 0.5
///     return flip ? try image.flip([2]) : image
/// }
/// ```
public struct WorkerInfo: Sendable, Equatable {
    /// The worker's number, `0..<numWorkers` (0 on the calling thread).
    public var id: Int
    /// The loader's number of worker threads (0 when it reads on the calling thread).
    public var numWorkers: Int
    /// PyTorch's worker seed: the epoch's base seed plus ``id``.
    public var seed: UInt64
    /// A seed for this sample alone (see above).
    public var sampleSeed: UInt64

    public init(id: Int, numWorkers: Int, seed: UInt64, sampleSeed: UInt64) {
        self.id = id
        self.numWorkers = numWorkers
        self.seed = seed
        self.sampleSeed = sampleSeed
    }

    /// The worker reading the current sample; nil outside a DataLoader's reads.
    public static var current: WorkerInfo? { storage }

    @TaskLocal static var storage: WorkerInfo?
}

/// SplitMix64's finaliser: spreads a seed and a counter into a well-mixed 64-bit seed.
func mixSeed(_ seed: UInt64, _ counter: Int) -> UInt64 {
    var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (UInt64(bitPattern: Int64(counter)) &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
