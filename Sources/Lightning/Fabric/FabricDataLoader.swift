import Foundation
import Torch

/// A batch source set up by `Fabric.setupDataloaders(_:useDistributedSampler:moveToDevice:)`
/// (Lightning's `_FabricDataLoader`): each pass over it is a new epoch (so a shuffling or
/// distributed sampler reshuffles, as Lightning's `set_epoch`), and its batches arrive on the
/// Fabric's device.
///
/// Reading a batch can fail, so a pass is a throwing loop rather than a `for … in`:
///
/// ```swift
/// let loader = try fabric.setupDataloaders(trainLoader)
/// for _ in 0..<epochs {
///     try loader.forEach { (x, y) in
///         …
///     }
/// }
/// ```
public final class FabricDataLoader<Batch>: BatchLoader {
    /// The loader as given.
    public let loader: any BatchLoader<Batch>
    let device: Device?
    /// The number of passes started so far (the epoch of the next pass).
    public private(set) var passes = 0

    init(loader: any BatchLoader<Batch>, device: Device?) {
        self.loader = loader
        self.device = device
    }

    public var batchCount: Int? { loader.batchCount }

    public func makeBatchIterator(epoch: Int, skipping: Int) throws -> any BatchIterator<Batch> {
        Iterator(base: try loader.makeBatchIterator(epoch: epoch, skipping: skipping), device: device)
    }

    /// The batches of the next pass (epoch ``passes``), on the device.
    public func makeIterator() throws -> any BatchIterator<Batch> {
        defer { passes += 1 }
        return try makeBatchIterator(epoch: passes, skipping: 0)
    }

    /// Runs `body` on every batch of the next pass.
    public func forEach(_ body: (Batch) throws -> Void) throws {
        var iterator = try makeIterator()
        while let batch = try iterator.next() { try body(batch) }
    }

    struct Iterator: BatchIterator {
        var base: any BatchIterator<Batch>
        let device: Device?
        mutating func next() throws -> Batch? {
            guard let batch = try base.next() else { return nil }
            guard let device else { return batch }
            return try moveBatch(batch, to: device)
        }
    }
}

extension Fabric {
    /// Wraps a batch source so its batches come on the device and every pass is a new epoch
    /// (Lightning's `setup_dataloaders`).
    ///
    /// In a multi-process run each rank reads its own share of the data: a `DataLoader` with a
    /// sequential or random sampler is re-made with a `DistributedSampler` (shuffling when it
    /// shuffled, seeded with `PL_GLOBAL_SEED` or 0), as Lightning. A loader with a sampler of your
    /// own (build one with ``distributedSampler(count:shuffle:seed:dropLast:)``), a batch sampler,
    /// an iterable dataset or another batch source is used as it is, on every rank.
    ///
    /// ```swift
    /// let loader = try fabric.setupDataloaders(DataLoader(dataset, batchSize: 32, shuffle: true))
    /// try loader.forEach { batch in … }
    /// ```
    public func setupDataloaders<L: BatchLoader>(_ loader: L, useDistributedSampler: Bool = true,
                                                 moveToDevice: Bool = true) throws -> FabricDataLoader<L.Batch> {
        var source: any BatchLoader<L.Batch> = loader
        if worldSize > 1, useDistributedSampler {
            if let split = try loader.distributed(rank: globalRank, worldSize: worldSize, shuffle: nil, seed: globalSeed, unrepeated: false) {
                source = split
            }
        }
        return FabricDataLoader(loader: source, device: moveToDevice ? device : nil)
    }

    /// Several batch sources of one batch type at once.
    public func setupDataloaders<L: BatchLoader>(_ loaders: [L], useDistributedSampler: Bool = true,
                                                 moveToDevice: Bool = true) throws -> [FabricDataLoader<L.Batch>] {
        try loaders.map { try setupDataloaders($0, useDistributedSampler: useDistributedSampler, moveToDevice: moveToDevice) }
    }

    /// A sampler that gives this rank its share of a dataset of `count` samples (PyTorch's
    /// `DistributedSampler(dataset, num_replicas: worldSize, rank: globalRank)`); with one process,
    /// every sample.
    public func distributedSampler(count: Int, shuffle: Bool = true, seed: Int = 0, dropLast: Bool = false) throws -> DistributedSampler {
        try DistributedSampler(count: count, numReplicas: worldSize, rank: globalRank, shuffle: shuffle, seed: seed, dropLast: dropLast)
    }
}
