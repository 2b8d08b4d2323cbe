import Foundation
import Testing
@testable import Lightning
import TestModels
import Torch

// Fabric: a hand-written loop converted to Fabric trains bit for bit as the original; two Gloo
// processes on loopback train as one process on the combined batch; collectives, checkpoints,
// logging and callbacks.

/// The combined batch of the child processes (8 rows).
private func combinedBatch() throws -> (Tensor, Tensor) { try regressionData(count: 8) }

private enum OptimizerKind { case sgd, adam }

private func makeOptimizer(_ kind: OptimizerKind, _ parameters: [Tensor]) throws -> Optimizer {
    switch kind {
    case .sgd: try SGD(parameters, lr: 0.1, momentum: 0.9)
    case .adam: try Adam(parameters, lr: 0.02)
    }
}

/// The plain loop: no Fabric.
private func rawLoop(_ kind: OptimizerKind, steps: Int) throws -> [String: [Float]] {
    let model = FixedMLP()
    let optimizer = try makeOptimizer(kind, model.parameters())
    let (x, y) = try combinedBatch()
    for _ in 0..<steps {
        try optimizer.zeroGrad()
        let loss = try model(x).mseLoss(target: y)
        try loss.backward()
        try optimizer.step()
    }
    return try model.weights()
}

/// The same loop converted to Fabric.
private func fabricLoop(_ kind: OptimizerKind, steps: Int) throws -> [String: [Float]] {
    let fabric = try Fabric(accelerator: "cpu")
    try fabric.launch()
    let net = FixedMLP()
    let (model, optimizer) = try fabric.setup(net, makeOptimizer(kind, net.parameters()))
    let (x, y) = try fabric.toDevice(try combinedBatch())
    for _ in 0..<steps {
        try optimizer.zeroGrad()
        let loss = try model(x).mseLoss(target: y)
        try fabric.backward(loss)
        try optimizer.step()
    }
    return try net.weights()
}

/// A LightningModule driven by a Fabric loop: it logs and back-propagates by hand.
private final class FabricLightningModule: Module, LightningModule {
    typealias Batch = [Tensor]
    let net = FixedMLP()
    var epochEnds = 0
    var automaticOptimization: Bool { false }
    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let loss = try net(batch[0]).mseLoss(target: batch[1])
        try log("train_loss", loss)
        try manualBackward(loss)
        return loss
    }
    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}

/// A LightningModule optimizing by hand under Fabric, through `optimizers()` (as under a Trainer).
private final class FabricManualModule: Module, LightningModule {
    typealias Batch = [Tensor]
    let net = FixedMLP()
    var automaticOptimization: Bool { false }
    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let optimizer = optimizers()[0]
        try optimizer.zeroGrad()
        let loss = try net(batch[0]).mseLoss(target: batch[1])
        try manualBackward(loss)
        try optimizer.step()
        return loss
    }
    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}

extension FabricLightningModule: EpochHooks {
    func onEpochEnd(epoch: Int, loss: Double) throws { epochEnds += 1 }
}

private protocol EpochHooks {
    func onEpochEnd(epoch: Int, loss: Double) throws
}

private final class HookRecorder: EpochHooks, FabricCallback {
    var typed: [String] = []
    var named: [String] = []
    func onEpochEnd(epoch: Int, loss: Double) { typed.append("epoch \(epoch) loss \(loss)") }
    func call(_ hook: String, _ arguments: [String: Any]) throws {
        named.append("\(hook) \(arguments["epoch"] as? Int ?? -1)")
    }
}

@Suite struct FabricTests {
    @Test(arguments: [OptimizerKind.sgd, .adam])
    fileprivate func convertedLoopMatchesRawLoopBitForBit(_ kind: OptimizerKind) throws {
        let raw = try rawLoop(kind, steps: 20)
        let fabric = try fabricLoop(kind, steps: 20)
        #expect(raw == fabric)
        #expect(try raw != FixedMLP().weights(), "the loop must change the weights")
    }

    @Test func singleProcessRanksAndCollectivesReturnTheirInput() throws {
        let fabric = try Fabric(accelerator: "cpu", devices: 1)
        try fabric.launch()
        #expect(fabric.globalRank == 0 && fabric.localRank == 0 && fabric.nodeRank == 0)
        #expect(fabric.worldSize == 1 && fabric.isGlobalZero)
        #expect(fabric.device == .cpu && fabric.strategy == "single_device")
        let t = try Tensor([Float(1), 2, 3])
        #expect(try fabric.allReduce(t).isSame(as: t))
        #expect(try fabric.allReduce(t, reduceOp: "sum").isSame(as: t))
        #expect(try fabric.allGather(t).isSame(as: t))
        #expect(try fabric.broadcast(t).isSame(as: t))
        #expect(try fabric.allReduce(2.5) == 2.5)
        #expect(try fabric.broadcast("text") == "text")
        #expect(try fabric.broadcast(bytes: [1, 2]) == [1, 2])
        #expect(try fabric.broadcast([7, 8]) == [7, 8])
        try fabric.barrier()
        #expect(try fabric.rankZeroFirst { 42 } == 42)
        #expect(throws: LightningError.self) { try fabric.allReduce(t, reduceOp: "median") }
        #expect(throws: LightningError.self) { try fabric.launch() }
    }

    @Test func invalidArgumentsAreClearErrors() throws {
        #expect(throws: LightningError.self) { try Fabric(accelerator: "tpu") }
        #expect(throws: LightningError.self) { try Fabric(strategy: "fsdp") }
        #expect(throws: LightningError.self) { try Fabric(precision: "8-true") }
        #expect(throws: LightningError.self) { try Fabric(accelerator: "cpu", strategy: "single_device", devices: 2) }
        // A multi-process Fabric needs launch() before setup.
        let fabric = try Fabric(accelerator: "cpu", devices: 2)
        #expect(fabric.worldSize == 2 && fabric.strategy == "ddp")
        #expect(throws: LightningError.self) { try fabric.setupModule(FixedMLP()) }
    }

    @Test func saveAndLoadRoundTripModuleOptimizerAndValues() throws {
        let folder = try temporaryFolder("fabric-save")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fabric = try Fabric(accelerator: "cpu")
        try fabric.launch()
        let net = FixedMLP()
        let (model, optimizer) = try fabric.setup(net, Adam(net.parameters(), lr: 0.02))
        let (x, y) = try combinedBatch()
        for _ in 0..<3 {
            try optimizer.zeroGrad()
            try fabric.backward(model(x).mseLoss(target: y))
            try optimizer.step()
        }
        let path = folder + "/sub/checkpoint.pt"
        try fabric.save(path, state: ["model": .model(model), "optimizer": .optimizer(optimizer), "step": 3, "note": "hi", "extra": 1.5])

        // The file is a plain dictionary in PyTorch's format.
        let raw = try TorchSerialization.load(contentsOf: URL(fileURLWithPath: path))
        #expect(raw.dictValue?.compactMap { $0.key.stringValue } == ["extra", "model", "note", "optimizer", "step"])

        let restored = FixedMLP()
        let restoredOptimizer = try Adam(restored.parameters(), lr: 0.5)
        var state: [String: FabricState] = ["model": .module(restored), "optimizer": .optimizer(restoredOptimizer), "step": 0]
        let rest = try fabric.load(path, state: &state)
        #expect(try restored.weights() == net.weights())
        #expect(state["step"]?.value?.intValue == 3)
        #expect(Set(rest.keys) == ["note", "extra"])
        #expect(rest["note"]?.stringValue == "hi")
        #expect(restoredOptimizer.paramGroups[0].options["lr"]?.doubleValue == 0.02)
        let saved = optimizer.stateDict(), loaded = restoredOptimizer.stateDict()
        #expect(saved.state.keys.sorted() == loaded.state.keys.sorted())
        for (index, buffers) in saved.state {
            let expAvg = try #require(buffers["exp_avg"]?.tensorValue)
            #expect(try expAvg.toArray(of: Float.self) == loaded.state[index]?["exp_avg"]?.tensorValue?.toArray(of: Float.self))
        }

        // The restored pair trains on exactly as the original.
        let (restoredModel, restoredFabricOptimizer) = try fabric.setup(restored, restoredOptimizer)
        for (m, o) in [(model, optimizer), (restoredModel, restoredFabricOptimizer)] {
            try o.zeroGrad()
            try fabric.backward(m(x).mseLoss(target: y))
            try o.step()
        }
        #expect(try restored.weights() == net.weights())

        #expect(throws: LightningError.self) { try fabric.load(path, state: ["missing": .module(FixedMLP())]) }
        #expect(try fabric.load(path, state: ["missing": .module(FixedMLP())], strict: false).count == 5)
        #expect(throws: LightningError.self) { try fabric.load(folder + "/nope.pt") }
    }

    @Test func clippingAutocastAndNoBackwardSync() throws {
        let fabric = try Fabric(accelerator: "cpu")
        let net = FixedMLP()
        let (model, optimizer) = try fabric.setup(net, SGD(net.parameters(), lr: 0.1))
        let (x, y) = try combinedBatch()
        try fabric.noBackwardSync(model) { try fabric.backward(model(x).mseLoss(target: y)) }
        let expected = try getTotalNorm(net.parameters().compactMap(\.grad)).item(Float.self)
        let norm = try #require(try fabric.clipGradients(model, optimizer, maxNorm: 1e-3))
        #expect(try norm.item(Float.self) == expected)
        let clipped = try getTotalNorm(net.parameters().compactMap(\.grad)).item(Float.self)
        #expect(abs(clipped - 1e-3) < 1e-6)
        #expect(try fabric.clipGradients(model, optimizer, clipValue: 1e-5) == nil)
        #expect(try net.parameters().compactMap(\.grad).allSatisfy { try $0.abs().max().item(Float.self) <= 1e-5 })
        #expect(throws: LightningError.self) { try fabric.clipGradients(model, optimizer) }
        #expect(throws: LightningError.self) { try fabric.clipGradients(model, optimizer, clipValue: 1, maxNorm: 1) }
        #expect(try fabric.autocast { 5 } == 5)

        let bf16 = try Fabric(accelerator: "cpu", precision: "bf16-mixed")
        let mixed = try bf16.setupModule(FixedMLP())
        #expect(try mixed(x).dtype == .bfloat16)
        #expect(try bf16.autocast { try x.matmul(x.transpose(dim0: 0, dim1: 1)) }.dtype == .bfloat16)
    }

    @Test func logsGoToEveryLoggerAndCallsReachCallbacks() throws {
        let first = RecordingLogger(), second = RecordingLogger()
        let recorder = HookRecorder()
        let fabric = try Fabric(accelerator: "cpu", loggers: [first, second], callbacks: [recorder, NSObject()])
        try fabric.log("loss", 0.5, step: 7)
        try fabric.logDict(["a": try Tensor([Float(2)]), "b": try Tensor([Float(3)])])
        try fabric.log("c", 1.0)
        #expect(fabric.logger === first)
        for logger in [first, second] {
            #expect(logger.calls.map(\.step) == [7, 0, 1])
            #expect(logger.calls[0].values == ["loss": 0.5])
            #expect(logger.calls[1].values == ["a": 2, "b": 3])
        }
        #expect(throws: LightningError.self) { try fabric.log("v", try Tensor([Float(1), 2])) }

        try fabric.call(EpochHooks.self) { try $0.onEpochEnd(epoch: 1, loss: 0.25) }
        try fabric.call("onEpochEnd", ["epoch": 2])
        #expect(recorder.typed == ["epoch 1 loss 0.25"])
        #expect(recorder.named == ["onEpochEnd 2"])
    }

    @Test func saveFiltersStateDictsAndLoadRawReadsAPlainStateDict() throws {
        let folder = try temporaryFolder("fabric-filter")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fabric = try Fabric(accelerator: "cpu")
        let net = FixedMLP()
        let model = try fabric.setupModule(net)
        let path = folder + "/first-layer.pt"
        try fabric.save(path, state: ["model": .model(model), "step": 4], filter: ["model": { name, _ in name.hasSuffix("1") }])
        let saved = try fabric.load(path, state: [:])
        #expect(saved["model"]?.dictValue?.compactMap { $0.key.stringValue } == ["w1", "b1"])
        #expect(saved["step"]?.intValue == 4)

        // A file holding one state dict, as `torch.save(model.state_dict(), path)` writes.
        let raw = folder + "/weights.pt"
        try TorchSerialization.save(net.stateDict().pickleValue, to: URL(fileURLWithPath: raw))
        let copy = try fabric.initModule { FixedMLP() }
        try copy.w1.detach().zero_()
        try fabric.loadRaw(raw, into: copy)
        #expect(try copy.weights() == net.weights())
        #expect(throws: LightningError.self) { try fabric.loadRaw(path, into: FixedMLP()) }

        let double = try Fabric(accelerator: "cpu", precision: "64-true")
        #expect(try double.initModule { FixedMLP() }.w1.dtype == .float64)
        #expect(try double.initTensor { try Tensor.ones([2]) }.dtype == .float64)
        #expect(try double.initTensor { try Tensor.arange(end: 3) }.dtype == .int64)
    }

    @Test func aLightningModuleSetUpWithFabricLogsAndBacksPropagateThroughIt() throws {
        let logger = RecordingLogger()
        let fabric = try Fabric(accelerator: "cpu", loggers: [logger])
        let module = FabricLightningModule()
        #expect(module.fabric == nil)
        let (model, optimizer) = try fabric.setup(module, SGD(module.parameters(), lr: 0.1))
        #expect(module.fabric === fabric)
        let (x, y) = try combinedBatch()
        try optimizer.zeroGrad()
        _ = try model { try $0.trainingStep([x, y], batchIndex: 0) }
        #expect(logger.calls.map(\.names) == [["train_loss"]])
        #expect(module.parameters().allSatisfy { $0.grad != nil })
        try fabric.call(EpochHooks.self) { try $0.onEpochEnd(epoch: 0, loss: 1) }
        #expect(module.epochEnds == 1)
    }

    @Test(arguments: [OptimizerKind.sgd, .adam])
    fileprivate func aLightningModuleStepsTheOptimizersSetUpWithIt(_ kind: OptimizerKind) throws {
        let fabric = try Fabric(accelerator: "cpu")
        let module = FabricManualModule()
        #expect(module.optimizers().isEmpty)
        let (model, optimizer) = try fabric.setup(module, makeOptimizer(kind, module.net.parameters()))
        #expect(module.optimizers().count == 1 && module.optimizers()[0].optimizer === optimizer.optimizer)
        let (x, y) = try combinedBatch()
        for step in 0..<20 { _ = try model { try $0.trainingStep([x, y], batchIndex: step) } }
        #expect(try module.net.weights() == rawLoop(kind, steps: 20))
    }

    @Test func dataloadersMoveBatchesAndCountPasses() throws {
        let fabric = try Fabric(accelerator: "cpu")
        let (x, y) = try combinedBatch()
        let loader = try fabric.setupDataloaders(DataLoader(TensorDataset(x, y), batchSize: 4))
        var seen = 0
        try loader.forEach { (batch: [Tensor]) in
            #expect(batch[0].shape == [4, 4])
            seen += 1
        }
        #expect(seen == 2 && loader.passes == 1 && loader.batchCount == 2)
        let sampler = try fabric.distributedSampler(count: 8, shuffle: false)
        #expect(sampler.count == 8)
    }

    @Test func seedEverythingSeedsAndExports() throws {
        #expect(Fabric.seedEverything(1234, verbose: false) == 1234)
        #expect(ProcessInfo.processInfo.environment["PL_GLOBAL_SEED"] == "1234")
        #expect(Fabric.seedEverything(-1, verbose: false) == 0)
    }
}

// MARK: Two processes

/// Runs Tests/FabricChild (the `FabricChild` product, built beside the test bundle).
private enum FabricChild {
    static let steps = 20

    static var executable: String? { childExecutable(named: "FabricChild") }

    static func start(_ folder: String, port: Int, localRank: Int?, extra: [String] = [], standardError: Any? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable, "build FabricChild (swift build --build-tests builds it)"))
        process.arguments = [folder, String(steps)] + extra
        if let standardError { process.standardError = standardError }
        var environment = ProcessInfo.processInfo.environment
        for key in ["LOCAL_RANK", "RANK", "WORLD_SIZE", "NODE_RANK", "GROUP_RANK", "TORCHELASTIC_RUN_ID", "SLURM_NTASKS", "SWIFTLIGHTNING_LAUNCHER_PID"] {
            environment[key] = nil
        }
        environment["MASTER_ADDR"] = "127.0.0.1"
        environment["MASTER_PORT"] = String(port)
        if let localRank {
            environment["WORLD_SIZE"] = "2"
            environment["NODE_RANK"] = "0"
            environment["LOCAL_RANK"] = String(localRank)
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for the processes (bounded, so a hang cannot stall the suite), then kills any left.
    static func finish(_ processes: [Process], seconds: Double = 180) -> [Int32] {
        let deadline = Date().addingTimeInterval(seconds)
        while processes.contains(where: \.isRunning) && Date() < deadline { usleep(10_000) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return processes.map { $0.waitUntilExit(); return $0.terminationStatus }
    }

    static func report(_ folder: String, rank: Int) throws -> FabricChildReport {
        try JSONDecoder().decode(FabricChildReport.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/rank\(rank).json")))
    }
}

/// One process on the combined batch: the weights the two ranks must reach.
private func combinedBatchReference(steps: Int) throws -> [String: [Float]] {
    let model = FixedMLP()
    let optimizer = try SGD(model.parameters(), lr: 0.1)
    let (x, y) = try combinedBatch()
    for _ in 0..<steps {
        try optimizer.zeroGrad()
        try model(x).mseLoss(target: y).backward()
        try optimizer.step()
    }
    return try model.weights()
}

private func checkTwoRankRun(_ folder: String) throws {
    let reference = try combinedBatchReference(steps: FabricChild.steps)
    let reports = try [0, 1].map { try FabricChild.report(folder, rank: $0) }
    #expect(reports[0].weights == reports[1].weights, "both ranks hold the same weights")
    for report in reports {
        #expect(report.worldSize == 2)
        #expect(report.weights.keys.sorted() == reference.keys.sorted())
        for (name, expected) in reference {
            let actual = report.weights[name] ?? []
            #expect(actual.count == expected.count)
            let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-5, "rank \(report.rank) \(name) differs by \(difference)")
        }
        #expect(report.allReduceMean == [1.5, 5])
        #expect(report.allReduceSum == 3)
        #expect(report.allGather == [0, 0.5, 1, 1.5] && report.allGatherShape == [2, 2])
        #expect(report.broadcastString == "hello from rank 0")
        #expect(report.broadcastCodable == [3, 1, 4])
        #expect(report.loadedMatches && report.loadedStep == FabricChild.steps)
    }
    // Each rank read its own half of the data set (DistributedSampler's interleaving).
    #expect(reports[0].sampleIndices == [0, 2, 4, 6])
    #expect(reports[1].sampleIndices == [1, 3, 5, 7])
    // The training changed the weights (the comparison is not vacuous).
    #expect(reference != (try FixedMLP().weights()))
}

@Suite(.serialized) struct FabricTwoProcessTests {
    @Test func twoGlooRanksTrainAsOneProcessOnTheCombinedBatch() throws {
        let folder = try temporaryFolder("fabric-ddp")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try findFreePort()
        let processes = try [0, 1].map { try FabricChild.start(folder, port: port, localRank: $0) }
        let statuses = FabricChild.finish(processes)
        #expect(statuses == [0, 0])
        try checkTwoRankRun(folder)
    }

    @Test func launchStartsTheSecondRankItself() throws {
        let folder = try temporaryFolder("fabric-launch")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try findFreePort()
        let rankZero = try FabricChild.start(folder, port: port, localRank: nil)
        let statuses = FabricChild.finish([rankZero])
        #expect(statuses == [0])
        try checkTwoRankRun(folder)
    }

    /// Two child ranks started with `extra`; both must exit with status 1. Returns what rank 0 wrote
    /// to standard error.
    private func failingRun(_ name: String, extra: [String]) throws -> String {
        let folder = try temporaryFolder(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try findFreePort()
        let errorFile = folder + "/rank0.err"
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        defer { try? handle.close() }
        let rankZero = try FabricChild.start(folder, port: port, localRank: 0, extra: extra, standardError: handle)
        let rankOne = try FabricChild.start(folder, port: port, localRank: 1, extra: extra, standardError: FileHandle.nullDevice)
        let statuses = FabricChild.finish([rankZero, rankOne])
        #expect(statuses == [1, 1])
        return try String(contentsOfFile: errorFile, encoding: .utf8)
    }

    @Test func aFailingRankIsNamedByTheOther() throws {
        let message = try failingRun("fabric-fail", extra: ["--fail-rank", "1"])
        #expect(message.contains("rank 1 failed"), "rank 0 said: \(message)")
        #expect(message.contains("deliberate failure for the test"))
    }

    @Test func gatheringDifferentShapesIsAnErrorNotAnAbort() throws {
        let message = try failingRun("fabric-uneven", extra: ["--uneven-gather"])
        #expect(message.contains("allGather: the ranks passed tensors of different shapes or dtypes (rank 0: [3], torch.float32)"),
                "rank 0 said: \(message)")
    }
}
