// Cosine schedules: CosineAnnealingLR and CosineAnnealingWarmRestarts.

import Foundation

/// Anneals the learning rates along a cosine from the initial rate to `etaMin` over `tMax`
/// epochs (and back up over the next `tMax`, and so on), as PyTorch's `CosineAnnealingLR`, with
/// its recursive form.
///
/// ```swift
/// let scheduler = try CosineAnnealingLR(optimizer, tMax: 100, etaMin: 1e-5)
/// ```
public final class CosineAnnealingLR: LRScheduler {
    public var tMax: Int
    public var etaMin: Double

    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0, lastEpoch: Int = -1) throws(TorchError) {
        guard tMax > 0 else { throw TorchError("CosineAnnealingLR needs a positive tMax; got \(tMax)") }
        self.tMax = tMax
        self.etaMin = etaMin
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        let t = Double(lastEpoch), period = Double(tMax)
        if isInitial { return currentRates }
        if stepCount == 1 && lastEpoch > 0 {
            return baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(t * .pi / period)) / 2 }
        }
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
            return zip(baseLRs, currentRates).map { base, lr in lr + (base - etaMin) * (1 - cos(.pi / period)) / 2 }
        }
        return currentRates.map { lr in
            (1 + cos(.pi * t / period)) / (1 + cos(.pi * (t - 1) / period)) * (lr - etaMin) + etaMin
        }
    }

    public override func closedFormLR() throws(TorchError) -> [Double]? {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(.pi * Double(lastEpoch) / Double(tMax))) / 2 }
    }

    public override func ownState() -> StateMap { ["T_max": .int(tMax), "eta_min": .double(etaMin)] }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "T_max", into: &tMax)
        try Self.load(state, "eta_min", into: &etaMin)
    }
}

/// Cosine annealing with warm restarts (SGDR), as PyTorch's `CosineAnnealingWarmRestarts`: the
/// rates fall from the initial rate to `etaMin` over `t0` epochs, restart, and each following
/// period is `tMult` times longer.
///
/// ``step(epoch:)`` takes fractional epochs, for stepping once per batch:
///
/// ```swift
/// let scheduler = try CosineAnnealingWarmRestarts(optimizer, t0: 10, tMult: 2)
/// for epoch in 0..<epochs {
///     for (i, batch) in batches.enumerated() {
///         try train(batch)
///         try scheduler.step(epoch: Double(epoch) + Double(i) / Double(batches.count))
///     }
/// }
/// ```
public final class CosineAnnealingWarmRestarts: LRScheduler {
    public var t0: Int
    /// The length of the current period.
    public var tI: Int
    public var tMult: Int
    public var etaMin: Double
    /// Epochs since the last restart (fractional when stepped with fractional epochs).
    public var tCur: Double

    public init(_ optimizer: Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0, lastEpoch: Int = -1) throws(TorchError) {
        guard t0 > 0 else { throw TorchError("Expected positive integer T_0, but got \(t0)") }
        guard tMult >= 1 else { throw TorchError("Expected integer T_mult >= 1, but got \(tMult)") }
        self.t0 = t0
        self.tI = t0
        self.tMult = tMult
        self.etaMin = etaMin
        self.tCur = Double(lastEpoch)
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(.pi * tCur / Double(tI))) / 2 }
    }

    /// Advances one epoch (PyTorch's `step()`; this scheduler does not count `stepCount`).
    public override func step() throws(TorchError) {
        try step(epoch: nil)
    }

    /// Moves to `epoch` (fractional epochs allowed), or one epoch on with nil.
    public func step(epoch: Double?) throws(TorchError) {
        var epoch = epoch
        if epoch == nil && lastEpoch < 0 { epoch = 0 }
        let target: Double
        if let epoch {
            guard epoch >= 0 else { throw TorchError("Expected non-negative epoch, but got \(epoch)") }
            if epoch >= Double(t0) {
                if tMult == 1 {
                    tCur = epoch.truncatingRemainder(dividingBy: Double(t0))
                } else {
                    let n = Int(log(epoch / Double(t0) * Double(tMult - 1) + 1) / log(Double(tMult)))
                    let power = Int(pow(Double(tMult), Double(n)))
                    tCur = epoch - Double(t0 * (power - 1)) / Double(tMult - 1)
                    tI = t0 * power
                }
            } else {
                tI = t0
                tCur = epoch
            }
            target = epoch
        } else {
            target = Double(lastEpoch + 1)
            tCur += 1
            if tCur >= Double(tI) {
                tCur = tCur.truncatingRemainder(dividingBy: Double(tI))
                tI *= tMult
            }
        }
        lastEpoch = Int(target.rounded(.down))
        try setRates(getLR())
    }

    public override func ownState() -> StateMap {
        ["T_0": .int(t0), "T_i": .int(tI), "T_mult": .int(tMult), "eta_min": .double(etaMin),
         "T_cur": tCur.rounded() == tCur ? .int(Int(tCur)) : .double(tCur)]
    }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "T_0", into: &t0)
        try Self.load(state, "T_i", into: &tI)
        try Self.load(state, "T_mult", into: &tMult)
        try Self.load(state, "eta_min", into: &etaMin)
        try Self.load(state, "T_cur", into: &tCur)
    }
}
