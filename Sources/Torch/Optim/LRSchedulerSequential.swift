// Schedulers of schedulers: SequentialLR and ChainedScheduler.

/// Runs schedulers one after another, switching at the milestone epochs, as PyTorch's
/// `SequentialLR`.
///
/// ```swift
/// let warmup = try LinearLR(optimizer, startFactor: 0.1, totalIters: 5)
/// let decay = try CosineAnnealingLR(optimizer, tMax: 95)
/// let scheduler = try SequentialLR(optimizer, schedulers: [warmup, decay], milestones: [5])
/// ```
///
/// The schedulers must drive `optimizer`; creating this one rewinds them as PyTorch does.
public final class SequentialLR: LRScheduler {
    public let schedulers: [LRScheduler]
    public let milestones: [Int]

    public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int], lastEpoch: Int = -1) throws(TorchError) {
        guard !schedulers.isEmpty else {
            throw TorchError("SequentialLR expects at least one scheduler, but got no scheduler.")
        }
        for (index, scheduler) in schedulers.enumerated() where scheduler.optimizer !== optimizer {
            throw TorchError("SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler \(type(of: scheduler)) at index \(index) has a different optimizer.")
        }
        guard milestones.count == schedulers.count - 1 else {
            throw TorchError("Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers \(schedulers.count) and the number of milestones to be equal to \(milestones.count)")
        }
        self.schedulers = schedulers
        self.milestones = milestones
        super.init(composing: optimizer, lastEpoch: lastEpoch + 1)
        for index in optimizer.paramGroups.indices {
            optimizer.paramGroups[index].lr = try optimizer.paramGroups[index].double("initial_lr")
        }
        SequentialLR.undo(self)
        try schedulers[0].initialStep()
        lastLR = schedulers[0].getLastLR()
    }

    /// Steps back the schedulers inside (PyTorch's `recursive_undo`).
    private static func undo(_ scheduler: LRScheduler) {
        if let composite = scheduler as? SequentialLR {
            composite.schedulers.forEach(undo)
        } else if let composite = scheduler as? ChainedScheduler {
            composite.schedulers.forEach(undo)
        } else {
            scheduler.lastEpoch -= 1
        }
    }

    public override func step() throws(TorchError) {
        lastEpoch += 1
        let index = milestones.firstIndex { $0 > lastEpoch } ?? milestones.count
        let scheduler = schedulers[index]
        if index > 0 && milestones[index - 1] == lastEpoch {
            try scheduler.updateLR(epoch: 0)
        } else {
            try scheduler.step()
        }
        lastLR = scheduler.getLastLR()
    }

    /// `_milestones`, `last_epoch`, `_last_lr`, and `_schedulers` (each scheduler's state).
    public override func stateDict() -> StateMap {
        ["_milestones": .list(milestones.map { .int($0) }), "last_epoch": .int(lastEpoch), "_last_lr": StateValue(lastLR),
         "_schedulers": .list(schedulers.map { .dict($0.stateDict()) })]
    }

    public override func loadStateDict(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "last_epoch", into: &lastEpoch)
        if let value = state["_last_lr"] { lastLR = try Self.doubles(value, "_last_lr") }
        if let value = state["_schedulers"] {
            guard let list = value.arrayValue, list.count == schedulers.count else {
                throw TorchError("scheduler state '_schedulers' must list the state of \(schedulers.count) schedulers; got \(value)")
            }
            for (scheduler, item) in zip(schedulers, list) {
                guard let map = item.dictValue else { throw TorchError("scheduler state '_schedulers' holds a non-dict: \(item)") }
                try scheduler.loadStateDict(map)
            }
        }
    }
}

/// Steps several schedulers together, so their factors multiply, as PyTorch's `ChainedScheduler`.
///
/// ```swift
/// let scheduler = ChainedScheduler([try ConstantLR(optimizer, factor: 0.1, totalIters: 2),
///                                   try ExponentialLR(optimizer, gamma: 0.9)])
/// ```
public final class ChainedScheduler: LRScheduler {
    public let schedulers: [LRScheduler]

    public init(_ schedulers: [LRScheduler], optimizer: Optimizer? = nil) throws(TorchError) {
        guard let first = schedulers.first else {
            throw TorchError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
        }
        let optimizer = optimizer ?? first.optimizer
        for (index, scheduler) in schedulers.enumerated() where scheduler.optimizer !== optimizer {
            throw TorchError("ChainedScheduler expects all schedulers to belong to the same optimizer, but got scheduler \(type(of: scheduler)) at index \(index) has a different optimizer.")
        }
        self.schedulers = schedulers
        super.init(composing: optimizer, lastEpoch: -1)
        lastLR = currentRates
    }

    public override func step() throws(TorchError) {
        for scheduler in schedulers { try scheduler.step() }
        lastLR = schedulers[schedulers.count - 1].currentRates
    }

    /// `_last_lr` and `_schedulers` (each scheduler's state).
    public override func stateDict() -> StateMap {
        ["_last_lr": StateValue(lastLR), "_schedulers": .list(schedulers.map { .dict($0.stateDict()) })]
    }

    public override func loadStateDict(_ state: StateMap) throws(TorchError) {
        if let value = state["_last_lr"] { lastLR = try Self.doubles(value, "_last_lr") }
        if let value = state["_schedulers"] {
            guard let list = value.arrayValue, list.count == schedulers.count else {
                throw TorchError("scheduler state '_schedulers' must list the state of \(schedulers.count) schedulers; got \(value)")
            }
            for (scheduler, item) in zip(schedulers, list) {
                guard let map = item.dictValue else { throw TorchError("scheduler state '_schedulers' holds a non-dict: \(item)") }
                try scheduler.loadStateDict(map)
            }
        }
    }
}
