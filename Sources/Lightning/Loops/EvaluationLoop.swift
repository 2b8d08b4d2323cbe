import Foundation
import Torch

/// Validation (inside fit and in `Trainer.validate`) and testing: Lightning's `_EvaluationLoop`.
final class EvaluationLoop<M: LightningModule> {
    unowned let trainer: Trainer
    let module: M
    let data: RunData<M>
    /// `.validate` or `.test`.
    let stage: Stage
    private var loaders: [any BatchLoader<M.Batch>]?
    private var loadedEpoch = -1
    /// Batches whose step values went to the loggers, across this loop's runs (their row's step).
    var loggedSteps = 0
    /// The batch-size finder's trials (see BatchSizeTrials), while it searches.
    var trials: EvaluationTrials?

    /// Whether the module implements this stage's step (fixed by its type; read after every
    /// training batch, so found once).
    private let implementsStep: Bool

    init(trainer: Trainer, module: M, data: RunData<M>, stage: Stage) {
        self.trainer = trainer
        self.module = module
        self.data = data
        self.stage = stage
        implementsStep = stage == .test ? M.TestOutput.self != NotImplemented.self : M.ValidationOutput.self != NotImplemented.self
    }

    var configuration: TrainerConfiguration { trainer.configuration }
    private var isTest: Bool { stage == .test }

    /// False when the module has no step for this stage or the limit is zero (Lightning's
    /// `enable_validation`); the loaders are fetched when the loop first runs.
    var isEnabled: Bool { implementsStep && !limit.isZero }

    var limit: BatchLimit {
        guard isTest else { return trainer.valBatchLimit }
        return configuration.fastDevRun > 0 ? .count(configuration.fastDevRun) : configuration.limitTestBatches
    }

    /// Drops the loaders; the next run fetches them again.
    func forgetLoaders() {
        loaders = nil
    }

    /// Fetches the loaders (once) and says whether there are any.
    func hasData() throws -> Bool { try !ensureLoaders().isEmpty }

    /// The batches each loader runs, after the limit (Lightning's `num_val_batches`).
    func batchCounts() throws -> [Int] { try ensureLoaders().map { limit.resolve($0.batchCount) ?? Int.max } }

    func loaderCount() throws -> Int { try ensureLoaders().count }

    /// The samples of the first loader, when it knows them.
    func datasetCount() throws -> Int? { try ensureLoaders().first?.datasetCount }

    @discardableResult
    private func ensureLoaders() throws -> [any BatchLoader<M.Batch>] {
        let n = configuration.reloadDataloadersEveryNEpochs
        let reload = n > 0 && trainer.stage != .sanityChecking && trainer.currentEpoch - loadedEpoch >= n && loadedEpoch >= 0
        if loaders == nil || reload {
            loaders = try trainer.callModule(isTest ? .named("test_dataloader") : .named("val_dataloader")) { try isTest ? data.test() : data.val() }
                .map { try trainer.shard($0, for: .evaluation) }
            loadedEpoch = trainer.currentEpoch
            let counts = try loaders!.map { try limit.resolve($0.batchCount, name: isTest ? "limit_test_batches" : "limit_val_batches",
                                                               loader: isTest ? "test_dataloader" : "val_dataloader") ?? Int.max }
            if isTest { trainer.numTestBatches = counts } else { trainer.numValBatches = counts }
        }
        return loaders!
    }

    /// Runs one evaluation epoch over every loader in turn; returns the epoch metrics per loader
    /// (what `Trainer.validate`/`test` return).
    @discardableResult
    /// - Parameter maxBatches: At most this many batches per loader, within the limit (the sanity
    ///   check's `numSanityValSteps`: Lightning runs `min(numSanityValSteps, limited batches)`).
    func run(maxBatches: Int?) throws -> [[String: Double]] {
        let t = trainer
        var loaders = try ensureLoaders()
        guard !loaders.isEmpty else { return [] }
        // The sanity check runs at most `maxBatches` batches of what the limit allows; a batch-size
        // finder's trial `trials.batches`.
        func plannedCounts() -> [Int] {
            let cap = Swift.min(maxBatches ?? Int.max, trials?.batches ?? Int.max)
            return (isTest ? t.numTestBatches : t.numValBatches).map { Swift.min(cap, $0) }
        }
        var counts = plannedCounts()
        if t.stage == .sanityChecking {
            t.numSanityValBatches = counts
        } else {
            t.stage = isTest ? .testing : .validating
        }
        t.metrics.evaluation.reset()
        t.context.saveTrainingModes(of: module)

        if isTest {
            try t.callModule(.named("on_test_model_eval")) { try module.onTestModelEval() }
            try t.callCallbacks(.onTestStart) { try $0.onTestStart(t, module) }
            try t.callModule(.onTestStart) { try module.onTestStart() }
            try t.callCallbacks(.onTestEpochStart) { try $0.onTestEpochStart(t, module) }
            try t.callModule(.onTestEpochStart) { try module.onTestEpochStart() }
        } else {
            try t.callModule(.named("on_validation_model_eval")) { try module.onValidationModelEval() }
            try t.callCallbacks(.onValidationStart) { try $0.onValidationStart(t, module) }
            try t.callModule(.onValidationStart) { try module.onValidationStart() }
            try t.callCallbacks(.onValidationEpochStart) { try $0.onValidationEpochStart(t, module) }
            try t.callModule(.onValidationEpochStart) { try module.onValidationEpochStart() }
        }

        // A BatchSizeFinder in the start hooks may have changed the batch size: go on with the
        // loaders it asked for (Lightning's `_reset_dataloaders` and `loop.reset()`); otherwise
        // these are the loaders and counts from above.
        loaders = try ensureLoaders()
        counts = plannedCounts()

        let nextAction = isTest ? "[_EvaluationLoop].test_next" : "[_EvaluationLoop].val_next"
        // Under DDP the ranks agree on signals between batches (paced) when they run the same
        // batches, so a signal to one rank stops all of them after the same batch.
        var agreement = try t.ranksRunTheSameBatches(counts) ? StepAgreement() : nil
        var readyThisRun = 0
        for (dataloaderIndex, loader) in loaders.enumerated() {
            var iterator = try loader.makeBatchIterator(epoch: t.currentEpoch, skipping: 0)
            var batchIndex = 0
            while batchIndex < counts[dataloaderIndex], let raw = try t.profiled(nextAction, { try iterator.next() }) {
                // Ctrl-C or SIGTERM during the last batch: stop before this one (after the last
                // batch the epoch finishes, as Lightning's `not is_last_batch` check).
                if readyThisRun > 0 { try t.checkEvaluationSignals(&agreement) }
                let batch = try t.prepare(raw, module, data, dataloaderIndex: dataloaderIndex)
                readyThisRun += 1
                t.evaluationBatchesReady = readyThisRun
                try step(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex)
                if t.stage != .sanityChecking {
                    try t.logEvaluationStep(step: loggedSteps)
                    loggedSteps += 1
                } else {
                    t.metrics.evaluation.endStep()
                }
                t.endBatch()
                batchIndex += 1
            }
        }

        if isTest {
            try t.callCallbacks(.onTestEpochEnd) { try $0.onTestEpochEnd(t, module) }
            try t.callModule(.onTestEpochEnd) { try module.onTestEpochEnd() }
        } else {
            try t.callCallbacks(.onValidationEpochEnd) { try $0.onValidationEpochEnd(t, module) }
            try t.callModule(.onValidationEpochEnd) { try module.onValidationEpochEnd() }
        }
        let sanity = t.stage == .sanityChecking
        // Inside fit the row goes at the current step; in validate/test at the steps taken so far.
        try t.finishEpochMetrics(t.metrics.evaluation, step: t.batchesThatStepped, write: !sanity)
        let results = try epochResults()
        t.metrics.evaluation.resetMetrics()
        if isTest {
            try t.callCallbacks(.named("on_test_end")) { try $0.onTestEnd(t, module) }
            try t.callModule(.named("on_test_end")) { try module.onTestEnd() }
            try t.callModule(.named("on_test_model_train")) { try module.onTestModelTrain() }
        } else {
            try t.callCallbacks(.named("on_validation_end")) { try $0.onValidationEnd(t, module) }
            try t.callModule(.named("on_validation_end")) { try module.onValidationEnd() }
            try t.callModule(.named("on_validation_model_train")) { try module.onValidationModelTrain() }
        }
        t.lastValidationTime = Trainer.now
        try t.actOnSignalsAfterEvaluation()
        return Array(repeating: results, count: Swift.max(loaders.count, 1))
    }

    private func step(_ batch: M.Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        let t = trainer
        let plugin = t.precisionPlugin
        if isTest {
            try t.callCallbacks(.onTestBatchStart) { try $0.onTestBatchStart(t, module, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            try t.callModule(.onTestBatchStart, skipped: ()) { try module.onTestBatchStart(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            let output = try plugin.forwardContext {
                try t.callModule(.testStep) { try module.testStep(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            }
            try t.callCallbacks(.onTestBatchEnd) { try $0.onTestBatchEnd(t, module, outputs: output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            try t.callModule(.onTestBatchEnd, skipped: ()) { try module.onTestBatchEnd(output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
        } else {
            try t.callCallbacks(.onValidationBatchStart) { try $0.onValidationBatchStart(t, module, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            try t.callModule(.onValidationBatchStart, skipped: ()) { try module.onValidationBatchStart(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            let output = try plugin.forwardContext {
                try t.callModule(.validationStep) { try module.validationStep(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            }
            try t.callCallbacks(.onValidationBatchEnd) { try $0.onValidationBatchEnd(t, module, outputs: output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
            try t.callModule(.onValidationBatchEnd, skipped: ()) { try module.onValidationBatchEnd(output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
        }
    }

    /// The epoch values this evaluation logged, by their logged names.
    private func epochResults() throws -> [String: Double] {
        var results: [String: Double] = [:]
        for entry in trainer.metrics.evaluation.entries where entry.onEpoch && entry.logger {
            guard let value = try trainer.metrics.evaluation.epochValue(entry) else { continue }
            results[entry.onStep ? entry.name + "_epoch" : entry.name] = try value.doubleValue()
        }
        return results
    }
}
