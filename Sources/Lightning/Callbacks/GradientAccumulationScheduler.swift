import Torch

/// Changes how many batches' gradients are accumulated per optimizer step as training goes on
/// (Lightning's `GradientAccumulationScheduler`).
///
/// `scheduling` maps a (0-based) epoch to the factor used from that epoch on; epochs before the
/// first key accumulate 1 batch. The factor is set on ``Trainer/accumulateGradBatches`` at the start
/// of every training epoch.
///
/// ```swift
/// // 1 batch per step in epochs 0–3, 2 in epochs 4–7, 4 from epoch 8 on
/// let accumulator = try GradientAccumulationScheduler(scheduling: [4: 2, 8: 4])
/// let trainer = try Trainer(callbacks: [accumulator], maxEpochs: 12)
/// ```
///
/// It cannot be combined with the Trainer's own `accumulateGradBatches` or with manual
/// optimization; both are reported when training starts.
open class GradientAccumulationScheduler: Callback {
    /// Epoch → accumulation factor, with epoch 0 added (factor 1) when missing.
    public let scheduling: [Int: Int]
    private let epochs: [Int]

    public init(scheduling: [Int: Int]) throws {
        guard !scheduling.isEmpty else {
            throw LightningError.configuration("GradientAccumulationScheduler needs a schedule: an empty `scheduling` cannot be interpreted")
        }
        if scheduling.keys.contains(where: { $0 < 0 }) {
            throw LightningError.configuration("Epoch should be an int greater than or equal to 0. Got \(scheduling.keys.sorted()).")
        }
        if scheduling.values.contains(where: { $0 < 1 }) {
            throw LightningError.configuration("Accumulation factor should be an int greater than 0. Got \(scheduling.sorted { $0.key < $1.key }.map(\.value)).")
        }
        var schedule = scheduling
        if schedule[0] == nil { schedule[0] = 1 }
        self.scheduling = schedule
        self.epochs = schedule.keys.sorted()
    }

    /// True when some epoch accumulates more than one batch.
    public var goingToAccumulateGradBatches: Bool { scheduling.values.contains { $0 > 1 } }

    /// The factor for `epoch`: that of the last scheduled epoch at or before it.
    public func accumulateGradBatches(forEpoch epoch: Int) -> Int {
        epochs.last { epoch >= $0 }.flatMap { scheduling[$0] } ?? 1
    }

    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard module.automaticOptimization else {
            throw LightningError.configuration("Automatic gradient accumulation and the `GradientAccumulationScheduler` is not supported for manual optimization. Please remove the callback or switch to automatic optimization.")
        }
        guard trainer.configuration.accumulateGradBatches == 1 else {
            throw LightningError.configuration("You have set `accumulateGradBatches` and are using the `GradientAccumulationScheduler` callback. Either remove `accumulateGradBatches` from the Trainer or remove the callback.")
        }
    }

    open func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        trainer.accumulateGradBatches = accumulateGradBatches(forEpoch: trainer.currentEpoch)
    }
}
