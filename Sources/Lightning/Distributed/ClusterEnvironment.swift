import Foundation
import Torch

/// Where a distributed run learns its place: the address and port of rank 0, the number of
/// processes and this process's ranks (Lightning's `ClusterEnvironment` plugins). The Trainer picks
/// one from the environment variables — torchrun, then SLURM, then Lightning's own — unless one is
/// given.
///
/// ```swift
/// // On each of two machines (NODE_RANK=0 and NODE_RANK=1, the same MASTER_ADDR and MASTER_PORT):
/// let trainer = try Trainer(accelerator: "cpu", devices: 2, numNodes: 2)
/// ```
public protocol ClusterEnvironment {
    /// The name Lightning prints ("LightningEnvironment", "SLURMEnvironment", …).
    var name: String { get }
    /// True when something else (torchrun, srun, the user) starts every process; false when the
    /// Trainer's launcher starts the local ranks 1…N-1 itself.
    var createsProcessesExternally: Bool { get }
    /// The address of the machine that hosts rank 0 (`MASTER_ADDR`).
    var mainAddress: String { get }
    /// The port of the rendezvous store on that machine (`MASTER_PORT`).
    var mainPort: Int { get }
    var worldSize: Int { get }
    var globalRank: Int { get }
    var localRank: Int { get }
    var nodeRank: Int { get }
}

/// The environment variables of the current process, read once per use (tests pass their own).
public typealias EnvironmentVariables = [String: String]

extension EnvironmentVariables {
    func integer(_ key: String) -> Int? { self[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}

/// Lightning's default environment, for runs the Trainer launches itself or that are started by
/// hand on each machine: `MASTER_ADDR` (default 127.0.0.1), `MASTER_PORT` (a free port when unset),
/// `NODE_RANK` (or `GROUP_RANK`, default 0), `LOCAL_RANK` (default 0). The world size and global
/// rank follow from `devices` and `numNodes`: `globalRank = nodeRank · devices + localRank`.
public struct LightningEnvironment: ClusterEnvironment {
    public let name = "LightningEnvironment"
    public let devicesPerNode: Int
    public let numNodes: Int
    public let mainAddress: String
    public let mainPort: Int
    public let localRank: Int
    public let nodeRank: Int
    public let createsProcessesExternally: Bool

    /// Reads `environment`. Without `MASTER_PORT`, the first process of node 0 picks a free port
    /// (its launcher passes it on); any other process needs `MASTER_PORT` set.
    public init(devicesPerNode: Int, numNodes: Int, environment: EnvironmentVariables = ProcessInfo.processInfo.environment) throws {
        self.devicesPerNode = devicesPerNode
        self.numNodes = numNodes
        mainAddress = environment["MASTER_ADDR"] ?? "127.0.0.1"
        localRank = environment.integer("LOCAL_RANK") ?? 0
        nodeRank = environment.integer("NODE_RANK") ?? environment.integer("GROUP_RANK") ?? 0
        createsProcessesExternally = environment["LOCAL_RANK"] != nil
        if let port = environment.integer("STANDALONE_PORT") ?? environment.integer("MASTER_PORT") {
            mainPort = port
        } else if nodeRank == 0 && localRank == 0 {
            mainPort = try findFreePortForLaunch()
        } else {
            throw LightningError.configuration("node \(nodeRank), local rank \(localRank) needs MASTER_PORT (and MASTER_ADDR): set them to rank 0's address and port on every machine")
        }
    }

    public var worldSize: Int { devicesPerNode * numNodes }
    public var globalRank: Int { nodeRank * devicesPerNode + localRank }
}

/// Runs started by `torchrun` (PyTorch's elastic launcher): `WORLD_SIZE`, `RANK`, `LOCAL_RANK`,
/// `GROUP_RANK`, `MASTER_ADDR`, `MASTER_PORT` are set by it for every process.
public struct TorchElasticEnvironment: ClusterEnvironment {
    public let name = "TorchElasticEnvironment"
    public let createsProcessesExternally = true
    public let mainAddress: String
    public let mainPort: Int
    public let worldSize: Int
    public let globalRank: Int
    public let localRank: Int
    public let nodeRank: Int

    /// torchrun sets `TORCHELASTIC_RUN_ID` in every process it starts.
    public static func detect(_ environment: EnvironmentVariables) -> Bool {
        environment["TORCHELASTIC_RUN_ID"] != nil
    }

    public init(environment: EnvironmentVariables = ProcessInfo.processInfo.environment) {
        mainAddress = environment["MASTER_ADDR"] ?? "127.0.0.1"
        mainPort = environment.integer("MASTER_PORT") ?? 12910
        worldSize = environment.integer("WORLD_SIZE") ?? 1
        globalRank = environment.integer("RANK") ?? 0
        localRank = environment.integer("LOCAL_RANK") ?? 0
        nodeRank = environment.integer("GROUP_RANK") ?? 0
    }
}

/// Runs started by SLURM's `srun`: one task per process. `SLURM_NTASKS` is the world size,
/// `SLURM_PROCID` the global rank, `SLURM_LOCALID` the local rank, `SLURM_NODEID` the node; rank 0's
/// machine is the first host of `SLURM_NODELIST`, and the port is `MASTER_PORT` or 15000 plus the
/// last four digits of `SLURM_JOB_ID`, as in Lightning.
///
/// With `autoRequeue` (the default), the requeue signal (`SIGUSR1`, which SLURM sends before the
/// time limit with `#SBATCH --signal=SIGUSR1@90`) makes the Trainer save
/// `<defaultRootDir>/hpc_ckpt_<N>.ckpt` after the step in progress, flush the loggers and run
/// `scontrol requeue <job>` on rank 0; training goes on until SLURM stops the job. When the job
/// starts again, `fit` with no `ckptPath` resumes from the newest `hpc_ckpt_<N>.ckpt`
/// (`ckptPath: "hpc"` asks for it explicitly). Turn it off for one process with
/// `TrainerConfiguration.clusterEnvironment`, or for DDP with `DDPStrategy(clusterEnvironment:)`:
///
/// ```swift
/// var configuration = TrainerConfiguration()
/// configuration.clusterEnvironment = SLURMEnvironment(autoRequeue: false)
/// ```
public struct SLURMEnvironment: ClusterEnvironment {
    public let name = "SLURMEnvironment"
    public let createsProcessesExternally = true
    public let mainAddress: String
    public let mainPort: Int
    public let worldSize: Int
    public let globalRank: Int
    public let localRank: Int
    public let nodeRank: Int
    public let jobID: String?
    public let autoRequeue: Bool
    /// The signal that asks for a requeue (Lightning's `requeue_signal`).
    public let requeueSignal: Int32
    /// The job `scontrol requeue` names: `<array job>_<task>` in a job array, else `SLURM_JOB_ID`.
    public let requeueJobID: String?

    /// SLURM is in charge when `SLURM_NTASKS` is set and the job is not an interactive shell (by
    /// default, in this process's environment).
    public static func detect(_ environment: EnvironmentVariables = ProcessInfo.processInfo.environment) -> Bool {
        guard environment["SLURM_NTASKS"] != nil else { return false }
        return !["bash", "interactive"].contains(environment["SLURM_JOB_NAME"] ?? "")
    }

    public init(autoRequeue: Bool = true, requeueSignal: Int32 = SIGUSR1,
                environment: EnvironmentVariables = ProcessInfo.processInfo.environment) {
        self.autoRequeue = autoRequeue
        self.requeueSignal = requeueSignal
        if let arrayJob = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"] {
            requeueJobID = "\(arrayJob)_\(task)"
        } else {
            requeueJobID = environment["SLURM_JOB_ID"]
        }
        worldSize = environment.integer("SLURM_NTASKS") ?? 1
        globalRank = environment.integer("SLURM_PROCID") ?? 0
        localRank = environment.integer("SLURM_LOCALID") ?? 0
        nodeRank = environment.integer("SLURM_NODEID") ?? 0
        jobID = environment["SLURM_JOB_ID"]
        mainAddress = environment["MASTER_ADDR"] ?? Self.firstHost(environment["SLURM_NODELIST"] ?? environment["SLURM_JOB_NODELIST"] ?? "127.0.0.1")
        if let port = environment.integer("MASTER_PORT") {
            mainPort = port
        } else if let job = environment["SLURM_JOB_ID"], let digits = Int(String(job.suffix(4))) {
            mainPort = 15000 + digits
        } else {
            mainPort = 12910
        }
    }

    /// The first host of a SLURM node list: "node[003-005,9],gpu1" → "node003".
    public static func firstHost(_ nodeList: String) -> String {
        var head = ""
        var depth = 0
        for character in nodeList {
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
            if character == "," && depth == 0 { break }
            head.append(character)
        }
        guard let open = head.firstIndex(of: "[") else { return head }
        let prefix = head[..<open]
        let range = head[head.index(after: open)...].prefix { $0 != "]" }
        let first = range.split(whereSeparator: { $0 == "," || $0 == "-" }).first.map(String.init) ?? ""
        return prefix + first
    }
}

/// The environment the Trainer uses when none is given (Lightning's order: torchrun, SLURM, then
/// Lightning's own).
func detectClusterEnvironment(devicesPerNode: Int, numNodes: Int,
                              environment: EnvironmentVariables = ProcessInfo.processInfo.environment) throws -> any ClusterEnvironment {
    if TorchElasticEnvironment.detect(environment) { return TorchElasticEnvironment(environment: environment) }
    if SLURMEnvironment.detect(environment) { return SLURMEnvironment(environment: environment) }
    return try LightningEnvironment(devicesPerNode: devicesPerNode, numNodes: numNodes, environment: environment)
}

/// A free port for rank 0's store, as a Lightning error when none can be found.
func findFreePortForLaunch() throws -> Int {
    do {
        return try findFreePort()
    } catch {
        throw LightningError.distributed("cannot find a free port for the rendezvous: \(error). Set MASTER_PORT to a free port")
    }
}
