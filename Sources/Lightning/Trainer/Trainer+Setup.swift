import Foundation
import Torch

// Checking the settings, choosing the device, assembling callbacks and loggers.

extension Trainer {
    func validate(_ c: TrainerConfiguration) throws {
        func fail(_ message: String) throws { throw LightningError.configuration(message) }
        if !c.precision.isValid {
            try fail("precision \"\(c.precision.rawValue)\" is not supported; use one of 64-true, 32-true, bf16-mixed, 16-mixed, bf16-true, 16-true (or 64, 32, 16, bf16)")
        }
        if c.accumulateGradBatches < 1 { try fail("accumulateGradBatches must be at least 1, got \(c.accumulateGradBatches)") }
        if c.logEveryNSteps < 0 { try fail("logEveryNSteps must be 0 or more, got \(c.logEveryNSteps)") }
        if c.maxSteps < -1 { try fail("maxSteps must be -1 (no limit) or a positive number, got \(c.maxSteps)") }
        if let maxEpochs = c.maxEpochs, maxEpochs < -1 { try fail("maxEpochs must be -1 (no limit) or a positive number, got \(maxEpochs)") }
        if c.fastDevRun < 0 { try fail("fastDevRun must be 0 (off) or a positive number of batches, got \(c.fastDevRun)") }
        if let n = c.checkValEveryNEpoch, n < 1 { try fail("checkValEveryNEpoch must be at least 1, got \(n)") }
        if case .fraction(let f) = c.valCheckInterval, !(f > 0 && f <= 1) {
            try fail("valCheckInterval as a fraction must be in (0, 1], got \(f)")
        }
        if case .batches(let n) = c.valCheckInterval, n < 1 { try fail("valCheckInterval as a batch count must be at least 1, got \(n)") }
        for (name, limit) in [("limitTrainBatches", c.limitTrainBatches), ("limitValBatches", c.limitValBatches),
                              ("limitTestBatches", c.limitTestBatches), ("limitPredictBatches", c.limitPredictBatches),
                              ("overfitBatches", c.overfitBatches)] {
            switch limit {
            case .fraction(let f) where f < 0 || f > 1: try fail("\(name) as a fraction must be in [0, 1], got \(f)")
            case .count(let n) where n < 0: try fail("\(name) must not be negative, got \(n)")
            default: break
            }
        }
        if !c.enableCheckpointing && c.callbacks.contains(where: { $0 is any CheckpointingCallback }) {
            try fail("Trainer was configured with enableCheckpointing: false but found a ModelCheckpoint in callbacks; remove it or set enableCheckpointing: true")
        }
        if let clip = c.gradientClipVal, clip < 0 { try fail("gradientClipVal must not be negative, got \(clip)") }
        if case .name(let profiler) = c.profiler, !["simple", "advanced"].contains(profiler) {
            try fail("profiler \"\(profiler)\" is unknown; use \"simple\" or \"advanced\"")
        }
        if c.barebones {
            let conflicts = [
                (c.enableCheckpointing, "enableCheckpointing"), (c.loggers.map { !$0.isEmpty } ?? true, "logger"),
                (c.enableProgressBar, "enableProgressBar"), (c.enableModelSummary, "enableModelSummary"),
                (c.numSanityValSteps != 0, "numSanityValSteps"), (c.fastDevRun > 0, "fastDevRun"),
                (c.detectAnomaly, "detectAnomaly"), (c.profiler != nil, "profiler"),
            ].filter(\.0).map(\.1)
            if !conflicts.isEmpty {
                try fail("barebones: true measures the raw loop and cannot be combined with \(conflicts.joined(separator: ", ")); set those off (enableCheckpointing: false, logger: [], enableProgressBar: false, enableModelSummary: false, numSanityValSteps: 0)")
            }
        }
        switch c.devices {
        case .count(let n) where n < 1: try fail("devices must be at least 1 (or -1 for every device), got \(n)")
        case .indices(let list) where list.isEmpty: try fail("devices: [] names no device")
        case .indices(let list) where Set(list).count != list.count: try fail("devices: \(list) names a device twice")
        default: break
        }
        if c.numNodes < 1 { try fail("numNodes must be at least 1, got \(c.numNodes)") }
        // Unknown or unsupported strategy names fail here, before any process starts.
        let processes: Int = switch c.devices {
        case .count(let n): n * c.numNodes
        case .indices(let list): list.count * c.numNodes
        case .auto, .all: 1
        }
        _ = try c.strategy.resolve(processes: processes)
    }

    /// The default logger is a CSVLogger under `defaultRootDir` (Lightning picks TensorBoard when it
    /// is installed; ours writes both formats natively, CSV is the plainer default).
    func makeLoggers() throws -> [any Logger] {
        if configuration.barebones || configuration.fastDevRun > 0 { return [] }
        if let loggers = configuration.loggers { return loggers }
        return [CSVLogger(saveDir: defaultRootDir)]
    }

    /// The run's callbacks, assembled as Lightning does: the trainer's callbacks, then the defaults
    /// (a ModelCheckpoint, a ``Timer`` for `maxTime`, the progress bar, the model summary), then
    /// the model's `configureCallbacks()`, which replace the trainer's callbacks whose type they
    /// are or subclass; checkpoint callbacks go last.
    func assembleCallbacks(modelCallbacks: [any Callback], stage: Stage) -> [any Callback] {
        let c = configuration
        var result = tunerCallbacks + c.callbacks
        if stage == .fit && c.enableCheckpointing && !c.barebones && c.fastDevRun == 0
            && !result.contains(where: { $0 is any CheckpointingCallback }) {
            result.append(defaultModelCheckpoint)
        }
        if let maxTimeTimer {
            if !result.contains(where: { $0 is Timer }) {
                result.append(maxTimeTimer)
            } else if stage == .fit && isGlobalZero {
                Swift.print("Ignoring `Trainer(maxTime: ...)`, callbacks list already contains a Timer.")
            }
        }
        if c.enableProgressBar && !c.barebones && !result.contains(where: { $0 is ProgressBar }) {
            result.append(ProgressBar())
        }
        if stage == .fit && c.enableModelSummary && !c.barebones && !result.contains(where: { $0 is ModelSummary }) {
            result.append(ModelSummary())
        }
        if !modelCallbacks.isEmpty {
            // A trainer callback goes when a model callback is of its type or a subclass of it.
            func isReplaced<C: Callback>(_ callback: C) -> Bool { modelCallbacks.contains { $0 is C } }
            result.removeAll { isReplaced($0) }
            result += modelCallbacks
        }
        let checkpoints = result.filter { $0 is any CheckpointingCallback }
        return result.filter { !($0 is any CheckpointingCallback) } + checkpoints
    }

    /// Calls a hook on every callback (in order) with the hook marked as running.
    /// With a profiler, each callback's call is timed as `[Callback]<stateKey>.<hook>`.
    /// A per-batch hook (``Hook/noOpDefaultBit``) is skipped on a callback once that callback's
    /// default, which does nothing, has run (see ``LightningContext/callbackNoOpDefaults``).
    func callCallbacks(_ hook: Hook, _ body: (any Callback) throws -> Void) throws {
        if callbacks.isEmpty { return }
        try context.running(hook) {
            if let profiler {
                for callback in callbacks {
                    try profiler.profile("[Callback]\(callback.stateKey).\(hook.rawValue)") { try body(callback) }
                }
            } else if hook.noOpDefaultBit != 0 {
                let outer = context.runningCallback
                defer { context.runningCallback = outer }
                for (index, callback) in callbacks.enumerated() where !context.skipsCallback(at: index, hook) {
                    context.runningCallback = (ObjectIdentifier(callback), index)
                    try body(callback)
                }
            } else {
                for callback in callbacks { try body(callback) }
            }
        }
    }

    /// Calls a module hook with the hook marked as running (for `log`'s rules). With a profiler, it
    /// is timed as `[LightningModule]<Class>.<hook>`, or `[Strategy]SingleDeviceStrategy.<hook>` for
    /// the hooks Lightning runs through its strategy (the step methods and backward).
    func callModule<R>(_ hook: Hook, _ body: () throws -> R) throws -> R {
        guard let profiler else { return try context.running(hook, body) }
        return try profiler.profile(profilerAction(hook)) { try context.running(hook, body) }
    }

    /// Calls a per-batch module hook whose default does nothing, unless this run has seen the
    /// module use that default (see ``LightningContext/noOpDefaults``): then the call is skipped
    /// and `skipped` (what the default returns) is the result. A no-op hook call costs little,
    /// but between libtorch's kernels its code runs cold: skipping the defaults took about 1.4
    /// points off the Trainer's overhead on W1 (Benchmarks/README.md).
    @inline(__always)
    func callModule<R>(_ hook: Hook, skipped: @autoclosure () -> R, _ body: () throws -> R) throws -> R {
        if context.skips(hook) { return skipped() }
        return try callModule(hook, body)
    }

    private static let strategyHooks: Set<String> = ["training_step", "validation_step", "test_step", "predict_step", "backward"]

    func profilerAction(_ hook: Hook) -> String {
        Self.strategyHooks.contains(hook.rawValue)
            ? "[Strategy]SingleDeviceStrategy.\(hook.rawValue)"
            : "[LightningModule]\(profiledModuleName).\(hook.rawValue)"
    }

    /// Times `body` as `action` when a profiler is set (Lightning's `trainer.profiler.profile`).
    @inline(__always)
    func profiled<R>(_ action: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        guard let profiler else { return try body() }
        return try profiler.profile(action(), body)
    }

    /// Runs an entry point: installs the run context, and on an error (Ctrl-C and SIGTERM included)
    /// marks the trainer `interrupted`, calls `onException` on every callback, finalises the loggers
    /// as "failed" (Lightning's `_interrupt`), then rethrows the original error (Lightning's
    /// `_call_and_handle_interrupt`).
    /// The end of a successful run: the data module's, callbacks' and module's `teardown`, then the
    /// loggers finalised as "success" (Lightning's `_teardown` and `logger.finalize("success")`).
    func finishRun<M: LightningModule>(_ module: M, data: RunData<M>, stage entryStage: Stage) throws {
        try data.teardown(entryStage)
        try callCallbacks(.named("teardown")) { try $0.teardown(self, module, stage: entryStage) }
        try callModule(.named("teardown")) { try module.teardown(stage: entryStage) }
        for logger in loggers where isGlobalZero { try logger.finalize(status: "success") }
        stage = nil
    }

    func runEntryPoint<M: LightningModule, R>(_ module: M, data: RunData<M>, stage entryStage: Stage, _ body: () throws -> R) throws -> R {
        profiledModuleName = String(describing: type(of: module))
        context.noOpDefaults = 0
        context.module = ObjectIdentifier(module)
        profiler?.setup(stage: entryStage.rawValue, logDir: logDir)
        // As Lightning's CUDA accelerator teardown: the GPU memory the run cached goes back to the
        // driver when it ends, so a `test` after `fit` starts clean.
        defer { if device.isCUDA { try? CUDA.emptyCache() } }
        // Ctrl-C and SIGTERM only mark the run; the loops stop between steps (see SignalFunnel).
        return try withSignalFunnel { try LightningContext.with(context) {
            do {
                let result = try body()
                if isGlobalZero { try profiler?.describe() }
                return result
            } catch is TunerExit {
                // The Tuner's search is done: the run ends as a success (Lightning's handling of
                // `_TunerExitException`).
                try finishRun(module, data: data, stage: entryStage)
                if isGlobalZero { try profiler?.describe() }
                throw TunerExit()
            } catch let caught {
                // In a DDP run: an error caused by another rank names that rank; an error of this
                // rank's own is recorded for the others, and the ranks this process launched stop.
                var error = caught
                if let runtime, !(caught is KeyboardInterrupt || caught is SIGTERMException) {
                    error = runtime.explain(caught)
                    SubprocessLauncher.current?.terminateChildren()
                }
                interrupted = true
                if isGlobalZero { try? profiler?.describe() }
                for callback in callbacks {
                    try? callback.onException(self, module, error: error)
                }
                try? data.onException(error)
                for logger in loggers where isGlobalZero {
                    try? logger.finalize(status: "failed")
                }
                stage = nil
                throw error
            }
        } }
    }
}
