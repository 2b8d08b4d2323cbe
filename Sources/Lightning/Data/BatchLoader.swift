import Torch

/// A source of batches the Trainer can iterate: a `DataLoader`, or any type that produces batches
/// of one type in a fixed order per epoch.
///
/// The Trainer tells the loader the epoch (so shuffling samplers reshuffle, as
/// `sampler.set_epoch`), asks how many batches an epoch has (for limits, validation intervals and
/// the progress bar), and can fast-forward past batches already seen when a run resumes mid-epoch.
public protocol BatchLoader<Batch> {
    associatedtype Batch

    /// The number of batches in one epoch, or nil when unknown (an iterable source). When the
    /// epoch's length is unknown (nil and no `limitTrainBatches` count), the Trainer reads one batch
    /// ahead to see the epoch's last batch coming, as Lightning does; otherwise it never reads ahead.
    var batchCount: Int? { get }
    /// The number of samples behind the batches (PyTorch's `len(loader.dataset)`), or nil when
    /// unknown; the batch-size finder stops growing the batch there.
    var datasetCount: Int? { get }

    /// The batches of `epoch`, starting after the first `skipping` batches (for exact resume).
    func makeBatchIterator(epoch: Int, skipping: Int) throws -> any BatchIterator<Batch>

    /// The loader's position for a checkpoint (a `DataLoader` saves its epoch, batches handed out
    /// and random state); nil when the loader keeps none. `pending` batches were handed out but
    /// not yet used.
    func positionState(pending: Int) throws -> PickleValue?
    /// Restores a position from ``positionState(pending:)``; the next iterator continues there.
    func restorePosition(_ state: PickleValue) throws

    /// This loader reading only rank `rank`'s share of the data out of `worldSize` ranks (how the
    /// Trainer injects a `DistributedSampler`, Lightning's `use_distributed_sampler`), shuffled
    /// per epoch with `seed` when `shuffle` (nil: as the loader shuffles); every rank gets the same
    /// number of samples (the list padded by repeating its start) unless `unrepeated` (prediction,
    /// where no sample may be seen twice). nil when the loader cannot be split, and the Trainer
    /// then uses it as it is, on every rank.
    func distributed(rank: Int, worldSize: Int, shuffle: Bool?, seed: Int, unrepeated: Bool) throws -> (any BatchLoader<Batch>)?
}

extension BatchLoader {
    public var datasetCount: Int? { nil }
    public func positionState(pending: Int) throws -> PickleValue? { nil }
    public func restorePosition(_ state: PickleValue) throws {}
    public func distributed(rank: Int, worldSize: Int, shuffle: Bool?, seed: Int, unrepeated: Bool) throws -> (any BatchLoader<Batch>)? { nil }
}

/// Iterates the batches of one epoch; a failure in loading (a worker that threw) is thrown here.
public protocol BatchIterator<Batch> {
    associatedtype Batch
    mutating func next() throws -> Batch?
    /// The dataset indices of the samples in the batch `next()` returned last, when the source
    /// knows them (a `DataLoader` over a map-style dataset); prediction writers receive them.
    var lastBatchIndices: [Int]? { get }
}

extension BatchIterator {
    public var lastBatchIndices: [Int]? { nil }
}

/// A fixed list of batches, the same every epoch: handy for tests and tiny data.
///
/// ```swift
/// let loader = BatchList([(x1, y1), (x2, y2)])
/// ```
public struct BatchList<Batch>: BatchLoader {
    public var batches: [Batch]

    public init(_ batches: [Batch]) {
        self.batches = batches
    }

    public var batchCount: Int? { batches.count }

    public func makeBatchIterator(epoch: Int, skipping: Int) throws -> any BatchIterator<Batch> {
        ListIterator(batches: batches, index: min(skipping, batches.count))
    }

    struct ListIterator: BatchIterator {
        let batches: [Batch]
        var index: Int
        mutating func next() throws -> Batch? {
            guard index < batches.count else { return nil }
            defer { index += 1 }
            return batches[index]
        }
    }
}
