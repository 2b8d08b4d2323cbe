import Foundation
import Lightning
import Testing
import Torch

/// The same instrumented module, callback and data module run in Python Lightning 2.6.6
/// (Tests/LightningTests/Fixtures/hook_order.json) and here must produce the same hook sequence.
@Suite("Hook order matches Lightning 2.6.6")
struct HookOrderTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("hook_order")

    struct Scenario {
        let events: [String]
        let settings: [String: Any]
    }

    static func scenario(_ name: String) -> Scenario {
        let s = fixture.object("scenarios").object(name)
        return Scenario(events: s.strings("events"), settings: s)
    }

    func make(_ log: EventLog) throws -> (RecordingModule, RecordingDataModule) {
        let data = Self.fixture.object("data")
        let module = try RecordingModule(log: log, weight: data.matrix("init_weight"), bias: data.numbers("init_bias"))
        let datamodule = try RecordingDataModule(log: log, fixture: data, batchSize: Self.fixture["batch_size"] as! Int)
        return (module, datamodule)
    }

    func expectSame(_ actual: [String], _ expected: [String]) {
        let firstDifference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        if let index = firstDifference ?? (actual.count != expected.count ? min(actual.count, expected.count) : nil) {
            let context = max(0, index - 3)..<index
            Issue.record("""
                hook sequences differ at event \(index) (Swift has \(actual.count) events, Lightning \(expected.count)):
                  before: \(expected[context].joined(separator: " → "))
                  Swift:     \(index < actual.count ? actual[index] : "<end>")
                  Lightning: \(index < expected.count ? expected[index] : "<end>")
                """)
        }
    }

    /// Swift's `Module.stateDict()` is not a hook a module can override, so the reference's
    /// `module.state_dict()` events (recorded by overriding it in Python) are left out of the
    /// comparison; everything around them is compared.
    static func withoutModuleStateDict(_ events: [String]) -> [String] {
        events.filter { $0 != "module.state_dict()" && $0 != "module.load_state_dict()" }
    }

    /// A fit with a ModelCheckpoint (saving through a recording CheckpointIO) as in a reference
    /// scenario; returns the events and the checkpoint folder's files.
    func fitWithCheckpoint(_ name: String, configure: (inout TrainerConfiguration) -> Void,
                           module configureModule: (RecordingModule) -> Void = { _ in }) throws -> (events: [String], files: [String]) {
        let log = EventLog()
        let (module, data) = try make(log)
        configureModule(module)
        let root = try temporaryFolder("hooks-\(name)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let kwargs = Self.scenario(name).settings.object("model_checkpoint")
        let checkpoint = try ModelCheckpoint(dirpath: root + "/ckpt", monitor: kwargs["monitor"] as? String,
                                             saveLast: (kwargs["save_last"] as? Bool ?? false) ? .enabled : .disabled)
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = [RecordingCallback(log: log), checkpoint]
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        configuration.defaultRootDir = root
        configuration.checkpointIO = MarkerCheckpointIO(log: log)
        configure(&configuration)
        try Trainer(configuration).fit(module, datamodule: data)
        return (log.events, listFiles(root + "/ckpt"))
    }

    @Test func fitWithModelCheckpointAndLast() throws {
        let scenario = Self.scenario("a_fit")
        let (events, files) = try fitWithCheckpoint("a_fit", configure: { c in
            c.maxEpochs = 2
            c.numSanityValSteps = 1
            c.accumulateGradBatches = 2
            c.logEveryNSteps = 1
        }, module: { $0.scheduler = (1, 0.5, .step) })
        expectSame(events, Self.withoutModuleStateDict(scenario.events))
        #expect(files == scenario.settings.strings("checkpoint_files_after"))
    }

    @Test func fitWithValidationTwicePerEpoch() throws {
        let scenario = Self.scenario("b_fit_val_check_interval")
        let (events, files) = try fitWithCheckpoint("b_fit_val_check_interval", configure: { c in
            c.maxEpochs = 1
            c.valCheckInterval = .batches(2)
            c.limitValBatches = .count(1)
        })
        expectSame(events, Self.withoutModuleStateDict(scenario.events))
        #expect(files == scenario.settings.strings("checkpoint_files_after"))
    }

    /// A first fit saves a checkpoint (not recorded); a second fit with a fresh module, callback and
    /// data module resumes from it (recorded), as the reference's resume scenarios.
    func resume(_ name: String) throws {
        let scenario = Self.scenario(name)
        let root = try temporaryFolder("hooks-\(name)")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let kwargs = scenario.settings.object("model_checkpoint")
        func run(_ log: EventLog, io: MarkerCheckpointIO, folder: String, settings: [String: Any], ckptPath: String?) throws {
            let (module, data) = try make(log)
            let checkpoint = try ModelCheckpoint(dirpath: folder, filename: kwargs["filename"] as? String,
                                                 saveTopK: kwargs["save_top_k"] as? Int ?? 1,
                                                 everyNTrainSteps: kwargs["every_n_train_steps"] as? Int)
            var configuration = TrainerConfiguration()
            configuration.loggers = []
            configuration.callbacks = [RecordingCallback(log: log), checkpoint]
            configuration.maxEpochs = settings["max_epochs"] as? Int
            configuration.numSanityValSteps = settings["num_sanity_val_steps"] as! Int
            configuration.enableProgressBar = false
            configuration.enableModelSummary = false
            configuration.defaultRootDir = root
            configuration.checkpointIO = io
            try Trainer(configuration).fit(module, datamodule: data, ckptPath: ckptPath)
        }
        let io = MarkerCheckpointIO()
        try run(EventLog(), io: io, folder: root + "/ckpt", settings: scenario.settings.object("first_run").object("trainer"), ckptPath: nil)
        let log = EventLog()
        let resumedIO = MarkerCheckpointIO(log: log)
        resumedIO.saved = io.saved
        try run(log, io: resumedIO, folder: root + "/ckpt_resumed", settings: scenario.settings.object("trainer"),
                ckptPath: root + "/ckpt/" + (scenario.settings["ckpt_path"] as! String))
        if ProcessInfo.processInfo.environment["DUMP_EVENTS"] != nil {
            try log.events.joined(separator: "\n").write(toFile: "/tmp/\(name).swift.txt", atomically: true, encoding: .utf8)
        }
        expectSame(log.events, Self.withoutModuleStateDict(scenario.events))
        #expect(listFiles(root + "/ckpt_resumed") == scenario.settings.strings("checkpoint_files_after"))
    }

    @Test func resumeFromEpochEnd() throws { try resume("f_resume_epoch_end") }

    @Test func resumeMidEpoch() throws { try resume("f_resume_mid_epoch") }

    @Test func validate() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.validate(module, datamodule: data, verbose: false)
        expectSame(log.events, Self.scenario("c_validate").events)
    }

    @Test func test() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.test(module, datamodule: data, verbose: false)
        expectSame(log.events, Self.scenario("d_test").events)
    }

    @Test func predict() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        let outputs = try trainer.predict(module, datamodule: data)
        #expect(outputs.count == 1 && outputs[0].count == 2)
        expectSame(log.events, Self.scenario("e_predict").events)
    }

    @Test func exceptionInTrainingStep() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        module.failAt = (0, 1)
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], maxEpochs: 1, numSanityValSteps: 0,
                                  enableProgressBar: false, enableModelSummary: false)
        #expect(throws: RecordingModule.InjectedFailure.self) { try trainer.fit(module, datamodule: data) }
        expectSame(log.events, Self.scenario("h_exception").events)
    }

    @Test func moduleOwnDataloaders() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        module.ownTrain = data.train
        module.ownVal = data.val
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], maxEpochs: 1, limitTrainBatches: 2,
                                  limitValBatches: 1, numSanityValSteps: 1, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(module)
        expectSame(log.events, Self.scenario("i_module_dataloaders").events)
    }

    @Test func valueClippingAndEpochScheduler() throws {
        let log = EventLog()
        let (module, data) = try make(log)
        module.scheduler = (1, 0.5, .epoch)
        let trainer = try Trainer(logger: [], callbacks: [RecordingCallback(log: log)], maxEpochs: 1, limitTrainBatches: 2,
                                  limitValBatches: 0, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false, gradientClipVal: 0.5, gradientClipAlgorithm: .value)
        try trainer.fit(module, datamodule: data)
        expectSame(log.events, Self.scenario("j_clip_and_epoch_scheduler").events)
    }
}
