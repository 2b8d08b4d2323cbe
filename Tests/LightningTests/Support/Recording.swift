import Foundation
import Lightning
import Torch

/// The event log shared by the recording module, callback and data module, in the fixture's format:
/// `owner.hook(k=v,...)`.
final class EventLog {
    var events: [String] = []
    func record(_ owner: String, _ hook: String, _ arguments: [(String, Any)] = []) {
        let text = arguments.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        events.append("\(owner).\(hook)(\(text))")
    }
}

typealias Pair = (Tensor, Tensor)

/// The reference scenario's model: Linear(2, 1) with fixed weights, MSE loss, SGD(lr 0.1), every
/// hook recorded and then handed to the default behaviour.
final class RecordingModule: Module, LightningModule {
    typealias Batch = Pair
    @Parameter var weight: Tensor
    @Parameter var bias: Tensor
    let log: EventLog
    var scheduler: (step: Int, gamma: Double, interval: SchedulerInterval)?
    var trainingSteps: [(epoch: Int, batchIndex: Int, globalStep: Int)] = []
    /// The module's own loaders (scenario i); nil leaves the hooks at their defaults.
    var ownTrain: [Pair]?
    var ownVal: [Pair]?
    /// Throw from trainingStep at this (epoch, batch) (scenario h).
    var failAt: (epoch: Int, batchIndex: Int)?

    struct InjectedFailure: Error, CustomStringConvertible {
        var description: String { "failure injected in training_step" }
    }

    init(log: EventLog, weight: [[Double]], bias: [Double]) throws {
        self.log = log
        self.weight = try Tensor(weight.map { $0.map(Float.init) })
        self.bias = try Tensor(bias.map(Float.init))
        super.init()
    }

    private func r(_ hook: String, _ arguments: [(String, Any)] = []) { log.record("module", hook, arguments) }

    func forward(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }

    func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        r("training_step", [("batch_idx", batchIndex)])
        trainingSteps.append((currentEpoch, batchIndex, globalStep))
        if let failAt, failAt == (currentEpoch, batchIndex) { throw InjectedFailure() }
        return try forward(batch.0).mseLoss(target: batch.1)
    }
    func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        r("validation_step", [("batch_idx", batchIndex)])
        let loss = try forward(batch.0).mseLoss(target: batch.1)
        try self.log("val_loss", loss)
        return loss
    }
    func testStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        r("test_step", [("batch_idx", batchIndex)])
        return try forward(batch.0).mseLoss(target: batch.1)
    }
    func predictStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        r("predict_step", [("batch_idx", batchIndex)])
        return try forward(batch.0)
    }
    func configureOptimizers() throws -> OptimizerConfiguration {
        r("configure_optimizers")
        let optimizer = try SGD(parameters(), lr: 0.1)
        guard let scheduler else { return OptimizerConfiguration(optimizer) }
        return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: scheduler.step, gamma: scheduler.gamma),
                                      interval: scheduler.interval)
    }
    func configureCallbacks() -> [any Callback] { r("configure_callbacks"); return [] }
    func configureModel() throws { r("configure_model") }
    func trainDataloader() throws -> (any BatchLoader<Pair>)? {
        guard let ownTrain else { return nil }
        r("train_dataloader")
        return BatchList(ownTrain)
    }
    func valDataloader() throws -> (any BatchLoader<Pair>)? {
        guard let ownVal else { return nil }
        r("val_dataloader")
        return BatchList(ownVal)
    }
    func prepareData() throws { r("prepare_data") }
    func setup(stage: Stage) throws { r("setup", [("stage", stage)]) }
    func teardown(stage: Stage) throws { r("teardown", [("stage", stage)]) }

    func onFitStart() throws { r("on_fit_start") }
    func onFitEnd() throws { r("on_fit_end") }
    func onTrainStart() throws { r("on_train_start") }
    func onTrainEnd() throws { r("on_train_end") }
    func onValidationStart() throws { r("on_validation_start") }
    func onValidationEnd() throws { r("on_validation_end") }
    func onTestStart() throws { r("on_test_start") }
    func onTestEnd() throws { r("on_test_end") }
    func onPredictStart() throws { r("on_predict_start") }
    func onPredictEnd() throws { r("on_predict_end") }
    func onTrainEpochStart() throws { r("on_train_epoch_start") }
    func onTrainEpochEnd() throws { r("on_train_epoch_end") }
    func onValidationEpochStart() throws { r("on_validation_epoch_start") }
    func onValidationEpochEnd() throws { r("on_validation_epoch_end") }
    func onTestEpochStart() throws { r("on_test_epoch_start") }
    func onTestEpochEnd() throws { r("on_test_epoch_end") }
    func onPredictEpochStart() throws { r("on_predict_epoch_start") }
    func onPredictEpochEnd() throws { r("on_predict_epoch_end") }
    func onTrainBatchStart(_ batch: Pair, batchIndex: Int) throws -> Int? { r("on_train_batch_start", [("batch_idx", batchIndex)]); return nil }
    func onTrainBatchEnd(_ outputs: StepOutputs, batch: Pair, batchIndex: Int) throws { r("on_train_batch_end", [("batch_idx", batchIndex)]) }
    func onValidationBatchStart(_ batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_validation_batch_start", [("batch_idx", batchIndex)]) }
    func onValidationBatchEnd(_ outputs: Tensor, batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_validation_batch_end", [("batch_idx", batchIndex)]) }
    func onTestBatchStart(_ batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_test_batch_start", [("batch_idx", batchIndex)]) }
    func onTestBatchEnd(_ outputs: Tensor, batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_test_batch_end", [("batch_idx", batchIndex)]) }
    func onPredictBatchStart(_ batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_predict_batch_start", [("batch_idx", batchIndex)]) }
    func onPredictBatchEnd(_ outputs: Tensor, batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws { r("on_predict_batch_end", [("batch_idx", batchIndex)]) }

    func onValidationModelZeroGrad() throws { r("on_validation_model_zero_grad"); try zeroGrad() }
    func onValidationModelEval() throws { r("on_validation_model_eval"); eval() }
    func onValidationModelTrain() throws { r("on_validation_model_train"); train() }
    func onTestModelEval() throws { r("on_test_model_eval"); eval() }
    func onTestModelTrain() throws { r("on_test_model_train"); train() }
    func onPredictModelEval() throws { r("on_predict_model_eval"); eval() }

    func onBeforeZeroGrad(_ optimizer: Optimizer) throws { r("on_before_zero_grad") }
    func onBeforeBackward(_ loss: Tensor) throws { r("on_before_backward") }
    func onAfterBackward() throws { r("on_after_backward") }
    func onBeforeOptimizerStep(_ optimizer: Optimizer) throws { r("on_before_optimizer_step") }
    func backward(_ loss: Tensor) throws { r("backward"); try loss.backward() }
    func optimizerStep(epoch: Int, batchIndex: Int, optimizer: Optimizer, closure: () throws -> Tensor?) throws {
        r("optimizer_step", [("epoch", epoch), ("batch_idx", batchIndex)])
        try optimizer.step(closure: closure)
    }
    func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: Optimizer) throws {
        r("optimizer_zero_grad", [("epoch", epoch), ("batch_idx", batchIndex)])
        try optimizer.zeroGrad()
    }
    func configureGradientClipping(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws {
        r("configure_gradient_clipping", [("gradient_clip_val", pythonRepr(clipValue)), ("gradient_clip_algorithm", pythonRepr(algorithm?.rawValue))])
        try clipGradients(optimizer, clipValue: clipValue, algorithm: algorithm)
    }
    func clipGradients(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws {
        r("clip_gradients", [("gradient_clip_val", pythonRepr(clipValue)), ("gradient_clip_algorithm", pythonRepr(algorithm?.rawValue))])
        guard let clipValue, clipValue > 0 else { return }
        let parameters = optimizer.paramGroups.flatMap(\.params)
        switch algorithm ?? .norm {
        case .norm: _ = try clipGradNorm_(parameters, maxNorm: clipValue)
        case .value: try clipGradValue_(parameters, clipValue: clipValue)
        }
    }
    func lrSchedulerStep(_ scheduler: any LearningRateScheduler, metric: Double?) throws {
        r("lr_scheduler_step", [("scheduler", String(describing: type(of: scheduler))), ("metric", pythonRepr(metric))])
        try (scheduler as! LRScheduler).step()
    }
    func onSaveCheckpoint(_ checkpoint: inout Checkpoint) throws { r("on_save_checkpoint", checkpointArguments(checkpoint)) }
    func onLoadCheckpoint(_ checkpoint: Checkpoint) throws { r("on_load_checkpoint", checkpointArguments(checkpoint)) }
    func onBeforeBatchTransfer(_ batch: Pair, dataloaderIndex: Int) throws -> Pair { r("on_before_batch_transfer", [("dataloader_idx", dataloaderIndex)]); return batch }
    func transferBatchToDevice(_ batch: Pair, device: Device, dataloaderIndex: Int) throws -> Pair {
        r("transfer_batch_to_device", [("device", device), ("dataloader_idx", dataloaderIndex)])
        return (try batch.0.to(device), try batch.1.to(device))
    }
    func onAfterBatchTransfer(_ batch: Pair, dataloaderIndex: Int) throws -> Pair { r("on_after_batch_transfer", [("dataloader_idx", dataloaderIndex)]); return batch }
}

/// The Python exception type the reference scenario raises for our injected failure.
func pythonErrorType(_ error: any Error) -> String {
    error is RecordingModule.InjectedFailure ? "RuntimeError" : String(describing: type(of: error))
}

/// Python's repr for the few argument values the fixture prints.
func pythonRepr(_ value: Any?) -> String {
    switch value {
    case nil: return "None"
    case let d as Double: return pythonFloatRepr(d)
    case let s as String: return s
    default: return "\(value!)"
    }
}

func pythonFloatRepr(_ value: Double) -> String { "\(value)" }

/// The `epoch` and `global_step` the reference records from a checkpoint in its save/load hooks.
func checkpointArguments(_ checkpoint: Checkpoint) -> [(String, Any)] {
    [("epoch", checkpoint.epoch.map { "\($0)" } ?? "None"), ("global_step", checkpoint.globalStep.map { "\($0)" } ?? "None")]
}

final class RecordingCallback: Callback {
    let log: EventLog
    /// The reference callback is stateful: `state_dict() == {"train_batches": n}`.
    var trainBatches = 0
    init(log: EventLog) { self.log = log }
    private func r(_ hook: String, _ arguments: [(String, Any)] = []) { log.record("callback", hook, arguments) }

    func stateDict() -> PickleValue? {
        r("state_dict")
        return .dict([(.string("train_batches"), .int(trainBatches))])
    }
    func loadStateDict(_ state: PickleValue) throws {
        r("load_state_dict", [("train_batches", state["train_batches"]?.intValue.map { "\($0)" } ?? "None")])
        trainBatches = state["train_batches"]?.intValue ?? 0
    }
    func onSaveCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: inout Checkpoint) throws {
        r("on_save_checkpoint", checkpointArguments(checkpoint))
    }
    func onLoadCheckpoint(_ trainer: Trainer, _ module: any LightningModule, checkpoint: Checkpoint) throws {
        r("on_load_checkpoint", checkpointArguments(checkpoint))
    }

    func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws { r("setup", [("stage", stage)]) }
    func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws { r("teardown", [("stage", stage)]) }
    func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_fit_start") }
    func onFitEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_fit_end") }
    func onSanityCheckStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_sanity_check_start") }
    func onSanityCheckEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_sanity_check_end") }
    func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_train_start") }
    func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_train_end") }
    func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_train_epoch_start") }
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_train_epoch_end") }
    func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws { r("on_train_batch_start", [("batch_idx", batchIndex)]) }
    func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        trainBatches += 1
        r("on_train_batch_end", [("batch_idx", batchIndex)])
    }
    func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_validation_start") }
    func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_validation_end") }
    func onValidationEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_validation_epoch_start") }
    func onValidationEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_validation_epoch_end") }
    func onValidationBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_validation_batch_start", [("batch_idx", batchIndex)]) }
    func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_validation_batch_end", [("batch_idx", batchIndex)]) }
    func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_test_start") }
    func onTestEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_test_end") }
    func onTestEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_test_epoch_start") }
    func onTestEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_test_epoch_end") }
    func onTestBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_test_batch_start", [("batch_idx", batchIndex)]) }
    func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_test_batch_end", [("batch_idx", batchIndex)]) }
    func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_predict_start") }
    func onPredictEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_predict_end") }
    func onPredictEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_predict_epoch_start") }
    func onPredictEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_predict_epoch_end") }
    func onPredictBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_predict_batch_start", [("batch_idx", batchIndex)]) }
    func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws { r("on_predict_batch_end", [("batch_idx", batchIndex)]) }
    func onBeforeZeroGrad(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { r("on_before_zero_grad") }
    func onBeforeBackward(_ trainer: Trainer, _ module: any LightningModule, loss: Tensor) throws { r("on_before_backward") }
    func onAfterBackward(_ trainer: Trainer, _ module: any LightningModule) throws { r("on_after_backward") }
    func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws { r("on_before_optimizer_step") }
    func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws { r("on_exception", [("type", pythonErrorType(error))]) }
}

/// The reference data module: 8 training and 4 validation samples in batches of 2, unshuffled.
final class RecordingDataModule: LightningDataModule {
    typealias Batch = Pair
    let log: EventLog
    let train: [Pair]
    let val: [Pair]

    init(log: EventLog, fixture: [String: Any], batchSize: Int) throws {
        self.log = log
        func batches(_ x: [[Double]], _ y: [[Double]]) throws -> [Pair] {
            try stride(from: 0, to: x.count, by: batchSize).map { start in
                let end = min(start + batchSize, x.count)
                return (try Tensor(x[start..<end].map { $0.map(Float.init) }), try Tensor(y[start..<end].map { $0.map(Float.init) }))
            }
        }
        train = try batches(fixture.matrix("train_x"), fixture.matrix("train_y"))
        val = try batches(fixture.matrix("val_x"), fixture.matrix("val_y"))
    }

    private func r(_ hook: String, _ arguments: [(String, Any)] = []) { log.record("datamodule", hook, arguments) }
    func prepareData() throws { r("prepare_data") }
    func setup(stage: Stage) throws { r("setup", [("stage", stage)]) }
    func teardown(stage: Stage) throws { r("teardown", [("stage", stage)]) }
    func trainDataloader() throws -> (any BatchLoader<Pair>)? { r("train_dataloader"); return BatchList(train) }
    func valDataloader() throws -> (any BatchLoader<Pair>)? { r("val_dataloader"); return BatchList(val) }
    func testDataloader() throws -> (any BatchLoader<Pair>)? { r("test_dataloader"); return BatchList(val) }
    func predictDataloader() throws -> (any BatchLoader<Pair>)? { r("predict_dataloader"); return BatchList(val) }
    func onException(_ error: any Error) throws { r("on_exception", [("type", pythonErrorType(error))]) }

    /// The reference data module is stateful: `state_dict() == {"loads": n}`.
    var loads = 0
    func stateDict() -> PickleValue? {
        r("state_dict")
        return .dict([(.string("loads"), .int(loads))])
    }
    func loadStateDict(_ state: PickleValue) throws {
        r("load_state_dict", [("loads", state["loads"]?.intValue.map { "\($0)" } ?? "None")])
        loads = (state["loads"]?.intValue ?? 0) + 1
    }
}
