import Foundation
import Lightning
import Testing
import Torch

/// LearningRateMonitor against Lightning 2.6.6 (Tests/LightningTests/Fixtures/lr_monitor.json, made
/// by Tools/lightning-reference/lr_monitor.py): every `logMetrics` call, `lrs` and the callback metrics.
@Suite("LearningRateMonitor matches Lightning 2.6.6")
struct LearningRateMonitorTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("lr_monitor")
    static var cases: [[String: Any]] { fixture["cases"] as! [[String: Any]] }
    static var caseIDs: [String] { cases.map { $0["id"] as! String } }

    final class Module: Torch.Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        @Parameter var bias: Tensor
        let setup: String

        init(data: [String: Any], setup: String) throws {
            weight = try Tensor(data.matrix("init_weight").map { $0.map(Float.init) })
            bias = try Tensor(data.numbers("init_bias").map(Float.init))
            self.setup = setup
            super.init()
        }

        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            try batch.0.linear(weight: weight, bias: bias).mseLoss(target: batch.1)
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            switch setup {
            case "sgd_step_scheduler":
                let optimizer = try SGD([weight, bias], lr: 0.1, momentum: 0.9, weightDecay: 0.01)
                return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 1, gamma: 0.5), interval: .step)
            case "adam_epoch_scheduler":
                let optimizer = try Adam([weight, bias], lr: 0.01, weightDecay: 0.1)
                return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 1, gamma: 0.1))
            case "named_scheduler_two_groups":
                let optimizer = try SGD([ParamGroup([weight]), ParamGroup([bias], options: ["lr": 0.5, "name": "head"])], lr: 0.1)
                return OptimizerConfiguration(optimizer, scheduler: LRSchedulerConfiguration(
                    try StepLR(optimizer, stepSize: 2, gamma: 0.5), interval: .step, name: "my_lr"))
            default:
                return OptimizerConfiguration(try SGD([weight, bias], lr: 0.1))
            }
        }
    }

    static func text(_ metrics: [(name: String, value: Double)]) -> String {
        metrics.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
    }

    @Test("case", arguments: caseIDs)
    func scriptedCase(_ id: String) throws {
        let c = Self.cases.first { $0["id"] as! String == id }!
        let kwargs = c.object("lr_monitor")
        let monitor = LearningRateMonitor(
            loggingInterval: (kwargs["logging_interval"] as? String).flatMap(LearningRateMonitor.Interval.init(rawValue:)),
            logMomentum: kwargs["log_momentum"] as? Bool ?? false, logWeightDecay: kwargs["log_weight_decay"] as? Bool ?? false)
        let logger = RecordingLogger()
        let settings = c.object("trainer")
        var configuration = TrainerConfiguration()
        configuration.loggers = [logger]
        configuration.callbacks = [monitor]
        configuration.maxEpochs = settings["max_epochs"] as? Int
        configuration.limitValBatches = .count(0)
        configuration.numSanityValSteps = 0
        configuration.logEveryNSteps = settings["log_every_n_steps"] as! Int
        configuration.enableCheckpointing = false
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        let data = Self.fixture.object("data")
        let (train, _) = try standardBatches(data, batchSize: Self.fixture["batch_size"] as! Int)
        let trainer = try Trainer(configuration)
        try trainer.fit(try Module(data: data, setup: c["optimizers"] as! String), trainDataloaders: BatchList(train))

        let expected = (c["calls"] as! [[String: Any]]).map { call in
            (step: call["step"] as! Int, metrics: (call["metrics"] as! [[Any]]).map { (name: $0[0] as! String, value: fixtureDouble($0[1])!) })
        }
        #expect(logger.calls.map(\.step) == expected.map(\.step), "\(id): logged steps")
        for (actual, wanted) in zip(logger.calls, expected) {
            #expect(Self.text(actual.metrics) == Self.text(wanted.metrics), "\(id): step \(wanted.step)")
        }
        let lrs = (c["lrs"] as! [String: [Any]]).mapValues { $0.map { fixtureDouble($0)! } }
        #expect(monitor.lrs == lrs, "\(id): lrs")
        for (name, value) in c["callback_metrics"] as! [String: Any] {
            #expect(trainer.callbackMetrics[name] == fixtureDouble(value), "\(id): callbackMetrics[\(name)]")
        }
    }

    @Test func needsALogger() throws {
        var configuration = TrainerConfiguration()
        configuration.loggers = []
        configuration.callbacks = [LearningRateMonitor()]
        configuration.maxEpochs = 1
        configuration.enableCheckpointing = false
        configuration.enableProgressBar = false
        configuration.enableModelSummary = false
        let data = Self.fixture.object("data")
        let (train, _) = try standardBatches(data, batchSize: 2)
        let trainer = try Trainer(configuration)
        let expected = Self.fixture.object("no_logger_error")["message"] as! String
        #expect(throws: LightningError.configuration(expected)) {
            try trainer.fit(try Module(data: data, setup: "sgd_no_scheduler"), trainDataloaders: BatchList(train))
        }
    }
}
