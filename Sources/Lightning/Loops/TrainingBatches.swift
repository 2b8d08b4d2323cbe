import Torch

/// The training batches of one epoch, and whether the current one is the epoch's last: Lightning's
/// `_PrefetchDataFetcher`.
///
/// When the epoch's length is known (the loader's length, or a `limitTrainBatches` count), the last
/// batch is the one at `length - 1` and nothing is read ahead; only an epoch of unknown length (an
/// iterable loader, no limit) is read one batch ahead, to see its end coming. A loader with side
/// effects (counting reads, streaming) therefore sees the same reads as under Lightning.
struct TrainingBatches<Batch> {
    private var iterator: any BatchIterator<Batch>
    /// The epoch's number of batches (limits applied), or nil when unknown.
    private let length: Int?
    private let trainer: Trainer
    /// The batch read ahead (unknown length only); nil at the end.
    private var ahead: Batch?
    private var started = false
    /// Whether the batch `next` returned last is the epoch's last.
    private(set) var isLast = false
    /// Whether a batch beyond the current one has been read already (counts as pending in a checkpoint).
    private(set) var readAhead = false

    init(_ iterator: any BatchIterator<Batch>, length: Int?, trainer: Trainer) {
        self.iterator = iterator
        self.length = length
        self.trainer = trainer
    }

    /// The batch at `batchIndex` (the count of batches before it this epoch), or nil when the epoch is over.
    mutating func next(batchIndex: Int) throws -> Batch? {
        if let length {
            guard batchIndex < length, let batch = try fetch() else { return nil }
            isLast = batchIndex + 1 >= length
            return batch
        }
        if !started {
            started = true
            ahead = try fetch()
        }
        guard let batch = ahead else { return nil }
        ahead = try fetch()
        isLast = ahead == nil
        readAhead = !isLast
        return batch
    }

    private mutating func fetch() throws -> Batch? {
        try trainer.profiled("[_TrainingEpochLoop].train_dataloader_next") { try iterator.next() }
    }
}
