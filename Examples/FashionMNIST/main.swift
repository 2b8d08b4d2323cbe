// The main example: a CNN trained on the full Fashion-MNIST data set (60,000 training and 10,000
// test images of clothing) with a data module, a progress bar, checkpoints on validation accuracy,
// early stopping and CSV logs; then the best checkpoint is tested.
//
// Run it with Scripts/example.sh (which installs libtorch and fetches the data if needed).
// `--devices 2` trains with DDP on two CPU processes (Scripts/example-ddp.sh); the same Trainer
// argument with NODE_RANK, MASTER_ADDR and MASTER_PORT set on each machine (and `--nodes N`)
// trains across machines.
import Foundation
import Lightning
import Torch

/// Fashion-MNIST as tensors: 55,000 images for training and 5,000 for validation (a seeded split
/// of the training set), and the 10,000 test images.
final class FashionMNISTData: LightningDataModule {
    typealias Batch = [Tensor]
    let batchSize: Int
    private var train: Subset<TensorDataset>?
    private var val: Subset<TensorDataset>?
    private var test: TensorDataset?

    init(batchSize: Int = 128) { self.batchSize = batchSize }

    var hyperparameters: Hyperparameters { ["batch_size": .int(batchSize)] }

    /// Pixels scaled to [0, 1] and standardised with the training set's mean and deviation.
    static func tensors(_ split: FashionMNIST.Split) throws -> TensorDataset {
        let data = try FashionMNIST.load(split)
        let images = try (data.scaledImages() - 0.2860) / 0.3530
        return try TensorDataset(images, data.labels)
    }

    func setup(stage: Stage) throws {
        if stage == .fit || stage == .validate, train == nil {
            let parts = try randomSplit(Self.tensors(.train), lengths: [55_000, 5_000], generator: Generator(seed: 42))
            (train, val) = (parts[0], parts[1])
        }
        if stage == .test, test == nil { test = try Self.tensors(.test) }
    }

    func trainDataloader() throws -> (any BatchLoader<[Tensor]>)? {
        try DataLoader(train!, batchSize: batchSize, shuffle: true, numWorkers: 1, generator: Generator(seed: 7))
    }
    func valDataloader() throws -> (any BatchLoader<[Tensor]>)? { try DataLoader(val!, batchSize: 1000) }
    func testDataloader() throws -> (any BatchLoader<[Tensor]>)? { try DataLoader(test!, batchSize: 1000) }
}

/// Two convolution blocks and a small classifier head (about 420k parameters).
final class FashionClassifier: Module, LightningModule {
    typealias Batch = [Tensor]
    let features: Sequential
    let classifier: Sequential
    let learningRate: Double

    init(learningRate: Double = 1e-3) throws {
        features = Sequential(
            try Conv2d(1, 32, kernelSize: 3, padding: 1), ReLU(), try MaxPool2d(2),
            try Conv2d(32, 64, kernelSize: 3, padding: 1), ReLU(), try MaxPool2d(2))
        classifier = Sequential(Flatten(), try Linear(64 * 7 * 7, 128), ReLU(), try Dropout(0.25), try Linear(128, 10))
        self.learningRate = learningRate
        super.init()
    }

    var hyperparameters: Hyperparameters { ["learning_rate": .double(learningRate)] }

    func forward(_ images: Tensor) throws -> Tensor { try classifier(features(images)) }

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let loss = try forward(batch[0]).crossEntropyLoss(target: batch[1])
        try log("train_loss", loss, progressBar: true)
        return loss
    }

    /// Loss and accuracy of a batch, logged under `prefix`.
    private func evaluate(_ batch: [Tensor], _ prefix: String) throws -> Tensor {
        let logits = try forward(batch[0])
        let loss = try logits.crossEntropyLoss(target: batch[1])
        let accuracy = try logits.argmax(dim: 1).eq(batch[1]).to(dtype: .float32).mean()
        // syncDist: with several processes, the epoch values cover every rank's share of the data.
        try log("\(prefix)_loss", loss, progressBar: true, syncDist: true)
        try log("\(prefix)_acc", accuracy, progressBar: true, syncDist: true)
        return loss
    }

    func validationStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try evaluate(batch, "val") }
    func testStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try evaluate(batch, "test") }

    func configureOptimizers() throws -> Adam { try Adam(parameters(), lr: learningRate) }
}

let arguments = CommandLine.arguments
let maxEpochs = arguments.firstIndex(of: "--epochs").flatMap { Int(arguments[$0 + 1]) } ?? 3
let root = arguments.firstIndex(of: "--root").map { arguments[$0 + 1] } ?? "runs/fashion-mnist"
let devices = arguments.firstIndex(of: "--devices").flatMap { Int(arguments[$0 + 1]) } ?? 1
let nodes = arguments.firstIndex(of: "--nodes").flatMap { Int(arguments[$0 + 1]) } ?? 1
let accelerator = arguments.firstIndex(of: "--accelerator").map { arguments[$0 + 1] } ?? "auto"

// Each process gets its share of the cores.
setNumThreads(max(1, ProcessInfo.processInfo.activeProcessorCount / devices))
manualSeed(0)
let data = FashionMNISTData()
let model = try FashionClassifier()
let checkpoint = try ModelCheckpoint(monitor: "val_acc", saveLast: true, mode: .max)
let trainer = try Trainer(
    accelerator: accelerator, devices: .count(devices), numNodes: nodes,
    logger: [CSVLogger(saveDir: root)],
    callbacks: [checkpoint, EarlyStopping(monitor: "val_acc", patience: 2, mode: .max)],
    maxEpochs: maxEpochs,
    defaultRootDir: root)
try trainer.fit(model, datamodule: data)
trainer.print("best checkpoint: \(checkpoint.bestModelPath) (val_acc \(checkpoint.bestModelScore.map { String(format: "%.4f", $0) } ?? "?"))")
let results = try trainer.test(model, datamodule: data, ckptPath: "best")
let accuracy = results.first?["test_acc"] ?? 0
trainer.print(String(format: "Fashion-MNIST test accuracy: %.2f%%", accuracy * 100))
