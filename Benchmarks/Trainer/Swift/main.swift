// Trainer overhead: the Swift half of Benchmarks/run-trainer.sh (the Python half is
// Benchmarks/Trainer/bench_python.py, with the same data, seeds, models and loader settings).
// Runs one workload of /work/shared/reference/benchmarks.md (W1–W5) either through the Swift
// Trainer or as a raw loop over the same Torch layers, and prints one JSON object: fit wall time,
// steps/s, time from process start to the first training step, peak RSS and the final loss.
//
// Usage: TrainerBenchmark W1|W2|W3|W4|W5 trainer|raw [work directory for W4's logs and checkpoints]
//        TrainerBenchmark W1|…|W5 paired [pairs (11)]: both sides in this process, alternating (for
//        Benchmarks/run-trainer-paired.sh)
//        TrainerBenchmark W0|…|W5 interleaved [fits (5)] [block (20)]: two raw loops' steps run in blocks
//        between the Trainer's steps, in one fit (for Benchmarks/run-trainer-interleaved.sh); W0 is a
//        model so small that a step is almost all fixed cost
// BENCH_STEPS=N stops after N training steps (for profiling under callgrind, where a whole epoch is slow);
// BENCH_LOSSES=path writes the raw loop's loss at every step there.
import Foundation
import Lightning
import Torch

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["trainer", "raw", "paired", "interleaved"].contains(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: TrainerBenchmark W0|W1|W2|W3|W4|W5 trainer|raw [workdir] | paired [pairs] | interleaved [fits] [block]\n".utf8))
    exit(2)
}
let workload = arguments[1]
let mode = arguments[2]
let pairCount = mode == "paired" ? (arguments.count > 3 ? Int(arguments[3]) ?? 11 : 11) : 0
let workDirectory = !["paired", "interleaved"].contains(mode) && arguments.count > 3 ? arguments[3] : NSTemporaryDirectory() + "trainer-bench-\(getpid())"

// MARK: - Clocks and memory (the same method as the Python side)

/// Seconds since boot now (CLOCK_BOOTTIME, the clock of /proc/self/stat's start time).
func bootSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_BOOTTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// When this process started, in seconds since boot (field 22 of /proc/self/stat, clock ticks).
func processStartSeconds() -> Double {
    let stat = (try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)) ?? ""
    let afterName = stat[stat.index(after: stat.lastIndex(of: ")")!)...]
    let fields = afterName.split(separator: " ")
    return Double(fields[19])! / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Peak resident set size in MiB (VmHWM of /proc/self/status).
func peakRSSMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Double(line.split(separator: " ", omittingEmptySubsequences: true)[1])! / 1024
    }
    return -1
}

/// CPU seconds (user and system) this process has used, on all its threads, and its minor page faults.
func cpuUsage() -> (seconds: Double, pageFaults: Int) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return (seconds, usage.ru_minflt)
}

nonisolated(unsafe) var firstStepAt: Double?
nonisolated(unsafe) var lastStepAt: Double?
nonisolated(unsafe) var firstStepCPU: (seconds: Double, pageFaults: Int)?
nonisolated(unsafe) var lastStepCPU: (seconds: Double, pageFaults: Int)?
/// The time between consecutive step starts: one whole step each, hooks and data loading included.
nonisolated(unsafe) var stepDurations: [Double] = []
/// The time from a step's start to its loss (the forward pass), the same computation on both sides.
nonisolated(unsafe) var forwardDurations: [Double] = []
func markForward() { forwardDurations.append(bootSeconds() - lastStepAt!) }
func markStep() {
    let now = bootSeconds()
    if let lastStepAt { stepDurations.append(now - lastStepAt) }
    lastStepAt = now
    lastStepCPU = cpuUsage()
    if firstStepAt == nil { (firstStepAt, firstStepCPU) = (lastStepAt, lastStepCPU) }
}

// MARK: - Workloads

protocol BenchModel: Module {
    func loss(_ batch: [Tensor]) throws -> Tensor
}

final class MLP: Module, BenchModel {
    let net: Sequential
    init() throws {
        net = Sequential(try Linear(784, 128), ReLU(), try Linear(128, 10))
        super.init()
    }
    func loss(_ batch: [Tensor]) throws -> Tensor { try F.crossEntropy(try net(batch[0]), batch[1]) }
}

/// W0, not a workload of benchmarks.md: a model so small that a step is almost all fixed cost (the
/// dispatch of a few dozen ops and, through the Trainer, its hooks), to show that cost per step.
final class Tiny: Module, BenchModel {
    let net: Linear
    init() throws {
        net = try Linear(8, 2)
        super.init()
    }
    func loss(_ batch: [Tensor]) throws -> Tensor { try F.crossEntropy(try net(batch[0]), batch[1]) }
}

final class CNN: Module, BenchModel {
    let net: Sequential
    init() throws {
        net = Sequential(
            try Conv2d(1, 32, kernelSize: 3), ReLU(), try MaxPool2d(2),
            try Conv2d(32, 64, kernelSize: 3), ReLU(), try MaxPool2d(2),
            Flatten(), try Linear(64 * 5 * 5, 10))
        super.init()
    }
    func loss(_ batch: [Tensor]) throws -> Tensor { try F.crossEntropy(try net(batch[0]), batch[1]) }
}

final class TextClassifier: Module, BenchModel {
    let embedding: Embedding
    let encoder: TransformerEncoder
    let head: Linear
    init() throws {
        embedding = try Embedding(30522, 128)
        let layer = try TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512, batchFirst: true)
        encoder = try TransformerEncoder(layer, numLayers: 2)
        head = try Linear(128, 2)
        super.init()
    }
    func loss(_ batch: [Tensor]) throws -> Tensor {
        let hidden = try encoder(try embedding(batch[0]))
        return try F.crossEntropy(try head(try hidden.mean(dim: [1])), batch[1])
    }
}

/// Lightning's ParityModuleRNN: LSTM(10, 20, batch_first) + Linear(20, 5), MSE.
final class ParityRNN: Module, BenchModel {
    let rnn: LSTM
    let linearOut: Linear
    init() throws {
        rnn = try LSTM(10, 20, batchFirst: true)
        linearOut = try Linear(20, 5)
        super.init()
    }
    func loss(_ batch: [Tensor]) throws -> Tensor {
        let (sequence, _) = try rnn.forward(batch[0])
        return try linearOut(sequence).mseLoss(target: batch[1])
    }
}

struct Workload {
    var model: any BenchModel
    var train: DataLoader<[Tensor]>
    var val: DataLoader<[Tensor]>?
    var epochs: Int
    var lr: Double
}

func makeWorkload(_ id: String) throws -> Workload {
    // Data first (seed 0), then the model (seed 0 again), then a seeded shuffle generator: the
    // Python side does the same, so data, initial weights and batch order agree.
    manualSeed(0)
    switch id {
    case "W0":
        let x = try Tensor.randn([20_000, 8]), y = try Tensor.randint(high: 2, size: [20_000])
        manualSeed(0)
        let model = try Tiny()
        let train = try DataLoader(TensorDataset(x, y), batchSize: 4, shuffle: true, generator: Generator(seed: 1))
        return Workload(model: model, train: train, val: nil, epochs: 1, lr: 1e-3)
    case "W1", "W4":
        let x = try Tensor.randn([60_000, 784]), y = try Tensor.randint(high: 10, size: [60_000])
        var val: DataLoader<[Tensor]>? = nil
        if id == "W4" {
            let vx = try Tensor.randn([10_000, 784]), vy = try Tensor.randint(high: 10, size: [10_000])
            val = try DataLoader(TensorDataset(vx, vy), batchSize: 64)
        }
        manualSeed(0)
        let model = try MLP()
        let train = try DataLoader(TensorDataset(x, y), batchSize: 64, shuffle: true, generator: Generator(seed: 1))
        return Workload(model: model, train: train, val: val, epochs: id == "W4" ? 2 : 1, lr: 1e-3)
    case "W2":
        let x = try Tensor.randn([10_000, 1, 28, 28]), y = try Tensor.randint(high: 10, size: [10_000])
        manualSeed(0)
        let model = try CNN()
        let train = try DataLoader(TensorDataset(x, y), batchSize: 64, shuffle: true, generator: Generator(seed: 1))
        return Workload(model: model, train: train, val: nil, epochs: 1, lr: 1e-3)
    case "W3":
        let x = try Tensor.randint(high: 30522, size: [6_400, 128]), y = try Tensor.randint(high: 2, size: [6_400])
        manualSeed(0)
        let model = try TextClassifier()
        let train = try DataLoader(TensorDataset(x, y), batchSize: 32, shuffle: true, generator: Generator(seed: 1))
        return Workload(model: model, train: train, val: nil, epochs: 1, lr: 1e-3)
    case "W5":
        let x = try Tensor.randn([300, 100, 10])
        let halves = try x.chunk(chunks: 2, dim: -1)
        let y = try halves[0] + halves[1].roll(shifts: [1], dims: [-1])
        manualSeed(0)
        let model = try ParityRNN()
        let train = try DataLoader(TensorDataset(x, y), batchSize: 30)
        return Workload(model: model, train: train, val: nil, epochs: 4, lr: 0.02)
    default:
        throw TorchError("unknown workload \(id); use W1…W5 (or W0)")
    }
}

// MARK: - The Lightning module

final class BenchModule: Module, LightningModule {
    typealias Batch = [Tensor]
    let model: any BenchModel
    let train: DataLoader<[Tensor]>
    let val: DataLoader<[Tensor]>?
    let lr: Double
    let logs: Bool
    var lastLoss: Tensor?

    init(_ w: Workload, logs: Bool) {
        model = w.model
        train = w.train
        val = w.val
        lr = w.lr
        self.logs = logs
        super.init()
    }

    func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        // Interleaved, the step's time comes from the interleaver's one clock reading, as the raw
        // side's does; the marks (a clock reading each, and a getrusage call) would be the Trainer's alone.
        if let interleaver { try interleaver.trainerStepStarts() } else { markStep() }
        let loss = try model.loss(batch)
        if interleaver == nil { markForward() }
        if logs { try log("train_loss", loss, progressBar: true) }
        lastLoss = loss
        return loss
    }
    func validationStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor {
        let loss = try model.loss(batch)
        try log("val_loss", loss)
        return loss
    }
    func configureOptimizers() throws -> Adam { try Adam(model.parameters(), lr: lr) }
    func trainDataloader() throws -> (any BatchLoader<[Tensor]>)? { train }
    func valDataloader() throws -> (any BatchLoader<[Tensor]>)? { val }
}

/// One step of the raw loop: zero grad, forward, backward, optimizer step. `zeroGradAfterForward`
/// moves zero grad where Lightning's closure has it (after the training step, before backward);
/// `marked` times the step and its forward pass as the Trainer's module does (zero grad before the
/// mark, so that the forward interval is the forward alone).
func rawStep(_ model: any BenchModel, _ optimizer: Adam, _ batch: [Tensor], zeroGradAfterForward: Bool, marked: Bool) throws -> Tensor {
    if !zeroGradAfterForward { try optimizer.zeroGrad() }
    if marked { markStep() }
    let loss = try model.loss(batch)
    if marked { markForward() }
    if zeroGradAfterForward { try optimizer.zeroGrad() }
    try loss.backward()
    try optimizer.step()
    return loss
}

/// The raw loop: what the Trainer does for these workloads, written by hand. Its own function so
/// that a profiler can single it out (`valgrind --tool=callgrind --toggle-collect='*rawFit*'`).
@inline(never)
func rawFit(_ w: Workload) throws -> (steps: Int, loss: Tensor?) {
    let optimizer = try Adam(w.model.parameters(), lr: w.lr)
    var last: Tensor?
    var steps = 0
    var losses: [Double] = []
    for epoch in 0..<w.epochs {
        _ = w.model.train()
        let batches = try w.train.makeIterator()
        defer { batches.close() }
        while steps != stepLimit, let batch = try batches.next() {
            let loss = try rawStep(w.model, optimizer, batch, zeroGradAfterForward: false, marked: true)
            last = loss
            steps += 1
            if lossesPath != nil { losses.append(try loss.item(Double.self)) }
        }
        if let val = w.val {  // W4's raw loop: the validation pass, without logging or checkpoints
            _ = w.model.eval()
            var total = 0.0, batches = 0
            try noGrad {
                try val.forEach { batch in
                    total += try w.model.loss(batch).item(Double.self)
                    batches += 1
                }
            }
            _ = (epoch, total / Double(batches))
        }
    }
    if let lossesPath {
        try (losses.map { "\($0)" }.joined(separator: "\n") + "\n").write(toFile: lossesPath, atomically: true, encoding: .utf8)
    }
    return (steps, last)
}

// MARK: - Interleaved: raw loops in blocks between the Trainer's steps

/// The raw loop of `rawFit`, one step at a time (`rawStep` after the next batch; a new epoch when
/// the loader runs out). With `zeroGradAfterForward` it does exactly the Trainer's tensor work in
/// the Trainer's order.
final class RawStepper {
    let w: Workload
    let optimizer: Adam
    let zeroGradAfterForward: Bool
    var batches: DataLoader<[Tensor]>.Iterator
    var lastLoss: Tensor?

    init(_ w: Workload, zeroGradAfterForward: Bool) throws {
        self.w = w
        self.zeroGradAfterForward = zeroGradAfterForward
        optimizer = try Adam(w.model.parameters(), lr: w.lr)
        _ = w.model.train()
        batches = try w.train.makeIterator()
    }

    func step() throws {
        guard let batch = try batches.next() else {
            batches.close()
            batches = try w.train.makeIterator()
            return try step()
        }
        lastLoss = try rawStep(w.model, optimizer, batch, zeroGradAfterForward: zeroGradAfterForward, marked: false)
    }
}

/// Times the Trainer's steps and two raw loops' steps in one fit: every `block` Trainer steps, the
/// next Trainer step waits while each raw loop makes `block` steps (on its own model, optimizer and
/// loader, made with the same seeds; which raw loop goes first alternates). All sides then meet the
/// machine's load within milliseconds of each other, so a shared machine's slow phases, which last
/// from tens of milliseconds to seconds, fall on all alike; alternating whole fits (`paired`) leaves
/// a second or more between the sides. A Trainer step lasts from one `trainingStep` call to the next,
/// less the raw blocks between them; a raw step, from its start to the next one's (or to its block's
/// end): each covers a whole step.
final class Interleaver {
    /// The conventional raw loop (zero grad first) and the one in Lightning's order.
    let raws: [RawStepper]
    let block: Int
    /// Per block: the Trainer's step durations since the previous raw blocks, then each raw loop's.
    var blocks: [[[Double]]]
    private var trainerStepStart: Double?
    private var trainerSteps = 0

    init(raws: [RawStepper], block: Int) {
        self.raws = raws
        self.block = block
        blocks = [Array(repeating: [], count: 1 + raws.count)]
    }

    func trainerStepStarts() throws {
        var excluded = 0.0
        if trainerSteps > 0, trainerSteps % block == 0 {
            let blocksStart = bootSeconds()
            let order = blocks.count % 2 == 0 ? Array(raws.indices) : raws.indices.reversed()
            for index in order {
                var stepStart = bootSeconds()
                for _ in 0..<block {
                    try raws[index].step()
                    let now = bootSeconds()
                    blocks[blocks.count - 1][1 + index].append(now - stepStart)
                    stepStart = now
                }
            }
            excluded = bootSeconds() - blocksStart
            blocks.append(Array(repeating: [], count: 1 + raws.count))
        }
        let now = bootSeconds()
        if let trainerStepStart {
            // The step that ran before the raw blocks belongs with them.
            blocks[excluded > 0 ? blocks.count - 2 : blocks.count - 1][0].append(now - trainerStepStart - excluded)
        }
        trainerStepStart = now
        trainerSteps += 1
    }
}

nonisolated(unsafe) var interleaver: Interleaver?

// MARK: - Run

// BENCH_DEVICES=N (Benchmarks/run-ddp.sh): the Trainer runs N CPU processes with DDP, sharing the
// 2 intra-op threads between them.
let devices = ProcessInfo.processInfo.environment["BENCH_DEVICES"].flatMap(Int.init) ?? 1
let stepLimit = ProcessInfo.processInfo.environment["BENCH_STEPS"].flatMap(Int.init) ?? -1
/// BENCH_LOSSES=path: the raw loop writes every step's loss there, one per line (for parity checks).
let lossesPath = ProcessInfo.processInfo.environment["BENCH_LOSSES"]
setNumThreads(ProcessInfo.processInfo.environment["BENCH_THREADS"].flatMap(Int.init) ?? max(1, 2 / devices))
let started = processStartSeconds()

/// One timed run of `workload` through the Trainer (`trainer`) or the raw loop (`raw`), on freshly
/// made data and model (the same seeds every time), as the JSON object the runners read.
func run(_ mode: String, on made: Workload? = nil) throws -> [String: Any] {
    (firstStepAt, lastStepAt, firstStepCPU, lastStepCPU) = (nil, nil, nil, nil)
    stepDurations = []
    forwardDurations = []
    stepDurations.reserveCapacity(10_000)
    forwardDurations.reserveCapacity(10_000)
    let w = try made ?? makeWorkload(workload)
    var steps = 0
    var finalLoss = Double.nan
    let fitStart: Double
    let fitEnd: Double
    if mode == "trainer" {
        let module = BenchModule(w, logs: workload == "W4")
        let trainer: Trainer
        if workload == "W4" {
            try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
            let progressFile = FileHandle(forWritingAtPath: workDirectory + "/progress.txt") ?? {
                _ = FileManager.default.createFile(atPath: workDirectory + "/progress.txt", contents: nil)
                return FileHandle(forWritingAtPath: workDirectory + "/progress.txt")!
            }()
            trainer = try Trainer(
                logger: [CSVLogger(saveDir: workDirectory)],
                callbacks: [try ModelCheckpoint(dirpath: workDirectory + "/checkpoints", monitor: "val_loss"),
                            ProgressBar(output: { progressFile.write(Data($0.utf8)) })],
                maxEpochs: w.epochs, enableModelSummary: false, defaultRootDir: workDirectory)
        } else {
            // Lightning's `barebones=True` turns these off itself; the Swift Trainer wants them off explicitly.
            trainer = try Trainer(accelerator: "cpu", devices: .count(devices), logger: [], maxEpochs: w.epochs, maxSteps: stepLimit, numSanityValSteps: 0,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false, barebones: true)
        }
        fitStart = bootSeconds()
        try trainer.fit(module)
        fitEnd = bootSeconds()
        steps = trainer.globalStep
        finalLoss = try module.lastLoss!.item(Double.self)
        if trainer.globalRank != 0 { exit(0) }  // one result line per run, from rank 0
    } else {
        fitStart = bootSeconds()
        let last = try rawFit(w)
        fitEnd = bootSeconds()
        steps = last.steps
        finalLoss = try last.loss!.detach().item(Double.self)
    }
    if workload == "W4" { try? FileManager.default.removeItem(atPath: workDirectory) }
    let fit = fitEnd - fitStart
    return [
        "side": mode == "trainer" ? "swift_trainer" : "swift_raw", "workload": workload, "devices": devices,
        "fit_s": fit, "steps": steps, "steps_per_s": Double(steps) / fit,
        "first_step_s": (firstStepAt ?? .nan) - started,
        // From the first training step's start to the last one's: the loop alone, without set-up and teardown.
        "loop_s": (lastStepAt ?? .nan) - (firstStepAt ?? .nan),
        // The median step: the typical step, without the occasional one that another process slowed.
        "step_median_s": stepDurations.isEmpty ? Double.nan : stepDurations.sorted()[stepDurations.count / 2],
        "forward_median_s": forwardDurations.isEmpty ? Double.nan : forwardDurations.sorted()[forwardDurations.count / 2],
        // The CPU time of the same span: unlike wall time, it leaves out the time other processes held
        // the cores (the spread of a shared machine), though not their effect on the caches.
        "loop_cpu_s": (lastStepCPU?.seconds ?? .nan) - (firstStepCPU?.seconds ?? .nan),
        // Minor page faults in the same span: memory the allocator gave back to the system and took again.
        "loop_page_faults": (lastStepCPU?.pageFaults ?? 0) - (firstStepCPU?.pageFaults ?? 0), "peak_rss_mib": peakRSSMiB(), "final_loss": finalLoss,
    ]
}

func printJSON(_ object: [String: Any]) throws {
    let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    fflush(nil)
}

if mode == "paired" {
    // Benchmarks/run-trainer-paired.sh: pairs of runs in this one process, the Trainer and the raw
    // loop back to back, the order swapped every pair (T R, R T, T R, …) so that a machine getting
    // slower or faster during a pair counts against each side equally often; one line per run, with
    // its pair number. Pair 0 warms up (allocator, thread pool, page cache) and is to be left out.
    for pair in 0..<pairCount {
        for side in pair % 2 == 0 ? ["trainer", "raw"] : ["raw", "trainer"] {
            var result = try run(side)
            result["pair"] = pair
            try printJSON(result)
        }
    }
} else if mode == "interleaved" {
    // Benchmarks/run-trainer-interleaved.sh: one line per fit, with every complete block's step times.
    let fits = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
    let block = arguments.count > 4 ? Int(arguments[4]) ?? 20 : 20
    for fit in 0..<fits {
        // Whose data and model are made first rotates, so that no side always gets the same place in memory.
        var made = try (0..<3).map { _ in try makeWorkload(workload) }
        made = Array(made[(fit % 3)...] + made[..<(fit % 3)])
        let raws = [try RawStepper(made[1], zeroGradAfterForward: false), try RawStepper(made[2], zeroGradAfterForward: true)]
        interleaver = Interleaver(raws: raws, block: block)
        // Without the marks there are no loop times: only the fit's, and the interleaver's step times.
        var result = try run("trainer", on: made[0]).filter { !(($0.value as? Double)?.isNaN ?? false) }
        made = []
        let complete = interleaver!.blocks.filter { $0.allSatisfy { $0.count == block } }
        result["fit"] = fit
        result["block"] = block
        result["trainer_steps_s"] = complete.map { $0[0] }
        result["raw_steps_s"] = complete.map { $0[1] }
        result["raw_lightning_order_steps_s"] = complete.map { $0[2] }
        result["raw_final_loss"] = try raws[0].lastLoss!.item(Double.self)
        try printJSON(result)
        interleaver = nil
    }
} else {
    try printJSON(try run(mode))
}
