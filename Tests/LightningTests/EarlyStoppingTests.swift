import Foundation
import Lightning
import Testing
import Torch

/// EarlyStopping against Lightning 2.6.6 (Tests/LightningTests/Fixtures/early_stopping.json, made by
/// Tools/lightning-reference/early_stopping.py): scripted metric sequences, every check's counters,
/// the final state and the state_dict.
@Suite("EarlyStopping matches Lightning 2.6.6")
struct EarlyStoppingTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("early_stopping")
    static var cases: [[String: Any]] { fixture["cases"] as! [[String: Any]] }
    static var caseIDs: [String] { cases.map { $0["id"] as! String } }

    /// The reference's Recorder: a checkpoint callback (so it runs right after EarlyStopping and
    /// keeps the default ModelCheckpoint out) that records the state after every check.
    final class Recorder: CheckpointingCallback {
        let early: EarlyStopping
        var rows: [[String: String]] = []
        var bestModelPath: String { "" }
        var lastModelPath: String { "" }
        init(_ early: EarlyStopping) { self.early = early }

        func row(_ trainer: Trainer, _ at: String) {
            rows.append([
                "at": at, "epoch": "\(trainer.currentEpoch)", "global_step": "\(trainer.globalStep)",
                "value": scoreText(trainer.callbackMetrics[early.monitor]), "wait_count": "\(early.waitCount)",
                "best_score": scoreRepr(early.bestScore), "stopped_epoch": "\(early.stoppedEpoch)",
                "should_stop": "\(trainer.shouldStop)", "stopping_reason": early.stoppingReason.name,
            ])
        }

        func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
            if trainer.stage != .sanityChecking && early.checkOnTrainEpochEnd != true { row(trainer, "on_validation_end") }
        }
        func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
            if early.checkOnTrainEpochEnd == true { row(trainer, "on_train_epoch_end") }
        }
    }

    static func expectedRow(_ row: [String: Any]) -> [String: String] {
        [
            "at": row["at"] as! String, "epoch": "\(row["epoch"] as! Int)", "global_step": "\(row["global_step"] as! Int)",
            "value": fixtureScoreText(row["value"]), "wait_count": "\(row["wait_count"] as! Int)",
            "best_score": fixtureScoreText(row["best_score"]), "stopped_epoch": "\(row["stopped_epoch"] as! Int)",
            "should_stop": "\(row["should_stop"] as! Bool)", "stopping_reason": row["stopping_reason"] as! String,
        ]
    }

    static func compare(_ actual: [String: String], _ expected: [String: String], _ context: String) {
        for key in expected.keys.sorted() where actual[key] != expected[key] {
            Issue.record("\(context): \(key) is \(actual[key] ?? "<missing>"), Lightning has \(expected[key]!)")
        }
    }

    @Test("scripted case", arguments: caseIDs)
    func scriptedCase(_ id: String) throws {
        let c = Self.cases.first { $0["id"] as! String == id }!
        let kwargs = c.object("early_stopping")
        let early = EarlyStopping(
            monitor: kwargs["monitor"] as! String, minDelta: fixtureDouble(kwargs["min_delta"]) ?? 0,
            patience: kwargs["patience"] as? Int ?? 3, mode: (kwargs["mode"] as? String).flatMap(MonitorMode.init(rawValue:)) ?? .min,
            strict: kwargs["strict"] as? Bool ?? true, checkFinite: kwargs["check_finite"] as? Bool ?? true,
            stoppingThreshold: fixtureDouble(kwargs["stopping_threshold"]), divergenceThreshold: fixtureDouble(kwargs["divergence_threshold"]),
            checkOnTrainEpochEnd: kwargs["check_on_train_epoch_end"] as? Bool)
        let recorder = Recorder(early)

        let data = Self.fixture.object("data")
        let (train, val) = try standardBatches(data, batchSize: Self.fixture["batch_size"] as! Int)
        let sequence = (c["seq"] as! [Any]).map { Float(fixtureDouble($0)!) }
        func value(_ k: Int) -> Float { sequence[min(k, sequence.count - 1)] }
        let module = try ScriptedModule(data: data)
        if c["source"] as! String == "val" {
            module.logInValidationStep = { m in try m.log("metric", value(m.validationRuns)) }
        } else {
            module.logAtTrainEpochEnd = { m in try m.log("metric", value(m.currentEpoch)) }
        }

        let settings = c.object("trainer")
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = [early, recorder]
        configuration.maxEpochs = settings["max_epochs"] as? Int
        configuration.numSanityValSteps = settings["num_sanity_val_steps"] as! Int
        if let limit = settings["limit_val_batches"] as? Int { configuration.limitValBatches = .count(limit) }
        if let interval = settings["val_check_interval"] as? Double { configuration.valCheckInterval = .fraction(interval) }
        if let every = settings["check_val_every_n_epoch"] as? Int { configuration.checkValEveryNEpoch = every }
        configuration.minEpochs = settings["min_epochs"] as? Int
        configuration.minSteps = settings["min_steps"] as? Int
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        let root = try temporaryFolder("es-\(id)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        configuration.defaultRootDir = root
        configuration.checkpointIO = MarkerCheckpointIO()
        let trainer = try Trainer(configuration)

        var thrown: (any Error)?
        do {
            try trainer.fit(module, trainDataloaders: BatchList(train), valDataloaders: [BatchList(val)])
        } catch {
            thrown = error
        }
        if let expectedError = c["error"] as? [String: Any] {
            let error = try #require(thrown, "\(id): Lightning raised \(expectedError["type"]!)")
            #expect("\(error)" == expectedError["message"] as! String)
        } else if let thrown {
            Issue.record("\(id): unexpected error \(thrown)")
        }

        #expect(early.stateKey == c["state_key"] as! String)
        #expect(early.checkOnTrainEpochEnd == (c["checks_at"] as! String == "on_train_epoch_end"))
        let expectedRows = (c["checks"] as? [[String: Any]]) ?? []
        #expect(recorder.rows.count == expectedRows.count, "\(id): \(recorder.rows.count) checks, Lightning has \(expectedRows.count)")
        for (index, (actual, expected)) in zip(recorder.rows, expectedRows).enumerated() {
            Self.compare(actual, Self.expectedRow(expected), "\(id) check \(index)")
        }

        let final = c.object("final")
        Self.compare([
            "current_epoch": "\(trainer.currentEpoch)", "global_step": "\(trainer.globalStep)", "should_stop": "\(trainer.shouldStop)",
            "validation_runs": "\(module.validationRuns)", "stopped_epoch": "\(early.stoppedEpoch)", "wait_count": "\(early.waitCount)",
            "best_score": scoreRepr(early.bestScore), "stopping_reason": early.stoppingReason.name,
            "stopping_reason_message": early.stoppingReasonMessage ?? "None",
        ], [
            "current_epoch": "\(final["current_epoch"] as! Int)", "global_step": "\(final["global_step"] as! Int)",
            "should_stop": "\(final["should_stop"] as! Bool)", "validation_runs": "\(final["validation_runs"] as! Int)",
            "stopped_epoch": "\(final["stopped_epoch"] as! Int)", "wait_count": "\(final["wait_count"] as! Int)",
            "best_score": fixtureScoreText(final["best_score"]), "stopping_reason": final["stopping_reason"] as! String,
            "stopping_reason_message": final["stopping_reason_message"] as? String ?? "None",
        ], "\(id) final")

        // state_dict: Lightning's keys in order, the same values.
        let state = try #require(early.stateDict())
        let keys = try #require(state.dictValue).compactMap { $0.key.stringValue }
        #expect(keys == ["wait_count", "stopped_epoch", "best_score", "patience", "stopping_reason", "stopping_reason_message"])
        let expectedState = c.object("state_dict")
        #expect(state["wait_count"]?.intValue == expectedState["wait_count"] as? Int)
        #expect(state["stopped_epoch"]?.intValue == expectedState["stopped_epoch"] as? Int)
        #expect(scoreRepr(ScoreTests.read(state["best_score"])) == fixtureScoreText(expectedState["best_score"]))
        #expect(state["patience"]?.intValue == expectedState["patience"] as? Int)
        #expect(state["stopping_reason"]?.intValue == expectedState["stopping_reason"] as? Int)
        #expect(state["stopping_reason_message"]?.stringValue == expectedState["stopping_reason_message"] as? String)

        // load_state_dict restores the same state.
        let copy = EarlyStopping(monitor: early.monitor, mode: early.mode)
        try copy.loadStateDict(state)
        #expect(copy.waitCount == early.waitCount && copy.stoppedEpoch == early.stoppedEpoch && copy.patience == early.patience)
        #expect(scoreRepr(copy.bestScore) == scoreRepr(early.bestScore))
        #expect(copy.stoppingReason == early.stoppingReason && copy.stoppingReasonMessage == early.stoppingReasonMessage)
    }

    @Test func layoutStateEntryMatchesCheckpointFixture() throws {
        let layout = try ReferenceFixtures.load("checkpoint").object("layout").object("checkpoint").object("values")
            .object("callbacks")
        #expect(layout.strings("keys").first == EarlyStopping(monitor: "val_loss").stateKey)
        #expect(EarlyStopping(monitor: "acc", mode: .max).stateKey == "EarlyStopping{'monitor': 'acc', 'mode': 'max'}")
    }
}
