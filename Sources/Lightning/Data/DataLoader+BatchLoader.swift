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
        return state.pickleValue
    }

    public func restorePosition(_ state: PickleValue) throws {
        // Checkpoints written before 2026-11-22 hold the position as JSON text.
        if let text = state.stringValue {
            try loadStateDict(try JSONDecoder().decode(DataLoaderState.self, from: Data(text.utf8)))
            return
        }
        let position: DataLoaderState
        do {
            position = try DataLoaderState(state)
        } catch {
            throw LightningError.checkpoint("the checkpoint's data-loader position is not a DataLoader state: \(error)")
        }
        try loadStateDict(position)
    }
}

extension DataLoader.Iterator: BatchIterator {
    public var lastBatchIndices: [Int]? { lastIndices }
}

extension DataLoader {
    /// As Lightning's `_update_dataloader`: the loader re-created with this rank's share of the
    /// data. A sequential or random sampler becomes a `DistributedSampler` over the dataset; a
    /// custom index sampler is wrapped in a ``DistributedSamplerWrapper`` (its order split across
    /// ranks); with `unrepeated` (prediction), ``DistributedSamplerWrapper/unrepeated(_:numReplicas:rank:shuffle:seed:)``
    /// wraps any sampler. `shuffle` nil keeps the loader's own shuffling. A custom batch sampler or an
    /// iterable dataset cannot be split, and a sampler that is already distributed is kept: nil.
    public func distributed(rank: Int, worldSize: Int, shuffle: Bool?, seed: Int, unrepeated: Bool) throws -> (any BatchLoader<Batch>)? {
        guard let sampler, batchSampler is BatchSampler else { return nil }
        // Already split by its author (Lightning's `_requires_distributed_sampler`).
        if sampler is DistributedSampler || sampler is DistributedSamplerWrapper || sampler is UnrepeatedDistributedSampler {
            return nil
        }
        let shuffled = sampler is RandomSampler
        let split: any Sampler<Int>
        if unrepeated {
            split = try DistributedSamplerWrapper.unrepeated(sampler, numReplicas: worldSize, rank: rank,
                                                             shuffle: shuffle ?? shuffled, seed: seed)
        } else {
            switch sampler {
            case let random as RandomSampler where !random.replacement:
                split = try DistributedSampler(count: random.datasetCount, numReplicas: worldSize, rank: rank,
                                               shuffle: shuffle ?? true, seed: seed)
            case let sequential as SequentialSampler:
                split = try DistributedSampler(count: sequential.count, numReplicas: worldSize, rank: rank,
                                               shuffle: shuffle ?? false, seed: seed)
            default:
                split = try DistributedSamplerWrapper(sampler, numReplicas: worldSize, rank: rank,
                                                      shuffle: shuffle ?? false, seed: seed)
            }
        }
        return try replacingSampler(split)
    }
}
