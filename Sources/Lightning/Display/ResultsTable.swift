import Foundation

/// The table `validate`/`test` print (Lightning's `_print_results` without `rich`): one row per
/// metric, one column per data loader, centred in columns of equal width.
struct ResultsTable {
    let stage: Stage
    let results: [[String: Double]]
    var terminalWidth: Int = Terminal.width ?? 120

    func render() -> String {
        // As Lightning's `_print_results`: a row per metric name, its `/dataloader_idx_N` suffix
        // removed (each column is one loader already).
        let results = self.results.map { result in
            Dictionary(result.map { (key, value) in
                (key.range(of: "/dataloader_idx_").map { String(key[..<$0.lowerBound]) } ?? key, value)
            }, uniquingKeysWith: { first, _ in first })
        }
        let metrics = Set(results.flatMap(\.keys)).sorted()
        guard !metrics.isEmpty else { return "" }
        let headers = results.indices.map { "DataLoader \($0)" }
        let longest = Swift.max(metrics.map(\.count).max() ?? 0, headers.map(\.count).max() ?? 0, 25)
        let width = Swift.min(longest, terminalWidth / 2)
        let columnsPerTable = Swift.max((terminalWidth - width) / width, 1)
        let bar = String(repeating: "─", count: terminalWidth)
        var lines: [String] = []
        for start in stride(from: 0, to: headers.count, by: columnsPerTable) {
            let range = start..<Swift.min(start + columnsPerTable, headers.count)
            let title = stage.rawValue.prefix(1).uppercased() + stage.rawValue.dropFirst() + " metric"
            lines += [bar, row([title] + headers[range], width), bar]
            let half = terminalWidth / 2
            for metric in metrics {
                let values = range.map { results[$0][metric].map(pythonFloatString) ?? " " }
                var name = Substring(metric)
                // A name longer than half the terminal is wrapped over several lines, as Lightning does.
                while name.count > half {
                    lines.append(row([String(name.prefix(half))] + values, width))
                    name = name.dropFirst(half)
                }
                lines.append(row([String(name)] + (metric.count > half ? [" "] : values), width))
            }
            lines.append(bar)
        }
        return lines.joined(separator: "\n")
    }

    /// Python's `"{:^w}" * n` then `rstrip()`: centred, the odd space on the right.
    private func row(_ cells: [String], _ width: Int) -> String {
        var text = ""
        for cell in cells {
            let padding = Swift.max(width - cell.count, 0)
            let left = padding / 2
            text += String(repeating: " ", count: left) + cell + String(repeating: " ", count: padding - left)
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

/// The terminal the process writes to, if any.
enum Terminal {
    /// True when standard output is a terminal (progress bars redraw in place then).
    static var isInteractive: Bool { isatty(STDOUT_FILENO) != 0 }

    /// The terminal's width in columns, or nil when not a terminal.
    static var width: Int? {
        guard isInteractive else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
