import Foundation
import Lightning
import Testing
import Torch

/// ModelCheckpoint against Lightning 2.6.6 (Tests/LightningTests/Fixtures/checkpoint.json, made by
/// Tools/lightning-reference/checkpoint_layout.py): 6-epoch runs with a scripted val_loss and
/// val/acc; after every epoch (and batch, for step and time triggers) the bookkeeping and the files on disk.
@Suite("ModelCheckpoint matches Lightning 2.6.6")
struct ModelCheckpointTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("checkpoint")
    static var scripted: [String: Any] { fixture.object("scripted") }
    static var caseIDs: [String] { (scripted["cases"] as! [[String: Any]]).map { $0["id"] as! String } }

    static func fixtureCase(_ id: String) -> [String: Any] {
        (scripted["cases"] as! [[String: Any]]).first { $0["id"] as! String == id }!
    }

    /// The Swift ModelCheckpoint for a case's Python keyword arguments.
    static func makeCheckpoint(_ kwargs: [String: Any], dirpath: String) throws -> ModelCheckpoint {
        let saveLast: ModelCheckpoint.SaveLast = switch kwargs["save_last"] {
        case let s as String where s == "link": .link
        case let b as Bool: b ? .enabled : .disabled
        default: .disabled
        }
        return try ModelCheckpoint(
            dirpath: dirpath, filename: kwargs["filename"] as? String, monitor: kwargs["monitor"] as? String,
            saveLast: saveLast, saveTopK: kwargs["save_top_k"] as? Int ?? 1,
            mode: (kwargs["mode"] as? String).flatMap(MonitorMode.init(rawValue:)) ?? .min,
            autoInsertMetricName: kwargs["auto_insert_metric_name"] as? Bool ?? true,
            everyNTrainSteps: kwargs["every_n_train_steps"] as? Int,
            trainTimeInterval: kwargs["train_time_interval"].flatMap(fixtureDouble), everyNEpochs: kwargs["every_n_epochs"] as? Int,
            enableVersionCounter: kwargs["enable_version_counter"] as? Bool ?? true)
    }

    /// The reference's Recorder: a checkpoint callback after the ModelCheckpoint that records its
    /// state and the files after every epoch (and batch).
    final class Recorder: CheckpointingCallback {
        let checkpoint: ModelCheckpoint
        let folder: String
        let perBatch: Bool
        var rows: [[String: String]] = []
        var bestModelPath: String { "" }
        var lastModelPath: String { "" }

        init(_ checkpoint: ModelCheckpoint, folder: String, perBatch: Bool) {
            self.checkpoint = checkpoint
            self.folder = folder
            self.perBatch = perBatch
        }

        func row(_ trainer: Trainer, _ at: String) {
            var row = ModelCheckpointTests.state(checkpoint, folder: folder)
            row["at"] = at
            row["epoch"] = "\(trainer.currentEpoch)"
            row["global_step"] = "\(trainer.globalStep)"
            row["files"] = listFiles(folder).joined(separator: ", ")
            rows.append(row)
        }

        func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
            if perBatch { row(trainer, "on_train_batch_end(batch_idx=\(batchIndex))") }
        }
        func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws { row(trainer, "on_train_epoch_end") }
        func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws { row(trainer, "on_train_end") }
    }

    static func relative(_ path: String, _ folder: String) -> String {
        if path.isEmpty { return path }
        if path == folder { return "." }
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
    }

    /// The compared fields of a ModelCheckpoint, as text (paths relative to its folder).
    static func state(_ checkpoint: ModelCheckpoint, folder: String) -> [String: String] {
        [
            "best_model_path": relative(checkpoint.bestModelPath, folder),
            "best_model_score": scoreText(checkpoint.bestModelScore),
            "best_k_models": checkpoint.bestKModelsInOrder.map { "\(relative($0.path, folder))=\(scoreRepr($0.score))" }.sorted().joined(separator: ", "),
            "kth_best_model_path": relative(checkpoint.kthBestModelPath, folder),
            "kth_value": scoreRepr(checkpoint.kthValue),
            "last_model_path": relative(checkpoint.lastModelPath, folder),
            "current_score": scoreText(checkpoint.currentScore),
        ]
    }

    /// The same fields of a fixture row.
    static func expectedState(_ row: [String: Any]) -> [String: String] {
        var out: [String: String] = [
            "best_model_path": row["best_model_path"] as! String,
            "best_model_score": fixtureScoreText(row["best_model_score"]),
            "best_k_models": (row["best_k_models"] as! [String: Any]).map { "\($0.key)=\(fixtureScoreText($0.value))" }.sorted().joined(separator: ", "),
            "kth_best_model_path": row["kth_best_model_path"] as! String,
            "kth_value": fixtureScoreText(row["kth_value"]),
            "last_model_path": row["last_model_path"] as! String,
            "current_score": fixtureScoreText(row["current_score"]),
        ]
        if let at = row["at"] as? String { out["at"] = at }
        if let epoch = row["epoch"] as? Int { out["epoch"] = "\(epoch)" }
        if let step = row["global_step"] as? Int { out["global_step"] = "\(step)" }
        if let files = row["files"] as? [String] { out["files"] = files.joined(separator: ", ") }
        return out
    }

    static func compare(_ actual: [String: String], _ expected: [String: String], _ context: String) {
        for key in expected.keys.sorted() where actual[key] != expected[key] {
            Issue.record("\(context): \(key) is \(actual[key] ?? "<missing>"), Lightning has \(expected[key]!)")
        }
    }

    @Test("scripted case", arguments: caseIDs)
    func scriptedCase(_ id: String) throws {
        let c = Self.fixtureCase(id)
        let data = Self.fixture.object("data")
        let (train, val) = try standardBatches(data, batchSize: Self.fixture["batch_size"] as! Int)
        let root = try temporaryFolder("ckpt-\(id)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = (root as NSString).appendingPathComponent("ckpts")
        let checkpoint = try Self.makeCheckpoint(c.object("model_checkpoint"), dirpath: folder)
        let perBatch = (c["after_each"] as! [[String: Any]]).contains { ($0["at"] as! String).hasPrefix("on_train_batch_end") }
        let recorder = Recorder(checkpoint, folder: folder, perBatch: perBatch)

        let losses = Self.scripted.exactNumbers("val_loss_per_epoch").map(Float.init)
        let accuracies = Self.scripted.exactNumbers("val_acc_per_epoch").map(Float.init)
        let module = try ScriptedModule(data: data)
        // The train_time_interval cases: a fake clock that every training step advances.
        let clock = FakeClock()
        let tick = fixtureDouble(c["clock_seconds_per_training_step"]) ?? 0
        module.onTrainingStep = { clock.now += tick }
        module.logInValidationStep = { m in
            try m.log("val_loss", losses[m.currentEpoch])
            try m.log("val/acc", accuracies[m.currentEpoch])
        }
        let settings = c.object("trainer")
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = [checkpoint, recorder]
        configuration.maxEpochs = settings["max_epochs"] as? Int
        configuration.numSanityValSteps = settings["num_sanity_val_steps"] as! Int
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        configuration.defaultRootDir = root
        configuration.checkpointIO = MarkerCheckpointIO()
        let trainer = try Trainer(configuration)
        try Trainer.$monotonicClock.withValue({ clock.now }) {
            try trainer.fit(module, trainDataloaders: BatchList(train), valDataloaders: [BatchList(val)])
        }

        #expect(checkpoint.stateKey == c["state_key"] as! String)
        let expectedRows = c["after_each"] as! [[String: Any]]
        #expect(recorder.rows.count == expectedRows.count, "\(id): \(recorder.rows.count) recorded rows, Lightning has \(expectedRows.count)")
        for (index, (actual, expected)) in zip(recorder.rows, expectedRows).enumerated() {
            Self.compare(actual, Self.expectedState(expected), "\(id) row \(index) (\(expected["at"]!), epoch \(expected["epoch"]!))")
        }
        var final = Self.state(checkpoint, folder: folder)
        final["files"] = listFiles(folder).joined(separator: ", ")
        Self.compare(final, Self.expectedState(c.object("final")), "\(id) final")
        try compareStateDict(checkpoint, c.object("state_dict"), folder: folder, id: id)
    }

    func compareStateDict(_ checkpoint: ModelCheckpoint, _ expected: [String: Any], folder: String, id: String) throws {
        let state = try #require(checkpoint.stateDict())
        let keys = try #require(state.dictValue).compactMap { $0.key.stringValue }
        let layout = Self.fixture.object("layout").object("checkpoint").object("values").object("callbacks").object("values")
        let lightningKeys = layout.object(Self.fixture.object("layout")["ModelCheckpoint_state_key"] as! String).strings("keys")
        #expect(keys == lightningKeys, "\(id): state_dict keys in Lightning's order")
        func text(_ value: PickleValue?) -> String {
            switch value {
            case .string(let s)?: Self.relative(s, folder)
            case .none?, nil: "None"
            case .dict(let entries)?: entries.map { "\(Self.relative($0.key.stringValue ?? "", folder))=\(text($0.value))" }.sorted().joined(separator: ", ")
            default: scoreRepr(ScoreTests.read(value))
            }
        }
        func expectedText(_ value: Any?) -> String {
            switch value {
            case let s as String where fixtureDouble(s) == nil: s
            case let d as [String: Any]: d.map { "\($0.key)=\(expectedText($0.value))" }.sorted().joined(separator: ", ")
            case is NSNull, nil: "None"
            default: fixtureScoreText(value)
            }
        }
        for key in expected.keys.sorted() {
            #expect(text(state[key]) == expectedText(expected[key]), "\(id): state_dict[\(key)]")
        }
    }

    @Test func defaultDirpathAndTrainerWiring() throws {
        let root = try temporaryFolder("ckpt-default")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.defaultRootDir = root
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        configuration.maxEpochs = 1
        configuration.checkpointIO = MarkerCheckpointIO()
        let data = Self.fixture.object("data")
        let (train, _) = try standardBatches(data, batchSize: 2)
        let trainer = try Trainer(configuration)
        try trainer.fit(try ScriptedModule(data: data), trainDataloaders: BatchList(train))
        let checkpoint = try #require(trainer.checkpointCallback)
        #expect(checkpoint.dirpath == root + "/checkpoints")
        #expect(listFiles(root + "/checkpoints") == ["epoch=0-step=4.ckpt"])
        #expect(trainer.checkpointCallbacks.count == 1)

        // With a logger, checkpoints go under its folder.
        configuration.loggers = [CSVLogger(saveDir: root, name: "logs")]
        let logged = try Trainer(configuration)
        try logged.fit(try ScriptedModule(data: data), trainDataloaders: BatchList(train))
        #expect(logged.checkpointCallback?.dirpath == root + "/logs/version_0/checkpoints")

        // None with enableCheckpointing: false; an error when one is given anyway.
        configuration.enableCheckpointing = false
        let off = try Trainer(configuration)
        try off.fit(try ScriptedModule(data: data), trainDataloaders: BatchList(train))
        #expect(off.checkpointCallback == nil)
        configuration.callbacks = [try ModelCheckpoint()]
        #expect(throws: LightningError.self) { try Trainer(configuration) }
    }

    @Test func invalidSettings() {
        #expect(throws: LightningError.self) { try ModelCheckpoint(saveTopK: -2) }
        #expect(throws: LightningError.self) { try ModelCheckpoint(saveTopK: 2) }
        #expect(throws: LightningError.self) { try ModelCheckpoint(everyNTrainSteps: 2, everyNEpochs: 1) }
        #expect(throws: LightningError.self) { try ModelCheckpoint(everyNTrainSteps: -1) }
    }

    @Test func fileNames() throws {
        let checkpoint = try ModelCheckpoint(dirpath: "/ckpt", filename: "{epoch}-{val_loss:.2f}")
        #expect(try checkpoint.formatCheckpointName(["epoch": 2, "val_loss": 0.123456]) == "/ckpt/epoch=2-val_loss=0.12.ckpt")
        #expect(try checkpoint.formatCheckpointName(["epoch": 2, "val_loss": 0.12], filename: "{epoch:d}") == "/ckpt/epoch=2.ckpt")
        #expect(try checkpoint.formatCheckpointName(["epoch": 5], filename: "{epoch:03d}", ver: 2) == "/ckpt/epoch=005-v2.ckpt")
        #expect(try checkpoint.formatCheckpointName([:], filename: "{missing:d}") == "/ckpt/missing=0.ckpt")
        #expect(try checkpoint.formatCheckpointName(["epoch": 1, "epoch_test": 3], filename: "{epoch_test}-{epoch}") == "/ckpt/epoch_test=3.0-epoch=1.ckpt")
        let plain = try ModelCheckpoint(dirpath: "/ckpt", filename: "epoch={epoch}-validation_loss={val_loss:.2f}", autoInsertMetricName: false)
        #expect(try plain.formatCheckpointName(["epoch": 2, "val_loss": 0.123456]) == "/ckpt/epoch=2-validation_loss=0.12.ckpt")
        #expect(try checkpoint.formatCheckpointName(["epoch": 1, "x": 1e-5, "y": 1e16, "z": 123.0], filename: "{x}-{y}-{z}-{x:.1e}-{z:+08.2f}-{z:%}")
            == "/ckpt/x=1e-05-y=1e+16-z=123.0-x=1.0e-05-z=+0123.00-z=12300.000000%.ckpt")
    }

    @Test func bestKModelsYAML() throws {
        let root = try temporaryFolder("ckpt-yaml")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try ModelCheckpoint(dirpath: root, monitor: "val_loss", saveTopK: -1)
        func score(_ value: Double) throws -> PickleValue { .tensor(try Tensor(scalar: value)) }
        try checkpoint.loadStateDict(.dict([
            (.string("dirpath"), .string(checkpoint.dirpath!)), (.string("best_model_path"), .string("")),
            (.string("best_model_score"), .none),
            (.string("best_k_models"), .dict([
                (.string("/r/ckpts/model-step=8.ckpt"), try score(0.699999988079071)),
                (.string("/r/ckpts/model-step=12.ckpt"), try score(1e-05)), (.string("x: y"), try score(.infinity)),
                (.string("val/acc=0.6.ckpt"), try score(0.6000000238418579)), (.string("-v1"), try score(.nan)),
            ])),
        ]))
        try checkpoint.toYAML()
        // PyYAML's yaml.dump of the same dictionary.
        #expect(try String(contentsOfFile: root + "/best_k_models.yaml", encoding: .utf8)
            == "-v1: .nan\n/r/ckpts/model-step=12.ckpt: 1.0e-05\n/r/ckpts/model-step=8.ckpt: 0.699999988079071\nval/acc=0.6.ckpt: 0.6000000238418579\n'x: y': .inf\n")
    }

    @Test func stateKeys() throws {
        #expect(try ModelCheckpoint().stateKey == "ModelCheckpoint{'monitor': None, 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}")
        #expect(try ModelCheckpoint(monitor: "it's", mode: .max, trainTimeInterval: 3600.5).stateKey
            == "ModelCheckpoint{'monitor': \"it's\", 'mode': 'max', 'every_n_train_steps': 0, 'every_n_epochs': 0, 'train_time_interval': datetime.timedelta(seconds=3600, microseconds=500000)}")
    }
}

enum ScoreTests {
    static func read(_ value: PickleValue?) -> Double {
        switch value {
        case .tensor(let t)?: (try? t.item(Double.self)) ?? .nan
        case .double(let v)?: v
        case .int(let v)?: Double(v)
        default: .nan
        }
    }
}
