import Foundation
import Torch

/// Data-parallel training over several processes (Lightning's `DDPStrategy`): each process holds a
/// full copy of the model, reads its share of the data (a `DistributedSampler` is added to the
/// loaders), and gradients are averaged across the processes during backward by c10d's Reducer.
/// CPU processes talk over Gloo.
///
/// `Trainer(devices: 4)` picks it by itself; pass one to change its settings:
///
/// ```swift
/// let trainer = try Trainer(accelerator: "cpu", strategy: .ddp(DDPStrategy(timeout: .seconds(120))), devices: 2)
/// ```
public struct DDPStrategy {
    /// Search each step for parameters the loss does not reach, so they do not block gradient
    /// synchronisation (`"ddp_find_unused_parameters_true"`); slower.
    public var findUnusedParameters: Bool
    /// How long a collective waits for the other ranks before failing (Lightning's
    /// `default_pg_timeout`, 30 minutes). A rank that died is noticed at once; one that hangs, after
    /// this long.
    public var timeout: Duration
    /// The gradient bucket size in MiB (DDP's `bucket_cap_mb`).
    public var bucketCapMB: Int
    /// Copy rank 0's buffers (batch-norm statistics) to every rank before each forward pass.
    public var broadcastBuffers: Bool
    /// Where the ranks are described; nil detects torchrun, SLURM, else Lightning's variables.
    public var clusterEnvironment: (any ClusterEnvironment)?

    public init(findUnusedParameters: Bool = false, timeout: Duration = .seconds(1800), bucketCapMB: Int = 25,
                broadcastBuffers: Bool = true, clusterEnvironment: (any ClusterEnvironment)? = nil) {
        self.findUnusedParameters = findUnusedParameters
        self.timeout = timeout
        self.bucketCapMB = bucketCapMB
        self.broadcastBuffers = broadcastBuffers
        self.clusterEnvironment = clusterEnvironment
    }
}

/// The Trainer's `strategy`: a name, as in Lightning ("auto", "ddp",
/// "ddp_find_unused_parameters_true", "single_device"), or a configured ``DDPStrategy``.
public enum StrategyChoice: ExpressibleByStringLiteral, CustomStringConvertible {
    case name(String)
    case ddp(DDPStrategy)

    public init(stringLiteral value: String) { self = .name(value) }

    public var description: String {
        switch self {
        case .name(let name): name
        case .ddp: "ddp"
        }
    }

    /// The DDP settings for `processes` in all, nil for one process; an error for names that
    /// cannot work here.
    func resolve(processes: Int) throws -> DDPStrategy? {
        switch self {
        case .ddp(let strategy):
            return strategy
        case .name(let name):
            switch name {
            case "auto":
                return processes > 1 ? DDPStrategy() : nil
            case "single_device":
                guard processes == 1 else {
                    throw LightningError.configuration("strategy \"single_device\" runs one process, but devices × numNodes is \(processes); use strategy \"ddp\"")
                }
                return nil
            case "ddp", "ddp_find_unused_parameters_false":
                return DDPStrategy()
            case "ddp_find_unused_parameters_true":
                return DDPStrategy(findUnusedParameters: true)
            case _ where name.hasPrefix("ddp_spawn") || name.hasPrefix("ddp_fork") || name.hasPrefix("ddp_notebook"):
                throw LightningError.configuration("strategy \"\(name)\" starts workers by fork or spawn, which Python needs and a compiled Swift program does not: use \"ddp\" (the launcher runs this program again for each rank)")
            case "dp":
                throw LightningError.configuration("strategy \"dp\" (DataParallel) was removed in Lightning 2.0; use \"ddp\"")
            case _ where name.hasPrefix("fsdp") || name.hasPrefix("deepspeed") || name.hasPrefix("xla"):
                throw LightningError.configuration("strategy \"\(name)\" is not available in SwiftLightning; use \"ddp\" (every process keeps a full copy of the model)")
            default:
                throw LightningError.configuration("strategy \"\(name)\" is unknown; use \"auto\", \"ddp\", \"ddp_find_unused_parameters_true\" or \"single_device\"")
            }
        }
    }
}
