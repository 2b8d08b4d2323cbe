import Foundation
import Lightning
import Testing
import Torch

/// Timer and LambdaCallback (behaviour checked against Lightning 2.6.6 by hand: a zero duration stops
/// before the first batch, with either interval; the state is `{"time_elapsed": {stage: seconds}}`).
@Suite("Timer and LambdaCallback")
struct TimerAndLambdaTests {
    nonisolated(unsafe) static let data = try! ReferenceFixtures.load("checkpoint").object("data")

    func fit(_ callbacks: [any Callback], maxEpochs: Int = 2) throws -> Trainer {
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = callbacks
        configuration.maxEpochs = maxEpochs
        configuration.numSanityValSteps = 0
        configuration.enableCheckpointing = false
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        let (train, val) = try standardBatches(Self.data, batchSize: 2)
        let trainer = try Trainer(configuration)
        try trainer.fit(try ScriptedModule(data: Self.data), trainDataloaders: BatchList(train), valDataloaders: [BatchList(val)])
        return trainer
    }

    @Test func zeroDurationStopsBeforeTraining() throws {
        for interval in [Lightning.Timer.Interval.step, .epoch] {
            let timer = try Lightning.Timer(duration: "00:00:00:00", interval: interval, verbose: false)
            let trainer = try fit([timer])
            #expect(trainer.currentEpoch == 0 && trainer.globalStep == 0)
        }
    }

    @Test func measuresStagesAndKeepsState() throws {
        let timer = TrainingTimer(duration: 3600)
        let trainer = try fit([timer])
        #expect(trainer.currentEpoch == 2 && trainer.globalStep == 8)
        #expect(timer.timeElapsed(.training) > 0 && timer.endTime(.training) != nil)
        #expect(timer.timeElapsed(.validating) > 0 && timer.timeElapsed(.testing) == 0)
        #expect(timer.timeRemaining()! < 3600)
        #expect(timer.stateKey == "Timer")
        let state = try #require(timer.stateDict())
        let stages = try #require(state["time_elapsed"]?.dictValue).compactMap { $0.key.stringValue }
        #expect(stages == ["train", "sanity_check", "validate", "test", "predict"])

        let restored = TrainingTimer(duration: 3600)
        try restored.loadStateDict(.dict([(.string("time_elapsed"), .dict([(.string("train"), .double(100))]))]))
        #expect(restored.timeElapsed() == 100 && restored.timeElapsed(.validating) == 0)
    }

    @Test func durationStrings() throws {
        #expect(try TrainingTimer(duration: "01:02:03:04").duration == 93_784)
        #expect(throws: LightningError.self) { try TrainingTimer(duration: "1:2:3") }
        #expect(throws: LightningError.self) { try TrainingTimer(duration: "00:1:00:00") }
    }

    @Test func lambdaHooks() throws {
        var events: [String] = []
        let lambda = LambdaCallback(
            onTrainEpochEnd: { trainer, _ in events.append("epoch \(trainer.currentEpoch)") },
            onValidationEnd: { _, _ in events.append("validation") })
        lambda.onTrainBatchEndHook = { _, _, _, _, index in events.append("batch \(index)") }
        _ = try fit([lambda], maxEpochs: 1)
        #expect(events == ["batch 0", "batch 1", "batch 2", "batch 3", "validation", "epoch 0"])
    }
}
