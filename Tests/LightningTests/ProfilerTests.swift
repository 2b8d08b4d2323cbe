import Foundation
import Lightning
import Testing
import Torch

@Suite("Profilers")
struct ProfilerTests {
    final class TinyModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight = try! Tensor([[Float(0.5)]])
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor { try batch.0.linear(weight: weight).mseLoss(target: batch.1) }
        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor { try batch.0.linear(weight: weight).mseLoss(target: batch.1) }
        func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
        func predictStep(_ batch: Pair, batchIndex: Int) throws -> Tensor { batch.0 }
        func onTrainStart() throws {}
        func trainDataloader() throws -> (any BatchLoader<Pair>)? { BatchList(Self.batches) }
        func valDataloader() throws -> (any BatchLoader<Pair>)? { BatchList(Array(Self.batches.prefix(2))) }
        nonisolated(unsafe) static let batches: [Pair] = (0..<3).map { i in (try! Tensor([[Float(i)]]), try! Tensor([[Float(1)]])) }
    }

    final class NoteCallback: Callback {
        func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {}
    }

    func fit(_ profiler: ProfilerChoice, root: String? = nil) throws -> Trainer {
        let trainer = try Trainer(logger: [], callbacks: [NoteCallback()], maxEpochs: 2, numSanityValSteps: 0,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false,
                                  profiler: profiler, defaultRootDir: root)
        try trainer.fit(TinyModule())
        return trainer
    }

    @Test func simpleProfilerTimesEveryHookWithLightningsNames() throws {
        let profiler = SimpleProfiler(dirpath: NSTemporaryDirectory() + "profiler-\(UUID())", filename: "perf")
        _ = try fit(.instance(profiler))
        let calls = profiler.recordedDurations.mapValues(\.count)
        #expect(calls["run_training_epoch"] == 2)
        #expect(calls["run_training_batch"] == 6)
        #expect(calls["[Strategy]SingleDeviceStrategy.training_step"] == 6)
        #expect(calls["[Strategy]SingleDeviceStrategy.validation_step"] == 4)
        #expect(calls["[Strategy]SingleDeviceStrategy.backward"] == 6)
        #expect(calls["[LightningModule]TinyModule.optimizer_step"] == 6)
        #expect(calls["[LightningModule]TinyModule.on_train_start"] == 1)
        // With a profiler, the hooks that do nothing by default are timed on every batch too.
        #expect(calls["[LightningModule]TinyModule.on_before_backward"] == 6)
        #expect(calls["[LightningModule]TinyModule.on_train_batch_end"] == 6)
        #expect(calls["[LightningModule]TinyModule.on_before_batch_transfer"] == 10)
        #expect(calls["[LightningModule]TinyModule.configure_optimizers"] == 1)
        #expect(calls["[Callback]NoteCallback.on_train_batch_end"] == 6)
        #expect(calls["[Callback]NoteCallback.on_fit_start"] == 1)
        #expect(calls["[_TrainingEpochLoop].train_dataloader_next"] == 6)
        #expect(calls["[_EvaluationLoop].val_next"] != nil)
        #expect(profiler.recordedDurations.values.allSatisfy { $0.allSatisfy { $0 >= 0 } })

        let report = profiler.summary()
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "FIT Profiler Report")
        // Lightning's layout: title, blank line, rule, header, rule, Total, rule, rows.
        #expect(lines[1].isEmpty && lines[2].hasPrefix("-----"))
        #expect(lines[3].hasPrefix("|  Action "))
        #expect(lines[3].contains("|  Mean duration (s)\t|  Num calls      \t|  Total time (s) \t|  Percentage %   \t|"))
        #expect(lines[5].hasPrefix("|  Total "))
        #expect(lines[5].hasSuffix("\t|  100 %          \t|"))
        // The rows after Total are sorted by total time, descending; the first is an outer action.
        let first = lines[7].split(separator: "|").first!.trimmingCharacters(in: .whitespaces)
        #expect(["run_training_epoch", "[LightningModule]TinyModule.on_fit_start"].contains(first) || !first.isEmpty)
        // Written to <dirpath>/fit-perf.txt.
        let written = try String(contentsOfFile: profiler.dirpath! + "/fit-perf.txt", encoding: .utf8)
        #expect(written.hasPrefix("FIT Profiler Report"))
        #expect(written.contains("run_training_batch"))
    }

    /// Prediction's hooks are timed under Lightning's names (they were all `predict_step`).
    @Test func predictionHooksAreTimedUnderTheirOwnNames() throws {
        let profiler = SimpleProfiler()
        let trainer = try Trainer(logger: [], callbacks: [NoteCallback()], enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false, profiler: .instance(profiler))
        _ = try trainer.predict(TinyModule(), dataloaders: [BatchList(TinyModule.batches)])
        let calls = profiler.recordedDurations.mapValues(\.count)
        #expect(calls["[Strategy]SingleDeviceStrategy.predict_step"] == 3)
        #expect(calls["[LightningModule]TinyModule.on_predict_start"] == 1)
        #expect(calls["[LightningModule]TinyModule.on_predict_epoch_end"] == 1)
        #expect(calls["[LightningModule]TinyModule.on_predict_batch_end"] == 3)
        #expect(calls["[Callback]NoteCallback.on_predict_batch_start"] == 3)
        #expect(calls["[Callback]NoteCallback.on_predict_end"] == 1)
    }

    @Test func simpleReportWithoutExtendedColumns() throws {
        let profiler = SimpleProfiler(extended: false)
        profiler.profile("a") {}
        profiler.profile("b") {}
        profiler.profile("a") {}
        let report = profiler.summary()
        #expect(report.hasPrefix("Profiler Report\n"))
        #expect(report.contains("|  Action\t|  Mean duration (s)\t|  Total time (s) \t|"))
        #expect(!report.contains("Num calls"))
        #expect(profiler.recordedDurations["a"]?.count == 2)
    }

    @Test func advancedProfilerNestsActions() throws {
        let profiler = AdvancedProfiler()
        _ = try fit(.instance(profiler))
        let epoch = try #require(profiler.root.children.first { $0.action == "run_training_epoch" })
        #expect(epoch.calls == 2)
        let batch = try #require(epoch.children.first { $0.action == "run_training_batch" })
        #expect(batch.calls == 6)
        // training_step runs inside optimizer_step (the closure), as in Lightning.
        func find(_ node: AdvancedProfiler.Node, _ action: String) -> AdvancedProfiler.Node? {
            node.children.first { $0.action == action } ?? node.children.lazy.compactMap { find($0, action) }.first
        }
        let step = try #require(find(batch, "[Strategy]SingleDeviceStrategy.training_step"))
        #expect(step.calls == 6)
        #expect(find(batch, "[LightningModule]TinyModule.optimizer_step")?.calls == 6)
        #expect(batch.total >= step.total)
        #expect(epoch.ownTime >= 0 || abs(epoch.ownTime) < 1e-6)
        let report = profiler.summary()
        #expect(report.hasPrefix("FIT Profiler Report"))
        #expect(report.contains("\n  run_training_batch"))
        #expect(report.contains("[Strategy]SingleDeviceStrategy.training_step"))
    }

    @Test func profilerByName() throws {
        let simple = try Trainer(logger: [], profiler: "simple")
        #expect(simple.profiler is SimpleProfiler)
        let advanced = try Trainer(logger: [], profiler: "advanced")
        #expect(advanced.profiler is AdvancedProfiler)
        #expect(try Trainer(logger: []).profiler == nil)
        #expect(throws: LightningError.self) { try Trainer(profiler: "pytorch") }
    }

    @Test func reportFileNameFollowsLightning() {
        let profiler = SimpleProfiler(filename: "my:profile")
        profiler.setup(stage: "validate", logDir: "/tmp/logs")
        #expect(profiler.reportPath == "/tmp/logs/validate-my_profile.txt")
        #expect(SimpleProfiler().reportPath == nil)
    }
}
