// The child process of FailureTests: trains a small model with a shuffling DataLoader, Adam and a
// StepLR, writing last.ckpt after every step, so the parent can kill it (SIGKILL, SIGTERM, SIGINT)
// and resume it. With `--signal-in-validation SIG` it validates after each epoch and sends itself
// SIG in the second validation batch, then runs a standalone `validate` that gets the same signal.
//
//   LightningFailureChild <folder> <maxSteps> [--resume] [--sleep-ms N] [--signal-in-validation SIG]
//
// Writes <folder>/final.pt (the final weights) and <folder>/status.txt when fit returns. Started
// with SLURM's variables, it is a SLURM job that requeues itself on SIGUSR1.
import Foundation
import Lightning
import TestModels
import Torch

final class ChildModule: Module, LightningModule {
    typealias Batch = [Tensor]
    let net = FixedMLP()
    var sleepSeconds = 0.0
    /// Sent to this process in validation batch 1; nil: no validation.
    var validationSignal: Int32?
    var validationBatches = 0

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        if sleepSeconds > 0 { Thread.sleep(forTimeInterval: sleepSeconds) }
        let loss = try net(batch[0]).mseLoss(target: batch[1])
        try log("train_loss", loss)
        return loss
    }

    func validationStep(_ batch: [Tensor], batchIndex: Int, dataloaderIndex: Int) throws -> Tensor? {
        guard let validationSignal else { return nil }
        validationBatches += 1
        if batchIndex == 1 { raise(validationSignal) }
        return nil
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try Adam(parameters(), lr: 0.02)
        return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 3, gamma: 0.8), interval: .step)
    }
}

func childData(shuffle: Bool = true) throws -> DataLoader<[Tensor]> {
    let (x, y) = try regressionData(count: 40)
    return try DataLoader(TensorDataset(x, y), batchSize: 8, shuffle: shuffle, generator: Generator(seed: 1234))
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let maxSteps = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: LightningFailureChild <folder> <maxSteps> [--resume] [--sleep-ms N]\n".utf8))
    exit(2)
}
let folder = arguments[1]
let resume = arguments.contains("--resume")
let sleepMs = arguments.firstIndex(of: "--sleep-ms").flatMap { Int(arguments[$0 + 1]) } ?? 0
let validationSignal = arguments.firstIndex(of: "--signal-in-validation").flatMap { Int32(arguments[$0 + 1]) }

// A child started from a thread that blocks signals (a test runner's worker) inherits the mask:
// unblock SIGINT and SIGTERM so the Trainer's handlers see them.
var unblock = sigset_t()
sigemptyset(&unblock)
sigaddset(&unblock, SIGINT)
sigaddset(&unblock, SIGTERM)
sigaddset(&unblock, SIGUSR1)
sigprocmask(SIG_UNBLOCK, &unblock, nil)

do {
    let module = ChildModule()
    module.sleepSeconds = Double(sleepMs) / 1000
    module.validationSignal = validationSignal
    let checkpoints = folder + "/ckpt"
    let trainer = try Trainer(
        logger: [CSVLogger(saveDir: folder, name: "logs", version: "run", flushLogsEveryNSteps: 1000)],
        callbacks: [try ModelCheckpoint(dirpath: checkpoints, saveLast: true, saveTopK: 0, everyNTrainSteps: 1),
                    try OnExceptionCheckpoint(dirpath: checkpoints)],
        maxSteps: maxSteps, numSanityValSteps: 0, logEveryNSteps: 1, enableProgressBar: false, enableModelSummary: false,
        defaultRootDir: folder)
    let validation = validationSignal == nil ? nil : [try childData(shuffle: false) as any BatchLoader<[Tensor]>]
    try trainer.fit(module, trainDataloaders: try childData(), valDataloaders: validation, ckptPath: resume ? "last" : nil)
    try TorchSerialization.save(Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.key, $0.value) }), to: URL(fileURLWithPath: folder + "/final.pt"))
    var status = "interrupted=\(trainer.interrupted) sigterm=\(trainer.receivedSigterm) global_step=\(trainer.globalStep)"
        + " ckpt_path=\(trainer.ckptPath ?? "none")"
    if let validation {
        status += " fit_validation_batches=\(module.validationBatches)"
        module.validationBatches = 0
        do {
            try trainer.validate(module, dataloaders: validation, verbose: false)
            status += " validate_error=none"
        } catch {
            status += " validate_error=\(type(of: error))"
        }
        status += " validate_batches=\(module.validationBatches)"
    }
    status += "\n"
    try status.write(toFile: folder + "/status.txt", atomically: true, encoding: .utf8)
    exit(0)
} catch {
    FileHandle.standardError.write(Data("child failed: \(error)\n".utf8))
    exit(3)
}
