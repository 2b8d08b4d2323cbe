// Warm-up schedules: LinearLR and ConstantLR.

/// Scales the learning rates by a factor that moves linearly from `startFactor` to `endFactor`
/// over `totalIters` epochs, as PyTorch's `LinearLR` (a warm-up, usually before another schedule in
/// a ``SequentialLR``).
///
/// ```swift
/// let warmup = try LinearLR(optimizer, startFactor: 0.1, totalIters: 5)  // 0.1·lr … lr at epoch 5
/// ```
public final class LinearLR: LRScheduler {
    public var startFactor: Double
    public var endFactor: Double
    public var totalIters: Int

    public init(
        _ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: Int = 5,
        lastEpoch: Int = -1
    ) throws(TorchError) {
        if startFactor > 1.0 || startFactor <= 0 {
            throw TorchError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        }
        if endFactor > 1.0 || endFactor < 0 {
            throw TorchError("Ending multiplicative factor expected to be between 0 and 1.")
        }
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if lastEpoch == 0 { return currentRates.map { $0 * startFactor } }
        if isInitial || lastEpoch > totalIters { return currentRates }
        let factor = 1.0 + (endFactor - startFactor)
            / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * (endFactor - startFactor))
        return currentRates.map { $0 * factor }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        baseLRs.map {
            $0 * (startFactor + (endFactor - startFactor) * Double(min(totalIters, lastEpoch)) / Double(totalIters))
        }
    }

    public override func ownState() -> StateMap {
        ["start_factor": .double(startFactor), "end_factor": .double(endFactor), "total_iters": .int(totalIters)]
    }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "start_factor", into: &startFactor)
        try Self.load(state, "end_factor", into: &endFactor)
        try Self.load(state, "total_iters", into: &totalIters)
    }
}

/// Scales the learning rates by a constant `factor` for the first `totalIters` epochs, as
/// PyTorch's `ConstantLR`.
public final class ConstantLR: LRScheduler {
    public var factor: Double
    public var totalIters: Int

    public init(_ optimizer: Optimizer, factor: Double = 1.0 / 3, totalIters: Int = 5, lastEpoch: Int = -1) throws(TorchError) {
        if factor > 1.0 || factor < 0 {
            throw TorchError("Constant multiplicative factor expected to be between 0 and 1.")
        }
        self.factor = factor
        self.totalIters = totalIters
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if lastEpoch == 0 { return currentRates.map { $0 * factor } }
        if lastEpoch != totalIters { return currentRates }
        return currentRates.map { $0 * (1.0 / factor) }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        baseLRs.map { $0 * (factor + (lastEpoch >= totalIters ? 1 - factor : 0)) }
    }

    public override func ownState() -> StateMap { ["factor": .double(factor), "total_iters": .int(totalIters)] }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "factor", into: &factor)
        try Self.load(state, "total_iters", into: &totalIters)
    }
}
