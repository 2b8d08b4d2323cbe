import Foundation
import Torch

/// The result of a learning-rate range test: the rates tried and the smoothed loss at each
/// (Lightning's `_LRFinder`), with the suggestion of the steepest fall.
///
/// ```swift
/// if let finder = try Tuner(trainer).lrFind(model, datamodule: data), let lr = finder.suggestion() {
///     print("suggested learning rate", lr)
/// }
/// ```
public struct LRFinder: Sendable {
    /// How the rate grows from step to step.
    public enum Mode: String, Sendable {
        case exponential
        case linear
    }

    public let mode: Mode
    public let minLR: Double
    public let maxLR: Double
    public let numTraining: Int
    /// The learning rate of each recorded step.
    public var lrs: [Double] = []
    /// The smoothed training loss of each recorded step (NaN where the step returned no loss).
    public var losses: [Double] = []

    public init(mode: Mode, minLR: Double, maxLR: Double, numTraining: Int) {
        self.mode = mode
        self.minLR = minLR
        self.maxLR = maxLR
        self.numTraining = numTraining
    }

    /// The index in ``lrs`` of the suggested rate, or nil when too few finite losses remain.
    ///
    /// As Lightning: `skipBegin` and `skipEnd` points are left out (Python's `[skipBegin:-skipEnd]`,
    /// so `skipEnd: 0` leaves nothing), non-finite losses are dropped, and the suggestion is the
    /// point of the most negative gradient of loss over rate (`torch.gradient` with the rates as
    /// coordinates, in float32).
    public func optimalIndex(skipBegin: Int = 10, skipEnd: Int = 1) -> Int? {
        let count = Swift.min(lrs.count, losses.count)
        let lower = Swift.min(Swift.max(skipBegin, 0), count)
        let upper = skipEnd <= 0 ? 0 : Swift.max(count - skipEnd, 0)
        guard lower < upper else { return nil }
        let kept = (lower..<upper).filter { Float(losses[$0]).isFinite }
        guard kept.count >= 2 else { return nil }
        let gradients = Self.gradient(kept.map { Float(losses[$0]) }, coordinates: kept.map { Float(lrs[$0]) })
        // `torch.argmin`: the first minimum, and a NaN counts as the minimum.
        let best = gradients.firstIndex(where: \.isNaN) ?? gradients.indices.min { gradients[$0] < gradients[$1] }!  // the first of equal minima, as numpy's argmin
        return kept[best]
    }

    /// The suggested initial learning rate (the rate at ``optimalIndex(skipBegin:skipEnd:)``).
    public func suggestion(skipBegin: Int = 10, skipEnd: Int = 1) -> Double? {
        optimalIndex(skipBegin: skipBegin, skipEnd: skipEnd).map { lrs[$0] }
    }

    /// `torch.gradient(values, spacing=[coordinates])` with `edge_order=1`, operation by operation as
    /// ATen computes it in float32: second-order differences inside, first-order at the ends.
    static func gradient(_ f: [Float], coordinates x: [Float]) -> [Float] {
        let n = f.count
        let dx = (1..<n).map { x[$0] - x[$0 - 1] }
        var result = [(f[1] - f[0]) / dx[0]]
        for i in 1..<Swift.max(n - 1, 1) {
            let dx1 = dx[i - 1], dx2 = dx[i]
            let a = -dx2 / (dx1 * (dx1 + dx2))
            let b = (dx2 - dx1) / (dx1 * dx2)
            let c = dx1 / (dx2 * (dx1 + dx2))
            result.append(a * f[i - 1] + b * f[i] + c * f[i + 1])
        }
        result.append((f[n - 1] - f[n - 2]) / dx[n - 2])
        return result
    }
}

/// Raises the learning rate from each group's `initial_lr` towards `endLR` over `numIterations`
/// steps, exponentially or linearly (Lightning's `_ExponentialLR` / `_LinearLR`).
final class LRRangeScheduler: LRScheduler {
    let endLR: Double
    let numIterations: Int
    let mode: LRFinder.Mode

    init(_ optimizer: Optimizer, endLR: Double, numIterations: Int, mode: LRFinder.Mode) throws {
        self.endLR = endLR
        self.numIterations = numIterations
        self.mode = mode
        try super.init(optimizer: optimizer)
    }

    override func getLR() throws(TorchError) -> [Double] {
        guard lastEpoch > 0 else { return baseLRs }
        let r = Double(lastEpoch + 1) / Double(numIterations)
        switch mode {
        case .exponential: return baseLRs.map { $0 * pow(endLR / $0, r) }
        case .linear: return baseLRs.map { $0 + r * (endLR - $0) }
        }
    }

    override func ownState() -> StateMap { ["end_lr": .double(endLR), "num_iter": .int(numIterations)] }
}

/// Records the rate before and the smoothed loss after each optimizer step, and stops the run when
/// the loss diverges (Lightning's `_LRCallback`).
final class LRFinderRecorder: Callback {
    let earlyStopThreshold: Double?
    let beta = 0.98
    private(set) var lrs: [Double] = []
    private(set) var losses: [Double] = []
    private var averageLoss = 0.0
    private var bestLoss = 0.0

    init(earlyStopThreshold: Double?) {
        self.earlyStopThreshold = earlyStopThreshold
    }

    private func stepsHere(_ trainer: Trainer, _ batchIndex: Int) -> Bool {
        (batchIndex + 1) % trainer.accumulateGradBatches == 0
    }

    func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws {
        guard stepsHere(trainer, batchIndex), let scheduler = trainer.lrSchedulerConfigs.first?.scheduler else { return }
        lrs.append(scheduler.getLastLR()[0])
    }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        guard stepsHere(trainer, batchIndex) else { return }
        guard let loss = outputs.loss else {
            losses.append(.nan)
            return
        }
        let current = try loss.item(Double.self)
        let step = trainer.globalStep
        averageLoss = beta * averageLoss + (1 - beta) * current
        let smoothed = averageLoss / (1 - pow(beta, Double(step + 1)))
        if let threshold = earlyStopThreshold, step > 1, smoothed > threshold * bestLoss {
            trainer.shouldStop = true
        }
        // Rank 0 decides for all, as Lightning's `strategy.broadcast(trainer.should_stop)`.
        trainer.shouldStop = try trainer.broadcast(trainer.shouldStop ? "stop" : "go") == "stop"
        if smoothed < bestLoss || step == 1 { bestLoss = smoothed }
        losses.append(smoothed)
    }
}
