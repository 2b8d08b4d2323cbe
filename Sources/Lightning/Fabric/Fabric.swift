import Foundation
import Torch

/// Lightning's `Fabric`: the engineering of a training run — devices, mixed precision, distributed
/// processes, checkpoints, logging — for a training loop you write yourself ("bring your own loop").
///
/// Convert a plain loop in four steps: make a `Fabric`, ``launch()`` it, pass the model and
/// optimizer through ``setup(_:_:)``, and replace `loss.backward()` with `backward(_:)`.
///
/// ```swift
/// let fabric = try Fabric(accelerator: "auto", devices: 2, precision: "bf16-mixed")
/// try fabric.launch()
/// let (model, optimizer) = try fabric.setup(MLP(), Adam(parameters, lr: 1e-3))
/// for (x, y) in batches {
///     try optimizer.zeroGrad()
///     let loss = try model(x).mseLoss(target: y)
///     try fabric.backward(loss)
///     try optimizer.step()
/// }
/// ```
///
/// With `devices: N > 1` (and no external launcher such as torchrun or SLURM), ``launch()`` starts
/// the program N-1 more times, one process per device, as Lightning's script launcher: every
/// process runs your program from the start, and `launch()` returns in each once the process group
/// is formed. With one process every collective returns its input unchanged.
public final class Fabric {
    /// The accelerator asked for ("auto", "cpu", "cuda", "gpu").
    public let accelerator: String
    /// The strategy in use: "ddp" for more than one process, "single_device" otherwise.
    public let strategy: String
    public let devices: Devices
    public let numNodes: Int
    public let precision: PrecisionSetting
    /// The loggers `log(_:_:step:)` and `logDict(_:step:)` write to.
    public var loggers: [any Logger]
    /// The first logger, if any (Lightning's `fabric.logger`).
    public var logger: (any Logger)? { loggers.first }
    /// The objects `call(_:_:)` reaches (any class; see ``FabricCallback``).
    public var callbacks: [AnyObject]
    /// The device of this process: the CPU, or the GPU of its local rank.
    public let device: Device
    /// How long a collective waits for the other ranks before it fails.
    public let timeout: Duration

    /// The checked accelerator, devices and nodes.
    let selection: AcceleratorSelection
    let precisionPlugin: PrecisionPlugin
    /// Where this process sits in a run of more than one process; nil for a single process.
    let environment: (any ClusterEnvironment)?
    /// The process group, once ``launch()`` has joined it.
    private(set) var runtime: DistributedRuntime?
    private(set) var launched = false
    /// How many times ``logDict(_:step:)`` ran without a step (the step it uses then).
    var implicitLogStep = 0

    /// Makes a Fabric; nothing is started until ``launch()``.
    ///
    /// ```swift
    /// let fabric = try Fabric(accelerator: "cpu", devices: 2)
    /// ```
    ///
    /// - Parameters:
    ///   - accelerator: "auto" (a GPU when CUDA is available, else the CPU), "cpu", "cuda" or "gpu".
    ///   - strategy: "auto" (DDP for more than one process), "ddp" or "single_device".
    ///   - devices: Processes per node: `.auto` is 1 on the CPU and every GPU on CUDA.
    ///   - numNodes: Machines taking part.
    ///   - precision: "32-true", "64-true", "bf16-mixed", "16-mixed", "bf16-true", "16-true".
    ///   - loggers: Where `log(_:_:step:)` writes.
    ///   - callbacks: Objects `call(_:_:)` calls.
    ///   - timeout: How long collectives wait for the other ranks (Lightning's 30 minutes).
    public init(accelerator: String = "auto", strategy: String = "auto", devices: Devices = .auto, numNodes: Int = 1,
                precision: PrecisionSetting = "32-true", loggers: [any Logger] = [], callbacks: [AnyObject] = [],
                timeout: Duration = .seconds(1800)) throws {
        guard ["auto", "ddp", "single_device"].contains(strategy) else {
            throw LightningError.configuration("strategy \"\(strategy)\" is unknown to Fabric; use \"auto\", \"ddp\" or \"single_device\"")
        }
        guard precision.isValid else {
            throw LightningError.configuration("precision \"\(precision)\" is not supported; use one of \(PrecisionSetting.valid.sorted().joined(separator: ", "))")
        }
        let selection = try AcceleratorSelection(accelerator: accelerator, devices: devices, numNodes: numNodes)
        if strategy == "single_device" && selection.worldSize > 1 {
            throw LightningError.configuration("strategy \"single_device\" runs one process, but devices: \(selection.devicesPerNode) and numNodes: \(numNodes) ask for \(selection.worldSize); use strategy \"ddp\" or \"auto\"")
        }
        let environment = selection.worldSize > 1 ? try selection.clusterEnvironment() : nil
        let device = selection.device(localRank: environment?.localRank ?? 0)
        self.accelerator = accelerator
        self.strategy = selection.worldSize > 1 ? "ddp" : "single_device"
        self.devices = devices
        self.numNodes = numNodes
        self.precision = precision
        self.loggers = loggers
        self.callbacks = callbacks
        self.device = device
        self.timeout = timeout
        self.selection = selection
        self.environment = environment
        self.precisionPlugin = PrecisionPlugin(setting: precision, device: device, owner: "Fabric")
    }

    // MARK: Launching

    /// Starts the run: with more than one device on this node and no external launcher, starts
    /// local ranks 1…N-1 (this program again, with `LOCAL_RANK` set), then joins the process group.
    /// One process: nothing to start. Call it once, before ``setup(_:_:)``.
    ///
    /// ```swift
    /// let fabric = try Fabric(devices: 2)
    /// try fabric.launch()      // returns in both processes
    /// fabric.print("world size", fabric.worldSize)
    /// ```
    public func launch() throws {
        guard !launched else { throw LightningError.configuration("Fabric.launch() was already called") }
        launched = true
        guard let environment else { return }
        runtime = try DistributedRuntime.start(environment, selection: selection, timeout: timeout)
    }

    /// ``launch()``, then `function(self)` in every process (Lightning's `launch(function)`); an
    /// error in one rank is reported to the others, which stop with an error that names it.
    ///
    /// ```swift
    /// try Fabric(devices: 2).launch { fabric in
    ///     let (model, optimizer) = try fabric.setup(MLP(), SGD(parameters, lr: 0.1))
    ///     …
    /// }
    /// ```
    @discardableResult
    public func launch<R>(_ function: (Fabric) throws -> R) throws -> R {
        try launch()
        return try guarding { try function(self) }
    }

    /// Runs `body`; with a process group, a failure becomes the error naming the rank at fault.
    func guarding<R>(_ body: () throws -> R) throws -> R {
        guard let runtime else { return try body() }
        return try runtime.guarding(body)
    }

    /// The process group of a multi-process run (throws when ``launch()`` was not called yet).
    func processGroup() throws -> ProcessGroup? {
        guard environment != nil else { return nil }
        guard let runtime else {
            throw LightningError.configuration("this Fabric runs \(worldSize) processes: call fabric.launch() before setting up models or using collectives")
        }
        return runtime.processGroup
    }

    // MARK: Ranks

    /// This process's rank among all processes, 0..<worldSize.
    public var globalRank: Int { environment?.globalRank ?? 0 }
    /// This process's rank on its machine.
    public var localRank: Int { environment?.localRank ?? 0 }
    /// The index of this process's machine.
    public var nodeRank: Int { environment?.nodeRank ?? 0 }
    /// The number of processes.
    public var worldSize: Int { environment?.worldSize ?? 1 }
    /// Whether this is rank 0 (the process that writes checkpoints and logs).
    public var isGlobalZero: Bool { globalRank == 0 }

    /// Prints on rank 0 only (Lightning's `fabric.print`).
    public func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
        guard isGlobalZero else { return }
        Swift.print(items.map { "\($0)" }.joined(separator: separator), terminator: terminator)
    }
}
