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
