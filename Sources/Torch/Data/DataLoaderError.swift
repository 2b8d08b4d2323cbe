/// A failure while loading a batch, with where it happened: which dataset index, which batch of the
/// epoch, which worker. It reaches the code iterating the loader as a thrown error, whatever thread
/// the failure happened on; ``underlying`` is the original error.
///
/// ```swift
/// do {
///     try loader.forEach { batch in … }
/// } catch let error as DataLoaderError {
///     print(error)   // "DataLoader: reading dataset[17] for batch 4 failed: index 17 is out of bounds …"
/// }
/// ```
public struct DataLoaderError: Error, CustomStringConvertible {
    /// The step that failed.
    public enum Stage: String, Sendable {
        /// Reading a sample (`dataset[index]` or the next sample of an iterable dataset).
        case sample
        /// Combining the samples into a batch.
        case collate
        /// Copying the batch into pinned memory.
        case pinMemory
        /// Drawing the epoch's order from the sampler, or starting an iterable dataset's pass.
        case sampler
        /// No batch arrived within the loader's `timeout`.
        case timeout
    }

    public var stage: Stage
    /// The batch's position in the epoch (0-based), when known.
    public var batchIndex: Int?
    /// The dataset index whose sample could not be read (``Stage/sample``).
    public var sampleIndex: Int?
    /// The dataset indices of the batch (map-style datasets).
    public var indices: [Int]
    /// The worker thread it happened on; nil for the calling thread.
    public var worker: Int?
    /// The error the dataset, collate function or libtorch threw.
    public var underlying: any Error

    public init(stage: Stage, batchIndex: Int? = nil, sampleIndex: Int? = nil, indices: [Int] = [], worker: Int? = nil, underlying: any Error) {
        self.stage = stage
        self.batchIndex = batchIndex
        self.sampleIndex = sampleIndex
        self.indices = indices
        self.worker = worker
        self.underlying = underlying
    }

    public var description: String {
        var what: String
        switch stage {
        case .sample: what = sampleIndex.map { "reading dataset[\($0)]" } ?? "reading a sample"
        case .collate: what = "collating"
        case .pinMemory: what = "pinning"
        case .sampler: what = "drawing the epoch's order"
        case .timeout: what = "waiting"
        }
        if let batchIndex { what += " for batch \(batchIndex)" }
        if stage == .collate && !indices.isEmpty { what += " (dataset indices \(indices.prefix(8).map(String.init).joined(separator: ", "))\(indices.count > 8 ? ", …" : ""))" }
        let place = worker.map { "DataLoader worker \($0)" } ?? "DataLoader"
        return "\(place): \(what) failed: \(underlying)"
    }
}
