import Foundation
import Torch

// The Trainer in a DDP run: joining the process group, the device of each rank, the share of the
// data, gradient synchronisation, and the collectives callbacks and modules use.

extension Trainer {
    /// Chooses the device and, for more than one process, launches the local ranks (first time
    /// only) and joins the process group (Lightning's `strategy.setup_environment`).
    func setupStrategy() throws {
        let selection = try AcceleratorSelection(accelerator: configuration.accelerator, devices: configuration.devices,
                                                 numNodes: configuration.numNodes)
        ddpStrategy = try configuration.strategy.resolve(processes: selection.worldSize)
        if let strategy = ddpStrategy, runtime == nil {
            runtime = try DistributedRuntime.start(
                try selection.clusterEnvironment(strategy.clusterEnvironment ?? configuration.clusterEnvironment),
                selection: selection, timeout: strategy.timeout)
        }
        // One process still runs in a cluster environment (SLURM's requeue applies to it).
        clusterEnvironment = runtime?.environment ?? configuration.clusterEnvironment
            ?? (SLURMEnvironment.detect() ? SLURMEnvironment() : nil)
        armRequeueSignal()
        device = selection.device(localRank: localRank)
        // `syncDist` values reduce through the process group (set once, not per `log` call).
        let sync: ((Tensor, ReduceOp) throws -> Tensor)? = runtime == nil ? nil : { [unowned self] in
            try self.reduce($0, op: $1, checkingShape: false)
        }
        metrics.training.sync = sync
        metrics.evaluation.sync = sync
    }

    /// What a loader feeds, which decides how it is split across ranks.
    enum LoaderUse {
        case training, evaluation, prediction
    }

    /// `loader` as this rank's share, when the run is distributed and `useDistributedSampler` is
    /// on (Lightning's `_process_dataloader`): training data is always shuffled (per epoch, seeded
    /// with `PL_GLOBAL_SEED`), whatever the loader's own sampler was; evaluation data keeps the
    /// loader's shuffling; prediction data is split without repeating samples, so each sample is
    /// predicted once (the ranks' batch counts may differ by one).
    func shard<Batch>(_ loader: any BatchLoader<Batch>, for use: LoaderUse) throws -> any BatchLoader<Batch> {
        guard let runtime, configuration.useDistributedSampler else { return loader }
        return try loader.distributed(rank: runtime.globalRank, worldSize: runtime.worldSize,
                                      shuffle: use == .training ? true : nil, seed: globalSeed,
                                      unrepeated: use == .prediction) ?? loader
    }

    /// `prepareData` of the data module and the module, on local rank 0 of each machine only (the
    /// others wait), as Lightning's `prepare_data_per_node`.
    func prepareData<M: LightningModule>(_ module: M, _ data: RunData<M>) throws {
        if localRank == 0 {
            try data.prepareData()
            try callModule(.named("prepare_data")) { try module.prepareData() }
        }
        try barrier()
    }

    /// The training loader from the module or data module, as this rank's share.
    func loadTrainData<M: LightningModule>(_ data: RunData<M>) throws -> (any BatchLoader<M.Batch>)? {
        let loader = try callModule(.named("train_dataloader")) { try data.train() }
        return try loader.map { try shard($0, for: .training) }
    }

    /// Synchronises `module` with rank 0 and readies gradient averaging (fit only).
    func wrapForDistributedTraining(_ module: Module) throws {
        guard let runtime, let strategy = ddpStrategy else {
            ddp = nil
            return
        }
        ddp = try runtime.guarding {
            try DistributedDataParallel(module, processGroup: runtime.processGroup,
                                        findUnusedParameters: strategy.findUnusedParameters,
                                        broadcastBuffers: strategy.broadcastBuffers, bucketCapMB: strategy.bucketCapMB)
        }
    }

    /// Stops with an error naming the rank when `launcher` (this node's, see
    /// ``SubprocessLauncher/current``) saw a local rank fail (checked between training steps, as
    /// Lightning's watchdog).
    func checkPeers(_ launcher: SubprocessLauncher) throws {
        if let failure = launcher.firstFailure {
            throw LightningError.distributed("\(failure); rank \(globalRank) stopped")
        }
    }

    // MARK: Collectives (no-ops with one process)

    /// Waits until every rank gets here (Lightning's `strategy.barrier`).
    public func barrier() throws {
        guard let runtime else { return }
        try runtime.guarding { try runtime.processGroup.barrier() }
    }

    /// Rank `root`'s `value` on every rank (Lightning's `strategy.broadcast` for a string).
    public func broadcast(_ value: String, from root: Int = 0) throws -> String {
        guard let runtime else { return value }
        return try runtime.guarding { try runtime.processGroup.broadcast(value, from: root) }
    }

    /// Combines `tensor` across the ranks into a new tensor (Lightning's `strategy.reduce`; mean by
    /// default). Every rank passes the same shape and dtype (checked first: a mismatch is an error
    /// on every rank, where Gloo would abort the process).
    public func allReduce(_ tensor: Tensor, op: ReduceOp = .mean) throws -> Tensor {
        try reduce(tensor, op: op, checkingShape: true)
    }

    /// ``allReduce(_:op:)``; `checkingShape: false` for the Trainer's own reductions, whose shapes
    /// agree by construction (a logged scalar).
    func reduce(_ tensor: Tensor, op: ReduceOp, checkingShape: Bool) throws -> Tensor {
        guard let runtime else { return tensor }
        var reduced = try tensor.detach().clone().contiguous()
        if op == .mean && !reduced.isFloatingPoint { reduced = try reduced.to(dtype: .float32) }
        let result = reduced
        try runtime.guarding {
            if checkingShape { try runtime.processGroup.requireSameShape(result, for: "allReduce") }
            try runtime.processGroup.allReduce(result, op: op)
        }
        return result
    }

    /// `tensor` from every rank, stacked along a new first dimension (Lightning's `all_gather`).
    /// Every rank passes the same shape and dtype (checked first, as ``allReduce(_:op:)``).
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        guard let runtime else { return try tensor.unsqueeze(dim: 0) }
        return try runtime.guarding {
            try runtime.processGroup.requireSameShape(tensor, for: "allGather")
            return try Tensor.stack(try runtime.processGroup.allGather(tensor.detach()))
        }
    }

    /// One decision from every rank's: true when all ranks (or, with `all: false`, any rank) decided
    /// true (Lightning's `strategy.reduce_boolean_decision`).
    public func reduceBooleanDecision(_ decision: Bool, all: Bool = true) throws -> Bool {
        guard let runtime else { return decision }
        let range = try runtime.guarding { try runtime.processGroup.extremes([decision ? 1 : 0]) }[0]
        return all ? range.lowerBound == 1 : range.upperBound == 1
    }
}

extension LightningModule {
    /// `tensor` from every rank, stacked along a new first dimension (Lightning's
    /// `self.all_gather`); with one process, `tensor` with a leading dimension of 1.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        guard let trainer else { return try tensor.unsqueeze(dim: 0) }
        return try trainer.allGather(tensor)
    }
}
