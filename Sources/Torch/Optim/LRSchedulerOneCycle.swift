// The 1cycle policy: OneCycleLR.

import Foundation

/// The 1cycle policy, as PyTorch's `OneCycleLR`: the rate climbs from `maxLR / divFactor` to
/// `maxLR` over the first `pctStart` of the steps, then anneals to
/// `maxLR / divFactor / finalDivFactor`; momentum (SGD's `momentum` or Adam's β₁) moves the other
/// way between `maxMomentum` and `baseMomentum`. Step it once per batch.
///
/// ```swift
/// let scheduler = try OneCycleLR(optimizer, maxLR: [0.01], totalSteps: epochs * batchesPerEpoch)
/// ```
///
/// The constructor writes `initial_lr`, `max_lr`, `min_lr` (and `max_momentum`, `base_momentum`)
/// into each parameter group, as PyTorch does.
public final class OneCycleLR: LRScheduler {
    /// How the rate moves between two values within a phase.
    public typealias AnnealStrategy = Torch.AnnealStrategy

    /// One phase: from step `start` (the previous phase's end) to `endStep`, between the group
    /// options named by the other fields.
    public struct Phase: Sendable {
        public var endStep: Double
        public var startLR: String
        public var endLR: String
        public var startMomentum: String
        public var endMomentum: String
    }

    public var totalSteps: Int
    public var phases: [Phase]
    public var annealStrategy: AnnealStrategy
    public var cycleMomentum: Bool
    /// Whether momentum is Adam's β₁ (the optimizer has `betas`) rather than `momentum`.
    public private(set) var useBeta1: Bool

    /// - Parameters:
    ///   - optimizer: The optimizer whose rates (and momentum) the cycle sets.
    ///   - maxLR: The peak rate of each group (one value for all groups, or one per group).
    ///   - totalSteps: The number of steps in the cycle; or give `epochs` and `stepsPerEpoch`.
    ///   - epochs: With `stepsPerEpoch`, the cycle's length as `epochs × stepsPerEpoch`.
    ///   - stepsPerEpoch: Steps in one epoch (see `epochs`).
    ///   - pctStart: The fraction of the cycle spent raising the rate.
    ///   - annealStrategy: The curve between the phases: `.cos` or `.linear`.
    ///   - cycleMomentum: Cycle the momentum inversely to the rate.
    ///   - baseMomentum: The lowest momentum (one value for all groups, or one per group).
    ///   - maxMomentum: The highest momentum (one value for all groups, or one per group).
    ///   - divFactor: The first rate is `maxLR / divFactor`.
    ///   - finalDivFactor: The last rate is the first rate `/ finalDivFactor`.
    ///   - threePhase: A third phase takes the rate down to the last one, and the first two mirror each
    ///     other (otherwise the second phase goes all the way down).
    ///   - lastEpoch: The step to resume from (-1: start).
    public init(
        _ optimizer: Optimizer, maxLR: [Double], totalSteps: Int? = nil, epochs: Int? = nil, stepsPerEpoch: Int? = nil,
        pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true,
        baseMomentum: [Double] = [0.85], maxMomentum: [Double] = [0.95], divFactor: Double = 25,
        finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1
    ) throws(TorchError) {
        if let totalSteps {
            guard totalSteps > 0 else { throw TorchError("Expected positive integer total_steps, but got \(totalSteps)") }
            self.totalSteps = totalSteps
        } else if let epochs, let stepsPerEpoch {
            guard epochs > 0 else { throw TorchError("Expected positive integer epochs, but got \(epochs)") }
            guard stepsPerEpoch > 0 else { throw TorchError("Expected positive integer steps_per_epoch, but got \(stepsPerEpoch)") }
            self.totalSteps = epochs * stepsPerEpoch
        } else {
            throw TorchError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        }
        let total = Double(self.totalSteps)
        if threePhase {
            phases = [
                Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                Phase(endStep: 2 * pctStart * total - 2, startLR: "max_lr", endLR: "initial_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
                Phase(endStep: total - 1, startLR: "initial_lr", endLR: "min_lr", startMomentum: "max_momentum", endMomentum: "max_momentum"),
            ]
        } else {
            phases = [
                Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                Phase(endStep: total - 1, startLR: "max_lr", endLR: "min_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
            ]
        }
        guard pctStart >= 0 && pctStart <= 1 else { throw TorchError("Expected float between 0 and 1 pct_start, but got \(pctStart)") }
        self.annealStrategy = annealStrategy
        let groupCount = optimizer.paramGroups.count
        let maxLRs = try OneCycleLR.perGroup(maxLR, "max_lr", groupCount)
        if lastEpoch == -1 {
            for (index, peak) in maxLRs.enumerated() {
                let initial = peak / divFactor
                optimizer.paramGroups[index]["initial_lr"] = .double(initial)
                optimizer.paramGroups[index]["max_lr"] = .double(peak)
                optimizer.paramGroups[index]["min_lr"] = .double(initial / finalDivFactor)
            }
        }
        self.cycleMomentum = cycleMomentum
        self.useBeta1 = optimizer.defaults.contains("betas")
        if cycleMomentum {
            if !optimizer.defaults.contains("momentum") && !useBeta1 {
                throw TorchError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            }
            let maxMomenta = try OneCycleLR.perGroup(maxMomentum, "max_momentum", groupCount)
            let baseMomenta = try OneCycleLR.perGroup(baseMomentum, "base_momentum", groupCount)
            if lastEpoch == -1 {
                for index in 0..<groupCount {
                    if useBeta1 {
                        optimizer.paramGroups[index].betas.0 = maxMomenta[index]
                    } else {
                        optimizer.paramGroups[index].momentum = maxMomenta[index]
                    }
                    optimizer.paramGroups[index]["max_momentum"] = .double(maxMomenta[index])
                    optimizer.paramGroups[index]["base_momentum"] = .double(baseMomenta[index])
                }
            }
        }
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    /// One peak rate for every group.
    public convenience init(
        _ optimizer: Optimizer, maxLR: Double, totalSteps: Int? = nil, epochs: Int? = nil, stepsPerEpoch: Int? = nil,
        pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true,
        baseMomentum: Double = 0.85, maxMomentum: Double = 0.95, divFactor: Double = 25,
        finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1
    ) throws(TorchError) {
        try self.init(optimizer, maxLR: [maxLR], totalSteps: totalSteps, epochs: epochs, stepsPerEpoch: stepsPerEpoch,
                      pctStart: pctStart, annealStrategy: annealStrategy, cycleMomentum: cycleMomentum,
                      baseMomentum: [baseMomentum], maxMomentum: [maxMomentum], divFactor: divFactor,
                      finalDivFactor: finalDivFactor, threePhase: threePhase, lastEpoch: lastEpoch)
    }

    /// One value per group from one value or a list (PyTorch's `_format_param`).
    static func perGroup(_ values: [Double], _ name: String, _ groups: Int) throws(TorchError) -> [Double] {
        if values.count == 1 { return Array(repeating: values[0], count: groups) }
        guard values.count == groups else {
            throw TorchError("\(name) must have the same length as optimizer.param_groups. \(name) has \(values.count) values, param_groups has \(groups).")
        }
        return values
    }

    public override func getLR() throws(TorchError) -> [Double] {
        let stepNumber = lastEpoch
        if stepNumber > totalSteps {
            throw TorchError("Tried to step \(stepNumber) times. The specified number of total steps is \(totalSteps)")
        }
        var rates: [Double] = []
        for index in optimizer.paramGroups.indices {
            let group = optimizer.paramGroups[index]
            var startStep = 0.0
            var rate = 0.0, momentum = 0.0
            for (phaseIndex, phase) in phases.enumerated() {
                if Double(stepNumber) <= phase.endStep || phaseIndex == phases.count - 1 {
                    let pct = (Double(stepNumber) - startStep) / (phase.endStep - startStep)
                    rate = annealStrategy.interpolate(from: try group.double(phase.startLR), to: try group.double(phase.endLR), pct)
                    if cycleMomentum {
                        momentum = annealStrategy.interpolate(from: try group.double(phase.startMomentum), to: try group.double(phase.endMomentum), pct)
                    }
                    break
                }
                startStep = phase.endStep
            }
            rates.append(rate)
            if cycleMomentum {
                if useBeta1 {
                    optimizer.paramGroups[index].betas.0 = momentum
                } else {
                    optimizer.paramGroups[index].momentum = momentum
                }
            }
        }
        return rates
    }

    public override func ownState() -> StateMap {
        var state: StateMap = ["total_steps": .int(totalSteps)]
        state["_schedule_phases"] = .list(phases.enumerated().map { index, phase in
            // PyTorch computes the last phase's end as the integer total_steps - 1.
            let end: StateValue = index == phases.count - 1 ? .int(Int(phase.endStep)) : .double(phase.endStep)
            return .dict(["end_step": end, "start_lr": .string(phase.startLR), "end_lr": .string(phase.endLR),
                          "start_momentum": .string(phase.startMomentum), "end_momentum": .string(phase.endMomentum)])
        })
        state["_anneal_func_type"] = .string(annealStrategy.rawValue)
        state["cycle_momentum"] = .bool(cycleMomentum)
        if cycleMomentum { state["use_beta1"] = .bool(useBeta1) }
        return state
    }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "total_steps", into: &totalSteps)
        if let value = state["_schedule_phases"] {
            guard let list = value.arrayValue else { throw TorchError("scheduler state '_schedule_phases' must be a list; got \(value)") }
            var loaded: [Phase] = []
            for item in list {
                guard let map = item.dictValue, let end = map["end_step"]?.doubleValue,
                      let startLR = map["start_lr"]?.stringValue, let endLR = map["end_lr"]?.stringValue,
                      let startMomentum = map["start_momentum"]?.stringValue, let endMomentum = map["end_momentum"]?.stringValue
                else { throw TorchError("scheduler state '_schedule_phases' has an unreadable phase: \(item)") }
                loaded.append(Phase(endStep: end, startLR: startLR, endLR: endLR, startMomentum: startMomentum, endMomentum: endMomentum))
            }
            phases = loaded
        }
        if let value = state["_anneal_func_type"] {
            guard let name = value.stringValue, let strategy = AnnealStrategy(rawValue: name) else {
                throw TorchError("Unknown _anneal_func_type: \(value)")
            }
            annealStrategy = strategy
        }
        if let value = state["cycle_momentum"]?.boolValue { cycleMomentum = value }
        if let value = state["use_beta1"]?.boolValue { useBeta1 = value }
    }
}
