import Lightning
import Testing
import Torch

@Suite("Manual optimization")
struct ManualOptimizationTests {
    final class TwoStepModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        var events: [String] = []
        init() throws {
            weight = try Tensor([[0.5, -0.25]] as [[Float]])
            super.init()
        }
        var automaticOptimization: Bool { false }
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let optimizer = optimizers()[0]
            let loss = try batch.0.linear(weight: weight).mseLoss(target: batch.1)
            try optimizer.zeroGrad()
            try manualBackward(loss)
            try optimizer.step()
            return loss
        }
        func onBeforeBackward(_ loss: Tensor) throws { events.append("before_backward") }
        func onAfterBackward() throws { events.append("after_backward") }
        func onBeforeOptimizerStep(_ optimizer: Optimizer) throws { events.append("before_optimizer_step") }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    @Test func stepsHooksAndGlobalSteps() throws {
        let module = try TwoStepModule()
        let x = try Tensor([[1, 2]] as [[Float]]), y = try Tensor([[1]] as [[Float]])
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false)
        try trainer.fit(module, trainDataloaders: BatchList([(x, y), (x, y), (x, y)]))
        #expect(trainer.globalStep == 3)
        #expect(module.events == Array(repeating: ["before_backward", "after_backward", "before_optimizer_step"], count: 3).flatMap { $0 })
        // SGD by hand on the same data: w -= 0.1 * dL/dw three times.
        var w: [Float] = [0.5, -0.25]
        for _ in 0..<3 {
            let error = w[0] * 1 + w[1] * 2 - 1
            w = [w[0] - 0.1 * 2 * error * 1, w[1] - 0.1 * 2 * error * 2]
        }
        let learned: [Float] = try module.weight.toArray()
        #expect(zip(learned, w).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func trainerSettingsThatNeedAutomaticOptimizationAreRejected() throws {
        let module = try TwoStepModule()
        let batch = (try Tensor([[1, 2]] as [[Float]]), try Tensor([[1]] as [[Float]]))
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false, accumulateGradBatches: 2)
        #expect(throws: LightningError.self) { try trainer.fit(module, trainDataloaders: BatchList([batch])) }
    }
}

@Suite("Barebones")
struct BarebonesTests {
    @Test func barebonesTurnsTheFeaturesOffAsLightningDoes() throws {
        let trainer = try Trainer(barebones: true)
        #expect(trainer.configuration.loggers?.isEmpty == true)
        #expect(!trainer.configuration.enableCheckpointing && !trainer.configuration.enableProgressBar)
        #expect(!trainer.configuration.enableModelSummary && trainer.configuration.numSanityValSteps == 0)
        // Asking for a feature alongside barebones is still an error, as in Lightning.
        #expect(throws: LightningError.self) { try Trainer(enableProgressBar: true, barebones: true) }
    }
}
