// The seeds' first workflow: an MLP on Fisher's Iris data with a data module (a stratified 80/20
// split) and a custom callback that prints the loss at the end of every epoch.
//
// Run it with: Scripts/example.sh iris
import Foundation
import Lightning
import Torch

/// Iris with a stratified split: 40 training and 10 validation flowers of each species.
final class IrisData: LightningDataModule {
    typealias Batch = [Tensor]
    private var train: Subset<TensorDataset>?
    private var val: Subset<TensorDataset>?

    func setup(stage: Stage) throws {
        let iris = try Iris.load()
        // Standardise each feature (the statistics of all 150 flowers; the set is tiny).
        let features = try (iris.features - iris.features.mean(dim: [0], keepdim: true)) / iris.features.std(dim: [0], keepdim: true)
        let dataset = try TensorDataset(features, iris.labels)
        let labels: [Int] = try iris.labels.toArray()
        let generator = try Generator(seed: 0)
        var trainIndices: [Int] = [], valIndices: [Int] = []
        for species in Set(labels).sorted() {
            let members = labels.indices.filter { labels[$0] == species }
            let order: [Int] = try Tensor.randperm(n: members.count, generator: generator).toArray()
            let cut = members.count * 8 / 10
            trainIndices += order[..<cut].map { members[$0] }
            valIndices += order[cut...].map { members[$0] }
        }
        train = Subset(dataset, indices: trainIndices)
        val = Subset(dataset, indices: valIndices)
    }

    func trainDataloader() throws -> (any BatchLoader<[Tensor]>)? {
        try DataLoader(train!, batchSize: 16, shuffle: true, generator: Generator(seed: 1))
    }
    func valDataloader() throws -> (any BatchLoader<[Tensor]>)? { try DataLoader(val!, batchSize: 30) }
}

/// 4 → 16 → 3 with a ReLU.
final class IrisClassifier: Module, LightningModule {
    typealias Batch = [Tensor]
    let net = Sequential(try! Linear(4, 16), ReLU(), try! Linear(16, 3))

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let loss = try net(batch[0]).crossEntropyLoss(target: batch[1])
        try log("train_loss", loss, onEpoch: true)
        return loss
    }

    func validationStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let logits = try net(batch[0])
        let loss = try logits.crossEntropyLoss(target: batch[1])
        try log("val_loss", loss)
        try log("val_acc", try logits.argmax(dim: 1).eq(batch[1]).to(dtype: .float32).mean(), progressBar: true)
        return loss
    }

    func configureOptimizers() throws -> Adam { try Adam(parameters(), lr: 0.01) }
}

/// The seeds' spy: prints the epoch's losses from the trainer's callback metrics.
final class LossPrinter: Callback {
    func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        let metrics = trainer.callbackMetrics
        let train = metrics["train_loss_epoch"].map { String(format: "%.4f", $0) } ?? "-"
        let val = metrics["val_loss"].map { String(format: "%.4f", $0) } ?? "-"
        let accuracy = metrics["val_acc"].map { String(format: "%.1f%%", $0 * 100) } ?? "-"
        print("epoch \(trainer.currentEpoch): train_loss \(train)  val_loss \(val)  val_acc \(accuracy)")
    }
}

manualSeed(0)
let root = CommandLine.arguments.firstIndex(of: "--root").map { CommandLine.arguments[$0 + 1] } ?? "runs/iris"
let trainer = try Trainer(logger: [CSVLogger(saveDir: root)], callbacks: [LossPrinter()], maxEpochs: 30,
                          enableProgressBar: false, defaultRootDir: root)
let model = IrisClassifier()
try trainer.fit(model, datamodule: IrisData())
let accuracy = trainer.callbackMetrics["val_acc"] ?? 0
print(String(format: "Iris validation accuracy: %.1f%%", accuracy * 100))
