import Foundation
import Torch

/// What `accelerator`, `devices` and `numNodes` ask for, checked once for the Trainer and Fabric
/// alike (Lightning's accelerator connector): whether CUDA is used, how many processes run per
/// machine, and the device of each local rank.
struct AcceleratorSelection {
    let usesCUDA: Bool
    /// Processes per machine (Lightning's `parse_devices`): a count, a list of GPU indices, -1 for
    /// every device; `.auto` is 1 on the CPU and every GPU on CUDA.
    let devicesPerNode: Int
    let numNodes: Int
    let devices: Devices

    /// All processes of the run.
    var worldSize: Int { devicesPerNode * numNodes }

    init(accelerator: String, devices: Devices, numNodes: Int) throws {
        switch accelerator {
        case "cpu":
            usesCUDA = false
        case "gpu", "cuda":
            guard CUDA.isAvailable else {
                throw LightningError.configuration("accelerator \"\(accelerator)\" asks for a GPU, but CUDA is not available on this machine (no driver, or libtorch without CUDA); use accelerator: \"cpu\" or \"auto\"")
            }
            usesCUDA = true
        case "auto":
            usesCUDA = CUDA.isAvailable
        default:
            throw LightningError.configuration("accelerator \"\(accelerator)\" is unknown; use \"cpu\", \"gpu\", \"cuda\" or \"auto\"")
        }
        let perNode: Int = switch devices {
        case .count(let n): n
        case .indices(let list): list.count
        case .all: usesCUDA ? CUDA.deviceCount : ProcessInfo.processInfo.activeProcessorCount
        case .auto: usesCUDA ? Swift.max(CUDA.deviceCount, 1) : 1
        }
        guard perNode >= 1 else {
            throw LightningError.configuration("devices must be at least 1 (or -1 for every device), got \(devices)")
        }
        guard numNodes >= 1 else { throw LightningError.configuration("numNodes must be at least 1, got \(numNodes)") }
        if usesCUDA && perNode > CUDA.deviceCount {
            throw LightningError.configuration("devices: \(perNode) asks for more GPUs than this machine has (\(CUDA.deviceCount))")
        }
        self.devicesPerNode = perNode
        self.numNodes = numNodes
        self.devices = devices
    }

    /// The device of local rank `localRank`: the CPU, or its GPU (its entry of a `devices` list).
    func device(localRank: Int) -> Device {
        guard usesCUDA else { return .cpu }
        if case .indices(let list) = devices { return .cuda(list[localRank % list.count]) }
        return .cuda(localRank)
    }

    /// The environment of a multi-process run (`clusterEnvironment`, else detected from the
    /// variables), checked against this selection.
    func clusterEnvironment(_ given: (any ClusterEnvironment)? = nil) throws -> any ClusterEnvironment {
        let environment = try given ?? detectClusterEnvironment(devicesPerNode: devicesPerNode, numNodes: numNodes)
        if environment.worldSize != worldSize {
            throw LightningError.configuration("\(environment.name) runs \(environment.worldSize) processes, but devices (\(devicesPerNode)) × numNodes (\(numNodes)) is \(worldSize); make them agree")
        }
        if environment is LightningEnvironment, let declared = ProcessInfo.processInfo.environment["WORLD_SIZE"].flatMap(Int.init),
           declared != worldSize {
            throw LightningError.configuration("WORLD_SIZE is \(declared) but devices (\(devicesPerNode)) × numNodes (\(numNodes)) is \(worldSize): give every machine the same devices and numNodes")
        }
        return environment
    }
}

extension DistributedRuntime {
    /// Starts this process's part of a run: with Lightning's own environment and more than one
    /// device here, launches local ranks 1…N-1 (this program again); in a launched child, binds its
    /// life to the parent; then joins the process group. The Trainer and Fabric both start this way.
    static func start(_ environment: any ClusterEnvironment, selection: AcceleratorSelection, timeout: Duration) throws -> DistributedRuntime {
        if current == nil, let lightning = environment as? LightningEnvironment, !lightning.createsProcessesExternally,
           selection.devicesPerNode > 1 {
            try SubprocessLauncher().launch(devices: selection.devicesPerNode, numNodes: selection.numNodes, environment: lightning)
        }
        SubprocessLauncher.bindToParent()
        return try join(environment, timeout: timeout, devices: selection.devicesPerNode)
    }
}
