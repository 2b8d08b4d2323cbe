import Torch

/// What `Trainer.predict` has seen so far, for prediction writers (Lightning's
/// `predict_loop.current_batch_indices`, `epoch_batch_indices` and `predictions`).
struct PredictionRecord {
    /// The dataset indices of the batch being predicted.
    var currentBatchIndices: [Int] = []
    /// Per loader, the dataset indices of each batch predicted.
    var epochBatchIndices: [[[Int]]] = []
    /// Per loader, the outputs of each batch (available at the epoch's end).
    var predictions: () -> [[Any]] = { [] }
}

/// A prediction writer as the prediction loop sees it, whatever its prediction type.
protocol PredictionWriting {
    var writesOnEpochEnd: Bool { get }
}

/// Writes the outputs of `Trainer.predict` somewhere (files, a database) as they are made or once
/// at the end (Lightning's `BasePredictionWriter`). Subclass it and override `writeOnBatchEnd`,
/// `writeOnEpochEnd` or both.
///
/// `Prediction` is the module's `PredictOutput`; a writer for another type fails with a clear
/// error where it first gets predictions (the first batch, or the epoch's end for `.epoch`). Each batch comes with the dataset indices of its samples (for a
/// `DataLoader` over a map-style dataset), so predictions made on several ranks can be put back
/// in order.
///
/// ```swift
/// final class SaveLogits: BasePredictionWriter<Tensor> {
///     override func writeOnEpochEnd(_ trainer: Trainer, _ module: any LightningModule,
///                                   predictions: [[Tensor]], batchIndices: [[[Int]]]) throws {
///         let url = URL(fileURLWithPath: "predictions_\(trainer.globalRank).pt")
///         try TorchSerialization.save(["logits": Tensor.cat(predictions[0])], to: url)
///     }
/// }
/// try trainer.predict(model, datamodule: data, returnPredictions: false)
/// ```
open class BasePredictionWriter<Prediction>: Callback, PredictionWriting {
    /// When to write (Lightning's `write_interval`).
    public enum WriteInterval: String, Sendable {
        /// After each batch: `writeOnBatchEnd`.
        case batch
        /// Once, after the last batch: `writeOnEpochEnd`.
        case epoch
        /// Both.
        case batchAndEpoch = "batch_and_epoch"

        var onBatch: Bool { self != .epoch }
        var onEpoch: Bool { self != .batch }
    }

    public let writeInterval: WriteInterval

    public init(writeInterval: WriteInterval = .batch) {
        self.writeInterval = writeInterval
    }

    var writesOnEpochEnd: Bool { writeInterval.onEpoch }

    /// Writes one batch's prediction; `batchIndices` are the dataset indices of its samples (nil
    /// when the loader does not know them).
    open func writeOnBatchEnd(_ trainer: Trainer, _ module: any LightningModule, prediction: Prediction,
                              batchIndices: [Int]?, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        throw LightningError.configuration("\(type(of: self)) writes on batch end (writeInterval \(writeInterval.rawValue)) but does not override writeOnBatchEnd")
    }

    /// Writes all predictions, one list per loader, with the dataset indices of every batch.
    open func writeOnEpochEnd(_ trainer: Trainer, _ module: any LightningModule, predictions: [[Prediction]],
                              batchIndices: [[[Int]]]) throws {
        throw LightningError.configuration("\(type(of: self)) writes on epoch end (writeInterval \(writeInterval.rawValue)) but does not override writeOnEpochEnd")
    }

    open func onPredictBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any,
                                batchIndex: Int, dataloaderIndex: Int) throws {
        guard writeInterval.onBatch else { return }
        let indices = trainer.predictionRecord.currentBatchIndices
        try writeOnBatchEnd(trainer, module, prediction: try typed(outputs), batchIndices: indices.isEmpty ? nil : indices,
                            batch: batch, batchIndex: batchIndex, dataloaderIndex: dataloaderIndex)
    }

    open func onPredictEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard writeInterval.onEpoch else { return }
        let predictions = try trainer.predictionRecord.predictions().map { try $0.map(typed) }
        try writeOnEpochEnd(trainer, module, predictions: predictions, batchIndices: trainer.predictionRecord.epochBatchIndices)
    }

    private func typed(_ output: Any) throws -> Prediction {
        guard let prediction = output as? Prediction else {
            throw LightningError.configuration("\(type(of: self)) writes predictions of type \(Prediction.self), but predictStep returned \(type(of: output)); make the writer's type the module's PredictOutput")
        }
        return prediction
    }
}
