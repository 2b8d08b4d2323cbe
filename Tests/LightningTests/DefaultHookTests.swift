@testable import Lightning
import Testing
import Torch

/// A module needs only `trainingStep`: every other hook, `configureOptimizers` included, has a default.
@Suite("Hook defaults")
struct DefaultHookTests {
    final class PredictOnly: Module, LightningModule {
        typealias Batch = Tensor
        func trainingStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try batch.sum() }
        func predictStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try batch * 2 }
    }

    /// Uses every per-batch hook's default.
    final class Plain: Module, LightningModule {
        typealias Batch = Tensor
        @Parameter var weight = try! Tensor([0.5] as [Float])
        func trainingStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try (batch * weight).sum() }
        func validationStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try (batch * weight).sum() }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    /// Overrides some per-batch hooks and counts their calls.
    final class Counting: Module, LightningModule {
        typealias Batch = Tensor
        @Parameter var weight = try! Tensor([0.5] as [Float])
        var calls: [String: Int] = [:]
        func trainingStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try (batch * weight).sum() }
        func validationStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try (batch * weight).sum() }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
        func onAfterBackward() throws { calls["on_after_backward", default: 0] += 1 }
        func onTrainBatchEnd(_ outputs: StepOutputs, batch: Tensor, batchIndex: Int) throws {
            // The loss handed to the hook is detached from its graph, as Lightning's.
            #expect(outputs.loss?.requiresGrad == false)
            #expect(outputs.loss?.isSame(as: outputs.loss!) == true)
            calls["on_train_batch_end", default: 0] += 1
        }
        func onValidationBatchEnd(_ outputs: Tensor, batch: Tensor, batchIndex: Int, dataloaderIndex: Int) throws {
            calls["on_validation_batch_end", default: 0] += 1
        }
        func onBeforeBatchTransfer(_ batch: Tensor, dataloaderIndex: Int) throws -> Tensor {
            calls["on_before_batch_transfer", default: 0] += 1
            return batch
        }
    }

    static func batches() -> BatchList<Tensor> { BatchList((0..<4).map { try! Tensor([Float($0)]) }) }

    /// The loops stop calling a per-batch hook once they see it is the default that does nothing;
    /// a module's own hooks run on every batch, also when the same trainer ran a module with the
    /// defaults before.
    @Test func theLoopsSkipDefaultsThatDoNothingButCallOverridesOnEveryBatch() throws {
        let trainer = try Trainer(logger: [], maxEpochs: 1, numSanityValSteps: 0, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(Plain(), trainDataloaders: Self.batches(), valDataloaders: [Self.batches()])
        for hook in [Hook.onTrainBatchStart, .onTrainBatchEnd, .onBeforeZeroGrad, .onBeforeBackward, .onAfterBackward,
                     .onBeforeOptimizerStep, .configureGradientClipping, .onBeforeBatchTransfer, .onAfterBatchTransfer,
                     .onValidationBatchStart, .onValidationBatchEnd] {
            #expect(trainer.context.skips(hook), "\(hook.rawValue)")
        }

        let counting = Counting()
        try trainer.fit(counting, trainDataloaders: Self.batches(), valDataloaders: [Self.batches()])
        #expect(counting.calls == ["on_after_backward": 4, "on_train_batch_end": 4, "on_validation_batch_end": 4,
                                   "on_before_batch_transfer": 8])
        #expect(!trainer.context.skips(.onAfterBackward) && !trainer.context.skips(.onTrainBatchEnd))
        #expect(trainer.context.skips(.onBeforeBackward))
    }

    /// Manual optimization: the module may return a loss it ran no backward on, whose graph still
    /// holds the step's activations; the outputs a hook keeps hold a detached copy, not that loss.
    final class ManualKeeper: Module, LightningModule {
        typealias Batch = Tensor
        @Parameter var weight = try! Tensor([0.5] as [Float])
        var automaticOptimization: Bool { false }
        weak var returned: Tensor?
        var kept: [StepOutputs] = []
        func trainingStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor {
            let loss = try (batch * weight).sum()
            returned = loss
            return loss
        }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
        func onTrainBatchEnd(_ outputs: StepOutputs, batch: Tensor, batchIndex: Int) throws { kept.append(outputs) }
    }

    @Test func keptOutputsOfAManualStepHoldNoGraph() throws {
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        let module = ManualKeeper()
        try trainer.fit(module, trainDataloaders: Self.batches())
        #expect(module.kept.count == 4)
        #expect(module.returned == nil)
        #expect(try module.kept.map { try $0.loss!.item(Double.self) } == [0, 0.5, 1, 1.5])
        #expect(module.kept.allSatisfy { $0.loss?.requiresGrad == false })
    }

    /// With a gradient clip value the default `configureGradientClipping` clips on every step.
    @Test func theDefaultClippingIsNotSkippedWhenItClips() throws {
        let trainer = try Trainer(logger: [], maxEpochs: 1, numSanityValSteps: 0, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false, gradientClipVal: 0.01)
        try trainer.fit(Plain(), trainDataloaders: Self.batches())
        #expect(!trainer.context.skips(.configureGradientClipping))
        #expect(trainer.context.skips(.onAfterBackward))
    }

    @Test func aModuleWithOnlyStepsPredicts() throws {
        let trainer = try Trainer(logger: [], enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        let outputs = try trainer.predict(PredictOnly(), dataloaders: [BatchList([try Tensor([1, 2] as [Float])])])
        #expect(try outputs[0][0].toArray(of: Float.self) == [2, 4])
    }
}
