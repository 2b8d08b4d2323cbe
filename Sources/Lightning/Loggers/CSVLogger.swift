import Foundation
import Torch

/// Writes metrics to `<saveDir>/<name>/version_<n>/metrics.csv` and hyperparameters to
/// `hparams.yaml` in that folder, as Lightning's `CSVLogger`.
///
/// Rows are buffered and written on ``save()`` (at the end of each epoch, on a logged step every
/// `flushLogsEveryNSteps`, and when the run ends); columns are the sorted union of every key logged
/// so far, so a new metric rewrites the file with the wider header, as Lightning does.
///
/// ```swift
/// let trainer = try Trainer(logger: [CSVLogger(saveDir: "logs", name: "iris")])
/// ```
public final class CSVLogger: Logger {
    public let name: String
    public let saveDir: String
    public let flushLogsEveryNSteps: Int
    private var folder: ExperimentFolder
    private var rows: [[String: Double]] = []
    private var columns: [String] = []
    private var writtenRows = 0
    private var hyperparameters = Hyperparameters()

    /// - Parameters:
    ///   - saveDir: The folder that holds the experiment folders.
    ///   - name: The experiment folder (`lightning_logs` by default).
    ///   - version: nil picks the next free `version_<n>`.
    ///   - flushLogsEveryNSteps: Rows are written to `metrics.csv` every this many steps (and at the end).
    public init(saveDir: String = ".", name: String = "lightning_logs", version: String? = nil, flushLogsEveryNSteps: Int = 100) {
        self.saveDir = saveDir
        self.name = name
        self.folder = ExperimentFolder(saveDir: saveDir, name: name, version: version)
        self.flushLogsEveryNSteps = flushLogsEveryNSteps
    }

    public var version: String { folder.version() }

    public var logDir: String? { folder.logDir() }

    /// The path of metrics.csv.
    public var metricsFile: String { (logDir! as NSString).appendingPathComponent("metrics.csv") }

    public func logHyperparams(_ hyperparameters: Hyperparameters) throws {
        self.hyperparameters = self.hyperparameters.merging(hyperparameters)
        try HparamsYAML.write(self.hyperparameters, into: logDir!)
    }

    public func logMetrics(_ metrics: [(name: String, value: Double)], step: Int) throws {
        var row: [String: Double] = ["step": Double(step)]
        for (name, value) in metrics { row[name] = value }
        rows.append(row)
        if (step + 1) % Swift.max(flushLogsEveryNSteps, 1) == 0 { try save() }
    }

    public func save() throws {
        guard rows.count > writtenRows else { return }
        try createFolder()
        let newColumns = Set(rows.flatMap(\.keys))
        let sorted = newColumns.sorted()
        if sorted != columns || writtenRows == 0 {
            // The header changed: rewrite the whole file.
            columns = sorted
            try writeAtomically(render(rows, header: true), to: metricsFile)
        } else {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: metricsFile))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(render(Array(rows[writtenRows...]), header: false).utf8))
        }
        writtenRows = rows.count
    }

    public func finalize(status: String) throws {
        try save()
    }

    private func render(_ rows: [[String: Double]], header: Bool) -> String {
        var text = header ? columns.joined(separator: ",") + "\n" : ""
        for row in rows {
            text += columns.map { key in row[key].map { Self.format($0, column: key) } ?? "" }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// `step` and `epoch` as integers; metric values as Python writes floats (`0.5`, `1.0`, `1e-05`).
    static func format(_ value: Double, column: String) -> String {
        if column == "step" || column == "epoch" { return String(Int64(value)) }
        return pythonFloatString(value)
    }

    private func createFolder() throws {
        try FileManager.default.createDirectory(atPath: logDir!, withIntermediateDirectories: true)
    }
}

/// `repr(float)` in Python. Swift's description is the same shortest round-trip form and switches
/// to exponent notation at the same points (below 1e-4, from 1e16).
func pythonFloatString(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}

/// Writes `text` to `path` through a temporary file and a rename, so readers never see half a file.
func writeAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try Data(text.utf8).write(to: url, options: .atomic)
}
