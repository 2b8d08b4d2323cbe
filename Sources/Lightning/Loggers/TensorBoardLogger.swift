import Foundation
import Torch

/// Writes metrics and hyperparameters as TensorBoard event files, as Lightning's
/// `TensorBoardLogger`: `<saveDir>/<name>/version_<n>/events.out.tfevents.<time>.<host>.<pid>.<n>`
/// and `hparams.yaml` beside it. Pure Swift; no TensorFlow or TensorBoard needed to write.
///
/// - Each metric becomes a scalar (`add_scalar`: a float32 `simple_value`) at the given step,
///   `epoch` included, as Lightning logs it.
/// - ``logHyperparams(_:metrics:)`` writes the hparams plugin's experiment, session-start and
///   session-end summaries; with `defaultHpMetric` (the default) and no metrics it first logs the
///   placeholder `hp_metric = -1` at step 0. Log `hp_metric` yourself to give it a real value.
/// - Events are queued and appended `maxQueue` at a time, on ``save()`` and on
///   ``finalize(status:)``, which closes the file; logging after that opens a new event file in
///   the same folder (as `SummaryWriter` does after `close()`).
/// - `hparams.yaml` is written on ``save()`` if it does not exist yet (Lightning's rule).
///
/// ```swift
/// let trainer = try Trainer(logger: [TensorBoardLogger(saveDir: "logs")])
/// // tensorboard --logdir logs/lightning_logs
/// ```
public final class TensorBoardLogger: Logger {
    public let name: String
    public let saveDir: String
    /// Log the placeholder `hp_metric = -1` with the hyperparameters.
    public let defaultHpMetric: Bool
    /// Joined to metric names with `-` (`"<prefix>-<name>"`).
    public let prefix: String
    /// A folder under the version folder to write into (`log_dir/<subDir>`).
    public let subDir: String?
    /// Events queued before they are written (`SummaryWriter`'s `max_queue`).
    public let maxQueue: Int
    /// Every hyperparameter logged so far (what `hparams.yaml` holds).
    public private(set) var hparams = Hyperparameters()
    private var folder: ExperimentFolder
    private var writer: EventFileWriter?

    /// - Parameters:
    ///   - saveDir: The folder that holds the experiment folders.
    ///   - name: The experiment folder (`lightning_logs` by default).
    ///   - version: nil picks the next free `version_<n>`; a string is the folder name as given.
    ///   - defaultHpMetric: Log `hp_metric` = -1 with the hyperparameters, as Lightning.
    ///   - prefix: Put in front of every logged name.
    ///   - subDir: A folder under the version folder to write into.
    ///   - maxQueue: Events queued before they are written.
    public init(saveDir: String = ".", name: String = "lightning_logs", version: String? = nil,
                defaultHpMetric: Bool = true, prefix: String = "", subDir: String? = nil, maxQueue: Int = 10) {
        self.saveDir = saveDir
        self.name = name
        self.defaultHpMetric = defaultHpMetric
        self.prefix = prefix
        self.subDir = subDir
        self.maxQueue = maxQueue
        self.folder = ExperimentFolder(saveDir: saveDir, name: name, version: version)
    }

    public var version: String { folder.version() }

    /// `<saveDir>/<name>`.
    public var rootDir: String { folder.rootDir }

    /// `<saveDir>/<name>/<version>[/<subDir>]`, where the event files and hparams.yaml go.
    public var logDir: String? {
        let dir = folder.logDir()
        guard let subDir else { return dir }
        return (dir as NSString).appendingPathComponent(subDir)
    }

    /// The event file being written, once something has been logged.
    public var eventFile: String? { writer?.path }

    private func experiment() throws -> EventFileWriter {
        if let writer { return writer }
        let made = try EventFileWriter(folder: logDir!, maxQueue: maxQueue)
        writer = made
        return made
    }

    public func logHyperparams(_ hyperparameters: Hyperparameters) throws {
        try logHyperparams(hyperparameters, metrics: nil)
    }

    /// Records `hyperparameters` (for `hparams.yaml` and the HPARAMS tab) and `metrics` as their
    /// initial values at step 0 (`hp_metric = -1` when nil and `defaultHpMetric`).
    public func logHyperparams(_ hyperparameters: Hyperparameters, metrics: [(name: String, value: Double)]?) throws {
        hparams = hparams.merging(hyperparameters)
        let metrics = metrics ?? (defaultHpMetric ? [(name: "hp_metric", value: -1.0)] : [])
        guard !metrics.isEmpty else { return }
        try logMetrics(metrics, step: 0)
        let values = hyperparameters.map { (key: $0.key, value: Self.pluginValue($0.value)) }
        let wallTime = Date().timeIntervalSince1970
        let writer = try experiment()
        for summary in HParamsPluginSummaries.make(values, metricTags: metrics.map { prefixed($0.name) }) {
            try writer.write(TensorBoardProtos.event(wallTime: wallTime, summary: summary))
        }
    }

    public func logMetrics(_ metrics: [(name: String, value: Double)], step: Int) throws {
        let writer = try experiment()
        let wallTime = Date().timeIntervalSince1970
        for (name, value) in metrics {
            let summary = TensorBoardProtos.scalarSummary(tag: prefixed(name), value: Float(value))
            try writer.write(TensorBoardProtos.event(wallTime: wallTime, step: Int64(step), summary: summary))
        }
    }

    /// Writes queued events, and `hparams.yaml` if the folder exists and the file does not.
    public func save() throws {
        try writer?.flush()
        let dir = logDir!
        var isFolder: ObjCBool = false
        let yaml = (dir as NSString).appendingPathComponent(HparamsYAML.fileName)
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder), isFolder.boolValue,
           !FileManager.default.fileExists(atPath: yaml) {
            try HparamsYAML.write(hparams, into: dir)
        }
    }

    /// Closes the event file; on "success" also ``save()``s.
    public func finalize(status: String) throws {
        if let writer {
            try writer.close()
            self.writer = nil
        }
        if status == "success" { try save() }
    }

    private func prefixed(_ name: String) -> String { prefix.isEmpty ? name : prefix + "-" + name }

    /// What `torch.utils.tensorboard.summary.hparams` stores after Lightning's `_sanitize_params`:
    /// numbers (booleans too, which Python counts as ints) as FLOAT64, anything else as its `str()`.
    static func pluginValue(_ value: HyperparameterValue) -> HParamsPluginSummaries.Value {
        switch value {
        case .int(let v): .number(Double(v))
        case .double(let v): .number(v)
        case .bool(let v): .number(v ? 1 : 0)
        case .string(let v): .string(v)
        case .list, .none: .string(pythonStr(value))
        }
    }

    /// Python's `str()` of a hyperparameter (`repr` for list elements).
    static func pythonStr(_ value: HyperparameterValue, nested: Bool = false) -> String {
        switch value {
        case .int(let v): String(v)
        case .double(let v): PythonFormat.repr(v)
        case .bool(let v): v ? "True" : "False"
        case .string(let v): nested ? PythonFormat.repr(v) : v
        case .none: "None"
        case .list(let values): "[" + values.map { pythonStr($0, nested: true) }.joined(separator: ", ") + "]"
        }
    }
}
