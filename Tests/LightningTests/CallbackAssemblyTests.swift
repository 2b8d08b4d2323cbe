import Foundation
import Lightning
import Testing
import Torch

/// How the Trainer assembles its callbacks, against Lightning 2.6.6 (Fixtures/callback_assembly.json,
/// Tools/lightning-reference/callback_assembly.py): the defaults (ModelCheckpoint, the Timer of
/// `maxTime`, progress bar, model summary), the module's `configureCallbacks()` replacing trainer
/// callbacks of their type or a superclass, checkpoint callbacks last.
@Suite("Callback assembly matches Lightning 2.6.6")
struct CallbackAssemblyTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("callback_assembly")
    static var caseIDs: [String] { (fixture["cases"] as! [[String: Any]]).map { $0["id"] as! String } }

    final class MyCheckpoint: ModelCheckpoint {}
    final class MyEarlyStopping: EarlyStopping {}

    static func make(_ name: String) throws -> any Callback {
        switch name {
        case "LambdaCallback": LambdaCallback()
        case "ModelCheckpoint": try ModelCheckpoint()
        case "MyCheckpoint": try MyCheckpoint()
        case "EarlyStopping": EarlyStopping(monitor: "val_loss")
        case "MyEarlyStopping": MyEarlyStopping(monitor: "val_loss")
        case "Timer": Lightning.Timer(duration: 86_400)
        default: throw LightningError.configuration("unknown callback \(name)")
        }
    }

    /// Linear(2, 1) on two samples; returns `modelCallbacks` from configureCallbacks and records
    /// the trainer's callbacks at onFitStart.
    final class AssemblyModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        let modelCallbacks: [String]
        var seen: [String] = []

        init(modelCallbacks: [String]) throws {
            weight = try Tensor([[Float(0.5), -0.25]])
            self.modelCallbacks = modelCallbacks
            super.init()
        }

        func configureCallbacks() -> [any Callback] { modelCallbacks.map { try! CallbackAssemblyTests.make($0) } }
        func onFitStart() throws { seen = trainer!.callbacks.map { String(describing: type(of: $0)) } }
        func loss(_ batch: Pair) throws -> Tensor { try batch.0.matmul(weight.t()).mseLoss(target: batch.1) }
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor { try loss(batch) }
        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let value = try loss(batch)
            try log("val_loss", value)
            return value
        }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
        func trainDataloader() throws -> (any BatchLoader<Pair>)? { BatchList([(try Tensor([[Float(1), 2]]), try Tensor([[Float(1)]]))]) }
        func valDataloader() throws -> (any BatchLoader<Pair>)? { try trainDataloader() }
    }

    @Test(arguments: caseIDs)
    func assembly(_ id: String) throws {
        let expected = (Self.fixture["cases"] as! [[String: Any]]).first { $0["id"] as! String == id }!
        let settings = expected["trainer"] as! [String: Any]
        let module = try AssemblyModule(modelCallbacks: expected["model_callbacks"] as! [String])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("assembly-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = try Trainer(
            accelerator: "cpu", logger: [], callbacks: (expected["trainer_callbacks"] as! [String]).map(Self.make),
            maxEpochs: 1, maxTime: ((settings["max_time"] as? [String: Any])?["seconds"] as? NSNumber)?.doubleValue,
            limitTrainBatches: .count(1), limitValBatches: .count(1), numSanityValSteps: 0,
            enableProgressBar: settings["enable_progress_bar"] as? Bool ?? false,
            enableModelSummary: settings["enable_model_summary"] as? Bool ?? false, defaultRootDir: folder)
        try trainer.fit(module)
        // Lightning's default progress bar is its TQDMProgressBar.
        let names = (expected["callbacks"] as! [String]).map { $0 == "TQDMProgressBar" ? "ProgressBar" : $0 }
        #expect(module.seen == names)
    }
}
