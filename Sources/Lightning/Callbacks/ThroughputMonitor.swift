import Foundation
import Torch

/// Logs throughput while training, validating, testing and predicting (Lightning's
/// `ThroughputMonitor`): elapsed time, batches and samples so far, and once `windowSize` batches
/// were seen, batches and samples (and items, FLOPs) per second over the window — names such as
/// `train/device/samples_per_sec`. See ``Throughput``.
///
/// ```swift
/// let monitor = try ThroughputMonitor(batchSize: { (batch: (Tensor, Tensor)) in batch.0.shape[0] })
/// let trainer = try Trainer(callbacks: [monitor], logEveryNSteps: 10)
/// ```
///
/// Training values are logged with the other step values (every `logEveryNSteps` optimizer
/// steps); validation time is left out of the training time. Logged on global rank 0 only.
open class ThroughputMonitor: Callback {
    public let windowSize: Int
    public let separator: String
    private let batchSize: (Any) throws -> Int
    private let length: ((Any) throws -> Int)?
    private let flopsPerBatch: ((any LightningModule) -> Double?)?
    private var throughputs: [RunningStage: Throughput] = [:]
    private var starts: [RunningStage: Double] = [:]
    private var lengths: [RunningStage: Int] = [:]
    private var samples: [RunningStage: Int] = [:]
    private var batches: [RunningStage: Int] = [:]

    /// - Parameters:
    ///   - batchSize: The number of samples in a batch.
    ///   - length: The number of items (for example tokens) in a batch, for `items_per_sec`.
    ///   - flopsPerBatch: The FLOPs of one batch on one device, for `flops_per_sec`.
    ///   - windowSize: The batches the rates are averaged over (at least 2).
    ///   - separator: Between the parts of the logged names (`train/device/samples_per_sec`).
    public init<Batch>(batchSize: @escaping (Batch) throws -> Int, length: ((Batch) throws -> Int)? = nil,
                       flopsPerBatch: ((any LightningModule) -> Double?)? = nil, windowSize: Int = 100, separator: String = "/") throws {
        guard windowSize > 1 else { throw LightningError.configuration("ThroughputMonitor needs windowSize > 1, got \(windowSize)") }
        func typed(_ batch: Any) throws -> Batch {
            guard let typed = batch as? Batch else {
                throw LightningError.configuration("ThroughputMonitor's functions take batches of type \(Batch.self), but the loader gives \(type(of: batch))")
            }
            return typed
        }
        self.batchSize = { try batchSize(try typed($0)) }
        self.length = length.map { length in { try length(try typed($0)) } }
        self.flopsPerBatch = flopsPerBatch
        self.windowSize = windowSize
        self.separator = separator
    }

    private func start(_ trainer: Trainer, _ stage: RunningStage) throws {
        guard trainer.isGlobalZero else { return }
        if trainer.entryPoint == .fit || samples[stage] == nil {
            throughputs[stage] = try Throughput(worldSize: trainer.worldSize, windowSize: windowSize, separator: separator)
            lengths[stage] = 0
            samples[stage] = 0
            batches[stage] = 0
        }
        starts[stage] = Trainer.now
    }

    private func update(_ trainer: Trainer, _ module: any LightningModule, _ stage: RunningStage, batch: Any) throws {
        guard trainer.isGlobalZero, throughputs[stage] != nil, let start = starts[stage] else { return }
        if case .cuda(let index) = trainer.device { try CUDA.synchronize(device: index) }
        let elapsed = Trainer.now - start
        if let length { lengths[stage, default: 0] += try length(batch) }
        samples[stage, default: 0] += try batchSize(batch)
        batches[stage, default: 0] += 1
        // In place: the windows are not copied on every batch.
        try throughputs[stage]?.update(time: elapsed, batches: batches[stage]!, samples: samples[stage]!,
                                       lengths: length == nil ? nil : lengths[stage], flops: flopsPerBatch?(module))
    }

    private func compute(_ trainer: Trainer, _ stage: RunningStage, step: Int?, due: Bool) throws {
        guard trainer.isGlobalZero, due, let throughput = throughputs[stage] else { return }
        let metrics = throughput.compute().map { (name: stage.rawValue + separator + $0.name, value: $0.value) }
        try trainer.logMetricsDirectly(metrics, step: step)
    }

    // MARK: Hooks

    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws { try start(trainer, .training) }

    open func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        try update(trainer, module, .training, batch: batch)
        guard !trainer.batchAccumulates else { return }
        try compute(trainer, .training, step: nil, due: trainer.shouldUpdateLogs)
    }

    open func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.stage != .sanityChecking else { return }
        try start(trainer, .validating)
    }

    open func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        guard trainer.stage != .sanityChecking else { return }
        try update(trainer, module, .validating, batch: batch)
        try compute(trainer, .validating, step: trainer.evaluationBatchesReady, due: trainer.shouldUpdateLogs)
    }

    /// Moves the training clock past the validation, so training rates leave it out.
    open func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.isGlobalZero, trainer.stage != .sanityChecking, trainer.entryPoint == .fit,
              let trainStart = starts[.training], let validationStart = starts[.validating] else { return }
        let trainElapsed = throughputs[.training]?.lastTime ?? 0
        let validationElapsed = throughputs[.validating]?.lastTime ?? 0
        let gap = validationStart - (trainStart + trainElapsed)
        starts[.training] = trainStart + gap + validationElapsed
    }

    open func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws { try start(trainer, .testing) }

    open func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try update(trainer, module, .testing, batch: batch)
        try compute(trainer, .testing, step: trainer.evaluationBatchesReady, due: trainer.shouldUpdateLogs)
    }

    open func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws { try start(trainer, .predicting) }

    open func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try update(trainer, module, .predicting, batch: batch)
        try compute(trainer, .predicting, step: trainer.evaluationBatchesReady, due: trainer.shouldUpdateLogs)
    }
}
