import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times the Trainer's actions (Lightning's `Profiler`). The Trainer wraps every hook call in
/// `start`/`stop` with Lightning's action names (`[Callback]ModelCheckpoint.on_train_epoch_end`,
/// `[LightningModule]Model.on_train_start`, `[Strategy]SingleDeviceStrategy.training_step`,
/// `run_training_epoch`, `run_training_batch`, `[_TrainingEpochLoop].train_dataloader_next`,
/// `[_EvaluationLoop].val_next`, `save_checkpoint`), calls `setup` when a run starts and
/// `describe` when it ends.
///
/// ```swift
/// let trainer = try Trainer(maxEpochs: 3, profiler: "simple")
/// let trainer = try Trainer(maxEpochs: 3, profiler: .instance(SimpleProfiler(filename: "perf")))
/// ```
public protocol Profiler: AnyObject {
    /// Starts timing `action`.
    func start(_ action: String)
    /// Stops timing `action`.
    func stop(_ action: String)
    /// The report.
    func summary() -> String
    /// Called by the Trainer when a run begins: the stage (`fit`, `validate`, `test`, `predict`) and
    /// the log folder (where a report file goes when `dirpath` is not set).
    func setup(stage: String, logDir: String?)
    /// Prints the report, or appends it to `<dirpath>/<stage>-<filename>.txt` when a filename is set.
    func describe() throws
}

extension Profiler {
    /// Times `body` as `action`.
    @inlinable
    public func profile<R>(_ action: String, _ body: () throws -> R) rethrows -> R {
        start(action)
        defer { stop(action) }
        return try body()
    }
}

/// The report destination shared by the built-in profilers (Lightning's `Profiler` base).
open class ReportingProfiler {
    /// The folder of the report file (the Trainer's log folder when nil).
    public var dirpath: String?
    /// The report file's name without stage or extension; nil prints the report instead.
    public let filename: String?
    /// The stage of the current run (`fit`, …), the first word of the report's title.
    public private(set) var stage: String?

    public init(dirpath: String? = nil, filename: String? = nil) {
        self.dirpath = dirpath
        self.filename = filename
    }

    open func setup(stage: String, logDir: String?) {
        self.stage = stage
        if dirpath == nil { dirpath = logDir }
    }

    open func summary() -> String { "" }

    /// Lightning's `_prepare_filename`: `<stage>-<filename>.txt`.
    public var reportPath: String? {
        guard let filename, let dirpath else { return nil }
        var base = ([stage, filename].compactMap { $0 }).joined(separator: "-")
        base = base.replacingOccurrences(of: #"[\\/:*?"<>|\n\r\t]"#, with: "_", options: .regularExpression)
        base = base.replacingOccurrences(of: "_+", with: "_", options: .regularExpression)
        return (dirpath as NSString).appendingPathComponent((base.isEmpty ? "profile" : base) + ".txt")
    }

    open func describe() throws {
        let text = summary()
        guard !text.isEmpty else { return }
        if let path = reportPath {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            if let handle = FileHandle(forWritingAtPath: path) {
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
            } else {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
        } else {
            Swift.print(text, terminator: "")
        }
    }

    /// Seconds on the monotonic clock (Lightning's `time.perf_counter`).
    @inline(__always)
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

/// Python's `format(x, ".5")`: five significant digits, at least one after the point.
func pythonShortFormat(_ value: Double) -> String {
    var text = String(format: "%.5g", value)
    if !text.contains(".") && !text.contains("e") && !text.contains("n") && !text.contains("i") { text += ".0" }
    return text
}

/// Times each action: mean, number of calls, total and share of the run (Lightning's
/// `SimpleProfiler`). The report, titled `FIT Profiler Report`, is printed when the run ends, or
/// appended to `<dirpath>/<stage>-<filename>.txt` when `filename` is given.
public final class SimpleProfiler: ReportingProfiler, Profiler {
    /// With `extended: false` the columns are action, mean and total only.
    public let extended: Bool
    private var started: [String: [Double]] = [:]
    /// The durations of each action, in seconds, in the order the actions first finished.
    public private(set) var recordedDurations: [String: [Double]] = [:]
    private var order: [String] = []
    private let startTime = ReportingProfiler.now()

    public init(dirpath: String? = nil, filename: String? = nil, extended: Bool = true) {
        self.extended = extended
        super.init(dirpath: dirpath, filename: filename)
    }

    public func start(_ action: String) {
        // Lightning refuses an action started twice; here a re-entered action nests.
        started[action, default: []].append(Self.now())
    }

    public func stop(_ action: String) {
        let end = Self.now()
        guard let begin = started[action]?.popLast() else {
            preconditionFailure("Attempting to stop recording an action (\(action)) which was never started.")
        }
        if recordedDurations[action] == nil { order.append(action) }
        recordedDurations[action, default: []].append(end - begin)
    }

    public override func summary() -> String {
        let sep = "\n"
        var output = (stage.map { $0.uppercased() + " " } ?? "") + "Profiler Report" + sep
        guard !recordedDurations.isEmpty else { return output + sep }
        let width = recordedDurations.keys.map(\.count).max()!
        func pad(_ text: String, _ n: Int) -> String { text.count >= n ? text : text + String(repeating: " ", count: n - text.count) }
        func row(_ cells: [String]) -> String {
            "\(sep)|  \(pad(cells[0], width))\t|" + cells.dropFirst().map { "  \(pad($0, 15))\t|" }.joined()
        }
        // Python's expandtabs(8) length of the header row.
        func expandedLength(_ text: String) -> Int {
            var column = 0
            for character in text.dropFirst(sep.count) {
                column = character == "\t" ? (column / 8 + 1) * 8 : column + 1
            }
            return column + sep.count
        }
        if extended {
            let total = Self.now() - startTime
            let header = row(["Action", "Mean duration (s)", "Num calls", "Total time (s)", "Percentage %"])
            let line = sep + String(repeating: "-", count: expandedLength(header))
            var report = order.map { action -> (String, Double, Int, Double, Double) in
                let d = recordedDurations[action]!
                let sum = d.reduce(0, +)
                return (action, sum / Double(d.count), d.count, sum, 100 * sum / total)
            }
            report.sort { $0.4 > $1.4 }
            let calls = report.map(\.2).reduce(0, +)
            output += line + header + line
            output += row(["Total", "-", "\(calls)", pythonShortFormat(total), "100 %"]) + line
            for (action, mean, count, sum, percentage) in report {
                output += row([action, pythonShortFormat(mean), "\(count)", pythonShortFormat(sum), pythonShortFormat(percentage)])
            }
            output += line
        } else {
            let header = row(["Action", "Mean duration (s)", "Total time (s)"])
            let line = sep + String(repeating: "-", count: expandedLength(header))
            var report = order.map { action -> (String, Double, Double) in
                let d = recordedDurations[action]!
                let sum = d.reduce(0, +)
                return (action, sum / Double(d.count), sum)
            }
            report.sort { $0.1 > $1.1 }
            output += line + header + line
            for (action, mean, sum) in report { output += row([action, pythonShortFormat(mean), pythonShortFormat(sum)]) }
            output += line
        }
        return output + sep
    }
}

/// A nested timing tree: every action timed inside another appears under it, with its calls, total
/// time, mean and own time (total less its children's). Lightning's `AdvancedProfiler` runs cProfile
/// per action; Swift has no function-level profiler to run in-process, so this one gives the
/// per-action breakdown as the tree of the Trainer's actions (hooks inside the batch inside the
/// epoch) instead.
public final class AdvancedProfiler: ReportingProfiler, Profiler {
    /// One action at one place in the tree.
    public final class Node {
        public let action: String
        public private(set) var calls = 0
        public private(set) var total: Double = 0
        public private(set) var children: [Node] = []
        private var childIndex: [String: Int] = [:]
        weak var parent: Node?

        init(action: String, parent: Node?) {
            self.action = action
            self.parent = parent
        }

        func child(_ action: String) -> Node {
            if let index = childIndex[action] { return children[index] }
            let node = Node(action: action, parent: self)
            childIndex[action] = children.count
            children.append(node)
            return node
        }

        func record(_ seconds: Double) {
            calls += 1
            total += seconds
        }

        /// Time not spent in a child action.
        public var ownTime: Double { total - children.map(\.total).reduce(0, +) }
    }

    /// The root of the tree (its children are the outermost actions).
    public let root = Node(action: "Total", parent: nil)
    private var stack: [(node: Node, start: Double)] = []

    public override init(dirpath: String? = nil, filename: String? = nil) {
        super.init(dirpath: dirpath, filename: filename)
    }

    public func start(_ action: String) {
        let parent = stack.last?.node ?? root
        stack.append((parent.child(action), Self.now()))
    }

    public func stop(_ action: String) {
        let end = Self.now()
        // Close the innermost open action of that name (and any left open inside it).
        guard let index = stack.lastIndex(where: { $0.node.action == action }) else {
            preconditionFailure("Attempting to stop recording an action (\(action)) which was never started.")
        }
        while stack.count > index {
            let (node, begin) = stack.removeLast()
            node.record(end - begin)
        }
    }

    public override func summary() -> String {
        var lines = [(stage.map { $0.uppercased() + " " } ?? "") + "Profiler Report", ""]
        let width = max(40, maxWidth(root, depth: 0))
        func pad(_ text: String, _ n: Int, left: Bool = true) -> String {
            let fill = String(repeating: " ", count: Swift.max(0, n - text.count))
            return left ? text + fill : fill + text
        }
        lines.append(pad("Action", width) + pad("Num calls", 12, left: false) + pad("Total (s)", 14, left: false)
                     + pad("Mean (s)", 14, left: false) + pad("Own (s)", 14, left: false))
        lines.append(String(repeating: "-", count: width + 54))
        func walk(_ node: Node, depth: Int) {
            for child in node.children.sorted(by: { $0.total > $1.total }) {
                lines.append(pad(String(repeating: "  ", count: depth) + child.action, width)
                             + pad("\(child.calls)", 12, left: false)
                             + pad(String(format: "%.6f", child.total), 14, left: false)
                             + pad(String(format: "%.6f", child.total / Double(Swift.max(child.calls, 1))), 14, left: false)
                             + pad(String(format: "%.6f", child.ownTime), 14, left: false))
                walk(child, depth: depth + 1)
            }
        }
        walk(root, depth: 0)
        return lines.joined(separator: "\n") + "\n"
    }

    private func maxWidth(_ node: Node, depth: Int) -> Int {
        node.children.map { Swift.max(2 * depth + $0.action.count + 2, maxWidth($0, depth: depth + 1)) }.max() ?? 0
    }
}

/// The `profiler` setting of the Trainer: a name (`"simple"`, `"advanced"`) or a profiler.
public enum ProfilerChoice: ExpressibleByStringLiteral {
    case name(String)
    case instance(any Profiler)

    public init(stringLiteral value: String) { self = .name(value) }

    /// The profiler for this choice (nil for an unknown name; the Trainer's checks reject those).
    func make() -> (any Profiler)? {
        switch self {
        case .instance(let profiler): profiler
        case .name("simple"): SimpleProfiler()
        case .name("advanced"): AdvancedProfiler()
        case .name: nil
        }
    }
}
