/// Reads a dataset in batches, as PyTorch's `torch.utils.data.DataLoader`: in sampler order
/// (sequential, shuffled with a seeded generator, or any ``Sampler``), collated into a `Batch`,
/// optionally by worker threads that read ahead, with a position that can be saved and resumed
/// mid-epoch.
///
/// ```swift
/// let data = try TensorDataset(images, labels)
/// let loader = try DataLoader(data, batchSize: 64, shuffle: true, numWorkers: 2, generator: Generator(seed: 0))
/// try loader.forEach { batch in          // batch: [Tensor] = [images [64, …], labels [64]]
///     let loss = try model(batch[0]).crossEntropyLoss(batch[1]) …
/// }
/// ```
///
/// Swift has no throwing `for`-`in` outside async code, so a loader is iterated with ``forEach(_:)``
/// or with an explicit iterator, which can be left early:
///
/// ```swift
/// let batches = try loader.makeIterator()
/// while let batch = try batches.next() {
///     if done { break }     // the iterator's workers stop when it is released (or at close())
/// }
/// ```
///
/// **Batch type.** `Batch` is what the collate function returns; the loader's type carries it, so a
/// trainer can require at compile time that a model and its data agree. Without `collate:` the
/// sample type's ``Collatable`` rule is used (`[Tensor]` samples give `[Tensor]` batches, `Tensor`
/// gives `Tensor`, pairs give pairs, dictionaries give dictionaries).
///
/// **Workers** are threads, not processes: each reads whole batches (samples and collation) with one
/// intra-op thread, as PyTorch's worker processes do, and at most `prefetchFactor * numWorkers`
/// batches are read ahead. Batches come out in sampler order whatever the workers' timing. The
/// dataset's subscript and the collate function must be safe to call from several threads at once
/// (see ``Dataset``). An
/// error in any worker reaches the caller of `next()` as a ``DataLoaderError`` naming the index and
/// batch; the iteration then ends. Releasing the iterator, or ``Iterator/close()``, stops the
/// workers and waits for them: no thread outlives its iteration (with `persistentWorkers` they
/// live as long as the loader).
///
/// **Randomness and resume.** Each epoch first draws a base seed from `generator` (the global
/// generator when nil), then the sampler draws the order, exactly as PyTorch does, so the same
/// seed gives the same batches as Python. ``stateDict()`` saves the epoch, the number of batches
/// handed out and the random state the epoch started from; ``loadStateDict(_:)`` makes the next
/// iteration yield precisely the remaining batches. Exact resume across epochs needs a `generator`
/// (the global generator is shared with everything else).
///
/// **Epochs.** Each ``makeIterator()`` starts a new epoch (as each `iter(loader)` does in Python),
/// numbered from 0; the loader calls `setEpoch` on its sampler first, as Lightning does, so a
/// ``DistributedSampler`` reshuffles every epoch.
public final class DataLoader<Batch> {
    /// Samples per batch (1 when a batch sampler is given).
    public let batchSize: Int
    /// Whether a last, smaller batch is left out.
    public let dropLast: Bool
    /// Worker threads (0: read on the calling thread).
    public let numWorkers: Int
    /// Batches read ahead per worker.
    public let prefetchFactor: Int
    /// Whether batches are copied into pinned memory (only when CUDA is available; see ``Pinnable``).
    public let pinMemory: Bool
    /// Whether worker threads stay alive between epochs.
    public let persistentWorkers: Bool
    /// Seconds to wait for a batch from the workers before failing; nil waits forever.
    public let timeout: Double?
    /// The generator of the base seeds (and of the shuffle order with `shuffle: true`).
    public let generator: Generator?
    /// The sampler of dataset indices (nil for iterable datasets and with a batch sampler).
    public let sampler: (any Sampler<Int>)?
    /// The batch sampler (nil for iterable datasets).
    public let batchSampler: (any Sampler<[Int]>)?
    /// The number of samples in a map-style dataset (PyTorch's `len(loader.dataset)`); nil for an
    /// iterable dataset.
    public let datasetCount: Int?

    private var source: Source
    private var nextEpoch = 0
    private var active: EpochRecord?
    private var pendingResume: DataLoaderState?
    private var persistentBaseSeed: UInt64?
    private var persistentPool: MapWorkerPool<Batch>?

    typealias MakeStream = (_ worker: WorkerInfo?, _ context: BatchContext) throws(DataLoaderError) -> () throws(DataLoaderError) -> Batch?

    enum Source {
        case map(fetch: MapWorkerPool<Batch>.Fetch)
        case iterable(makeStream: MakeStream)
    }

    /// A loader over a map-style dataset with a collate function.
    ///
    /// - Parameters:
    ///   - dataset: the samples, read by index.
    ///   - batchSize: samples per batch.
    ///   - shuffle: a new random order each epoch (a ``RandomSampler`` on `generator`).
    ///   - sampler: the order of the indices (excludes `shuffle`).
    ///   - batchSampler: the batches of indices (excludes `batchSize`, `shuffle`, `sampler`, `dropLast`).
    ///   - numWorkers: worker threads; 0 reads on the calling thread.
    ///   - collate: turns the samples of a batch into the batch.
    ///   - pinMemory: copy batches into pinned memory when CUDA is available (a no-op otherwise).
    ///   - dropLast: leave out a last, smaller batch.
    ///   - timeout: seconds to wait for a worker's batch; nil waits forever.
    ///   - prefetchFactor: batches read ahead per worker (default 2; only with workers).
    ///   - persistentWorkers: keep the worker threads between epochs.
    ///   - generator: the random generator of the base seed and the shuffle order (global when nil).
    public init<D: Dataset>(
        _ dataset: D,
        batchSize: Int = 1,
        shuffle: Bool = false,
        sampler: (any Sampler<Int>)? = nil,
        batchSampler: (any Sampler<[Int]>)? = nil,
        numWorkers: Int = 0,
        collate: @escaping ([D.Element]) throws -> Batch,
        pinMemory: Bool = false,
        dropLast: Bool = false,
        timeout: Double? = nil,
        prefetchFactor: Int? = nil,
        persistentWorkers: Bool = false,
        generator: Generator? = nil
    ) throws(TorchError) {
        try Self.validate(numWorkers: numWorkers, timeout: timeout, prefetchFactor: prefetchFactor, persistentWorkers: persistentWorkers)
        if sampler != nil && shuffle { throw TorchError("sampler option is mutually exclusive with shuffle") }
        if batchSampler != nil && (batchSize != 1 || shuffle || sampler != nil || dropLast) {
            throw TorchError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
        }
        guard batchSize > 0 else { throw TorchError("batch_size should be a positive integer value, but got batch_size=\(batchSize)") }
        if let batchSampler {
            self.sampler = nil
            self.batchSampler = batchSampler
        } else {
            let indexSampler: any Sampler<Int>
            if let sampler {
                indexSampler = sampler
            } else if shuffle {
                indexSampler = try RandomSampler(count: dataset.count, generator: generator)
            } else {
                indexSampler = SequentialSampler(count: dataset.count)
            }
            self.sampler = indexSampler
            self.batchSampler = try BatchSampler(indexSampler, batchSize: batchSize, dropLast: dropLast)
        }
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.numWorkers = numWorkers
        self.prefetchFactor = prefetchFactor ?? 2
        self.pinMemory = pinMemory
        self.persistentWorkers = persistentWorkers
        self.timeout = timeout
        self.generator = generator
        self.datasetCount = dataset.count

        let pin = pinMemory && CUDA.isAvailable
        source = .map { (indices, context) throws(DataLoaderError) -> Batch in
            var samples: [D.Element] = []
            samples.reserveCapacity(indices.count)
            for (position, index) in indices.enumerated() {
                do {
                    let sample = try WorkerInfo.$storage.withValue(context.workerInfo(sample: position)) { try dataset[index] }
                    samples.append(sample)
                } catch {
                    throw DataLoaderError(stage: .sample, batchIndex: context.batchIndex, sampleIndex: index, indices: indices, worker: context.worker, underlying: error)
                }
            }
            return try Self.finish(samples, collate: collate, pin: pin, context: context, indices: indices)
        }
    }

    /// A loader over an iterable dataset: consecutive samples are collated into batches. With
    /// workers, each worker runs its own pass (see ``IterableDataset``) and batches alternate
    /// between workers, as in PyTorch. Worker threads start with each epoch's passes, so
    /// `persistentWorkers` only keeps PyTorch's single base seed. A resumed position re-reads and
    /// skips the batches already handed out.
    public init<D: IterableDataset>(
        _ dataset: D,
        batchSize: Int = 1,
        numWorkers: Int = 0,
        collate: @escaping ([D.Element]) throws -> Batch,
        pinMemory: Bool = false,
        dropLast: Bool = false,
        timeout: Double? = nil,
        prefetchFactor: Int? = nil,
        persistentWorkers: Bool = false,
        generator: Generator? = nil
    ) throws(TorchError) {
        try Self.validate(numWorkers: numWorkers, timeout: timeout, prefetchFactor: prefetchFactor, persistentWorkers: persistentWorkers)
        guard batchSize > 0 else { throw TorchError("batch_size should be a positive integer value, but got batch_size=\(batchSize)") }
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.numWorkers = numWorkers
        self.prefetchFactor = prefetchFactor ?? 2
        self.pinMemory = pinMemory
        self.persistentWorkers = persistentWorkers
        self.timeout = timeout
        self.generator = generator
        self.datasetCount = nil
        self.sampler = nil
        self.batchSampler = nil

        let pin = pinMemory && CUDA.isAvailable
        source = .iterable { (worker, context) throws(DataLoaderError) in
            let iterator: DatasetIterator<D.Element>
            do {
                iterator = try dataset.makeIterator(worker: worker)
            } catch {
                throw DataLoaderError(stage: .sampler, worker: context.worker, underlying: error)
            }
            var samplesRead = 0
            var batchesMade = 0
            return { () throws(DataLoaderError) -> Batch? in
                var samples: [D.Element] = []
                var context = context
                context.batchIndex = batchesMade
                while samples.count < batchSize {
                    let info = context.streamWorkerInfo(sample: samplesRead)
                    let sample: D.Element?
                    do {
                        sample = try WorkerInfo.$storage.withValue(info) { try iterator.next() }
                    } catch {
                        throw DataLoaderError(stage: .sample, worker: context.worker, underlying: error)
                    }
                    guard let sample else { break }
                    samples.append(sample)
                    samplesRead += 1
                }
                if samples.isEmpty || (dropLast && samples.count < batchSize) { return nil }
                batchesMade += 1
                return try Self.finish(samples, collate: collate, pin: pin, context: context, indices: [])
            }
        }
    }

    /// The same loader (dataset, collation, workers, batch size) reading its indices from
    /// `sampler`: how a distributed run gives each rank its share (Lightning re-creates the loader
    /// with a `DistributedSampler` the same way). Not for loaders with a batch sampler or an
    /// iterable dataset.
    ///
    /// ```swift
    /// let shard = try loader.replacingSampler(DistributedSampler(count: 60_000, numReplicas: 2, rank: 1))
    /// ```
    public func replacingSampler(_ sampler: any Sampler<Int>) throws(TorchError) -> DataLoader<Batch> {
        guard case .map = source, self.sampler != nil else {
            throw TorchError("replacingSampler needs a loader over a map-style dataset with an index sampler (this one has a batch sampler or an iterable dataset)")
        }
        return try DataLoader(copying: self, sampler: sampler)
    }

    private init(copying other: DataLoader<Batch>, sampler: any Sampler<Int>) throws(TorchError) {
        batchSize = other.batchSize
        dropLast = other.dropLast
        numWorkers = other.numWorkers
        prefetchFactor = other.prefetchFactor
        pinMemory = other.pinMemory
        persistentWorkers = other.persistentWorkers
        timeout = other.timeout
        generator = other.generator
        source = other.source
        self.sampler = sampler
        batchSampler = try BatchSampler(sampler, batchSize: other.batchSize, dropLast: other.dropLast)
        datasetCount = other.datasetCount
    }

    private static func validate(numWorkers: Int, timeout: Double?, prefetchFactor: Int?, persistentWorkers: Bool) throws(TorchError) {
        guard numWorkers >= 0 else {
            throw TorchError("num_workers option should be non-negative; use num_workers=0 to disable worker threads.")
        }
        if let timeout, timeout < 0 { throw TorchError("timeout option should be non-negative") }
        if numWorkers == 0 && prefetchFactor != nil {
            throw TorchError("prefetch_factor option could only be specified with worker threads; let num_workers > 0, or set prefetch_factor to nil.")
        }
        if let prefetchFactor, prefetchFactor < 1 { throw TorchError("prefetch_factor option should be positive; got \(prefetchFactor)") }
        if persistentWorkers && numWorkers == 0 { throw TorchError("persistent_workers option needs num_workers > 0") }
    }

    private static func finish<Sample>(
        _ samples: [Sample], collate: ([Sample]) throws -> Batch, pin: Bool, context: BatchContext, indices: [Int]
    ) throws(DataLoaderError) -> Batch {
        let batch: Batch
        do {
            batch = try collate(samples)
        } catch {
            throw DataLoaderError(stage: .collate, batchIndex: context.batchIndex, indices: indices, worker: context.worker, underlying: error)
        }
        return try pinned(batch, pin: pin, context: context, indices: indices)
    }

    private static func pinned(_ batch: Batch, pin: Bool, context: BatchContext, indices: [Int]) throws(DataLoaderError) -> Batch {
        guard pin else { return batch }
        do {
            return try pinIfPossible(batch)
        } catch {
            throw DataLoaderError(stage: .pinMemory, batchIndex: context.batchIndex, indices: indices, worker: context.worker, underlying: error)
        }
    }

    /// Reads map-style batches with `read` (a ``BatchReadableDataset``'s `batch(at:)`), sample by
    /// sample only when an index is outside `0..<count` or `read` throws (so that an error names its
    /// sample, as without batched reads).
    private func readingWholeBatches(_ read: @escaping ([Int]) throws -> Batch, count: Int) {
        guard case .map(let sampleBySample) = source else { return }
        let pin = pinMemory && CUDA.isAvailable
        source = .map { (indices, context) throws(DataLoaderError) -> Batch in
            guard indices.allSatisfy({ $0 >= 0 && $0 < count }),
                  let batch = try? WorkerInfo.$storage.withValue(context.workerInfo(sample: 0), operation: { try read(indices) })
            else { return try sampleBySample(indices, context) }
            return try Self.pinned(batch, pin: pin, context: context, indices: indices)
        }
    }

    /// `dataset.batch(at:)` when the dataset is a ``BatchReadableDataset`` whose batches are this
    /// loader's.
    private static func batchReader<D: Dataset>(of dataset: D) -> (([Int]) throws -> Batch)? {
        guard let readable = dataset as? any BatchReadableDataset else { return nil }
        return batchReader(opening: readable)
    }

    private static func batchReader<R: BatchReadableDataset>(opening dataset: R) -> (([Int]) throws -> Batch)? {
        let read: ([Int]) throws -> R.Element.Batch = { try dataset.batch(at: $0) }
        return read as? ([Int]) throws -> Batch
    }

    deinit {
        persistentPool?.shutdown()
    }

    /// The number of batches per epoch (PyTorch's `len(loader)`); nil for an iterable dataset.
    public var count: Int? {
        batchSampler?.count
    }

    /// The epoch of the running iteration, or of the next one when none is running. Set it before
    /// iterating to number epochs yourself.
    public var epoch: Int {
        get {
            if let pendingResume { return pendingResume.epoch }
            if let active, !active.finished { return active.epoch }
            return nextEpoch
        }
        set {
            // Moving past a loaded position's epoch: replay that epoch's draws from its saved random
            // state first, so the later epochs shuffle as they would have in the unbroken run.
            if let pendingResume, newValue > pendingResume.epoch { _ = try? beginEpoch(resume: pendingResume) }
            nextEpoch = newValue
            active = nil
            pendingResume = nil
        }
    }

    /// Worker threads running now, for tests and diagnostics (persistent workers only; an
    /// iteration's own workers are counted by ``Iterator/runningWorkers``).
    public var persistentWorkersRunning: Int {
        persistentPool?.runningWorkers ?? 0
    }
}

// MARK: - Convenience initialisers with the default collation

extension DataLoader {
    /// A loader whose batches are collated by the sample type's ``Collatable`` rule (PyTorch's
    /// `default_collate`): `TensorDataset` gives `[Tensor]` batches, a dataset of `Tensor` gives
    /// `Tensor`, of `[String: Tensor]` gives `[String: Tensor]`. A ``BatchReadableDataset`` (such as
    /// `TensorDataset`, or a `Subset` of one) is read a whole batch at a time.
    public convenience init<D: Dataset>(
        _ dataset: D,
        batchSize: Int = 1,
        shuffle: Bool = false,
        sampler: (any Sampler<Int>)? = nil,
        batchSampler: (any Sampler<[Int]>)? = nil,
        numWorkers: Int = 0,
        pinMemory: Bool = false,
        dropLast: Bool = false,
        timeout: Double? = nil,
        prefetchFactor: Int? = nil,
        persistentWorkers: Bool = false,
        generator: Generator? = nil
    ) throws(TorchError) where D.Element: Collatable, D.Element.Batch == Batch {
        try self.init(
            dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler, numWorkers: numWorkers,
            collate: { try D.Element.collate($0) }, pinMemory: pinMemory, dropLast: dropLast, timeout: timeout,
            prefetchFactor: prefetchFactor, persistentWorkers: persistentWorkers, generator: generator)
        if let read = Self.batchReader(of: dataset) { readingWholeBatches(read, count: dataset.count) }
    }

    /// A loader over a dataset of pairs, collated element by element: `(Tensor, Int)` samples give
    /// `(Tensor, Tensor)` batches.
    public convenience init<D: Dataset, A: Collatable, B: Collatable>(
        _ dataset: D,
        batchSize: Int = 1,
        shuffle: Bool = false,
        sampler: (any Sampler<Int>)? = nil,
        batchSampler: (any Sampler<[Int]>)? = nil,
        numWorkers: Int = 0,
        pinMemory: Bool = false,
        dropLast: Bool = false,
        timeout: Double? = nil,
        prefetchFactor: Int? = nil,
        persistentWorkers: Bool = false,
        generator: Generator? = nil
    ) throws(TorchError) where D.Element == (A, B), Batch == (A.Batch, B.Batch) {
        try self.init(
            dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler, numWorkers: numWorkers,
            collate: { try defaultCollate($0) }, pinMemory: pinMemory, dropLast: dropLast, timeout: timeout,
            prefetchFactor: prefetchFactor, persistentWorkers: persistentWorkers, generator: generator)
    }

    /// A loader over an iterable dataset, collated by the sample type's ``Collatable`` rule.
    public convenience init<D: IterableDataset>(
        _ dataset: D,
        batchSize: Int = 1,
        numWorkers: Int = 0,
        pinMemory: Bool = false,
        dropLast: Bool = false,
        timeout: Double? = nil,
        prefetchFactor: Int? = nil,
        persistentWorkers: Bool = false,
        generator: Generator? = nil
    ) throws(TorchError) where D.Element: Collatable, D.Element.Batch == Batch {
        try self.init(
            dataset, batchSize: batchSize, numWorkers: numWorkers, collate: { try D.Element.collate($0) }, pinMemory: pinMemory,
            dropLast: dropLast, timeout: timeout, prefetchFactor: prefetchFactor, persistentWorkers: persistentWorkers, generator: generator)
    }
}

// MARK: - Epochs and the saveable position

extension DataLoader {
    /// One epoch's draws and progress.
    final class EpochRecord {
        let epoch: Int
        let baseSeed: UInt64
        let generatorState: [UInt8]?
        let samplerState: SamplerState?
        /// The epoch's batches of indices (map-style datasets).
        let plan: [[Int]]?
        /// Batches already handed out before this iteration began (a resume).
        let skip: Int
        var yielded: Int
        var started = false
        var finished = false

        init(epoch: Int, baseSeed: UInt64, generatorState: [UInt8]?, samplerState: SamplerState?, plan: [[Int]]?, skip: Int) {
            self.epoch = epoch
            self.baseSeed = baseSeed
            self.generatorState = generatorState
            self.samplerState = samplerState
            self.plan = plan
            self.skip = skip
            self.yielded = skip
        }

        var state: DataLoaderState {
            DataLoaderState(epoch: epoch, batchesYielded: yielded, baseSeed: baseSeed, generatorState: generatorState, samplerState: samplerState)
        }
    }

    /// Draws an epoch's base seed and order (PyTorch's order: the base seed first, then the
    /// sampler), or replays them from a saved state.
    private func beginEpoch(resume: DataLoaderState?) throws -> EpochRecord {
        let epoch = resume?.epoch ?? nextEpoch
        let baseSeed: UInt64
        if let resume {
            // The saved generator state is the one after the base seed was drawn.
            if let saved = resume.generatorState, let generator {
                try generator.setState(generatorStateTensor(saved))
            }
            baseSeed = resume.baseSeed
        } else if persistentWorkers, let persistentBaseSeed {
            baseSeed = persistentBaseSeed  // PyTorch draws it once for persistent workers
        } else {
            baseSeed = try Self.drawBaseSeed(generator)
        }
        if persistentWorkers { persistentBaseSeed = baseSeed }
        let generatorState = try generator?.state().bytes()

        var samplerState: SamplerState?
        var plan: [[Int]]?
        if let batchSampler {
            batchSampler.setEpoch(epoch)
            if let saved = resume?.samplerState { try batchSampler.loadStateDict(saved) }
            samplerState = try batchSampler.stateDict()
            plan = try batchSampler.epochIndices()
        }
        let skip = min(resume?.batchesYielded ?? 0, plan?.count ?? .max)
        nextEpoch = epoch + 1
        return EpochRecord(epoch: epoch, baseSeed: baseSeed, generatorState: generatorState, samplerState: samplerState, plan: plan, skip: skip)
    }

    private static func drawBaseSeed(_ generator: Generator?) throws(TorchError) -> UInt64 {
        UInt64(bitPattern: try Tensor.empty([], dtype: .int64).random_(generator: generator).item(Int64.self))
    }

    /// The loader's position: the epoch under way (or the next one), the batches of it already
    /// handed out, and the random state its order was drawn from. Save it with a checkpoint;
    /// ``loadStateDict(_:)`` on a loader built the same way resumes exactly there.
    ///
    /// Between epochs this draws the next epoch's base seed and order now rather than at the next
    /// ``makeIterator()`` (which then uses them), so that the saved state determines that epoch.
    public func stateDict() throws -> DataLoaderState {
        if let pendingResume { return pendingResume }
        if let active, !active.finished { return active.state }
        let prepared = try beginEpoch(resume: nil)
        active = prepared
        return prepared.state
    }

    /// Restores a position from ``stateDict()``: the next ``makeIterator()`` continues that epoch
    /// after its `batchesYielded` batches, in the same order, and later epochs follow as they would
    /// have.
    public func loadStateDict(_ state: DataLoaderState) throws(TorchError) {
        guard state.epoch >= 0, state.batchesYielded >= 0 else {
            throw TorchError("invalid DataLoader state: epoch \(state.epoch), batchesYielded \(state.batchesYielded)")
        }
        pendingResume = state
        active = nil
    }
}

// MARK: - Iteration

extension DataLoader {
    /// Starts an epoch (or continues a loaded position) and returns its iterator. With workers,
    /// they start reading ahead at once.
    public func makeIterator() throws -> Iterator {
        let record: EpochRecord
        if let resume = pendingResume {
            record = try beginEpoch(resume: resume)
            pendingResume = nil
        } else if let prepared = active, !prepared.started, !prepared.finished {
            record = prepared
        } else {
            record = try beginEpoch(resume: nil)
        }
        record.started = true
        active = record
        let iterator = try Iterator(loader: self, record: record)
        // An iterable dataset has no plan to start from: skip the batches already handed out.
        if record.plan == nil {
            for _ in 0..<record.skip {
                guard try iterator.producerNext() != nil else { break }
            }
        }
        return iterator
    }

    /// Runs `body` on every batch of one epoch, on the calling thread.
    public func forEach(_ body: (Batch) throws -> Void) throws {
        let iterator = try makeIterator()
        defer { iterator.close() }
        while let batch = try iterator.next() {
            try body(batch)
        }
    }

    /// One epoch's batches. Not a Swift `IteratorProtocol`, because reading a batch can fail:
    /// `while let batch = try iterator.next() { … }`.
    public final class Iterator {
        private let loader: DataLoader
        private let record: EpochRecord
        private var produce: () throws(DataLoaderError) -> Batch?
        /// Stops the workers; the argument says whether to wait for them.
        private var stop: (Bool) -> Void
        private let countWorkers: () -> Int
        private var closed = false

        fileprivate init(loader: DataLoader, record: EpochRecord) throws {
            self.loader = loader
            self.record = record
            let context = BatchContext(epoch: record.epoch, baseSeed: record.baseSeed, batchIndex: 0, worker: nil, numWorkers: loader.numWorkers)
            switch loader.source {
            case .map(let fetch):
                let plan = record.plan ?? []
                if loader.numWorkers == 0 {
                    var position = record.skip
                    produce = { () throws(DataLoaderError) -> Batch? in
                        guard position < plan.count else { return nil }
                        var batchContext = context
                        batchContext.batchIndex = position
                        position += 1
                        return try fetch(plan[position - 1], batchContext)
                    }
                    stop = { _ in }
                    countWorkers = { 0 }
                } else if loader.persistentWorkers {
                    let pool = loader.persistentPool ?? MapWorkerPool(numWorkers: loader.numWorkers, prefetchFactor: loader.prefetchFactor, timeout: loader.timeout, fetch: fetch)
                    loader.persistentPool = pool
                    let generation = pool.begin(plan: plan, start: record.skip, epoch: record.epoch, baseSeed: record.baseSeed)
                    produce = { () throws(DataLoaderError) -> Batch? in try pool.next(generation: generation) }
                    stop = { _ in pool.cancel(generation: generation) }
                    countWorkers = { 0 }  // the loader's threads, counted by persistentWorkersRunning
                } else {
                    let pool = MapWorkerPool(numWorkers: loader.numWorkers, prefetchFactor: loader.prefetchFactor, timeout: loader.timeout, fetch: fetch)
                    let generation = pool.begin(plan: plan, start: record.skip, epoch: record.epoch, baseSeed: record.baseSeed)
                    produce = { () throws(DataLoaderError) -> Batch? in try pool.next(generation: generation) }
                    stop = { wait in pool.shutdown(wait: wait) }
                    countWorkers = { pool.runningWorkers }
                }
            case .iterable(let makeStream):
                if loader.numWorkers == 0 {
                    let stream = try makeStream(nil, context)
                    produce = stream
                    stop = { _ in }
                    countWorkers = { 0 }
                } else {
                    let numWorkers = loader.numWorkers
                    let pool = StreamWorkerPool<Batch>(numWorkers: numWorkers, prefetchFactor: loader.prefetchFactor, timeout: loader.timeout) { (id) throws(DataLoaderError) in
                        var workerContext = context
                        workerContext.worker = id
                        let info = WorkerInfo(id: id, numWorkers: numWorkers, seed: context.baseSeed &+ UInt64(id), sampleSeed: 0)
                        return try makeStream(info, workerContext)
                    }
                    produce = { () throws(DataLoaderError) -> Batch? in try pool.next() }
                    stop = { wait in pool.shutdown(wait: wait) }
                    countWorkers = { pool.runningWorkers }
                }
            }
        }

        deinit {
            close()
        }

        /// The next batch, or nil at the end of the epoch. A failure is thrown once, as a
        /// ``DataLoaderError``; the iteration then ends (its workers are stopped).
        public func next() throws -> Batch? {
            guard !closed else { return nil }
            let batch: Batch?
            do {
                batch = try producerNext()
            } catch {
                // After a timeout a worker may be stuck in a read: do not wait for it.
                close(waitForWorkers: error.stage != .timeout)
                throw error
            }
            guard let batch else {
                record.finished = true
                close()
                return nil
            }
            record.yielded += 1
            return batch
        }

        fileprivate func producerNext() throws(DataLoaderError) -> Batch? {
            try produce()
        }

        /// Stops this iteration now: worker threads finish the batch they are reading and exit
        /// (persistent workers go idle). Called when the iterator is released.
        public func close() {
            close(waitForWorkers: true)
        }

        private func close(waitForWorkers: Bool) {
            guard !closed else { return }
            closed = true
            stop(waitForWorkers)
            produce = { nil }
            stop = { _ in }
        }

        /// Worker threads of this iteration still running: 0 once it is closed or finished (but for a
        /// worker left reading after a timeout), and always 0 with persistent workers, which belong to
        /// the loader (``DataLoader/persistentWorkersRunning``).
        public var runningWorkers: Int {
            countWorkers()
        }

        /// The epoch this iterator belongs to.
        public var epoch: Int { record.epoch }

        /// The dataset indices of the batch ``next()`` returned last (map-style datasets), as
        /// Lightning's `_IndexBatchSamplerWrapper.seen_batch_indices` records them.
        public var lastIndices: [Int]? {
            guard let plan = record.plan, record.yielded > 0, record.yielded <= plan.count else { return nil }
            return plan[record.yielded - 1]
        }
    }
}
