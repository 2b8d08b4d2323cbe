import Lightning
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

    @Test func aModuleWithOnlyStepsPredicts() throws {
        let trainer = try Trainer(logger: [], enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        let outputs = try trainer.predict(PredictOnly(), dataloaders: [BatchList([try Tensor([1, 2] as [Float])])])
        #expect(try outputs[0][0].toArray(of: Float.self) == [2, 4])
    }
}
