import Foundation
import Torch

/// Saves checkpoints during `fit`: the best `saveTopK` by a monitored metric, or simply the latest,
/// plus an optional `last.ckpt` (Lightning's `ModelCheckpoint`, with its file names, triggers,
/// top-k bookkeeping and state).
///
/// ```swift
/// let checkpoint = try ModelCheckpoint(filename: "{epoch}-{val_loss:.2f}", monitor: "val_loss", saveTopK: 2)
/// let trainer = try Trainer(callbacks: [checkpoint], maxEpochs: 10)
/// try trainer.fit(model, datamodule: data)
/// print(checkpoint.bestModelPath, checkpoint.bestModelScore ?? .nan)  // .../epoch=7-val_loss=0.21.ckpt
/// ```
///
/// - Folder: `dirpath`, or `<logger's logDir>/checkpoints`, or `<defaultRootDir>/checkpoints`
///   without a logger (resolved in `setup`).
/// - Names: `filename` is a template over the logged metrics, `epoch` and `step` with Python format
///   specs (`"{epoch:02d}-{val_loss:.3f}"` → `epoch=03-val_loss=0.250.ckpt`; without
///   `autoInsertMetricName`, `03-0.250.ckpt`); the default is `"{epoch}-{step}"`. A name that is
///   taken gets `-v1`, `-v2`, … unless `enableVersionCounter` is false.
/// - When: every `everyNEpochs` epochs (the default, 1), or every `everyNTrainSteps` optimizer
///   steps, or every `trainTimeInterval` seconds (one trigger only). Epoch saves happen at the end
///   of the training epoch, or after validation when validation runs several times per epoch or
///   not every epoch (`saveOnTrainEpochEnd` overrides the choice).
/// - Never during the sanity check, with `fastDevRun`, outside `fit`, or twice for one global step.
open class ModelCheckpoint: CheckpointingCallback {
    /// Whether and how `last.ckpt` is written.
    public enum SaveLast: Equatable, Sendable, ExpressibleByBooleanLiteral {
        case disabled
        /// A full checkpoint file at every save.
        case enabled
        /// A symbolic link to the latest checkpoint (a full file when no other checkpoint exists).
        case link

        public init(booleanLiteral value: Bool) { self = value ? .enabled : .disabled }
    }

    public static let checkpointJoinChar = "-"
    public static let checkpointEqualsChar = "="
    public static let checkpointNameLast = "last"
    public static let fileExtension = ".ckpt"
    public static let startingVersion = 1

    // MARK: Settings

    /// The folder of the checkpoints (resolved in `setup` when not given).
    public private(set) var dirpath: String?
    public let filename: String?
    public let monitor: String?
    public let verbose: Bool
    public let saveLast: SaveLast
    public let saveTopK: Int
    public let saveOnException: Bool
    public let saveWeightsOnly: Bool
    public let mode: MonitorMode
    public let autoInsertMetricName: Bool
    public let everyNTrainSteps: Int
    public let everyNEpochs: Int
    /// Seconds between time-triggered saves.
    public let trainTimeInterval: TimeInterval?
    /// nil: decided from the validation settings (see the type's documentation).
    public let saveOnTrainEpochEnd: Bool?
    public let enableVersionCounter: Bool

    // MARK: State

    public private(set) var bestModelPath = ""
    public private(set) var bestModelScore: Double?
    /// The kept checkpoints and their scores, in the order they were saved.
    public private(set) var bestKModelsInOrder: [(path: String, score: Double)] = []
    public private(set) var kthBestModelPath = ""
    /// The score of the worst kept checkpoint once `saveTopK` are kept (±inf before).
    public private(set) var kthValue: Double
    public private(set) var lastModelPath = ""
    public private(set) var currentScore: Double?

    /// The kept checkpoints and their scores.
    public var bestKModels: [String: Double] { Dictionary(bestKModelsInOrder, uniquingKeysWith: { $1 }) }

    private var lastGlobalStepSaved = 0
    private var lastTimeChecked: TimeInterval?
    private var lastCheckpointSaved = ""
    private var deferSaveUntilValidation = false
    private var fitting = false
    private var validationHasRun = false
    private var warnedMissingMonitor = false
    private var warnedManualOptimization = false

    /// - Parameters:
    ///   - dirpath: The checkpoint folder; nil resolves it from the logger or `defaultRootDir`.
    ///   - filename: The name template (no extension); nil is `"{epoch}-{step}"`.
    ///   - monitor: The logged metric that ranks checkpoints; nil keeps the latest.
    ///   - verbose: Prints a line when a checkpoint is saved or the best changes.
    ///   - saveLast: Also keep `last.ckpt` (true), or as a link to the newest save (`.link`).
    ///   - saveTopK: How many to keep: k best, -1 all, 0 none.
    ///   - saveOnException: Also save when training ends with an error (in `onException`).
    ///   - saveWeightsOnly: Save the module's weights without optimizer, loop or callback states.
    ///   - mode: Whether lower (`.min`) or higher (`.max`) values of `monitor` are better.
    ///   - autoInsertMetricName: `{epoch}` in `filename` becomes `epoch=3` (false: `3`).
    ///   - everyNTrainSteps: Save every this many optimizer steps.
    ///   - trainTimeInterval: Save every this many seconds of training.
    ///   - everyNEpochs: Save every this many epochs (the default trigger: 1).
    ///   - saveOnTrainEpochEnd: Save at the training epoch's end instead of after validation (nil:
    ///     as Lightning decides: at the epoch's end when validation runs once at each epoch's end or
    ///     there is no validation data, after validation when it runs inside the epoch, on other
    ///     epochs or by time).
    ///   - enableVersionCounter: Add `-v1`, `-v2` to a name already used instead of overwriting.
    ///
    ///   At most one of `everyNTrainSteps`, `trainTimeInterval` and `everyNEpochs` is set.
    /// - Throws: `LightningError.configuration` for settings that cannot work together.
    public init(dirpath: String? = nil, filename: String? = nil, monitor: String? = nil, verbose: Bool = false,
                saveLast: SaveLast = false, saveTopK: Int = 1, saveOnException: Bool = false,
                saveWeightsOnly: Bool = false, mode: MonitorMode = .min, autoInsertMetricName: Bool = true,
                everyNTrainSteps: Int? = nil, trainTimeInterval: TimeInterval? = nil, everyNEpochs: Int? = nil,
                saveOnTrainEpochEnd: Bool? = nil, enableVersionCounter: Bool = true) throws {
        self.dirpath = dirpath.map(Self.absolutePath)
        self.filename = filename
        self.monitor = monitor
        self.verbose = verbose
        self.saveLast = saveLast
        self.saveTopK = saveTopK
        self.saveOnException = saveOnException
        self.saveWeightsOnly = saveWeightsOnly
        self.mode = mode
        self.kthValue = mode.worst
        self.autoInsertMetricName = autoInsertMetricName
        self.saveOnTrainEpochEnd = saveOnTrainEpochEnd
        self.enableVersionCounter = enableVersionCounter
        self.trainTimeInterval = trainTimeInterval
        if everyNTrainSteps == nil && everyNEpochs == nil && trainTimeInterval == nil {
            self.everyNEpochs = 1
            self.everyNTrainSteps = 0
        } else {
            self.everyNEpochs = everyNEpochs ?? 0
            self.everyNTrainSteps = everyNTrainSteps ?? 0
        }
        try validateSettings()
    }

    private func validateSettings() throws {
        func fail(_ message: String) throws { throw LightningError.configuration(message) }
        if saveTopK < -1 { try fail("Invalid value for saveTopK=\(saveTopK). Must be >= -1") }
        if everyNTrainSteps < 0 { try fail("Invalid value for everyNTrainSteps=\(everyNTrainSteps). Must be >= 0") }
        if everyNEpochs < 0 { try fail("Invalid value for everyNEpochs=\(everyNEpochs). Must be >= 0") }
        let triggers = [everyNTrainSteps >= 1, everyNEpochs >= 1, trainTimeInterval != nil].filter { $0 }.count
        if triggers > 1 {
            try fail("Combination of parameters everyNTrainSteps=\(everyNTrainSteps), everyNEpochs=\(everyNEpochs) and trainTimeInterval=\(trainTimeInterval.map { "\($0)" } ?? "nil") should be mutually exclusive.")
        }
        if monitor == nil && ![-1, 0, 1].contains(saveTopK) {
            try fail("ModelCheckpoint(saveTopK: \(saveTopK), monitor: nil) is not a valid configuration. No quantity for top_k to track: set `monitor`, or use saveTopK -1 (all), 0 (none) or 1 (the latest).")
        }
    }

    /// Lightning's key, with the settings that tell several ModelCheckpoints apart:
    /// `ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}`.
    open var stateKey: String {
        let monitorText = monitor.map(PythonFormat.repr) ?? "None"
        let interval = trainTimeInterval.map { PythonFormat.timedeltaRepr(seconds: $0) } ?? "None"
        return "\(String(describing: type(of: self))){'monitor': \(monitorText), 'mode': \(PythonFormat.repr(mode.rawValue)), 'every_n_train_steps': \(everyNTrainSteps), 'every_n_epochs': \(everyNEpochs), 'train_time_interval': \(interval)}"
    }

    // MARK: Hooks

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        // Rank 0's folder on every rank (the loggers' versions are decided there).
        dirpath = try trainer.broadcast(resolveDirpath(trainer))
        fitting = stage == .fit
        if trainer.isGlobalZero && stage == .fit, let dirpath, saveTopK != 0 {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dirpath, isDirectory: &isDirectory), isDirectory.boolValue,
               let contents = try? FileManager.default.contentsOfDirectory(atPath: dirpath), !contents.isEmpty {
                Swift.print("warning: Checkpoint directory \(dirpath) exists and is not empty.")
            }
        }
    }

    open func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        if stage == .fit { fitting = false }
    }

    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        lastTimeChecked = Trainer.now
    }

    open func onValidationStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        validationHasRun = false
    }

    open func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any,
                                   batchIndex: Int, dataloaderIndex: Int) throws {
        if trainer.stage != .sanityChecking { validationHasRun = true }
    }

    /// Saves every `everyNTrainSteps` optimizer steps or `trainTimeInterval` seconds.
    open func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any,
                              batchIndex: Int) throws {
        guard module.automaticOptimization else {
            try manualOptimizationBatchEnd(trainer)
            return
        }
        let skipDueToState = shouldSkipSaving(trainer)
        let skipBatch = everyNTrainSteps < 1 || trainer.globalStep % everyNTrainSteps != 0
        var skipTime = true
        if decidesAfterTrainingBatches {
            // Under DDP the ranks agreed at the fit loop's paced step agreement (due on any rank):
            // a rank saving alone would wait in the save's barrier. Lightning broadcasts rank 0's
            // decision instead, a collective every step.
            skipTime = !(trainer.stepDecisions.map { $0.callbacksDue.contains(ObjectIdentifier(self)) } ?? isDueOnThisRank)
        }
        if skipBatch && skipTime { return }
        if !skipTime { lastTimeChecked = Trainer.now }

        var candidates = monitorCandidates(trainer)
        // A metric that only validation logs: save once validation has produced it.
        if let monitor, candidates[monitor] == nil {
            deferSaveUntilValidation = true
            return
        }
        // The metric may be stale: when validation runs right after this last batch, save after it.
        if monitor != nil && !shouldSaveOnTrainEpochEnd(trainer) && trainer.isLastBatch {
            var willRunValidation = false
            if trainer.numValBatches.contains(where: { $0 > 0 }) {
                let every = trainer.configuration.checkValEveryNEpoch
                if every == nil || (trainer.currentEpoch + 1) % every! == 0 { willRunValidation = true }
            }
            if willRunValidation {
                deferSaveUntilValidation = true
                return
            }
        }
        if skipDueToState { return }
        try saveTopKCheckpoint(trainer, &candidates)
        try saveLastCheckpoint(trainer, &candidates)
    }

    private func manualOptimizationBatchEnd(_ trainer: Trainer) throws {
        if everyNTrainSteps < 1 || trainer.globalStep % everyNTrainSteps != 0 { return }
        if shouldSkipSaving(trainer) { return }
        var candidates = monitorCandidates(trainer)
        if let monitor, candidates[monitor] == nil {
            deferSaveUntilValidation = true
            return
        }
        if !warnedManualOptimization && trainer.isGlobalZero {
            warnedManualOptimization = true
            Swift.print("warning: Using ModelCheckpoint with manual optimization and everyNTrainSteps: the checkpoint holds the model state AFTER the optimizer step of this batch.")
        }
        try saveTopKCheckpoint(trainer, &candidates)
        try saveLastCheckpoint(trainer, &candidates)
        lastTimeChecked = Trainer.now
    }

    /// Saves at the end of the training epoch when that is where epoch saves happen.
    open func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard !shouldSkipSaving(trainer), shouldSaveOnTrainEpochEnd(trainer) else { return }
        try saveForEpoch(trainer)
    }

    /// Saves after validation when epoch saves happen there, or when a step save waited for it.
    open func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard !shouldSkipSaving(trainer), !shouldSaveOnTrainEpochEnd(trainer) else { return }
        if deferSaveUntilValidation {
            var candidates = monitorCandidates(trainer)
            try saveTopKCheckpoint(trainer, &candidates)
            try saveLastCheckpoint(trainer, &candidates)
            deferSaveUntilValidation = false
            return
        }
        try saveForEpoch(trainer)
    }

    private func saveForEpoch(_ trainer: Trainer) throws {
        var candidates = monitorCandidates(trainer)
        if everyNEpochs >= 1 && (trainer.currentEpoch + 1) % everyNEpochs == 0 {
            try saveTopKCheckpoint(trainer, &candidates)
        }
        // `last` follows a save of this step; a link follows the latest checkpoint at every check.
        if lastGlobalStepSaved == trainer.globalStep || (saveLast == .link && !lastCheckpointSaved.isEmpty) {
            try saveLastCheckpoint(trainer, &candidates)
        }
    }

    /// With `saveOnException`, saves when an error stops the run.
    open func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws {
        guard saveOnException, trainer.configuration.fastDevRun == 0, trainer.stage != .sanityChecking,
              lastGlobalStepSaved != trainer.globalStep else { return }
        var candidates = monitorCandidates(trainer)
        let filepath = try formatCheckpointName(&candidates)
        try saveCheckpoint(trainer, filepath)
        try saveLastCheckpoint(trainer, &candidates)
        Swift.print("An \(type(of: error)) was raised with message: \(error), saved checkpoint to \(filepath)")
    }

    /// With `saveLast`, makes sure `last.ckpt` exists when training ends.
    open func onTrainEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard saveLast != .disabled, lastCheckpointSaved.isEmpty, trainer.configuration.fastDevRun == 0 else { return }
        var candidates = monitorCandidates(trainer)
        try saveLastCheckpoint(trainer, &candidates)
    }

    // MARK: State

    open func stateDict() -> PickleValue? {
        let none = PickleValue.none
        return .dict([
            ("monitor", monitor.map { PickleValue.string($0) } ?? none),
            ("best_model_score", ScoreValue.pickle(bestModelScore)),
            ("best_model_path", .string(bestModelPath)),
            ("current_score", ScoreValue.pickle(currentScore)),
            ("dirpath", dirpath.map { PickleValue.string($0) } ?? none),
            ("best_k_models", .dict(bestKModelsInOrder.map { (.string($0.path), ScoreValue.pickle($0.score)) })),
            ("kth_best_model_path", .string(kthBestModelPath)),
            ("kth_value", ScoreValue.pickle(kthValue)),
            ("last_model_path", .string(lastModelPath)),
        ].map { (PickleValue.string($0.0), $0.1) })
    }

    /// Restores the bookkeeping; when the checkpoint was written to another folder only
    /// `bestModelPath` is restored (as Lightning).
    open func loadStateDict(_ state: PickleValue) throws {
        let saved: String? = {
            guard let value = state["dirpath"] else { return dirpath }
            return value.stringValue
        }()
        if saved == dirpath {
            bestModelScore = ScoreValue.read(state["best_model_score"])
            kthBestModelPath = state["kth_best_model_path"]?.stringValue ?? kthBestModelPath
            kthValue = ScoreValue.read(state["kth_value"]) ?? kthValue
            if let entries = state["best_k_models"]?.dictValue {
                bestKModelsInOrder = entries.compactMap { entry in
                    guard let path = entry.key.stringValue, let score = ScoreValue.read(entry.value) else { return nil }
                    return (path, score)
                }
            }
            lastModelPath = state["last_model_path"]?.stringValue ?? lastModelPath
        } else {
            Swift.print("warning: The dirpath has changed from \(saved.map(PythonFormat.repr) ?? "None") to \(dirpath.map(PythonFormat.repr) ?? "None"), therefore `bestModelScore`, `kthBestModelPath`, `kthValue`, `lastModelPath` and `bestKModels` won't be reloaded. Only `bestModelPath` will be reloaded.")
        }
        if let path = state["best_model_path"]?.stringValue { bestModelPath = path }
    }

    /// Writes `bestKModels` as YAML (`path: score` lines, sorted), by default to
    /// `<dirpath>/best_k_models.yaml` (Lightning's `to_yaml`).
    public func toYAML(_ path: String? = nil) throws {
        guard let target = path ?? dirpath.map({ Self.join($0, "best_k_models.yaml") }) else {
            throw LightningError.configuration("ModelCheckpoint.toYAML needs a path, or a dirpath (resolved when fit starts)")
        }
        func scalar(_ text: String) -> String {
            let chars = Array(text)
            let special = ",[]{}#&*!|>'\"%@`"
            let indicatorStart = chars.first.map { "-?:".contains($0) && (chars.count == 1 || chars[1] == " ") } ?? false
            let plain = !text.isEmpty && !special.contains(chars[0]) && !indicatorStart && !text.contains(": ") && !text.contains(" #")
                && !text.hasSuffix(":") && text.trimmingCharacters(in: .whitespaces) == text && Double(text) == nil
                && !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(text.lowercased())
            return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        func number(_ value: Double) -> String {
            if value.isNaN { return ".nan" }
            if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
            let text = PythonFormat.repr(value).lowercased()
            return !text.contains(".") && text.contains("e") ? text.replacingOccurrences(of: "e", with: ".0e") : text
        }
        let entries = bestKModelsInOrder.sorted { $0.path < $1.path }
        let text = entries.isEmpty ? "{}\n" : entries.map { "\(scalar($0.path)): \(number($0.score))\n" }.joined()
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
    }

    // MARK: Names

    /// The path for `metrics` under this callback's template (or `filename`), with version `ver`.
    public func formatCheckpointName(_ metrics: [String: Double], filename: String? = nil, ver: Int? = nil) throws -> String {
        var candidates = metrics.mapValues { PythonNumber.float($0) }
        for key in ["epoch", "step"] {
            if let value = metrics[key], value.isFinite { candidates[key] = .int(Int(value)) }
        }
        return try formatCheckpointName(&candidates, filename: filename, ver: ver)
    }

    func formatCheckpointName(_ candidates: inout [String: PythonNumber], filename: String? = nil, ver: Int? = nil) throws -> String {
        let template = (filename?.isEmpty ?? true) ? self.filename : filename
        var name = try CheckpointFilename.format(template, metrics: &candidates, autoInsertMetricName: autoInsertMetricName)
        if let ver { name += Self.checkpointJoinChar + "v\(ver)" }
        return Self.join(dirpath, name + Self.fileExtension)
    }

    /// `callbackMetrics` with `epoch` and `step` as integers (Lightning's `_monitor_candidates`).
    private func monitorCandidates(_ trainer: Trainer) -> [String: PythonNumber] {
        let metrics = trainer.callbackMetrics
        var candidates = metrics.mapValues { PythonNumber.float($0) }
        candidates["epoch"] = .int(metrics["epoch"].flatMap { $0.isFinite ? Int($0) : nil } ?? trainer.currentEpoch)
        candidates["step"] = .int(metrics["step"].flatMap { $0.isFinite ? Int($0) : nil } ?? trainer.globalStep)
        return candidates
    }

    /// `lastModelPath` and every `last*.ckpt` in the checkpoint folder (Lightning's
    /// `_find_last_checkpoints`), so a new Trainer resumes with `ckptPath: "last"` from the files
    /// an earlier run left behind.
    open func lastCheckpointCandidates(_ trainer: Trainer) -> [String] {
        let folder = resolveDirpath(trainer)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let found = names.filter { $0.hasPrefix(Self.checkpointNameLast) && $0.hasSuffix(Self.fileExtension) }
            .map { Self.join(folder, $0) }
        return [lastModelPath] + found.sorted()
    }

    private func resolveDirpath(_ trainer: Trainer) -> String {
        if let dirpath { return dirpath }
        let base: String
        if let logger = trainer.loggers.first {
            base = logger.logDir ?? Self.join(Self.join(trainer.defaultRootDir, logger.name), logger.version)
        } else {
            base = trainer.defaultRootDir
        }
        return Self.join(base, "checkpoints")
    }

    // MARK: Saving

    private func shouldSkipSaving(_ trainer: Trainer) -> Bool {
        trainer.configuration.fastDevRun > 0 || !fitting || trainer.stage == .sanityChecking
            || lastGlobalStepSaved == trainer.globalStep
    }

    /// Where epoch saves happen: at the training epoch's end, or after validation.
    private func shouldSaveOnTrainEpochEnd(_ trainer: Trainer) -> Bool {
        if let saveOnTrainEpochEnd { return saveOnTrainEpochEnd }
        let configuration = trainer.configuration
        if case .seconds = configuration.valCheckInterval { return false }
        if configuration.checkValEveryNEpoch != 1 { return false }
        if !trainer.numValBatches.contains(where: { $0 > 0 }) { return true }
        return configuration.valCheckInterval == .fraction(1.0) || configuration.valCheckInterval == .batches(1)
    }

    private func saveTopKCheckpoint(_ trainer: Trainer, _ candidates: inout [String: PythonNumber]) throws {
        guard saveTopK != 0 else { return }
        if let monitor {
            if candidates[monitor] == nil {
                let keys = trainer.callbackMetrics.keys.sorted() + ["epoch", "step"].filter { trainer.callbackMetrics[$0] == nil }
                let message = "`ModelCheckpoint(monitor: \(PythonFormat.repr(monitor)))` could not find the monitored key in the returned metrics: [\(keys.map(PythonFormat.repr).joined(separator: ", "))]. HINT: Did you call `log(\(PythonFormat.repr(monitor)), value)` in the `LightningModule`?"
                if validationHasRun { throw LightningError.configuration(message) }
                if !warnedMissingMonitor {
                    warnedMissingMonitor = true
                    Swift.print("warning: " + message)
                }
            }
            try saveMonitorCheckpoint(trainer, &candidates)
        } else {
            try saveNoneMonitorCheckpoint(trainer, &candidates)
        }
    }

    private func saveMonitorCheckpoint(_ trainer: Trainer, _ candidates: inout [String: PythonNumber]) throws {
        let current: Double? = switch candidates[monitor!] {
        case .float(let v)?: v
        case .int(let v)?: Double(v)
        case nil: nil
        }
        // The ranks save together or not at all (Lightning's reduce_boolean_decision).
        if let current, try trainer.reduceBooleanDecision(checkMonitorTopK(current)) {
            try updateBestAndSave(current, trainer, &candidates)
        } else if verbose {
            Swift.print("Epoch \(epochText(candidates)), global step \(stepText(candidates)): \(PythonFormat.repr(monitor!)) was not in top \(saveTopK)")
        }
    }

    private func checkMonitorTopK(_ current: Double) -> Bool {
        if saveTopK == -1 { return true }
        if bestKModelsInOrder.count < saveTopK { return true }
        guard let kth = bestKModelsInOrder.first(where: { $0.path == kthBestModelPath }) else { return true }
        return mode.isBetter(current, than: kth.score)
    }

    private func updateBestAndSave(_ score: Double, _ trainer: Trainer, _ candidates: inout [String: PythonNumber]) throws {
        let k = saveTopK == -1 ? bestKModelsInOrder.count + 1 : saveTopK
        var deletePath: String?
        if bestKModelsInOrder.count == k && k > 0 {
            deletePath = kthBestModelPath
            bestKModelsInOrder.removeAll { $0.path == kthBestModelPath }
        }
        // NaN is saved as the worst score.
        let current = score.isNaN ? mode.worst : score
        let filepath = try metricInterpolatedPath(&candidates, trainer, deletePath: deletePath)
        currentScore = current
        if let index = bestKModelsInOrder.firstIndex(where: { $0.path == filepath }) {
            bestKModelsInOrder[index].score = current
        } else {
            bestKModelsInOrder.append((filepath, current))
        }
        if bestKModelsInOrder.count == k {
            // The worst kept (first of equals, as Python's max/min).
            let worst = bestKModelsInOrder.dropFirst().reduce(bestKModelsInOrder[0]) { mode.isBetter($0.score, than: $1.score) ? $1 : $0 }
            kthBestModelPath = worst.path
            kthValue = worst.score
        }
        let best = bestKModelsInOrder.dropFirst().reduce(bestKModelsInOrder[0]) { mode.isBetter($1.score, than: $0.score) ? $1 : $0 }
        bestModelPath = best.path
        bestModelScore = best.score
        if verbose {
            Swift.print("Epoch \(epochText(candidates)), global step \(stepText(candidates)): \(PythonFormat.repr(monitor!)) reached \(String(format: "%0.5f", current)) (best \(String(format: "%0.5f", best.score))), saving model to \(PythonFormat.repr(filepath)) as top \(k)")
        }
        try saveCheckpoint(trainer, filepath)
        if let deletePath, shouldRemoveCheckpoint(trainer, previous: deletePath, current: filepath) {
            try removeCheckpoint(trainer, deletePath)
        }
    }

    private func saveNoneMonitorCheckpoint(_ trainer: Trainer, _ candidates: inout [String: PythonNumber]) throws {
        let filepath = try metricInterpolatedPath(&candidates, trainer, deletePath: bestModelPath)
        let previous = bestModelPath
        bestModelPath = filepath
        try saveCheckpoint(trainer, filepath)
        if saveTopK == 1 && !previous.isEmpty && shouldRemoveCheckpoint(trainer, previous: previous, current: filepath) {
            try removeCheckpoint(trainer, previous)
        }
    }

    private func saveLastCheckpoint(_ trainer: Trainer, _ candidates: inout [String: PythonNumber]) throws {
        guard saveLast != .disabled else { return }
        var filepath = try formatCheckpointName(&candidates, filename: Self.checkpointNameLast)
        if enableVersionCounter {
            var version = Self.startingVersion
            while fileExists(filepath, trainer) && filepath != lastModelPath {
                filepath = try formatCheckpointName(&candidates, filename: Self.checkpointNameLast, ver: version)
                version += 1
            }
        }
        let previous = lastModelPath
        lastModelPath = filepath
        if saveLast == .link && !lastCheckpointSaved.isEmpty && saveTopK != 0 {
            try linkCheckpoint(trainer, target: lastCheckpointSaved, link: filepath)
        } else {
            try saveCheckpoint(trainer, filepath)
        }
        if !previous.isEmpty && shouldRemoveCheckpoint(trainer, previous: previous, current: filepath) {
            try removeCheckpoint(trainer, previous)
        }
    }

    private func metricInterpolatedPath(_ candidates: inout [String: PythonNumber], _ trainer: Trainer, deletePath: String?) throws -> String {
        var filepath = try formatCheckpointName(&candidates)
        if enableVersionCounter {
            var version = Self.startingVersion
            while fileExists(filepath, trainer) && filepath != deletePath {
                filepath = try formatCheckpointName(&candidates, ver: version)
                version += 1
            }
        }
        return filepath
    }

    /// Writes the checkpoint through `trainer.saveCheckpoint`.
    open func saveCheckpoint(_ trainer: Trainer, _ filepath: String) throws {
        try trainer.saveCheckpoint(filepath, weightsOnly: saveWeightsOnly)
        lastGlobalStepSaved = trainer.globalStep
        lastCheckpointSaved = filepath
    }

    private func linkCheckpoint(_ trainer: Trainer, target: String, link: String) throws {
        guard trainer.isGlobalZero, Self.absolutePath(target) != Self.absolutePath(link) else { return }
        let manager = FileManager.default
        if (try? manager.destinationOfSymbolicLink(atPath: link)) != nil || manager.fileExists(atPath: link) {
            try manager.removeItem(atPath: link)
        }
        let folder = (link as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do {
            try manager.createSymbolicLink(atPath: link, withDestinationPath: Self.relativePath(target, from: folder))
        } catch {
            try manager.copyItem(atPath: target, toPath: link)
        }
    }

    private func removeCheckpoint(_ trainer: Trainer, _ path: String) throws {
        guard trainer.isGlobalZero else { return }
        try trainer.checkpointIO.remove(path)
    }

    private func fileExists(_ path: String, _ trainer: Trainer) -> Bool {
        trainer.isGlobalZero && FileManager.default.fileExists(atPath: path)
    }

    /// Never removes the file just written, one outside `dirpath`, or the one training resumed from.
    private func shouldRemoveCheckpoint(_ trainer: Trainer, previous: String, current: String) -> Bool {
        if previous == current { return false }
        let absolute = Self.absolutePath(previous)
        if let resumed = trainer.ckptPath, Self.absolutePath(resumed) == absolute { return false }
        guard let dirpath else { return false }
        let folder = Self.absolutePath(dirpath)
        return absolute.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    // MARK: Helpers

    private func epochText(_ candidates: [String: PythonNumber]) -> String {
        if case .int(let v)? = candidates["epoch"] { return "\(v)" }
        return "\(candidates["epoch"].map { "\($0)" } ?? "")"
    }

    private func stepText(_ candidates: [String: PythonNumber]) -> String {
        if case .int(let v)? = candidates["step"] { return "\(v)" }
        return ""
    }

    static func join(_ folder: String?, _ name: String) -> String {
        guard let folder, !folder.isEmpty, !name.hasPrefix("/") else { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// An absolute, normalised path (`~` expanded, `.`/`..` removed, symbolic links of existing
    /// parents resolved), as Python's `os.path.realpath`.
    static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : join(FileManager.default.currentDirectoryPath, expanded)
        return URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// `path` relative to `folder` (Python's `os.path.relpath`).
    static func relativePath(_ path: String, from folder: String) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let base = URL(fileURLWithPath: folder).standardizedFileURL.pathComponents
        var common = 0
        while common < target.count, common < base.count, target[common] == base[common] { common += 1 }
        let parts = Array(repeating: "..", count: base.count - common) + target[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}

extension ModelCheckpoint: ClockDecidingCallback {
    var decidesAfterTrainingBatches: Bool { trainTimeInterval != nil }
    /// `trainTimeInterval` has passed since training started or the last timed save.
    var isDueOnThisRank: Bool {
        guard let trainTimeInterval, let lastTimeChecked else { return false }
        return Trainer.now - lastTimeChecked >= trainTimeInterval
    }
}
