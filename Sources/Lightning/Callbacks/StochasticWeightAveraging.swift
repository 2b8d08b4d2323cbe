import Torch

/// Averages the weights of the last epochs of training (Lightning's `StochasticWeightAveraging`,
/// after Izmailov et al., "Averaging Weights Leads to Wider Optima and Better Generalization").
///
/// From `swaEpochStart` on, the learning rate is annealed to `swaLRs` by `SWALR` and the weights
/// are added to a running average at the start of every epoch. When training ends the model takes
/// the averaged weights; a model with batch normalization gets one more epoch, forward passes only,
/// to recompute the running statistics for them.
///
/// ```swift
/// let swa = try StochasticWeightAveraging(swaLRs: 0.05, swaEpochStart: 0.8)
/// let trainer = try Trainer(callbacks: [swa], maxEpochs: 20)
/// ```
///
/// Lightning also takes one optimizer step at the end of the batch-norm epoch, with the gradients
/// left from the epoch before, which moves the weights off the average; here that epoch takes no
/// step, so training ends with exactly the averaged weights (and the statistics computed for them).
open class StochasticWeightAveraging: Callback {
    /// When averaging starts: a 1-based epoch, or a fraction of `maxEpochs`.
    public enum EpochStart: Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        case epoch(Int)
        case fraction(Double)

        public init(integerLiteral value: Int) { self = .epoch(value) }
        public init(floatLiteral value: Double) { self = .fraction(value) }
    }

    /// The averaging rule: the new average from the average so far, the current weight and the
    /// number of models averaged so far.
    public typealias AveragingFunction = (_ averaged: Tensor, _ current: Tensor, _ numAveraged: Int) throws -> Tensor

    public let annealingEpochs: Int
    public let annealingStrategy: SWALR.AnnealStrategy
    /// Where the averaged weights live (nil: with the model).
    public let device: Device?
    /// The number of models averaged so far.
    public private(set) var numAveraged: Int?

    private var swaEpochStart: EpochStart
    private var swaLRs: [Double]
    private let averagingFunction: AveragingFunction
    /// The averaged model's state: parameters averaged, buffers as they were at setup (Lightning
    /// keeps a deep copy of the module).
    private var averageState: [(name: String, tensor: Tensor)] = []
    private var initialized = false
    private var scheduler: SWALR?
    private var restoredSchedulerState: StateMap?
    private var restoredNumAveraged = 0
    private var latestUpdateEpoch = -1
    private var momenta: [(layer: BatchNormLayer, momentum: Double?)] = []
    private var containsBatchNorm = false
    private var maxEpochs = -1

    /// - Parameters:
    ///   - swaLRs: The SWA learning rate of every parameter group (one value for all, or one each).
    ///   - swaEpochStart: The 1-based epoch to start at, or a fraction of `maxEpochs` (default 0.8).
    ///   - annealingEpochs: Epochs to anneal from the current rate to the SWA rate.
    ///   - annealingStrategy: The annealing curve: `.cos` or `.linear`.
    ///   - averagingFunction: The averaging rule; nil averages equally.
    ///   - device: Where to keep the averaged weights (default the CPU; nil: the model's device).
    public init(swaLRs: [Double], swaEpochStart: EpochStart = 0.8, annealingEpochs: Int = 10,
                annealingStrategy: SWALR.AnnealStrategy = .cos, averagingFunction: AveragingFunction? = nil,
                device: Device? = .cpu) throws {
        let validStart: Bool = switch swaEpochStart {
        case .epoch(let epoch): epoch >= 1
        case .fraction(let fraction): (0...1).contains(fraction)
        }
        guard validStart else {
            throw LightningError.configuration("swaEpochStart should be a >0 integer or a float between 0 and 1.")
        }
        guard !swaLRs.isEmpty, swaLRs.allSatisfy({ $0 > 0 }) else {
            throw LightningError.configuration("The `swaLRs` should be a positive number, or a list of positive numbers")
        }
        self.swaLRs = swaLRs
        self.swaEpochStart = swaEpochStart
        self.annealingEpochs = annealingEpochs
        self.annealingStrategy = annealingStrategy
        self.averagingFunction = averagingFunction ?? { averaged, current, count in
            try averaged + (current - averaged) / Double(count + 1)
        }
        self.device = device
    }

    /// One SWA learning rate for every parameter group.
    public convenience init(swaLRs: Double, swaEpochStart: EpochStart = 0.8, annealingEpochs: Int = 10,
                            annealingStrategy: SWALR.AnnealStrategy = .cos, averagingFunction: AveragingFunction? = nil,
                            device: Device? = .cpu) throws {
        try self.init(swaLRs: [swaLRs], swaEpochStart: swaEpochStart, annealingEpochs: annealingEpochs,
                      annealingStrategy: annealingStrategy, averagingFunction: averagingFunction, device: device)
    }

    /// The first epoch (0-based) whose weights are averaged.
    public var swaStart: Int {
        if case .epoch(let epoch) = swaEpochStart { return Swift.max(epoch - 1, 0) }
        return 0
    }

    /// The last epoch (0-based) whose weights are averaged (`Int.max` for endless training).
    public var swaEnd: Int { maxEpochs == -1 ? Int.max : maxEpochs - 1 }

    // MARK: Hooks

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        guard stage == .fit else { return }
        // A copy of the model before it moves to the accelerator (Lightning's deepcopy).
        averageState = try module.stateDict().map { ($0.key, try $0.value.detach().clone()) }
    }

    open func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.optimizers.count == 1 else {
            throw LightningError.configuration("SWA currently works with 1 optimizer; configureOptimizers returned \(trainer.optimizers.count).")
        }
        guard trainer.lrSchedulerConfigs.count <= 1 else {
            throw LightningError.configuration("SWA currently not supported for more than 1 `lr_scheduler`.")
        }
        if case .fraction(let fraction) = swaEpochStart {
            guard trainer.maxEpochs != -1 else {
                throw LightningError.configuration("SWA with `swaEpochStart` as a fraction is not supported when `maxEpochs` is -1. Please provide `swaEpochStart` as an integer.")
            }
            swaEpochStart = .epoch(Int(Double(trainer.maxEpochs) * fraction))
        }
        containsBatchNorm = module.modules().contains { $0 is BatchNormLayer }
        maxEpochs = trainer.maxEpochs
        if containsBatchNorm && trainer.maxEpochs != -1 {
            // One more epoch to recompute the batch-norm statistics for the averaged weights.
            trainer.loopOverrides.maxEpochs = trainer.maxEpochs + 1
        }
        // A restored SWALR state replaces the module's scheduler when averaging (re)starts.
        if restoredSchedulerState != nil { trainer.lrSchedulerConfigs.removeAll() }
    }

    open func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        let epoch = trainer.currentEpoch
        let averaging = swaStart <= epoch && epoch <= swaEnd
        if !initialized && averaging {
            initialized = true
            try installScheduler(trainer, epoch: epoch)
            if numAveraged == nil { numAveraged = restoredNumAveraged }
        }
        if averaging && epoch > latestUpdateEpoch {
            try updateAverage(module)
            latestUpdateEpoch = epoch
        }
        if maxEpochs != -1 && epoch == swaEnd + 1 {
            try transferAverage(to: module)
            try resetBatchNorm(module)
            trainer.loopOverrides.forwardOnly = true
        }
    }

    open func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        trainer.loopOverrides.forwardOnly = false
    }

    open func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        if containsBatchNorm && maxEpochs != -1 && trainer.currentEpoch - 1 == swaEnd + 1 {
            trainer.loopOverrides.maxEpochs = nil
            for (layer, momentum) in momenta { layer.momentum = momentum }
            momenta = []
        } else if trainer.currentEpoch - 1 == swaEnd || maxEpochs == -1, (numAveraged ?? 0) > 0 {
            // Unlike Lightning, only an average that has begun is transferred: a run without an
            // epoch limit that stops before `swaEpochStart` keeps its trained weights (Lightning
            // copies in the average model, which still holds the weights from before training).
            try transferAverage(to: module)
        }
    }

    // MARK: Averaging

    private func installScheduler(_ trainer: Trainer, epoch: Int) throws {
        let optimizer = trainer.optimizers[0]
        let groups = optimizer.paramGroups.count
        if swaLRs.count == 1 && groups > 1 { swaLRs = Array(repeating: swaLRs[0], count: groups) }
        guard swaLRs.count == groups else {
            throw LightningError.configuration("SWA was given \(swaLRs.count) learning rates for an optimizer with \(groups) parameter groups")
        }
        for (index, rate) in swaLRs.enumerated() { optimizer.paramGroups[index].options["initial_lr"] = .double(rate) }
        let scheduler = try SWALR(optimizer, swaLRs: swaLRs, annealEpochs: annealingEpochs, annealStrategy: annealingStrategy,
                                  lastEpoch: annealingStrategy == .cos ? trainer.maxEpochs : -1)
        if let restoredSchedulerState {
            try scheduler.loadStateDict(restoredSchedulerState)
        } else if epoch != swaStart {
            trainer.print("warning: SWA is initializing after swaStart without any checkpoint data. This may be caused by loading a checkpoint from an older version of Lightning.")
        }
        self.scheduler = scheduler
        let configuration = LRSchedulerConfiguration(scheduler)
        if let existing = trainer.lrSchedulerConfigs.first {
            if existing.interval != .epoch || existing.frequency != 1 {
                trainer.print("warning: SWA is currently only supported every epoch. Found a scheduler stepped every \(existing.frequency) \(existing.interval.rawValue)(s)")
            }
            trainer.print("Swapping scheduler `\(type(of: existing.scheduler))` for `SWALR`")
            trainer.lrSchedulerConfigs[0] = configuration
        } else {
            trainer.lrSchedulerConfigs.append(configuration)
        }
    }

    /// Adds the module's current weights to the average (Lightning's `update_parameters`).
    private func updateAverage(_ module: any LightningModule) throws {
        let count = numAveraged ?? 0
        let current = Dictionary(module.namedParameters(), uniquingKeysWith: { a, _ in a })
        try noGrad {
            for index in averageState.indices {
                // Only parameters are averaged (the batch-norm epoch recomputes the buffers).
                guard let parameter = current[averageState[index].name] else { continue }
                let average = averageState[index].tensor
                let target = try average.to(device ?? parameter.device)
                let weight = try parameter.detach().to(target.device)
                let updated = count == 0 ? weight : try averagingFunction(target, weight, count)
                try target.copy_(src: updated)
                averageState[index].tensor = target
            }
        }
        numAveraged = count + 1
    }

    /// Copies the averaged parameters into the module (Lightning's `transfer_weights`).
    private func transferAverage(to module: any LightningModule) throws {
        let average = Dictionary(averageState.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        try noGrad {
            for (name, parameter) in module.namedParameters() {
                guard let value = average[name] else { continue }
                try parameter.copy_(src: value.to(parameter.device))
            }
        }
    }

    /// Zeroes the batch-norm statistics and makes them a plain average over the next epoch
    /// (Lightning's `reset_batch_norm_and_save_state`).
    private func resetBatchNorm(_ module: any LightningModule) throws {
        momenta = []
        for case let layer as BatchNormLayer in module.modules() {
            try layer.resetRunningStats()
            momenta.append((layer, layer.momentum))
            layer.momentum = nil
        }
    }

    // MARK: State

    /// `n_averaged`, `latest_update_epoch`, `scheduler_state` and `average_model_state`, as Lightning.
    open func stateDict() -> PickleValue? {
        .dict([
            (.string("n_averaged"), .int(numAveraged ?? 0)),
            (.string("latest_update_epoch"), .int(latestUpdateEpoch)),
            (.string("scheduler_state"), scheduler.map { $0.stateDict().pickleValue } ?? .none),
            (.string("average_model_state"), averageState.isEmpty ? .none : StateDict(averageState.map { ($0.name, $0.tensor) }).pickleValue),
        ])
    }

    open func loadStateDict(_ state: PickleValue) throws {
        restoredNumAveraged = state["n_averaged"]?.intValue ?? 0
        latestUpdateEpoch = state["latest_update_epoch"]?.intValue ?? -1
        if let scheduler = state["scheduler_state"], !scheduler.isNone {
            guard case .dict(let map) = StateValue(scheduler) else {
                throw LightningError.checkpoint("StochasticWeightAveraging's scheduler_state in the checkpoint is not a dictionary")
            }
            restoredSchedulerState = map
        }
        if let model = state["average_model_state"], !model.isNone, !averageState.isEmpty {
            let restored = try StateDict(model)
            for index in averageState.indices {
                guard let tensor = restored[averageState[index].name] else {
                    throw LightningError.checkpoint("StochasticWeightAveraging's average_model_state lacks `\(averageState[index].name)`")
                }
                averageState[index].tensor = try tensor.to(averageState[index].tensor.device)
            }
        }
    }
}
