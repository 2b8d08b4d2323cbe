import Foundation
import Lightning
import Testing
import Torch

/// The logging scenario of Fixtures/logging.json, run with Python Lightning 2.6.6 and CSVLogger:
/// every combination of onStep/onEpoch/progressBar/logger/reduce, numbers and tensors, logDict, and
/// epoch-end hooks. Swift must write the same metrics.csv (byte for byte) and hparams.yaml and end
/// with the same callback, logged and progress-bar metrics.
@Suite("Logging matches Lightning 2.6.6")
struct LoggingTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("logging")

    final class LoggingModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        @Parameter var bias: Tensor

        init(data: [String: Any]) throws {
            weight = try Tensor(data.matrix("init_weight").map { $0.map(Float.init) })
            bias = try Tensor(data.numbers("init_bias").map(Float.init))
            super.init()
        }

        var hyperparameters: Hyperparameters { ["lr": 0.1, "hidden": 4, "name": "reference", "flags": [1, 2]] }

        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try batch.0.linear(weight: weight, bias: bias).mseLoss(target: batch.1)
            let a = 0.25 * Double(1 + batchIndex) + Double(currentEpoch)
            try log("loss", loss, progressBar: true, onStep: true, onEpoch: true)
            try log("t_default", a)
            try log("t_step", a, onStep: true, onEpoch: false)
            try log("t_epoch", a, onStep: false, onEpoch: true)
            try log("t_both", a, onStep: true, onEpoch: true)
            try log("t_pbar", a, progressBar: true)
            try log("t_pbar_epoch", a, progressBar: true, onStep: false, onEpoch: true)
            try log("t_pbar_only", a, progressBar: true, logger: false, onStep: true, onEpoch: true)
            try log("t_hidden", a, logger: false, onStep: true, onEpoch: true)
            try log("t_sum", a, onStep: false, onEpoch: true, reduce: .sum)
            try log("t_max", a, onStep: true, onEpoch: true, reduce: .max)
            try log("t_min", a, onStep: false, onEpoch: true, reduce: .min)
            try log("t_mean_inferred", a, onStep: false, onEpoch: true)
            try log("t_mean_bs", a, onStep: false, onEpoch: true, batchSize: batchIndex + 1)
            try log("t_int", batchIndex, onStep: true, onEpoch: true)
            try log("t_double", try Tensor(scalar: a), onStep: false, onEpoch: true)
            try logDict(["d_a": a, "d_b": 2 * a], progressBar: true, onStep: false, onEpoch: true)
            return loss
        }

        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try batch.0.linear(weight: weight, bias: bias).mseLoss(target: batch.1)
            let v = 0.5 * Double(1 + batchIndex) + 2 * Double(currentEpoch)
            try log("val_loss", loss, progressBar: true)
            try log("v_default", v)
            try log("v_step", v, onStep: true)
            try log("v_step_only", v, onStep: true, onEpoch: false)
            try log("v_pbar", v, progressBar: true)
            try log("v_hidden", v, logger: false)
            try log("v_sum", v, reduce: .sum)
            try log("v_max", v, reduce: .max)
            try log("v_min", v, reduce: .min)
            try log("v_mean_bs", v, batchSize: 4 - 2 * batchIndex)
            return loss
        }

        func onTrainEpochEnd() throws {
            try log("e_train", Double(10 + currentEpoch), progressBar: true)
            try log("e_train_pbar_only", Double(20 + currentEpoch), progressBar: true, logger: false)
        }

        func onValidationEpochEnd() throws {
            try log("e_val", Double(30 + currentEpoch))
            try log("e_val_pbar", Double(40 + currentEpoch), progressBar: true)
        }

        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    static func batches(_ x: [[Double]], _ y: [[Double]], count: Int, size: Int) throws -> BatchList<Pair> {
        BatchList(try stride(from: 0, to: count, by: size).map { start in
            let rows = start..<min(start + size, count)
            return (try Tensor(rows.map { x[$0].map(Float.init) }), try Tensor(rows.map { y[$0].map(Float.init) }))
        })
    }

    func run() throws -> (trainer: Trainer, module: LoggingModule, folder: URL, val: BatchList<Pair>) {
        let f = Self.fixture
        let data = f.object("data")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("logging-\(UUID().uuidString)")
        let module = try LoggingModule(data: data)
        let train = try Self.batches(data.matrix("train_x"), data.matrix("train_y"), count: f["train_samples"] as! Int, size: f["train_batch_size"] as! Int)
        let val = try Self.batches(data.matrix("val_x"), data.matrix("val_y"), count: f["val_samples"] as! Int, size: f["val_batch_size"] as! Int)
        let trainer = try Trainer(logger: [CSVLogger(saveDir: folder.path)], maxEpochs: 2, numSanityValSteps: 1,
                                  logEveryNSteps: 2, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false)
        try trainer.fit(module, trainDataloaders: train, valDataloaders: [val])
        return (trainer, module, folder, val)
    }

    func expectMetrics(_ actual: [String: Double], _ expected: [String: Any], _ label: String) {
        let expectedValues = expected.mapValues { ($0 as! NSNumber).doubleValue }
        let missing = Set(expectedValues.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expectedValues.keys).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "\(label): missing \(missing), extra \(extra)")
        // metrics.csv is compared byte for byte; these views to 1e-6 (Lightning's snapshot of them
        // rounds some float32 means through float64).
        for (key, value) in expectedValues {
            guard let mine = actual[key] else { continue }
            #expect(abs(mine - value) <= 1e-6 * max(1, abs(value)), "\(label)[\(key)]: Swift \(mine), Lightning \(value)")
        }
    }

    @Test func metricsCSVHyperparametersAndMetricViews() throws {
        let (trainer, module, folder, val) = try run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logDir = folder.appendingPathComponent("lightning_logs/version_0")
        let csv = try String(contentsOf: logDir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(csv == Self.fixture["metrics_csv_after_fit"] as! String)
        let yaml = try String(contentsOf: logDir.appendingPathComponent("hparams.yaml"), encoding: .utf8)
        #expect(yaml == Self.fixture["hparams_yaml"] as! String)

        let after = Self.fixture.object("after_fit")
        expectMetrics(trainer.callbackMetrics, after.object("callback_metrics"), "callback_metrics")
        expectMetrics(trainer.loggedMetrics, after.object("logged_metrics"), "logged_metrics")
        expectMetrics(trainer.progressBarMetrics, after.object("progress_bar_metrics"), "progress_bar_metrics")

        let validation = Self.fixture.object("validate_after_fit")
        let results = try trainer.validate(module, dataloaders: [val], verbose: false)
        expectMetrics(results[0], (validation["returned"] as! [[String: Any]])[0], "validate() result")
        expectMetrics(trainer.callbackMetrics, validation.object("callback_metrics"), "callback_metrics after validate")
        let csvAfterValidate = try String(contentsOf: logDir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(csvAfterValidate == Self.fixture["metrics_csv_after_validate"] as! String)
    }
}

/// Misuse of `log` fails as in Lightning (Fixtures/logging.json "errors"), naming the hook.
@Suite("Logging errors")
struct LoggingErrorTests {
    final class Misuser: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        let hook: String
        let action: (Misuser) throws -> Void
        init(hook: String, action: @escaping (Misuser) throws -> Void) throws {
            weight = try Tensor([[0.5, -0.25]] as [[Float]])
            self.hook = hook
            self.action = action
            super.init()
        }
        func at(_ name: String) throws { if name == hook { try action(self) } }
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            try at("training_step")
            return try batch.0.linear(weight: weight).mseLoss(target: batch.1)
        }
        func predictStep(_ batch: Pair, batchIndex: Int) throws -> Tensor { try at("predict_step"); return batch.0 }
        func onFitStart() throws { try at("on_fit_start") }
        func onTrainEnd() throws { try at("on_train_end") }
        func onTrainStart() throws { try at("on_train_start") }
        func onTrainEpochStart() throws { try at("on_train_epoch_start") }
        func setup(stage: Stage) throws { try at("setup") }
        func configureOptimizers() throws -> SGD { try at("configure_optimizers"); return try SGD(parameters(), lr: 0.1) }
        func onBeforeBatchTransfer(_ batch: Pair, dataloaderIndex: Int) throws -> Pair { try at("on_before_batch_transfer"); return batch }
    }

    static let cases: [(hook: String, expected: String, log: @Sendable (Misuser) throws -> Void)] = [
        ("on_fit_start", "You can't `log()` inside `on_fit_start`", { try $0.log("x", 1.0) }),
        ("on_train_end", "You can't `log()` inside `on_train_end`", { try $0.log("x", 1.0) }),
        ("setup", "You can't `log()` inside `setup`", { try $0.log("x", 1.0) }),
        ("configure_optimizers", "You can't `log()` inside `configure_optimizers`", { try $0.log("x", 1.0) }),
        ("on_before_batch_transfer", "You can't `log()` inside `on_before_batch_transfer`", { try $0.log("x", 1.0) }),
        ("predict_step", "You can't `log()` inside `predict_step`", { try $0.log("x", 1.0) }),
        ("on_train_start", "inside `on_train_start`, must be one of (false)", { try $0.log("x", 1.0, onStep: true) }),
        ("on_train_epoch_start", "inside `on_train_epoch_start`, must be one of (false)", { try $0.log("x", 1.0, onStep: true) }),
        ("training_step", "is not useful", { try $0.log("x", 1.0, onStep: false, onEpoch: false) }),
        ("training_step", "one-element tensor", { try $0.log("x", try Tensor([1, 2] as [Float])) }),
        ("training_step", "should not contain information about `dataloader_idx`", { try $0.log("x/dataloader_idx_0", 1.0) }),
    ]

    @Test(arguments: cases.indices)
    func misuseThrowsNamingTheHook(_ index: Int) throws {
        let misuse = Self.cases[index]
        let module = try Misuser(hook: misuse.hook, action: misuse.log)
        let batch = (try Tensor([[1, 2]] as [[Float]]), try Tensor([[1]] as [[Float]]))
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        do {
            if misuse.hook == "predict_step" {
                _ = try trainer.predict(module, dataloaders: [BatchList([batch])])
            } else {
                try trainer.fit(module, trainDataloaders: BatchList([batch]))
            }
            Issue.record("\(misuse.hook): no error")
        } catch let error as LightningError {
            #expect(error.description.contains(misuse.expected), "\(misuse.hook): \(error)")
        }
    }
}
