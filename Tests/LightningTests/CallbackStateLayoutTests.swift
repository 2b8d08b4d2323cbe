import Foundation
import Lightning
import Testing
import Torch

/// The `callbacks` entry of a real checkpoint (ModelCheckpoint + EarlyStopping states, Lightning's
/// keys, order, types and values) against the layout part of checkpoint.json: a 3-epoch fit with
/// Adam(lr 0.01) + StepLR(2, 0.5), logging train_loss and val_loss.
@Suite("Callback states in checkpoints match Lightning 2.6.6")
struct CallbackStateLayoutTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("checkpoint")

    final class LayoutModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        @Parameter var bias: Tensor

        init(data: [String: Any]) throws {
            weight = try Tensor(data.matrix("init_weight").map { $0.map(Float.init) })
            bias = try Tensor(data.numbers("init_bias").map(Float.init))
            super.init()
        }

        func forward(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try forward(batch.0).mseLoss(target: batch.1)
            try log("train_loss", loss)
            return loss
        }
        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try forward(batch.0).mseLoss(target: batch.1)
            try log("val_loss", loss)
            return loss
        }
        func configureOptimizers() throws -> OptimizerConfiguration {
            let optimizer = try Adam(parameters(), lr: 0.01)
            return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 2, gamma: 0.5))
        }
    }

    /// Compares a value with the fixture's description (`{type, keys, values}`, `{type: Tensor, dtype,
    /// shape, value}`, scalars `{type, value}`), with the temporary root written as `<root>`.
    static func compare(_ value: PickleValue?, _ description: [String: Any], root: String, path: String) {
        let type = description["type"] as! String
        func fail(_ what: String) { Issue.record("\(path): \(what)") }
        switch (type, value) {
        case ("dict", .dict(let entries)?):
            let keys = entries.map { ($0.key.stringValue ?? "?").replacingOccurrences(of: root, with: "<root>") }
            let expectedKeys = description["keys"] as! [String]
            if keys != expectedKeys { fail("keys \(keys), Lightning has \(expectedKeys)") }
            let values = description["values"] as! [String: Any]
            for (key, entry) in zip(keys, entries) where values[key] != nil {
                compare(entry.value, values[key] as! [String: Any], root: root, path: path + "/" + key)
            }
        case ("Tensor", .tensor(let tensor)?):
            let dtype = "\(tensor.dtype)"
            if !dtype.contains(description["dtype"] as! String) { fail("dtype \(dtype), Lightning has \(description["dtype"]!)") }
            if tensor.shape != (description["shape"] as! [Int]) { fail("shape \(tensor.shape)") }
            if let expected = fixtureDouble(description["value"]), let actual = try? tensor.item(Double.self), actual != expected {
                fail("value \(actual), Lightning has \(expected)")
            }
        case ("int", .int(let v)?):
            if v != description["value"] as! Int { fail("value \(v), Lightning has \(description["value"]!)") }
        case ("str", .string(let s)?):
            let shown = s.replacingOccurrences(of: root, with: "<root>")
            if shown != description["value"] as! String { fail("value \(shown), Lightning has \(description["value"]!)") }
        case ("None", .none?):
            break
        default:
            fail("\(value.map { "\($0)" } ?? "missing"), Lightning has a \(type)")
        }
    }

    @Test func modelCheckpointAndEarlyStoppingStates() throws {
        let layout = Self.fixture.object("layout")
        let data = Self.fixture.object("data")
        let (train, val) = try standardBatches(data, batchSize: Self.fixture["batch_size"] as! Int)
        let root = try temporaryFolder("layout")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try ModelCheckpoint(dirpath: root + "/checkpoints", monitor: "val_loss", mode: .min)
        let early = EarlyStopping(monitor: "val_loss", patience: 3)
        let io = MarkerCheckpointIO()
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = [checkpoint, early]
        configuration.maxEpochs = 3
        configuration.numSanityValSteps = 0
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        configuration.defaultRootDir = root
        configuration.checkpointIO = io
        let trainer = try Trainer(configuration)
        try trainer.fit(try LayoutModule(data: data), trainDataloaders: BatchList(train), valDataloaders: [BatchList(val)])

        #expect((checkpoint.bestModelPath as NSString).lastPathComponent == layout["file"] as! String)
        #expect(checkpoint.stateKey == layout["ModelCheckpoint_state_key"] as! String)
        let saved = try #require(io.saved[checkpoint.bestModelPath])
        let description = layout.object("checkpoint").object("values").object("callbacks")
        Self.compare(saved["callbacks"], description, root: root, path: "callbacks")
    }
}
