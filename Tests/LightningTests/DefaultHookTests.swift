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

    /// Wraps another module and hands its per-batch hooks on to it: the inner module's defaults
    /// say nothing about the wrapper's own hooks, which run on every batch.
    final class Wrapper: Module, LightningModule {
        typealias Batch = Tensor
        let inner = Plain()
        var calls = 0
        func trainingStep(_ batch: Tensor, batchIndex: Int) throws -> Tensor { try inner.trainingStep(batch, batchIndex: batchIndex) }
        func configureOptimizers() throws -> SGD { try SGD(inner.parameters(), lr: 0.1) }
        func onAfterBackward() throws {
            calls += 1
            try inner.onAfterBackward()
        }
    }

    @Test func aHookHandedOnToAnotherModulesDefaultIsStillCalled() throws {
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        let wrapper = Wrapper()
        try trainer.fit(wrapper, trainDataloaders: Self.batches())
        #expect(wrapper.calls == 4)
        #expect(!trainer.context.skips(.onAfterBackward))
        #expect(trainer.context.skips(.onBeforeBackward))
    }

    /// Implements one per-batch hook, and hands another on to a second callback's default.
    final class BatchEndCounter: Callback {
        let inner = Timer(duration: 1_000)
        var batchEnds = 0, backwards = 0
        func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
            batchEnds += 1
        }
        func onAfterBackward(_ trainer: Trainer, _ module: any LightningModule) throws {
            backwards += 1
            try inner.onAfterBackward(trainer, module)
        }
    }

    /// The trainer skips a callback's per-batch hooks that are the default doing nothing, per
    /// callback, and calls the hooks a callback implements on every batch.
    @Test func callbacksDefaultsThatDoNothingAreSkippedPerCallback() throws {
        let counter = BatchEndCounter()
        let trainer = try Trainer(logger: [], callbacks: [counter, LambdaCallback()], maxEpochs: 2, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(Plain(), trainDataloaders: Self.batches(), valDataloaders: [Self.batches()])
        #expect(counter.batchEnds == 8 && counter.backwards == 8)
        let skipped = trainer.context.callbackNoOpDefaults[0]
        for hook in [Hook.onTrainBatchStart, .onBeforeZeroGrad, .onBeforeBackward, .onBeforeOptimizerStep,
                     .onValidationBatchStart, .onValidationBatchEnd] {
            #expect(skipped & hook.noOpDefaultBit != 0, "\(hook.rawValue)")
        }
        #expect(skipped & Hook.onTrainBatchEnd.noOpDefaultBit == 0)
        #expect(skipped & Hook.onAfterBackward.noOpDefaultBit == 0)
        // LambdaCallback implements every hook (calling its closures when set): none is skipped.
        #expect(trainer.context.callbackNoOpDefaults[1] == 0)
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
