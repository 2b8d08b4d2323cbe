// ReduceLROnPlateau: lower the learning rates when a metric stops improving.

/// Multiplies the learning rates by `factor` when a metric has not improved for `patience`
/// epochs, as PyTorch's `ReduceLROnPlateau`. Step it with the metric (a validation loss, say).
///
/// ```swift
/// let scheduler = try ReduceLROnPlateau(optimizer, mode: .min, factor: 0.5, patience: 3)
/// for epoch in 0..<epochs {
///     try train(epoch)
///     try scheduler.step(validationLoss)
/// }
/// ```
public final class ReduceLROnPlateau: LearningRateScheduler {
    /// Whether the metric should go down (a loss) or up (an accuracy).
    public enum Mode: String, Sendable { case min, max }
    /// Whether `threshold` is relative to the best value or an absolute margin.
    public enum ThresholdMode: String, Sendable { case rel, abs }

    public let optimizer: Optimizer
    public var factor: Double
    /// The minimum rate for every group when one value was given (PyTorch's `default_min_lr`).
    public var defaultMinLR: Double?
    public var minLRs: [Double]
    public var patience: Int
    public var cooldown: Int
    /// Smaller reductions than this are skipped.
    public var eps: Double
    public var lastEpoch: Int = 0
    public private(set) var lastLR: [Double]
    public private(set) var mode: Mode
    public private(set) var threshold: Double
    public private(set) var thresholdMode: ThresholdMode
    /// The worst possible value: +∞ in `.min` mode, −∞ in `.max` mode.
    public private(set) var modeWorse: Double
    /// The best metric seen.
    public var best: Double
    public var cooldownCounter = 0
    public var numBadEpochs = 0

    /// - Parameters:
    ///   - optimizer: The optimizer whose rates are reduced.
    ///   - mode: Whether the watched metric should fall (`.min`) or rise (`.max`).
    ///   - factor: Each reduction multiplies the rates by this.
    ///   - patience: Epochs without improvement before a reduction.
    ///   - threshold: How much better a value must be to count as an improvement.
    ///   - thresholdMode: `threshold` relative to the best value (`.rel`) or absolute (`.abs`).
    ///   - cooldown: Epochs to wait after a reduction before counting again.
    ///   - minLR: The smallest rate for every group; or give `minLRs`, one per group.
    ///   - minLRs: The smallest rate of each group.
    ///   - eps: Reductions smaller than this are skipped.
    public init(
        _ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
        thresholdMode: ThresholdMode = .rel, cooldown: Int = 0, minLR: Double = 0, minLRs: [Double]? = nil, eps: Double = 1e-8
    ) throws(TorchError) {
        guard factor < 1.0 else { throw TorchError("Factor should be < 1.0.") }
        self.optimizer = optimizer
        self.factor = factor
        if let minLRs {
            guard minLRs.count == optimizer.paramGroups.count else {
                throw TorchError("expected \(optimizer.paramGroups.count) min_lrs, got \(minLRs.count)")
            }
            self.defaultMinLR = nil
            self.minLRs = minLRs
        } else {
            self.defaultMinLR = minLR
            self.minLRs = Array(repeating: minLR, count: optimizer.paramGroups.count)
        }
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.lastLR = optimizer.paramGroups.map(\.lr)
        self.mode = mode
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.modeWorse = mode == .min ? .infinity : -.infinity
        self.best = modeWorse
    }

    /// Whether the scheduler is waiting out a cooldown after a reduction.
    public var inCooldown: Bool { cooldownCounter > 0 }

    public func getLastLR() -> [Double] { lastLR }

    /// Records the metric of one epoch and lowers the rates when it has not improved for longer
    /// than `patience` epochs.
    public func step(_ metric: Double) throws(TorchError) {
        lastEpoch += 1
        if isBetter(metric, than: best) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if inCooldown {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            try reduceLR()
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    /// Like ``step(_:)-(Double)`` with a one-element tensor (reading it waits for the device).
    public func step(_ metric: Tensor) throws(TorchError) {
        try step(try metric.item(Double.self))
    }

    private func reduceLR() throws(TorchError) {
        if optimizer.paramGroups.count != minLRs.count {
            guard let defaultMinLR else {
                throw TorchError("The number of param groups in the `optimizer` (\(optimizer.paramGroups.count)) differs from when `ReduceLROnPlateau` was initialized (\(minLRs.count)), usually due to a new param group being added to the optimizer. Please modify the `min_lrs` field to match the length of the `optimizer` param groups.")
            }
            minLRs = Array(repeating: defaultMinLR, count: optimizer.paramGroups.count)
        }
        for index in optimizer.paramGroups.indices {
            let old = optimizer.paramGroups[index].lr
            let new = max(old * factor, minLRs[index])
            if old - new > eps { optimizer.paramGroups[index].lr = new }
        }
    }

    func isBetter(_ a: Double, than best: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): a < best * (1.0 - threshold)
        case (.min, .abs): a < best - threshold
        case (.max, .rel): a > best * (threshold + 1.0)
        case (.max, .abs): a > best + threshold
        }
    }

    /// The keys of PyTorch's `ReduceLROnPlateau.state_dict()`.
    public func stateDict() -> StateMap {
        ["factor": .double(factor), "default_min_lr": defaultMinLR.map { .double($0) } ?? .none,
         "min_lrs": StateValue(minLRs), "patience": .int(patience), "cooldown": .int(cooldown), "eps": .double(eps),
         "last_epoch": .int(lastEpoch), "_last_lr": StateValue(lastLR), "mode_worse": .double(modeWorse),
         "mode": .string(mode.rawValue), "threshold": .double(threshold), "threshold_mode": .string(thresholdMode.rawValue),
         "best": .double(best), "cooldown_counter": .int(cooldownCounter), "num_bad_epochs": .int(numBadEpochs)]
    }

    public func loadStateDict(_ state: StateMap) throws(TorchError) {
        try LRScheduler.load(state, "factor", into: &factor)
        if let value = state["default_min_lr"] { defaultMinLR = value.isNone ? nil : try LRScheduler.double(value, "default_min_lr") }
        if let value = state["min_lrs"] { minLRs = try LRScheduler.doubles(value, "min_lrs") }
        try LRScheduler.load(state, "patience", into: &patience)
        try LRScheduler.load(state, "cooldown", into: &cooldown)
        try LRScheduler.load(state, "eps", into: &eps)
        try LRScheduler.load(state, "last_epoch", into: &lastEpoch)
        if let value = state["_last_lr"] { lastLR = try LRScheduler.doubles(value, "_last_lr") }
        if let value = state["mode"] {
            guard let name = value.stringValue, let loaded = Mode(rawValue: name) else { throw TorchError("mode \(value) is unknown!") }
            mode = loaded
        }
        try LRScheduler.load(state, "threshold", into: &threshold)
        if let value = state["threshold_mode"] {
            guard let name = value.stringValue, let loaded = ThresholdMode(rawValue: name) else {
                throw TorchError("threshold mode \(value) is unknown!")
            }
            thresholdMode = loaded
        }
        try LRScheduler.load(state, "best", into: &best)
        try LRScheduler.load(state, "cooldown_counter", into: &cooldownCounter)
        try LRScheduler.load(state, "num_bad_epochs", into: &numBadEpochs)
        modeWorse = mode == .min ? .infinity : -.infinity
    }
}
