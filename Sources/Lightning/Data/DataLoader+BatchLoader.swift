import Foundation
import Torch

// A Torch `DataLoader` is a Trainer batch source; its position goes into checkpoints so a run
// resumed mid-epoch continues with exactly the next batch, in the same shuffled order.

extension DataLoader: BatchLoader {
    public var batchCount: Int? { count }

    public func makeBatchIterator(epoch: Int, skipping: Int) throws -> any BatchIterator<Batch> {
        // A restored position already names its epoch; otherwise number the epoch as the Trainer
        // does (so samplers reshuffle per epoch, as Lightning's `set_epoch`).
        if self.epoch != epoch { self.epoch = epoch }
        let iterator = try makeIterator()
        for _ in 0..<skipping { _ = try iterator.next() }
        return iterator
    }

    public func positionState(pending: Int) throws -> PickleValue? {
        var state = try stateDict()
        state.batchesYielded = Swift.max(0, state.batchesYielded - pending)
        let json = try JSONEncoder().encode(state)
        return .string(String(decoding: json, as: UTF8.self))
    }

    public func restorePosition(_ state: PickleValue) throws {
        guard let text = state.stringValue else {
            throw LightningError.checkpoint("the checkpoint's data-loader position is not a DataLoader state")
        }
        try loadStateDict(try JSONDecoder().decode(DataLoaderState.self, from: Data(text.utf8)))
    }
}

extension DataLoader.Iterator: BatchIterator {
    public var lastBatchIndices: [Int]? { lastIndices }
}

extension DataLoader {
    /// As Lightning's `_update_dataloader`: a loader whose sampler is sequential or random is
    /// re-created with a `DistributedSampler` (shuffling when the original shuffled, unless
    /// `shuffle` says otherwise); a custom sampler, a batch sampler or an iterable dataset is kept.
    public func distributed(rank: Int, worldSize: Int, shuffle: Bool?, seed: Int) throws -> (any BatchLoader<Batch>)? {
        guard let sampler, batchSampler is BatchSampler else { return nil }
        let datasetCount: Int
        let shuffled: Bool
        switch sampler {
        case let random as RandomSampler where !random.replacement:
            datasetCount = random.datasetCount
            shuffled = true
        case let sequential as SequentialSampler:
            datasetCount = sequential.count
            shuffled = false
        default:
            return nil
        }
        let distributedSampler = try DistributedSampler(count: datasetCount, numReplicas: worldSize, rank: rank,
                                                        shuffle: shuffle ?? shuffled, seed: seed)
        return try replacingSampler(distributedSampler)
    }
}
