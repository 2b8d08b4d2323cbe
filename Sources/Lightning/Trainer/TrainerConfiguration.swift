import Foundation
import Torch

/// A number of batches: a fraction of the loader (`0.25`) or a count (`10`), as Lightning's
/// `limit_*_batches` and `overfit_batches`.
public enum BatchLimit: Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case fraction(Double)
    case count(Int)

    public init(floatLiteral value: Double) { self = .fraction(value) }
    public init(integerLiteral value: Int) { self = .count(value) }

    /// The number of batches this limit allows out of `available` (nil = unknown length).
    func resolve(_ available: Int?) -> Int? {
        switch self {
        case .count(let n): return available.map { Swift.min($0, n) } ?? n
        case .fraction(let f):
            guard let available else { return f >= 1 ? nil : 0 }
            return f >= 1 ? available : Int((Double(available) * f).rounded(.down))
        }
    }

    var isZero: Bool { self == .count(0) || self == .fraction(0) }

    /// Like ``resolve(_:)``, but a fraction that leaves no batch is an error, as in Lightning.
    func resolve(_ available: Int?, name: String, loader: String) throws -> Int? {
        if case .fraction(let f) = self, f > 0, f < 1, let available, available > 0, Double(available) * f < 1 {
            let minimum = 1.0 / Double(available)
            throw LightningError.configuration("You requested to check \(f) of the `\(loader)` but \(f) * \(available) < 1. Please increase the `\(name)` argument. Try at least `\(name)=\(minimum)`")
        }
        return resolve(available)
    }
}

/// When validation runs inside an epoch (Lightning's `val_check_interval`).
public enum ValidationInterval: Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    /// A fraction of the training epoch: 1.0 is once at its end, 0.25 four times.
    case fraction(Double)
    /// Every N training batches.
    case batches(Int)
    /// Every so many seconds (Lightning 2.6's time-based validation): after the first training
    /// batch that ends this long after training started or the last validation ended, on
    /// ``Trainer/monotonicClock``. Time alone decides: there is no extra validation at an epoch's
    /// end; with `checkValEveryNEpoch` only those epochs validate (time that passed before one
    /// validates after its first batch).
    case seconds(Double)

    public init(floatLiteral value: Double) { self = .fraction(value) }
    public init(integerLiteral value: Int) { self = .batches(value) }
}

/// How many devices to use (Lightning's `devices`).
public enum Devices: Equatable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral {
    /// 1 on CPU, every visible GPU on CUDA.
    case auto
    case count(Int)
    case indices([Int])
    /// Every visible device (`-1`).
    case all

    public init(integerLiteral value: Int) { self = value == -1 ? .all : .count(value) }
    public init(arrayLiteral elements: Int...) { self = .indices(elements) }
    /// `"auto"`, `"-1"`, `"2"` or `"0,1"`; anything else becomes an invalid count that the Trainer reports.
    public init(stringLiteral value: String) {
        if value == "auto" { self = .auto; return }
        if value == "-1" { self = .all; return }
        let parts = value.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        self = value.contains(",") ? .indices(parts) : .count(parts.first ?? 0)
    }
}

/// The numeric precision of training (Lightning's `precision`): "64-true", "32-true", "bf16-mixed",
/// "16-mixed", "bf16-true", "16-true", and Lightning's short spellings ("32", "bf16", "16", "64").
public struct PrecisionSetting: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let float64: PrecisionSetting = "64-true"
    public static let float32: PrecisionSetting = "32-true"
    public static let bfloat16Mixed: PrecisionSetting = "bf16-mixed"
    public static let float16Mixed: PrecisionSetting = "16-mixed"
    public static let bfloat16: PrecisionSetting = "bf16-true"
    public static let float16: PrecisionSetting = "16-true"
    static let valid: Set<String> = ["64-true", "32-true", "bf16-mixed", "16-mixed", "bf16-true", "16-true"]

    /// The canonical spelling ("32" becomes "32-true"); an unknown spelling is kept and reported
    /// by the Trainer.
    public let rawValue: String

    public init(rawValue: String) {
        let aliases = ["64": "64-true", "32": "32-true", "16": "16-mixed", "bf16": "bf16-mixed"]
        self.rawValue = aliases[rawValue] ?? rawValue
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public var isValid: Bool { Self.valid.contains(rawValue) }
    public var description: String { rawValue }
}

/// Everything a ``Trainer`` can be told, with Lightning 2.6's defaults.
///
/// ```swift
/// var configuration = TrainerConfiguration()
/// configuration.maxEpochs = 10
/// configuration.accumulateGradBatches = 4
/// let trainer = try Trainer(configuration)
/// ```
public struct TrainerConfiguration {
    public var accelerator: String = "auto"
    /// "auto" (DDP when devices × numNodes > 1), "ddp", "ddp_find_unused_parameters_true",
    /// "single_device", or `.ddp(DDPStrategy(...))`.
    public var strategy: StrategyChoice = "auto"
    /// Give each rank its share of the data with a `DistributedSampler` (Lightning's
    /// `use_distributed_sampler`).
    public var useDistributedSampler: Bool = true
    public var devices: Devices = .auto
    public var numNodes: Int = 1
    public var precision: PrecisionSetting = .float32
    /// nil: the default logger (a CSVLogger under `defaultRootDir`); [] turns logging off.
    public var loggers: [any Logger]? = nil
    public var callbacks: [any Callback] = []
    /// 0 is off; n runs n batches of each loop once, without loggers or checkpoints.
    public var fastDevRun: Int = 0
    /// nil with `maxSteps` -1 means 1000, as in Lightning; -1 is unlimited.
    public var maxEpochs: Int? = nil
    public var minEpochs: Int? = nil
    public var maxSteps: Int = -1
    public var minSteps: Int? = nil
    /// Stop training after this many seconds (Lightning's `max_time`).
    public var maxTime: Double? = nil
    public var limitTrainBatches: BatchLimit = 1.0
    public var limitValBatches: BatchLimit = 1.0
    public var limitTestBatches: BatchLimit = 1.0
    public var limitPredictBatches: BatchLimit = 1.0
    public var overfitBatches: BatchLimit = 0.0
    public var valCheckInterval: ValidationInterval = 1.0
    /// nil: validation is driven only by `valCheckInterval` batches.
    public var checkValEveryNEpoch: Int? = 1
    /// -1 runs every validation batch.
    public var numSanityValSteps: Int = 2
    public var logEveryNSteps: Int = 50
    public var enableCheckpointing: Bool = true
    public var enableProgressBar: Bool = true
    public var enableModelSummary: Bool = true
    public var accumulateGradBatches: Int = 1
    public var gradientClipVal: Double? = nil
    /// nil: by norm (Lightning passes None to the hooks when it is not set).
    public var gradientClipAlgorithm: GradientClipAlgorithm? = nil
    public var deterministic: Bool? = nil
    public var benchmark: Bool? = nil
    /// Evaluate under inference mode (true) or no-grad (false) in validate/test/predict.
    public var inferenceMode: Bool = true
    /// "simple", "advanced", `.instance(profiler)` or nil (no profiling).
    public var profiler: ProfilerChoice? = nil
    public var detectAnomaly: Bool = false
    public var barebones: Bool = false
    public var reloadDataloadersEveryNEpochs: Int = 0
    /// nil: the current directory.
    public var defaultRootDir: String? = nil
    /// nil: checkpoints in PyTorch's `.pt` format, written atomically.
    public var checkpointIO: (any CheckpointIO)? = nil
    /// Where the run learns its place (Lightning's `plugins=[SLURMEnvironment(...)]`); nil detects
    /// torchrun, SLURM or Lightning's own variables. A DDP strategy's own environment wins.
    public var clusterEnvironment: (any ClusterEnvironment)? = nil

    public init() {}
}
