// Multiplicative decays: StepLR, MultiStepLR, ExponentialLR, PolynomialLR.

import Foundation

/// Multiplies the learning rates by `gamma` every `stepSize` epochs, as PyTorch's `StepLR`.
///
/// ```swift
/// let scheduler = try StepLR(optimizer, stepSize: 30, gamma: 0.1)  // 0.1, …, 0.01 at 30, 0.001 at 60
/// ```
public final class StepLR: LRScheduler {
    public var stepSize: Int
    public var gamma: Double

    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1, lastEpoch: Int = -1) throws(TorchError) {
        guard stepSize > 0 else { throw TorchError("StepLR needs a positive stepSize; got \(stepSize)") }
        self.stepSize = stepSize
        self.gamma = gamma
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return currentRates }
        return currentRates.map { $0 * gamma }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        let exponent = Double(Int((Double(lastEpoch) / Double(stepSize)).rounded(.down)))
        return baseLRs.map { $0 * pow(gamma, exponent) }
    }

    public override func ownState() -> StateMap { ["step_size": .int(stepSize), "gamma": .double(gamma)] }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "step_size", into: &stepSize)
        try Self.load(state, "gamma", into: &gamma)
    }
}

/// Multiplies the learning rates by `gamma` at each milestone epoch (a milestone listed twice
/// multiplies by `gamma²`), as PyTorch's `MultiStepLR`.
///
/// ```swift
/// let scheduler = try MultiStepLR(optimizer, milestones: [30, 80], gamma: 0.1)
/// ```
public final class MultiStepLR: LRScheduler {
    /// Each milestone with how often it was given, in order of first appearance (PyTorch keeps a
    /// `Counter`).
    public private(set) var milestones: [(epoch: Int, count: Int)]
    public var gamma: Double

    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1) throws(TorchError) {
        self.milestones = MultiStepLR.count(milestones)
        self.gamma = gamma
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    static func count(_ epochs: [Int]) -> [(epoch: Int, count: Int)] {
        var result: [(epoch: Int, count: Int)] = []
        for epoch in epochs {
            if let index = result.firstIndex(where: { $0.epoch == epoch }) { result[index].count += 1 } else { result.append((epoch, 1)) }
        }
        return result
    }

    public override func getLR() throws(TorchError) -> [Double] {
        guard let hit = milestones.first(where: { $0.epoch == lastEpoch }) else { return currentRates }
        return currentRates.map { $0 * pow(gamma, Double(hit.count)) }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        let passed = milestones.reduce(0) { $0 + ($1.epoch <= lastEpoch ? $1.count : 0) }
        return baseLRs.map { $0 * pow(gamma, Double(passed)) }
    }

    /// `milestones` is a dict from epoch to count (Python writes a `collections.Counter`).
    public override func ownState() -> StateMap {
        ["milestones": .dict(StateMap(milestones.map { (StateKey.int($0.epoch), StateValue.int($0.count)) })), "gamma": .double(gamma)]
    }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        if let value = state["milestones"] {
            if let map = value.dictValue {
                var loaded: [(epoch: Int, count: Int)] = []
                for (key, count) in map {
                    guard case .int(let epoch) = key, let times = count.intValue else {
                        throw TorchError("scheduler state 'milestones' must map epochs to counts; got \(value)")
                    }
                    loaded.append((epoch, times))
                }
                milestones = loaded
            } else if let list = value.arrayValue {
                milestones = MultiStepLR.count(list.compactMap(\.intValue))
            } else {
                throw TorchError("scheduler state 'milestones' must map epochs to counts; got \(value)")
            }
        }
        try Self.load(state, "gamma", into: &gamma)
    }
}

/// Multiplies the learning rates by `gamma` every epoch, as PyTorch's `ExponentialLR`.
public final class ExponentialLR: LRScheduler {
    public var gamma: Double

    public init(_ optimizer: Optimizer, gamma: Double, lastEpoch: Int = -1) throws(TorchError) {
        self.gamma = gamma
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if isInitial { return currentRates }
        return currentRates.map { $0 * gamma }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        baseLRs.map { $0 * pow(gamma, Double(lastEpoch)) }
    }

    public override func ownState() -> StateMap { ["gamma": .double(gamma)] }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "gamma", into: &gamma)
    }
}

/// Decays the learning rates with a polynomial to zero over `totalIters` epochs, as PyTorch's
/// `PolynomialLR`: lr = base · (1 − min(t, T)/T)^power.
public final class PolynomialLR: LRScheduler {
    public var totalIters: Int
    public var power: Double

    public init(_ optimizer: Optimizer, totalIters: Int = 5, power: Double = 1, lastEpoch: Int = -1) throws(TorchError) {
        self.totalIters = totalIters
        self.power = power
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if isInitial || lastEpoch > totalIters { return currentRates }
        let decay = pow((1.0 - Double(lastEpoch) / Double(totalIters)) / (1.0 - Double(lastEpoch - 1) / Double(totalIters)), power)
        return currentRates.map { $0 * decay }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        baseLRs.map { $0 * pow(1.0 - Double(min(totalIters, lastEpoch)) / Double(totalIters), power) }
    }

    public override func ownState() -> StateMap { ["total_iters": .int(totalIters), "power": .double(power)] }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "total_iters", into: &totalIters)
        try Self.load(state, "power", into: &power)
    }
}
