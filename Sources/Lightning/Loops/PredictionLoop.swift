import Torch

/// `Trainer.predict`: Lightning's `_PredictionLoop`. Logging is not allowed here.
final class PredictionLoop<M: LightningModule> {
    unowned let trainer: Trainer
    let module: M
    let data: RunData<M>
    /// Whether `run` returns the outputs (Lightning's `return_predictions`).
    let returnPredictions: Bool
    /// The loaders, once the hook gave them (nil again after a batch-size finder changed the size).
    var loaders: [any BatchLoader<M.Batch>]?
    /// The batch-size finder's trials (see BatchSizeTrials), while it searches.
    var trials: EvaluationTrials?

    init(trainer: Trainer, module: M, data: RunData<M>, returnPredictions: Bool) {
        self.trainer = trainer
        self.module = module
        self.data = data
        self.returnPredictions = returnPredictions
    }

    /// Asks the hook for the loaders (once) and counts their batches within the limit (a
    /// batch-size finder's trial runs `trials.batches`).
    @discardableResult
    func ensureLoaders() throws -> [any BatchLoader<M.Batch>] {
        if let loaders { return loaders }
        let t = trainer
        let fetched = try t.callModule(.named("predict_dataloader")) { try data.predict() }.map { try t.shard($0, for: .prediction) }
        guard !fetched.isEmpty else {
            throw LightningError.configuration("No predict data: implement predictDataloader() in \(module.typeName) or in a data module, or pass dataloaders to predict")
        }
        let limit = t.configuration.fastDevRun > 0 ? .count(t.configuration.fastDevRun) : t.configuration.limitPredictBatches
        t.numPredictBatches = fetched.map { Swift.min(trials?.batches ?? Int.max, limit.resolve($0.batchCount) ?? Int.max) }
        loaders = fetched
        return fetched
    }

    /// The outputs of every batch, one list per loader (empty lists without `returnPredictions`).
    func run() throws -> [[M.PredictOutput]] {
        let t = trainer
        guard M.PredictOutput.self != NotImplemented.self else {
            throw LightningError.configuration("\(module.typeName) does not implement predictStep(_:batchIndex:); implement it to run Trainer.predict")
        }
        try ensureLoaders()
        t.stage = .predicting
        try t.callModule(.named("on_predict_model_eval")) { try module.onPredictModelEval() }
        try t.callCallbacks(.named("on_predict_start")) { try $0.onPredictStart(t, module) }
        try t.callModule(.named("on_predict_start")) { try module.onPredictStart() }
        try t.callCallbacks(.named("on_predict_epoch_start")) { try $0.onPredictEpochStart(t, module) }
        try t.callModule(.named("on_predict_epoch_start")) { try module.onPredictEpochStart() }
        // A BatchSizeFinder in the start hooks may have changed the batch size: go on with the
        // loaders it asked for (Lightning's `_reset_dataloaders` and `loop.reset()`).
        let loaders = try ensureLoaders()
        let counts = t.numPredictBatches
        // Batch indices are recorded for prediction writers only (as Lightning); outputs are kept when
        // they are returned or a writer wants them at the epoch's end.
        let writers = t.callbacks.compactMap { $0 as? any PredictionWriting }
        let writesOnEpochEnd = writers.contains { $0.writesOnEpochEnd }
        let keepOutputs = returnPredictions || writesOnEpochEnd
        var outputs: [[M.PredictOutput]] = []
        t.predictionRecord = PredictionRecord()
        t.evaluationBatchesReady = 0
        // Under DDP the ranks agree on signals between batches when they run the same batches
        // (an unrepeated split can give one rank a batch fewer: then at the end).
        var agreement = try t.ranksRunTheSameBatches(counts) ? StepAgreement() : nil
        for (dataloaderIndex, loader) in loaders.enumerated() {
            var iterator = try loader.makeBatchIterator(epoch: 0, skipping: 0)
            var batchIndex = 0
            var loaderOutputs: [M.PredictOutput] = []
            t.predictionRecord.epochBatchIndices.append([])
            while batchIndex < counts[dataloaderIndex], let raw = try iterator.next() {
                // Ctrl-C or SIGTERM during the last batch: stop before this one.
                if t.evaluationBatchesReady > 0 { try t.checkEvaluationSignals(&agreement) }
                t.evaluationBatchesReady += 1
                if !writers.isEmpty {
                    let indices = iterator.lastBatchIndices ?? []
                    t.predictionRecord.currentBatchIndices = indices
                    if writesOnEpochEnd { t.predictionRecord.epochBatchIndices[dataloaderIndex].append(indices) }
                }
                let batch = try t.prepare(raw, module, data, dataloaderIndex: dataloaderIndex)
                try t.callCallbacks(.onPredictBatchStart) { try $0.onPredictBatchStart(t, module, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
                try t.callModule(.onPredictBatchStart, skipped: ()) { try module.onPredictBatchStart(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
                let output = try t.precisionPlugin.forwardContext {
                    try t.callModule(.predictStep) { try module.predictStep(batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
                }
                if keepOutputs { loaderOutputs.append(output) }
                try t.callCallbacks(.onPredictBatchEnd) { try $0.onPredictBatchEnd(t, module, outputs: output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
                try t.callModule(.onPredictBatchEnd, skipped: ()) { try module.onPredictBatchEnd(output, batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex) }
                t.endBatch()
                batchIndex += 1
            }
            outputs.append(loaderOutputs)
        }
        t.predictionRecord.predictions = { outputs.map { $0.map { $0 as Any } } }
        try t.callCallbacks(.named("on_predict_epoch_end")) { try $0.onPredictEpochEnd(t, module) }
        try t.callModule(.named("on_predict_epoch_end")) { try module.onPredictEpochEnd() }
        try t.callCallbacks(.named("on_predict_end")) { try $0.onPredictEnd(t, module) }
        try t.callModule(.named("on_predict_end")) { try module.onPredictEnd() }
        t.predictionRecord = PredictionRecord()
        try t.actOnSignalsAfterEvaluation()
        return returnPredictions ? outputs : []
    }
}
