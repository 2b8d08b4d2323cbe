import Foundation
import Torch

/// Finds the largest batch size that runs without running out of memory (Lightning's
/// `BatchSizeFinder`): when fitting starts it runs a few steps at growing batch sizes, then puts
/// model, optimizer and counters back and trains with the size found. In `validate`, `test` and
/// `predict` it searches the same way with a few batches of that loop, then runs the whole
/// evaluation with the size found.
///
/// The batch size lives in your data module or module; a key path names it (Lightning looks it up
/// by the name `batch_size`), and the data-loader hook must read it:
///
/// ```swift
/// let finder = BatchSizeFinder(mode: .binsearch, batchSize: \MNISTData.batchSize, of: data)
/// let trainer = try Trainer(callbacks: [finder], maxEpochs: 5)
/// try trainer.fit(model, datamodule: data)
/// print(finder.optimalBatchSize ?? 0)
/// ```
///
/// `.power` doubles the size until a step runs out of memory (or the size reaches the data set's
/// length or `maxVal`); `.binsearch` then searches between the last size that worked and the first
/// that failed, and keeps `margin` below the result. Out of memory is recognised from libtorch's
/// messages ("CUDA out of memory", "DefaultCPUAllocator: can't allocate memory", …). On a CPU that
/// never runs out, the search stops at the data set's length or at `maxVal`.
open class BatchSizeFinder: Callback {
    public enum Mode: String, Sendable {
        case power
        case binsearch
    }

    public let mode: Mode
    public let stepsPerTrial: Int
    public let initVal: Int
    public let maxTrials: Int
    public let margin: Double
    public let maxVal: Int
    /// The size found by the last search (the initial value before one ran; nil after a search
    /// that `fastDevRun` skipped).
    public private(set) var optimalBatchSize: Int?
    /// Set by the Tuner: end `fit` once the search is done.
    var earlyExit = false
    private let getBatchSize: () -> Int
    private let setBatchSize: (Int) -> Void

    /// - Parameters:
    ///   - mode: `.power` doubles the size until a trial fails; `.binsearch` then bisects.
    ///   - stepsPerTrial: Batches each trial runs (training steps in `fit`).
    ///   - initVal: The first size tried.
    ///   - maxTrials: At most this many trials.
    ///   - margin: `.binsearch` keeps the size found this fraction lower (0 ≤ margin < 1).
    ///   - maxVal: No size above this is tried.
    ///   - batchSize: The property holding the batch size.
    ///   - root: The object that has it (the data module or the module whose loader hook reads it).
    public init<Root: AnyObject>(mode: Mode = .power, stepsPerTrial: Int = 3, initVal: Int = 2, maxTrials: Int = 25,
                                 margin: Double = 0.05, maxVal: Int = 8192,
                                 batchSize: ReferenceWritableKeyPath<Root, Int>, of root: Root) {
        self.mode = mode
        self.stepsPerTrial = stepsPerTrial
        self.initVal = initVal
        self.maxTrials = maxTrials
        self.margin = margin
        self.maxVal = maxVal
        self.optimalBatchSize = initVal
        self.getBatchSize = { root[keyPath: batchSize] }
        self.setBatchSize = { root[keyPath: batchSize] = $0 }
    }

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        guard (0..<1).contains(margin) else {
            throw LightningError.configuration("`margin` should be between 0 and 1. Found margin=\(margin)")
        }
        guard stepsPerTrial >= 1, initVal >= 1, maxTrials >= 1, maxVal >= 1 else {
            throw LightningError.configuration("BatchSizeFinder needs stepsPerTrial, initVal, maxTrials and maxVal of at least 1")
        }
        guard trainer.worldSize == 1 else {
            throw LightningError.configuration("The Batch size finder is not supported with distributed strategies.")
        }
        if stage == .fit, try trainer.requireFitLoop("BatchSizeFinder").trainGivenDirectly {
            throw LightningError.configuration("The Batch size finder cannot be used with dataloaders passed directly to `fit`. Please disable the feature or make the dataloader in your LightningModule or LightningDataModule.")
        }
    }

    open func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        try scaleBatchSize(trainer, module)
    }

    /// In `validate`, before the first batch (not in the validation inside fit).
    open func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.entryPoint == .validate, trainer.stage != .sanityChecking else { return }
        try scaleBatchSize(trainer, module)
    }

    open func onTestStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.entryPoint == .test else { return }
        try scaleBatchSize(trainer, module)
    }

    open func onPredictStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.entryPoint == .predict else { return }
        try scaleBatchSize(trainer, module)
    }

    /// Runs the search now (Lightning's `BatchSizeFinder.scale_batch_size`), in the running loop.
    open func scaleBatchSize(_ trainer: Trainer, _ module: any LightningModule) throws {
        optimalBatchSize = try runSearch(trainer)
        if earlyExit { throw TunerExit() }
    }

    /// Lightning's `_scale_batch_size`: trials of `stepsPerTrial` batches without callbacks and
    /// loggers, then the state before them.
    private func runSearch(_ trainer: Trainer) throws -> Int? {
        if trainer.skipsTuning("batch size scaler") { return nil }
        guard let loop = trainer.activeTrialLoop else {
            throw LightningError.configuration("BatchSizeFinder runs inside `fit`, `validate`, `test` or `predict` (from their start hooks); it found no running loop")
        }
        let size: Int
        do {
            size = try trainer.withTuningSetup(callbacks: []) {
                try loop.beginTrials(steps: stepsPerTrial)
                let start = try adjust(trainer, loop, value: initVal).size
                switch mode {
                case .power: return try powerScaling(trainer, loop, start)
                case .binsearch: return try binarySearch(trainer, loop, start)
                }
            }
        } catch {
            try? loop.endTrials()
            throw error
        }
        try loop.endTrials()
        trainer.print("Finished batch size finder, will continue with full run using batch size \(size)")
        return size
    }

    /// Doubles the size until a trial runs out of memory (Lightning's `_run_power_scaling`).
    private func powerScaling(_ trainer: Trainer, _ loop: any BatchSizeTrials, _ start: Int) throws -> Int {
        var size = start
        var anySuccess = false
        for trial in 0..<maxTrials {
            if size >= maxVal {
                trainer.print("Reached the maximum batch size limit of \(maxVal). Stopping search.")
                break
            }
            do {
                try loop.runTrial()
                if trial + 1 >= maxTrials { break }
                let (next, changed) = try adjust(trainer, loop, factor: 2, description: "succeeded")
                size = next
                if !changed { break }
                try loop.reloadData()
                anySuccess = true
            } catch where Self.isOutOfMemory(error) {
                size = try adjust(trainer, loop, factor: 0.5, description: "failed").size
                try loop.reloadData()
                if anySuccess { break }
            }
        }
        return size
    }

    /// Doubles until a failure, then bisects (Lightning's `_run_binsearch_scaling`).
    private func binarySearch(_ trainer: Trainer, _ loop: any BatchSizeTrials, _ start: Int) throws -> Int {
        var size = start
        var low = 1
        var high: Int?
        var count = 0
        while true {
            if size >= maxVal {
                trainer.print("Reached the maximum batch size limit of \(maxVal). Stopping search.")
                break
            }
            do {
                try loop.runTrial()
                count += 1
                if count >= maxTrials { break }
                low = size
                let changed: Bool
                if let high {
                    if high - low <= 1 { break }
                    (size, changed) = try adjust(trainer, loop, value: (high + low) / 2, description: "succeeded")
                } else {
                    (size, changed) = try adjust(trainer, loop, factor: 2, description: "succeeded")
                }
                if !changed { break }
                try loop.reloadData()
            } catch where Self.isOutOfMemory(error) {
                let failed = size
                high = failed
                size = try adjust(trainer, loop, value: (failed + low) / 2, description: "failed").size
                try loop.reloadData()
                if failed - low <= 1 { break }
            }
        }
        if margin > 0 {
            let reduced = Swift.max(1, Int(Double(size) * (1 - margin)))
            if reduced != size {
                trainer.print("Applying margin of \(String(format: "%.1f", margin * 100))%, reducing batch size from \(size) to \(reduced)")
                size = reduced
                setBatchSize(size)
            }
        }
        return size
    }

    /// Sets the next size to try (Lightning's `_adjust_batch_size`); unchanged once the size has
    /// reached the data set's length.
    private func adjust(_ trainer: Trainer, _ loop: any BatchSizeTrials, factor: Double = 1, value: Int? = nil,
                        description: String? = nil) throws -> (size: Int, changed: Bool) {
        let current = getBatchSize()
        if let count = try loop.datasetCount(), current >= count {
            trainer.print("The batch size \(current) is greater or equal than the length of your dataset: \(count).")
            return (current, false)
        }
        var size = value ?? Int(Double(current) * factor)
        if size > maxVal {
            if description != nil { trainer.print("Batch size \(size) exceeds maxVal limit \(maxVal), capping at \(maxVal)") }
            size = maxVal
        }
        if let description { trainer.print("Batch size \(current) \(description), trying batch size \(size)") }
        setBatchSize(size)
        return (size, size != current)
    }

    /// Lightning's `is_oom_error`: libtorch's out-of-memory messages (CUDA, cuDNN and the CPU allocator).
    static func isOutOfMemory(_ error: any Error) -> Bool {
        let text = String(describing: error)
        return ["CUDA out of memory", "CUDA error: out of memory", "cuDNN error: CUDNN_STATUS_NOT_SUPPORTED",
                "DefaultCPUAllocator: can't allocate memory"].contains { text.contains($0) }
    }
}
