import Foundation
import Testing
import Torch
@testable import Lightning

// DDP over Gloo on loopback with real processes (Tests/DDPChild, the `LightningDDPChild` product):
// W1 for 50 steps on 2 ranks equals one process with the combined batch and Lightning 2.6.6's own
// DDP run of the same model and data (Fixtures/ddp_w1.json, Tools/lightning-reference/ddp_w1.py);
// the launcher, multi-node by hand, and ranks that die or hang.

/// The child executable, its runs and their results.
private enum DDPChild {
    static var executable: String? { childExecutable(named: "LightningDDPChild") }

    struct Run {
        let process: Process
        let output: URL
        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    }

    /// Starts a child (bounded later by `finish`); `environment` adds variables.
    static func start(_ folder: String, steps: Int, devices: Int, numNodes: Int = 1, batchSize: Int,
                      environment: [String: String] = [:], sleepMs: Int = 0, timeoutSeconds: Int? = nil,
                      tag: String = "", options: [String] = []) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable, "build LightningDDPChild (swift build --build-tests builds it)"))
        process.arguments = [folder, String(steps), String(devices), String(numNodes), String(batchSize)]
            + (sleepMs > 0 ? ["--sleep-ms", String(sleepMs)] : [])
            + (timeoutSeconds.map { ["--timeout-s", String($0)] } ?? []) + options
        var variables = ProcessInfo.processInfo.environment
        for key in ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK",
                    "TORCHELASTIC_RUN_ID", "SLURM_NTASKS", SubprocessLauncher.parentVariable] {
            variables[key] = nil
        }
        variables.merge(environment) { $1 }
        process.environment = variables
        let output = URL(fileURLWithPath: folder).appendingPathComponent("output\(tag).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return Run(process: process, output: output)
    }

    /// Waits up to `seconds` for the child, then kills it; returns whether it ended by itself.
    @discardableResult
    static func finish(_ run: Run, seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while run.process.isRunning && Date() < deadline { usleep(10_000) }
        let ended = !run.process.isRunning
        if !ended { kill(run.process.processIdentifier, SIGKILL) }
        run.process.waitUntilExit()
        return ended
    }

    struct Result {
        var weights: [Float]
        var sums: [Double]
        var losses: [Double]
        var epochLoss: Double
        var interrupted: Bool
        var sigterm: Bool
        /// The dataset indices this rank predicted (of 7 samples, batches of 2), and how many
        /// predictions `predict` returned.
        var predictedIndices: [Int]
        var predictedCount: Int
        /// The global step at each validation inside fit.
        var validations: [Int]
        var shouldStop: Bool
        /// The `maxTime` Timer's training time on this rank's clock (-1 without one).
        var timeElapsed: Double
        /// The global steps at which `--checkpoint-every-s`'s ModelCheckpoint saved.
        var checkpointSteps: [Int]
        /// Whether the standalone `validate` ended by SIGTERM, and the validation batches it ran.
        var validateStopped: Bool
        var validateBatches: Int
    }

    static func result(_ folder: String, rank: Int) throws -> Result {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/rank\(rank).json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Result(weights: (json["weights"] as! [NSNumber]).map(\.floatValue), sums: (json["sums"] as! [NSNumber]).map(\.doubleValue),
                      losses: (json["losses"] as! [NSNumber]).map(\.doubleValue), epochLoss: (json["epoch_loss"] as! NSNumber).doubleValue,
                      interrupted: json["interrupted"] as! Bool, sigterm: json["sigterm"] as! Bool,
                      predictedIndices: json["predicted_indices"] as! [Int], predictedCount: json["predicted_count"] as! Int,
                      validations: json["validations"] as! [Int], shouldStop: json["should_stop"] as! Bool,
                      timeElapsed: (json["time_elapsed"] as! NSNumber).doubleValue, checkpointSteps: json["checkpoint_steps"] as! [Int],
                      validateStopped: json["validate_stopped"] as! Bool, validateBatches: json["validate_batches"] as! Int)
    }

    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "swiftlightning-ddp-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// Starts two launched ranks training slowly (400 steps of 8, 20 ms each), waits (bounded) until
    /// rank 1 trains, then sends it `signal`; returns the run and rank 1's pid.
    static func signalRank1(_ folder: String, _ signal: Int32, timeoutSeconds: Int? = nil) throws -> (run: Run, rank1: Int32) {
        let run = try start(folder, steps: 400, devices: 2, batchSize: 8, sleepMs: 20, timeoutSeconds: timeoutSeconds)
        do {
            let rank1 = try trainingPID(of: 1, folder: folder, run: run)
            usleep(300_000)
            kill(rank1, signal)
            return (run, rank1)
        } catch {
            finish(run, seconds: 0)
            throw error
        }
    }

    /// The pid of `rank` once it is training (it writes pid-rank<r> in onTrainStart, or with
    /// `file: "vpid-rank"` vpid-rank<r> when its standalone validation starts), waiting up to a minute.
    static func trainingPID(of rank: Int, folder: String, run: Run, file: String = "pid-rank") throws -> Int32 {
        let pidFile = folder + "/\(file)\(rank)"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline && run.process.isRunning { usleep(20_000) }
        return try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)), "rank \(rank) never started: \(run.text)")
    }
}

/// One process on the combined batch of 64, computed once for the suite.
private let singleProcessReference: Result<DDPChild.Result, any Error> = Result {
    let folder = try DDPChild.folder("single")
    let run = try DDPChild.start(folder, steps: 50, devices: 1, batchSize: 64)
    DDPChild.finish(run)
    return try DDPChild.result(folder, rank: 0)
}

/// The final weights of the child (hidden.weight, hidden.bias, output.weight, output.bias
/// flattened in that order) split by parameter name.
private func parameters(_ weights: [Float]) -> [String: ArraySlice<Float>] {
    var result: [String: ArraySlice<Float>] = [:]
    var offset = 0
    for (name, count) in [("hidden.weight", 100_352), ("hidden.bias", 128), ("output.weight", 1280), ("output.bias", 10)] {
        result[name] = weights[offset..<(offset + count)]
        offset += count
    }
    return result
}

/// A Swift run against a Lightning run of the fixture ("ddp" or "single"): every step's
/// train_loss_step, the epoch value, and per parameter its sum and first 64 values.
private func expectMatchesLightning(_ run: DDPChild.Result, _ key: String) throws {
    let reference = try ReferenceFixtures.load("ddp_w1").object(key)
    let losses = reference.numbers("losses")
    #expect(run.losses.count == losses.count)
    let lossDifference = zip(run.losses, losses).map { abs($0 - $1) }.max() ?? .infinity
    #expect(lossDifference < 1e-5, "\(key): largest train_loss_step difference from Lightning \(lossDifference)")
    #expect(abs(run.epochLoss - (reference["epoch_loss"] as! NSNumber).doubleValue) < 1e-5)
    let sums = reference.object("parameter_sums"), heads = reference.object("parameter_heads")
    for (name, values) in parameters(run.weights) {
        let sum = values.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - (sums[name] as! NSNumber).doubleValue) < 1e-4, "\(key): sum of \(name)")
        let head = heads.numbers(name)
        let difference = zip(values.prefix(64), head).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(difference < 1e-5, "\(key): \(name) differs from Lightning by \(difference)")
    }
}

/// Both ranks against one Swift process with the combined batch (every weight), against
/// Lightning's DDP run, and against each other after every step.
private func expectMatchesSingleProcess(_ ranks: [DDPChild.Result]) throws {
    let single = try singleProcessReference.get()
    try expectMatchesLightning(single, "single")
    for rank in ranks {
        #expect(rank.weights.count == single.weights.count)
        let difference = zip(rank.weights, single.weights).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-5, "largest weight difference \(difference)")
        try expectMatchesLightning(rank, "ddp")
    }
    // Every rank holds the same weights after every step.
    #expect(ranks.allSatisfy { $0.sums == ranks[0].sums })
    #expect(ranks.allSatisfy { $0.weights == ranks[0].weights })
}

@Suite("DDP (Gloo, processes on loopback)", .serialized)
struct DDPTests {
    @Test func twoLaunchedRanksTrainW1LikeOneProcessWithTheCombinedBatch() throws {
        let folder = try DDPChild.folder("launched")
        // `devices: 2`: rank 0 starts rank 1 itself.
        let run = try DDPChild.start(folder, steps: 50, devices: 2, batchSize: 32)
        #expect(DDPChild.finish(run), "the run did not finish: \(run.text)")
        #expect(run.process.terminationStatus == 0, "\(run.text)")
        #expect(run.text.contains("Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2"))
        let ranks = [try DDPChild.result(folder, rank: 0), try DDPChild.result(folder, rank: 1)]
        try expectMatchesSingleProcess(ranks)
        // Prediction splits the 7 samples without repeats (Lightning's UnrepeatedDistributedSampler):
        // rank 0 predicts 0, 2, 4, 6 and rank 1 predicts 1, 3, 5.
        #expect(ranks[0].predictedIndices == [0, 2, 4, 6] && ranks[0].predictedCount == 4)
        #expect(ranks[1].predictedIndices == [1, 3, 5] && ranks[1].predictedCount == 3)
        #expect(ranks.allSatisfy { !$0.interrupted && !$0.sigterm })
    }

    @Test func sigtermToOneRankStopsEveryRankAfterTheSameStep() throws {
        let folder = try DDPChild.folder("sigterm")
        let (run, _) = try DDPChild.signalRank1(folder, SIGTERM)
        defer { DDPChild.finish(run, seconds: 0) }
        // Both ranks agree on the signal at the next step check, stop there and exit cleanly.
        #expect(DDPChild.finish(run, seconds: 60), "the run did not stop: \(run.text)")
        #expect(run.process.terminationStatus == 0, "\(run.text)")
        let ranks = [try DDPChild.result(folder, rank: 0), try DDPChild.result(folder, rank: 1)]
        #expect(ranks.allSatisfy { $0.interrupted && $0.sigterm })
        #expect(ranks[0].sums.count == ranks[1].sums.count && ranks[0].sums.count < 200, "steps \(ranks.map(\.sums.count)) of an epoch of 200")
        #expect(ranks[0].weights == ranks[1].weights)
    }

    @Test func maxTimeAndTimedValidationAreAgreedAcrossRanks() throws {
        let folder = try DDPChild.folder("maxtime")
        // 400 steps of 20 ms; maxTime 2 s, but rank 1's Timer clock runs 4× fast, so its time is up
        // after about 0.5 s; validation every 0.15 s (logging val_loss with syncDist); a checkpoint
        // every 0.3 s of training (`trainTimeInterval`, due 4× sooner on rank 1's clock).
        let run = try DDPChild.start(folder, steps: 400, devices: 2, batchSize: 8, sleepMs: 20,
                                     options: ["--max-time", "2", "--val-every-s", "0.15", "--checkpoint-every-s", "0.3"])
        #expect(DDPChild.finish(run, seconds: 60), "the run did not stop: \(run.text)")
        #expect(run.process.terminationStatus == 0, "\(run.text)")
        let ranks = [try DDPChild.result(folder, rank: 0), try DDPChild.result(folder, rank: 1)]
        // Rank 1 ran out of time; rank 0 stopped with it, after the same step, long before its own
        // 2 s (a rank stopping alone would leave the other waiting in the next collective).
        #expect(ranks.allSatisfy { $0.shouldStop })
        #expect(ranks[1].timeElapsed >= 2)
        #expect(ranks[0].timeElapsed < 1.5, "rank 0 trained \(ranks[0].timeElapsed) s of its 2")
        #expect(ranks[0].sums.count == ranks[1].sums.count && ranks[0].sums.count < 200, "steps \(ranks.map(\.sums.count))")
        #expect(ranks[0].weights == ranks[1].weights)
        // The time-based validations ran at the same steps on both ranks, the last one at the stop.
        #expect(ranks[0].validations == ranks[1].validations)
        #expect(ranks[0].validations.count >= 2 && ranks[0].validations.last == ranks[0].sums.count, "\(ranks[0].validations)")
        // The time-based checkpoints too (rank 0's clock decides, as in Lightning), all written by rank 0.
        #expect(ranks[0].checkpointSteps == ranks[1].checkpointSteps && !ranks[0].checkpointSteps.isEmpty,
                "\(ranks.map(\.checkpointSteps))")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/ckpts").filter { $0.hasSuffix(".ckpt") }
        #expect(files.count == ranks[0].checkpointSteps.count, "\(files.sorted())")
    }

    @Test func sigtermToOneRankDuringValidateStopsEveryRankAfterTheSameBatch() throws {
        let folder = try DDPChild.folder("sigterm-validate")
        // 5 steps, then `validate` over 32 batches per rank of 30 ms each (logging with syncDist).
        let run = try DDPChild.start(folder, steps: 5, devices: 2, batchSize: 8, options: ["--validate-sleep-ms", "30"])
        defer { DDPChild.finish(run, seconds: 0) }
        let rank1 = try DDPChild.trainingPID(of: 1, folder: folder, run: run, file: "vpid-rank")
        usleep(300_000)
        kill(rank1, SIGTERM)
        // The ranks agree on the signal between batches and both throw SIGTERMException after the same batch.
        #expect(DDPChild.finish(run, seconds: 60), "the run did not stop: \(run.text)")
        #expect(run.process.terminationStatus == 0, "\(run.text)")
        let ranks = [try DDPChild.result(folder, rank: 0), try DDPChild.result(folder, rank: 1)]
        #expect(ranks.allSatisfy { $0.validateStopped })
        #expect(ranks[0].validateBatches == ranks[1].validateBatches && ranks[0].validateBatches < 32,
                "validation batches \(ranks.map(\.validateBatches)) of 32")
    }

    /// Two launched ranks given `options` end within a minute with an error containing `message`.
    private func expectRunFails(_ name: String, steps: Int, options: [String], message: String) throws -> String {
        let run = try DDPChild.start(try DDPChild.folder(name), steps: steps, devices: 2, batchSize: 32, options: options)
        #expect(DDPChild.finish(run, seconds: 60), "the run did not end: \(run.text)")
        #expect(run.process.terminationStatus != 0)
        #expect(run.text.contains(message), "\(run.text)")
        return run.text
    }

    @Test func ranksReducingDifferentNamesFailClearlyInsteadOfMixingThem() throws {
        // Rank 1 also logs `extra` with syncDist: at the epoch's end the ranks would reduce
        // train_loss against extra (Lightning issue #21409: silently wrong values).
        let text = try expectRunFails("sync-names", steps: 10, options: ["--rank1-extra-sync"],
                                      message: "The ranks logged different values to reduce across processes")
        #expect(text.contains("[\"train_loss\", \"extra\"]") || text.contains("[\"train_loss\"]"), "\(text)")
    }

    @Test func ranksWithDifferentBatchCountsFailClearlyInsteadOfHanging() throws {
        // Rank 0 has 50 batches of 32, rank 1 49: the rank with more would wait forever in its last
        // step's gradient all-reduce.
        _ = try expectRunFails("uneven", steps: 60, options: ["--uneven"],
                               message: "The ranks have different numbers of training batches this epoch (49 to 50")
    }

    @Test func twoNodesStartedByHandTrainTogether() throws {
        let folder = try DDPChild.folder("nodes")
        let port = try findFreePort()
        let runs = try (0..<2).map { node in
            try DDPChild.start(folder, steps: 50, devices: 1, numNodes: 2, batchSize: 32,
                               environment: ["MASTER_ADDR": "127.0.0.1", "MASTER_PORT": String(port), "NODE_RANK": String(node)],
                               tag: "-node\(node)")
        }
        for run in runs {
            #expect(DDPChild.finish(run), "a node did not finish: \(run.text)")
            #expect(run.process.terminationStatus == 0, "\(run.text)")
        }
        try expectMatchesSingleProcess([try DDPChild.result(folder, rank: 0), try DDPChild.result(folder, rank: 1)])
    }

    @Test func killingOneRankEndsTheRunWithAnErrorNamingIt() throws {
        let folder = try DDPChild.folder("kill")
        let (run, rank1) = try DDPChild.signalRank1(folder, SIGKILL)
        defer { DDPChild.finish(run, seconds: 0) }
        // The whole run ends well within the collective timeout, with an error that names rank 1.
        #expect(DDPChild.finish(run, seconds: 60), "rank 0 did not stop: \(run.text)")
        #expect(run.process.terminationStatus != 0)
        #expect(run.text.contains("rank 1 (local rank 1, pid \(rank1)) was killed by signal 9 (SIGKILL)"), "\(run.text)")
        #expect(!DDPChild.isAlive(rank1))
        #expect(!FileManager.default.fileExists(atPath: folder + "/rank0.json"))
    }

    @Test func aRankThatHangsIsNamedAfterTheTimeout() throws {
        let folder = try DDPChild.folder("hang")
        // SIGSTOP: alive but frozen, only the timeout can tell.
        let (run, rank1) = try DDPChild.signalRank1(folder, SIGSTOP, timeoutSeconds: 3)
        defer { DDPChild.finish(run, seconds: 0) }
        #expect(DDPChild.finish(run, seconds: 60), "rank 0 did not stop: \(run.text)")
        #expect(run.process.terminationStatus != 0)
        #expect(run.text.contains("rank 1 stopped responding"), "\(run.text)")
        let gone = Date().addingTimeInterval(10)
        while DDPChild.isAlive(rank1) && Date() < gone { usleep(20_000) }
        #expect(!DDPChild.isAlive(rank1), "the frozen rank was left behind")
    }

    @Test func killingRankZeroTakesItsChildrenWithIt() throws {
        let folder = try DDPChild.folder("kill-parent")
        let run = try DDPChild.start(folder, steps: 400, devices: 2, batchSize: 8, sleepMs: 20)
        defer { DDPChild.finish(run, seconds: 0) }
        let rank1 = try DDPChild.trainingPID(of: 1, folder: folder, run: run)
        kill(run.process.processIdentifier, SIGKILL)
        run.process.waitUntilExit()
        let gone = Date().addingTimeInterval(10)
        while DDPChild.isAlive(rank1) && Date() < gone { usleep(20_000) }
        #expect(!DDPChild.isAlive(rank1), "rank 1 outlived rank 0")
    }
}

@Suite("Cluster environments and strategy settings")
struct ClusterEnvironmentTests {
    @Test func lightningEnvironmentComputesRanksFromDevicesAndNodes() throws {
        let environment = try LightningEnvironment(devicesPerNode: 4, numNodes: 3, environment: [
            "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500", "NODE_RANK": "2", "LOCAL_RANK": "3",
        ])
        #expect(environment.worldSize == 12 && environment.globalRank == 11 && environment.localRank == 3)
        #expect(environment.mainAddress == "10.0.0.1" && environment.mainPort == 29500)
        #expect(environment.createsProcessesExternally)
        let first = try LightningEnvironment(devicesPerNode: 2, numNodes: 1, environment: [:])
        #expect(first.mainAddress == "127.0.0.1" && first.mainPort > 0 && !first.createsProcessesExternally)
        #expect(throws: LightningError.self) {
            _ = try LightningEnvironment(devicesPerNode: 1, numNodes: 2, environment: ["NODE_RANK": "1"])
        }
    }

    @Test func torchrunAndSLURMAreDetected() throws {
        let torchrun: EnvironmentVariables = ["TORCHELASTIC_RUN_ID": "x", "WORLD_SIZE": "8", "RANK": "5", "LOCAL_RANK": "1",
                                              "GROUP_RANK": "2", "MASTER_ADDR": "host", "MASTER_PORT": "1234"]
        let elastic = try detectClusterEnvironment(devicesPerNode: 4, numNodes: 2, environment: torchrun)
        #expect(elastic.name == "TorchElasticEnvironment" && elastic.globalRank == 5 && elastic.worldSize == 8 && elastic.nodeRank == 2)
        let slurm: EnvironmentVariables = ["SLURM_NTASKS": "4", "SLURM_PROCID": "3", "SLURM_LOCALID": "1", "SLURM_NODEID": "1",
                                           "SLURM_NODELIST": "gpu[017-018,020],login1", "SLURM_JOB_ID": "1234567", "SLURM_JOB_NAME": "train"]
        let environment = try detectClusterEnvironment(devicesPerNode: 2, numNodes: 2, environment: slurm)
        #expect(environment.name == "SLURMEnvironment" && environment.globalRank == 3 && environment.localRank == 1)
        #expect(environment.mainAddress == "gpu017" && environment.mainPort == 15000 + 4567)
        var interactive = slurm
        interactive["SLURM_JOB_NAME"] = "bash"
        #expect(try detectClusterEnvironment(devicesPerNode: 1, numNodes: 1, environment: interactive).name == "LightningEnvironment")
        // The job `scontrol requeue` names: the array task when there is one, else the job.
        #expect(SLURMEnvironment(environment: slurm).requeueJobID == "1234567")
        #expect(SLURMEnvironment(environment: slurm.merging(["SLURM_ARRAY_JOB_ID": "99", "SLURM_ARRAY_TASK_ID": "3"]) { $1 }).requeueJobID == "99_3")
        #expect(SLURMEnvironment(environment: slurm.merging(["SLURM_ARRAY_JOB_ID": "99"]) { $1 }).requeueJobID == "1234567")
        #expect(SLURMEnvironment.firstHost("node1,node2") == "node1")
        #expect(SLURMEnvironment.firstHost("a[9]") == "a9")
    }

    @Test func strategyNamesAreCheckedWhenTheTrainerIsMade() throws {
        #expect(throws: LightningError.self) { _ = try Trainer(strategy: "ddp_spawn", devices: 2) }
        #expect(throws: LightningError.self) { _ = try Trainer(strategy: "fsdp", devices: 2) }
        #expect(throws: LightningError.self) { _ = try Trainer(strategy: "single_device", devices: 2) }
        #expect(throws: LightningError.self) { _ = try Trainer(strategy: "nonsense") }
        #expect(throws: LightningError.self) { _ = try Trainer(devices: 0) }
        _ = try Trainer(strategy: "ddp_find_unused_parameters_true", devices: 2)
        _ = try Trainer(strategy: .ddp(DDPStrategy(timeout: .seconds(30))), devices: 2, numNodes: 2)
    }
}
