// The child process of DDPTests: W1 from the benchmarks (MLP 784→128→ReLU→10, Adam 1e-3,
// cross-entropy) on deterministic data, trained with the Trainer on 1 or more processes.
//
//   LightningDDPChild <folder> <steps> <devices> <numNodes> <batchSize> [--sleep-ms N] [--timeout-s N]
//                     [--max-time S] [--val-every-s S] [--checkpoint-every-s S] [--validate-sleep-ms N]
//                     [--rank1-extra-sync] [--uneven]
//
// Each rank writes <folder>/rank<r>.json: the final weights (flattened, in parameter order), the
// sum of all weights after every step, and the logged train_loss values (steps and epoch) as the
// callbacks see them. The devices and the environment decide how many processes run.
// `--max-time S` sets `maxTime`, with rank 1's Timer clock running 4× fast (so only an agreement
// across the ranks stops rank 0 in time); `--val-every-s S` validates every S seconds
// (`valCheckInterval: .seconds(S)`) on 16 samples, logging `val_loss` with `syncDist`;
// `--checkpoint-every-s S` saves a checkpoint every S seconds (`trainTimeInterval`) into <folder>/ckpts,
// on the same clock.
// `--validate-sleep-ms N` runs `validate` after fit over 512 samples, N ms a batch, writing
// <folder>/vpid-rank<r> as it starts; a SIGTERM there is recorded (the batches run) instead of failing.
// `--rank1-extra-sync`: rank 1 alone also logs `extra` with syncDist, reduced at the epoch's end.
// `--uneven`: each rank brings its own DistributedSampler, rank 1's over 64 samples fewer (a batch of
// 32 fewer), which the Trainer keeps as it is.
import Foundation
import Lightning
import Torch

final class W1: Module, LightningModule {
    typealias Batch = [Tensor]
    let hidden: Linear
    let output: Linear
    var sleepSeconds = 0.0
    var validationSleepSeconds = 0.0
    var rank1ExtraSync = false

    init() {
        manualSeed(0)
        hidden = try! Linear(784, 128)
        output = try! Linear(128, 10)
        super.init()
    }

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        if sleepSeconds > 0 { Thread.sleep(forTimeInterval: sleepSeconds) }
        let logits = try output(try hidden(batch[0]).relu())
        let loss = try Functional.crossEntropy(logits, batch[1])
        try log("train_loss", loss, onStep: true, onEpoch: true, syncDist: true)
        if rank1ExtraSync && trainer?.globalRank == 1 { try log("extra", loss, onStep: false, onEpoch: true, syncDist: true) }
        return loss
    }

    func validationStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        if validationSleepSeconds > 0 { Thread.sleep(forTimeInterval: validationSleepSeconds) }
        let loss = try Functional.crossEntropy(try output(try hidden(batch[0]).relu()), batch[1])
        try log("val_loss", loss, syncDist: true)
        return loss
    }

    func predictStep(_ batch: [Tensor], batchIndex: Int, dataloaderIndex: Int) throws -> Tensor {
        try output(try hidden(batch[0]).relu()).argmax(dim: 1)
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        OptimizerConfiguration(try Adam(parameters(), lr: 1e-3))
    }
}

/// Records the dataset indices of the samples this rank predicted.
final class IndexWriter: BasePredictionWriter<Tensor> {
    var indices: [Int] = []
    override func writeOnBatchEnd(_ trainer: Trainer, _ module: any LightningModule, prediction: Tensor,
                                  batchIndices: [Int]?, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        indices += batchIndices ?? []
    }
}

/// A ModelCheckpoint that records the global steps at which it saved (on every rank; rank 0 writes).
final class RecordingCheckpoint: ModelCheckpoint {
    var savedSteps: [Int] = []
    override func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any,
                                  batchIndex: Int) throws {
        let before = bestModelPath
        try super.onTrainBatchEnd(trainer, module, outputs: outputs, batch: batch, batchIndex: batchIndex)
        if bestModelPath != before { savedSteps.append(trainer.globalStep) }
    }
}

/// Records the weights' sum after each step and the synchronised step loss.
final class Recorder: Callback {
    var sums: [Double] = []
    var losses: [Double] = []
    /// The global step of each validation inside fit.
    var validations: [Int] = []
    /// Validation batches run (counted for the standalone `validate`), and where its pid goes.
    var validationBatches = 0
    var validationPidFile: String?
    let pidFile: String?
    init(pidFile: String?) { self.pidFile = pidFile }

    func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        if let pidFile { try "\(getpid())".write(toFile: pidFile + "\(trainer.globalRank)", atomically: true, encoding: .utf8) }
    }

    func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        let model = module as! W1
        sums.append(try model.parameters().reduce(0.0) { $0 + (try $1.to(dtype: .float64).sum().item(Double.self)) })
        losses.append(trainer.callbackMetrics["train_loss_step"] ?? .nan)
    }

    func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        if let validationPidFile {
            try "\(getpid())".write(toFile: validationPidFile + "\(trainer.globalRank)", atomically: true, encoding: .utf8)
        }
    }

    func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        validationBatches += 1
    }

    func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        if trainer.stage != .sanityChecking { validations.append(trainer.globalStep) }
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 6, let steps = Int(arguments[2]), let devices = Int(arguments[3]), let numNodes = Int(arguments[4]),
      let batchSize = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: LightningDDPChild <folder> <steps> <devices> <numNodes> <batchSize> [--sleep-ms N]\n".utf8))
    exit(2)
}
let folder = arguments[1]
let sleepMs = arguments.firstIndex(of: "--sleep-ms").flatMap { Int(arguments[$0 + 1]) } ?? 0
let timeoutSeconds = arguments.firstIndex(of: "--timeout-s").flatMap { Int(arguments[$0 + 1]) } ?? 1800
let maxTime = arguments.firstIndex(of: "--max-time").flatMap { Double(arguments[$0 + 1]) }
let validationSeconds = arguments.firstIndex(of: "--val-every-s").flatMap { Double(arguments[$0 + 1]) }
let checkpointSeconds = arguments.firstIndex(of: "--checkpoint-every-s").flatMap { Double(arguments[$0 + 1]) }
let validateSleepMs = arguments.firstIndex(of: "--validate-sleep-ms").flatMap { Int(arguments[$0 + 1]) }

// A child started from a thread that blocks signals (a test runner's worker) inherits the mask:
// unblock SIGTERM so the Trainer's handler sees it.
var unblock = sigset_t()
sigemptyset(&unblock)
sigaddset(&unblock, SIGTERM)
sigprocmask(SIG_UNBLOCK, &unblock, nil)

do {
    // 50 batches of 64 of W1's data: random vectors and labels from a fixed seed.
    let generator = try Generator(seed: 42)
    let x = try Tensor.randn([3200, 784], generator: generator)
    let y = try Tensor.randint(high: 10, size: [3200], generator: generator)
    // On several processes the Trainer gives each rank its share, shuffled with seed 0 (Lightning
    // always shuffles training data under DDP); one process reads the same order of all samples.
    let rank = Int(ProcessInfo.processInfo.environment["LOCAL_RANK"] ?? "0") ?? 0  // set for the launched ranks
    let sampler = arguments.contains("--uneven")
        ? try DistributedSampler(count: 3200 - 64 * rank, numReplicas: 2, rank: rank, shuffle: true, seed: 0)
        : devices * numNodes == 1 ? try DistributedSampler(count: 3200, numReplicas: 1, rank: 0, shuffle: true, seed: 0) : nil
    let loader = try DataLoader(TensorDataset(x, y), batchSize: batchSize, sampler: sampler)
    let model = W1()
    model.sleepSeconds = Double(sleepMs) / 1000
    model.rank1ExtraSync = arguments.contains("--rank1-extra-sync")
    let recorder = Recorder(pidFile: sleepMs > 0 ? folder + "/pid-rank" : nil)
    let writer = IndexWriter()
    let checkpoint = try checkpointSeconds.map { try RecordingCheckpoint(dirpath: folder + "/ckpts", saveTopK: -1, trainTimeInterval: $0) }
    let validation = try DataLoader(TensorDataset(x.slice(dim: 0, start: 0, end: 16), y.slice(dim: 0, start: 0, end: 16)), batchSize: 8)
    let trainer = try Trainer(accelerator: "cpu", strategy: .ddp(DDPStrategy(timeout: .seconds(timeoutSeconds))),
                              devices: .count(devices), numNodes: numNodes, logger: [],
                              callbacks: [recorder, writer] + (checkpoint.map { [$0] } ?? []), maxEpochs: 1, maxSteps: steps, maxTime: maxTime,
                              valCheckInterval: validationSeconds.map { .seconds($0) }, numSanityValSteps: 0,
                              enableCheckpointing: checkpoint != nil, enableProgressBar: false, enableModelSummary: false,
                              defaultRootDir: folder)
    // Rank 1's clock runs 4× fast: its `maxTime` runs out first, and its checkpoints would be due sooner.
    let started = ProcessInfo.processInfo.systemUptime
    try Trainer.$monotonicClock.withValue({ rank == 1 ? started + 4 * (ProcessInfo.processInfo.systemUptime - started) : ProcessInfo.processInfo.systemUptime }) {
        try trainer.fit(model, trainDataloaders: loader, valDataloaders: validationSeconds == nil ? nil : [validation])
    }
    let (interrupted, sigterm, stopped) = (trainer.interrupted, trainer.receivedSigterm, trainer.shouldStop)
    let epochLoss = trainer.callbackMetrics["train_loss_epoch"] ?? -1
    // A slow standalone validation, for signals during evaluation.
    var validateStopped = false
    if let validateSleepMs {
        model.validationSleepSeconds = Double(validateSleepMs) / 1000
        recorder.validationBatches = 0
        recorder.validationPidFile = folder + "/vpid-rank"
        let slow = try DataLoader(TensorDataset(x.slice(dim: 0, start: 0, end: 512), y.slice(dim: 0, start: 0, end: 512)), batchSize: 8)
        do {
            _ = try trainer.validate(model, dataloaders: [slow], verbose: false)
        } catch is SIGTERMException {
            validateStopped = true
        }
    }
    // Prediction over 7 samples in batches of 2: each rank predicts its share, none twice.
    let predictData = try TensorDataset(x.slice(dim: 0, start: 0, end: 7), y.slice(dim: 0, start: 0, end: 7))
    let predictions = try trainer.predict(model, dataloaders: [try DataLoader(predictData, batchSize: 2)])
    let weights = try model.parameters().flatMap { try $0.toArray(of: Float.self) }
    let result: [String: Any] = [
        "rank": trainer.globalRank, "world": trainer.worldSize, "weights": weights, "sums": recorder.sums,
        "losses": recorder.losses, "epoch_loss": epochLoss,
        "interrupted": interrupted, "sigterm": sigterm, "predicted_indices": writer.indices,
        "predicted_count": try predictions[0].reduce(0) { $0 + (try $1.size(0)) },
        "validations": recorder.validations, "should_stop": stopped,
        "validate_stopped": validateStopped, "validate_batches": recorder.validationBatches,
        "checkpoint_steps": checkpoint?.savedSteps ?? [],
        "time_elapsed": (trainer.callbacks.first { $0 is Lightning.Timer } as? Lightning.Timer)?.timeElapsed(.training) ?? -1,
    ]
    let data = try JSONSerialization.data(withJSONObject: result)
    try data.write(to: URL(fileURLWithPath: folder + "/rank\(trainer.globalRank).json"))
} catch {
    FileHandle.standardError.write(Data("LightningDDPChild: \(error)\n".utf8))
    exit(1)
}
