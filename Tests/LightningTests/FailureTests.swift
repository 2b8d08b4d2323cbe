import Foundation
import Lightning
import TestModels
import Testing
import Torch
#if canImport(Glibc)
import Glibc
#endif

// Failures, interruptions and exact resumption: errors reaching the caller, OnExceptionCheckpoint,
// complete logs, bit-identical resume (mid-epoch and at an epoch's end), atomic last.ckpt under
// SIGKILL, and SIGTERM / SIGINT stopping a child process after a step.

/// A small MLP with fixed weights, Adam + StepLR (per step); optionally throws at a global step.
private final class ResumeModule: Module, LightningModule {
    typealias Batch = [Tensor]
    let net = FixedMLP(hidden: 6)
    var failAtGlobalStep: Int?
    let failure = StepFailure()

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        if let failAtGlobalStep, globalStep == failAtGlobalStep { throw failure }
        let loss = try net(batch[0]).mseLoss(target: batch[1])
        try log("train_loss", loss)
        return loss
    }

    func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try Adam(parameters(), lr: 0.02)
        return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 4, gamma: 0.5), interval: .step)
    }

    func weights() throws -> [String: [Float]] { try net.weights() }
}

/// The error a training step throws (compared by identity).
private final class StepFailure: Error {}

/// 44 samples in shuffled batches of 8: 6 batches per epoch, the last one of 4.
private func shuffledLoader() throws -> DataLoader<[Tensor]> {
    let (x, y) = try regressionData(count: 44)
    return try DataLoader(TensorDataset(x, y), batchSize: 8, shuffle: true, generator: Generator(seed: 2024))
}

private func failureFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "swiftlightning-failure-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func quietTrainer(_ folder: String, callbacks: [any Callback], logger: [any Logger] = [],
                          maxEpochs: Int? = nil, maxSteps: Int? = nil) throws -> Trainer {
    try Trainer(logger: logger, callbacks: callbacks, maxEpochs: maxEpochs, maxSteps: maxSteps, logEveryNSteps: 1,
                enableProgressBar: false, enableModelSummary: false, defaultRootDir: folder)
}

/// The weights after an uninterrupted run of `maxSteps`.
private func referenceWeights(maxSteps: Int) throws -> [String: [Float]] {
    let folder = try failureFolder("reference")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let module = ResumeModule()
    try quietTrainer(folder, callbacks: [], maxSteps: maxSteps).fit(module, trainDataloaders: try shuffledLoader())
    return try module.weights()
}

@Suite struct FailureTests {
    @Test func errorInTrainingStepReachesTheCallerWithCheckpointAndCompleteLog() throws {
        let folder = try failureFolder("error")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let module = ResumeModule()
        module.failAtGlobalStep = 7
        let logger = CSVLogger(saveDir: folder, name: "logs", version: "run")
        let onException = try OnExceptionCheckpoint(dirpath: folder + "/ckpt")
        let trainer = try quietTrainer(folder, callbacks: [onException], logger: [logger], maxEpochs: 5)
        do {
            try trainer.fit(module, trainDataloaders: try shuffledLoader())
            Issue.record("fit should have thrown the training step's error")
        } catch let error as StepFailure {
            #expect(error === module.failure)
        }
        #expect(trainer.interrupted)
        #expect(trainer.globalStep == 7)

        // The on-exception checkpoint: Lightning's keys, at the failing step.
        let value = try TorchSerialization.load(contentsOf: URL(fileURLWithPath: onException.ckptPath))
        let checkpoint = try Checkpoint(value)
        #expect(checkpoint.entries.map(\.key) == ["epoch", "global_step", "pytorch-lightning_version", "state_dict",
                                                   "loops", "callbacks", "optimizer_states", "lr_schedulers"])
        #expect(checkpoint.globalStep == 7)
        #expect(checkpoint.epoch == 1)
        let saved = try StateDict(checkpoint["state_dict"]!)
        #expect(saved.keys.sorted() == ["net.b1", "net.b2", "net.w1", "net.w2"])

        // metrics.csv holds every row logged before the failure (steps 0…6 and epoch 0's end).
        let text = try String(contentsOfFile: logger.metricsFile, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let stepColumn = try #require(header.firstIndex(of: "step"))
        let lossColumn = try #require(header.firstIndex(of: "train_loss"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.filter { !$0[lossColumn].isEmpty }.map { $0[stepColumn] } == (0...6).map(String.init))
        #expect(text.hasSuffix("\n"))
    }

    @Test func successfulFitRemovesAStaleOnExceptionCheckpoint() throws {
        let folder = try failureFolder("stale")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let onException = try OnExceptionCheckpoint(dirpath: folder)
        _ = FileManager.default.createFile(atPath: onException.ckptPath, contents: Data("old".utf8))
        try quietTrainer(folder, callbacks: [onException], maxSteps: 2).fit(ResumeModule(), trainDataloaders: try shuffledLoader())
        #expect(!FileManager.default.fileExists(atPath: onException.ckptPath))
        #expect(throws: LightningError.self) { try OnExceptionCheckpoint(dirpath: folder, filename: "") }
    }

    @Test func lastWithoutACheckpointTrainsFromTheStart() throws {
        let folder = try failureFolder("no-last")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let module = ResumeModule()
        let trainer = try quietTrainer(folder, callbacks: [try OnExceptionCheckpoint(dirpath: folder + "/ckpt")], maxSteps: 20)
        try trainer.fit(module, trainDataloaders: try shuffledLoader(), ckptPath: "last")
        #expect(trainer.ckptPath == nil)
        #expect(try module.weights() == referenceWeights(maxSteps: 20))
    }

    @Test func resumeFromOnExceptionCheckpointWithLast() throws {
        let folder = try failureFolder("resume-exception")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = ResumeModule()
        first.failAtGlobalStep = 9
        let trainer = try quietTrainer(folder, callbacks: [try OnExceptionCheckpoint(dirpath: folder + "/ckpt")], maxSteps: 20)
        #expect(throws: StepFailure.self) { try trainer.fit(first, trainDataloaders: try shuffledLoader()) }

        let second = ResumeModule()
        let resumed = try quietTrainer(folder, callbacks: [try OnExceptionCheckpoint(dirpath: folder + "/ckpt")], maxSteps: 20)
        try resumed.fit(second, trainDataloaders: try shuffledLoader(), ckptPath: "last")
        #expect(resumed.ckptPath?.hasSuffix("on_exception.ckpt") == true)
        #expect(try second.weights() == referenceWeights(maxSteps: 20))
    }

    @Test(arguments: [3, 6, 9, 11])
    func resumeMidEpochIsBitIdentical(stopAt: Int) throws {
        let folder = try failureFolder("resume-mid")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func checkpointCallback() throws -> ModelCheckpoint {
            try ModelCheckpoint(dirpath: folder + "/ckpt", saveLast: true, saveTopK: 0, everyNTrainSteps: 1)
        }
        try quietTrainer(folder, callbacks: [checkpointCallback()], maxSteps: stopAt)
            .fit(ResumeModule(), trainDataloaders: try shuffledLoader())
        let module = ResumeModule()
        let trainer = try quietTrainer(folder, callbacks: [checkpointCallback()], maxSteps: 20)
        try trainer.fit(module, trainDataloaders: try shuffledLoader(), ckptPath: "last")
        #expect(trainer.ckptPath?.hasSuffix("last.ckpt") == true)
        #expect(trainer.globalStep == 20)
        #expect(try module.weights() == referenceWeights(maxSteps: 20))
    }

    /// A checkpoint saved mid-epoch, opened in Python torch as a Lightning user would
    /// (`torch.load(weights_only=True)`, Tools/fixtures/read_checkpoint.py): Lightning's keys, the
    /// model's tensors, and the loader's position as plain values whose generator states PyTorch
    /// accepts. From the saved sampler state PyTorch draws the order in which the Swift loader
    /// shuffled the interrupted epoch.
    @Test(.enabled(if: LivePython.isAvailable, LivePython.missing))
    func midEpochCheckpointOpensInPythonWithTheLoadersPosition() throws {
        let folder = try failureFolder("python")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoints = try ModelCheckpoint(dirpath: folder + "/ckpt", saveLast: true, saveTopK: 0, everyNTrainSteps: 1)
        try quietTrainer(folder, callbacks: [checkpoints], maxSteps: 9).fit(ResumeModule(), trainDataloaders: try shuffledLoader())

        let read = try LivePython.readJSON("read_checkpoint.py", [folder + "/ckpt/last.ckpt", "44"])
        #expect(read["keys"] as? [String] == ["epoch", "global_step", "pytorch-lightning_version", "state_dict",
                                               "loops", "callbacks", "optimizer_states", "lr_schedulers"])
        #expect(read["global_step"] as? Int == 9)
        #expect(read["epoch"] as? Int == 1)
        #expect(read["version"] as? String == "2.6.6")
        #expect(read["fit_loop"] as? [String] == [
            "state_dict", "epoch_loop.state_dict", "epoch_loop.batch_progress", "epoch_loop.scheduler_progress",
            "epoch_loop.automatic_optimization.state_dict", "epoch_loop.automatic_optimization.optim_progress",
            "epoch_loop.manual_optimization.state_dict", "epoch_loop.manual_optimization.optim_step_progress",
            "epoch_loop.val_loop.state_dict", "epoch_loop.val_loop.batch_progress", "epoch_progress",
        ])
        #expect(read["callbacks"] as? [String] == [checkpoints.stateKey])
        #expect(read["state_dict"] as? [String: [Int]] == ["net.w1": [6, 4], "net.b1": [6], "net.w2": [1, 6], "net.b2": [1]])
        #expect(read["optimizers"] as? Int == 1)
        #expect(read["schedulers"] as? Int == 1)
        #expect(read["lr"] as? [Double] == [0.02 * 0.25])  // StepLR(4, 0.5) after 9 steps

        // Batches 0...2 of epoch 1 were done: the order of epoch 1, as the Swift loader drew it.
        let loader = try #require(read["loader"] as? [String: Any])
        #expect(loader["epoch"] as? Int == 1)
        #expect(loader["batches_yielded"] as? Int == 3)
        #expect(loader["generator_state_bytes"] as? Int == 5056)
        #expect(loader["sampler_state_bytes"] as? Int == 5056)
        let swiftLoader = try shuffledLoader()
        try swiftLoader.forEach { _ in }
        let epoch1 = try swiftLoader.makeIterator()
        var order: [Int] = []
        while try epoch1.next() != nil { order += epoch1.lastIndices ?? [] }
        #expect(order.count == 44)
        #expect(loader["order"] as? [Int] == order)
    }

    /// A loader's position goes into checkpoints as plain values and comes back the same; one
    /// saved as JSON text (checkpoints written before 2026-11-22) still restores; a malformed one
    /// says so.
    @Test func loaderPositionRoundTripsAndOldJSONTextStillRestores() throws {
        let loader = try shuffledLoader()
        let iterator = try loader.makeIterator()
        for _ in 0..<2 { _ = try iterator.next() }
        let state = try loader.stateDict()
        let saved = try #require(try loader.positionState(pending: 0))
        iterator.close()

        let restored = try shuffledLoader()
        try restored.restorePosition(saved)
        #expect(try restored.stateDict() == state)
        let fromText = try shuffledLoader()
        try fromText.restorePosition(.string(String(decoding: try JSONEncoder().encode(state), as: UTF8.self)))
        #expect(try fromText.stateDict() == state)
        #expect(throws: LightningError.self) { try fromText.restorePosition(["epoch": 1]) }
    }

    @Test func resumeFromEpochEndIsBitIdentical() throws {
        let folder = try failureFolder("resume-epoch")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func checkpointCallback() throws -> ModelCheckpoint { try ModelCheckpoint(dirpath: folder + "/ckpt", saveLast: true) }
        try quietTrainer(folder, callbacks: [checkpointCallback()], maxEpochs: 2)
            .fit(ResumeModule(), trainDataloaders: try shuffledLoader())
        let module = ResumeModule()
        let trainer = try quietTrainer(folder, callbacks: [checkpointCallback()], maxSteps: 20)
        try trainer.fit(module, trainDataloaders: try shuffledLoader(), ckptPath: "last")
        #expect(trainer.globalStep == 20)
        #expect(try module.weights() == referenceWeights(maxSteps: 20))
    }
}

extension FailureChildProcessTests {
    /// A signal that arrives during validation stops the run before the next validation batch, as
    /// Lightning's evaluation loop; a standalone `validate` throws it.
    @Test(arguments: [SIGTERM, SIGINT])
    func signalDuringValidationStopsBeforeTheNextBatch(signal: Int32) throws {
        let folder = try failureFolder("signal-validation-\(signal)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = try Child.start(folder, signalInValidation: signal)
        defer { Child.reap(process) }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let status = try String(contentsOfFile: folder + "/status.txt", encoding: .utf8)
        // 40 samples in batches of 8: the first validation comes after the 5 steps of epoch 0, and
        // stops after its second batch (the signal's); the on-exception checkpoint holds step 5.
        #expect(status.contains("interrupted=true sigterm=\(signal == SIGTERM) global_step=5 ckpt_path=none fit_validation_batches=2"), "\(status)")
        let errorName = signal == SIGTERM ? "SIGTERMException" : "KeyboardInterrupt"
        #expect(status.contains("validate_error=\(errorName) validate_batches=2"), "\(status)")
        let onException = try Checkpoint(try TorchSerialization.load(contentsOf: URL(fileURLWithPath: folder + "/ckpt/on_exception.ckpt")))
        #expect(onException.globalStep == 5)
    }
}

extension FailureChildProcessTests {
    /// A SLURM job (one task): SIGUSR1 saves `hpc_ckpt_1.ckpt` and runs `scontrol requeue <job>`
    /// (a stand-in on PATH records the call), training goes on to the end; the requeued job, started
    /// with no `ckptPath`, resumes from the HPC checkpoint and ends with the same weights.
    @Test func slurmRequeueSignalSavesAnHPCCheckpointAndTheRequeuedJobResumesFromIt() throws {
        let reference = try Self.reference()
        let folder = try failureFolder("slurm")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try "#!/bin/sh\necho \"$@\" >> \(folder)/scontrol.txt\n".write(toFile: bin + "/scontrol", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/scontrol")
        let slurm = ["SLURM_NTASKS": "1", "SLURM_PROCID": "0", "SLURM_LOCALID": "0", "SLURM_NODEID": "0",
                     "SLURM_JOB_ID": "4242", "SLURM_JOB_NAME": "train",
                     "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]

        let process = try Child.start(folder, sleepMs: 20, environment: slurm)
        defer { Child.reap(process) }
        #expect(Child.waitFor(folder + "/ckpt/last.ckpt", process: process))
        kill(process.processIdentifier, SIGUSR1)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let status = try String(contentsOfFile: folder + "/status.txt", encoding: .utf8)
        #expect(status.contains("interrupted=false sigterm=false global_step=\(Child.maxSteps) ckpt_path=none"), "\(status)")
        let hpc = try Checkpoint(try TorchSerialization.load(contentsOf: URL(fileURLWithPath: folder + "/hpc_ckpt_1.ckpt")))
        let step = try #require(hpc.globalStep)
        #expect(step > 0 && step < Child.maxSteps)
        #expect(try String(contentsOfFile: folder + "/scontrol.txt", encoding: .utf8) == "requeue 4242\n")
        #expect(try Child.finalWeights(folder) == reference)

        // The requeued job starts again with no ckptPath: it resumes from hpc_ckpt_1.ckpt.
        let requeued = try Child.start(folder, environment: slurm)
        requeued.waitUntilExit()
        #expect(requeued.terminationStatus == 0)
        let resumed = try String(contentsOfFile: folder + "/status.txt", encoding: .utf8)
        #expect(resumed.contains("ckpt_path=\(folder)/hpc_ckpt_1.ckpt"), "\(resumed)")
        #expect(try Child.finalWeights(folder) == reference)
    }
}

// MARK: Child processes

/// Runs Tests/FailureChild (the `LightningFailureChild` product, built beside the test bundle).
private struct Child {
    static let maxSteps = 30

    static var executable: String? { childExecutable(named: "LightningFailureChild") }

    static func start(_ folder: String, resume: Bool = false, sleepMs: Int = 0, signalInValidation: Int32? = nil,
                      environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.executableURL = URL(fileURLWithPath: try #require(executable, "build LightningFailureChild (swift build --build-tests builds it)"))
        process.arguments = [folder, String(maxSteps)] + (resume ? ["--resume"] : []) + (sleepMs > 0 ? ["--sleep-ms", String(sleepMs)] : [])
            + (signalInValidation.map { ["--signal-in-validation", String($0)] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to completion; returns the exit status.
    static func run(_ folder: String, resume: Bool = false) throws -> Int32 {
        let process = try start(folder, resume: resume)
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func finalWeights(_ folder: String) throws -> [String: [Float]] {
        let tensors = try TorchSerialization.loadTensors(contentsOf: URL(fileURLWithPath: folder + "/final.pt"))
        return try tensors.mapValues { try $0.toArray(of: Float.self) }
    }

    /// Waits (bounded) until `path` exists.
    static func waitFor(_ path: String, process: Process, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            if FileManager.default.fileExists(atPath: path) { return true }
            usleep(2_000)
        }
        return FileManager.default.fileExists(atPath: path)
    }

    /// Stops a child that is still running (SIGKILL) and reaps it.
    static func reap(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct FailureChildProcessTests {
    /// The uninterrupted child's weights (computed once; the suite runs serially).
    nonisolated(unsafe) private static var cachedReference: [String: [Float]]?

    private static func reference() throws -> [String: [Float]] {
        if let cachedReference { return cachedReference }
        let weights = try computeReference()
        cachedReference = weights
        return weights
    }

    private static func computeReference() throws -> [String: [Float]] {
        let folder = try failureFolder("child-reference")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try Child.run(folder) == 0)
        return try Child.finalWeights(folder)
    }

    @Test func sigkillWhileWritingLeavesALoadableLastCheckpointAndResumesExactly() throws {
        let reference = try Self.reference()
        let folder = try failureFolder("kill")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let last = folder + "/ckpt/last.ckpt"
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var steps: [Int] = []
        for round in 0..<4 {
            let process = try Child.start(folder, resume: round > 0)
            defer { Child.reap(process) }
            // Kill at a random moment once the child writes checkpoints (after a fresh write in later rounds).
            let before = (try? FileManager.default.attributesOfItem(atPath: last)[.modificationDate] as? Date) ?? nil
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline {
                let now = (try? FileManager.default.attributesOfItem(atPath: last)[.modificationDate] as? Date) ?? nil
                if let now, now != before { break }
                usleep(1_000)
            }
            usleep(UInt32.random(in: 0...40_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            // Whatever the moment, last.ckpt is whole.
            let checkpoint = try Checkpoint(try TorchSerialization.load(contentsOf: URL(fileURLWithPath: last)))
            steps.append(try #require(checkpoint.globalStep))
        }
        #expect(kills > 0)
        #expect(steps == steps.sorted())
        // Resume from the survivor to the end: the same weights as the uninterrupted run.
        #expect(try Child.run(folder, resume: true) == 0)
        #expect(try Child.finalWeights(folder) == reference)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signalStopsAfterAStepSavesAndReturns(signal: Int32) throws {
        let reference = try Self.reference()
        let folder = try failureFolder("signal-\(signal)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = try Child.start(folder, sleepMs: 20)
        defer { Child.reap(process) }
        #expect(Child.waitFor(folder + "/ckpt/last.ckpt", process: process))
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)

        let status = try String(contentsOfFile: folder + "/status.txt", encoding: .utf8)
        #expect(status.contains("interrupted=true"))
        #expect(status.contains("sigterm=\(signal == SIGTERM)"))
        let onException = try Checkpoint(try TorchSerialization.load(contentsOf: URL(fileURLWithPath: folder + "/ckpt/on_exception.ckpt")))
        let step = try #require(onException.globalStep)
        #expect(step > 0 && step < Child.maxSteps)
        #expect(status.contains("global_step=\(step)"))
        // Every step logged before the stop reached metrics.csv (finalised on the way out).
        let rows = try String(contentsOfFile: folder + "/logs/run/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count - 1 >= step)
        // Resuming from "last" (the on-exception checkpoint, the newest) finishes exactly.
        #expect(try Child.run(folder, resume: true) == 0)
        #expect(try Child.finalWeights(folder) == reference)
    }
}
