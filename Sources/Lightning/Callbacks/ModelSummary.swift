import Foundation
import Torch

/// Prints the model's layers, parameter counts and size when fitting starts (Lightning's
/// `ModelSummary`).
///
/// ```
///   | Name | Type       | Params | Mode
/// ---------------------------------------------
/// 0 | net  | Sequential | 101 K  | train
/// ---------------------------------------------
/// 101 K     Trainable params
/// 0         Non-trainable params
/// 101 K     Total params
/// 0.407     Total estimated model params size (MB)
/// ```
public final class ModelSummary: Callback {
    /// How deep to list submodules (1: the direct children).
    public let maxDepth: Int
    private let output: (String) -> Void

    public init(maxDepth: Int = 1, output: ((String) -> Void)? = nil) {
        self.maxDepth = maxDepth
        self.output = output ?? { Swift.print($0) }
    }

    public func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard trainer.isGlobalZero else { return }
        output(Self.summary(of: module, maxDepth: maxDepth))
    }

    /// The summary text of `module`.
    public static func summary(of module: Module, maxDepth: Int = 1) -> String {
        var rows: [[String]] = []
        for (name, child) in module.namedModules() where !name.isEmpty {
            let depth = name.split(separator: ".").count
            guard depth <= maxDepth else { continue }
            rows.append(["\(rows.count)", name, child.typeName, formatCount(child.parameterCount), child.training ? "train" : "eval"])
        }
        let header = ["", "Name", "Type", "Params", "Mode"]
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = Swift.max(widths[i], cell.count) } }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: " | ")
        }
        let headerLine = render(header)
        let rule = String(repeating: "-", count: headerLine.count)
        var lines = [headerLine, rule] + rows.map(render) + [rule]
        let trainable = module.trainableParameterCount
        let total = module.parameterCount
        let bytes = module.parameters().reduce(0) { $0 + $1.numel * $1.dtype.elementSize }
        let modules = module.modules()
        lines += [
            formatCount(trainable).padding(toLength: 10, withPad: " ", startingAt: 0) + "Trainable params",
            formatCount(total - trainable).padding(toLength: 10, withPad: " ", startingAt: 0) + "Non-trainable params",
            formatCount(total).padding(toLength: 10, withPad: " ", startingAt: 0) + "Total params",
            String(format: "%-10.3f", Double(bytes) / 1e6) + "Total estimated model params size (MB)",
            "\(modules.filter(\.training).count)".padding(toLength: 10, withPad: " ", startingAt: 0) + "Modules in train mode",
            "\(modules.filter { !$0.training }.count)".padding(toLength: 10, withPad: " ", startingAt: 0) + "Modules in eval mode",
        ]
        return lines.joined(separator: "\n")
    }

    /// Lightning's `get_human_readable_count`: 999, 1.2 K, 3.4 M, 5.6 B, 7.8 T.
    static func formatCount(_ count: Int) -> String {
        let units = ["", "K", "M", "B", "T"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(count)  " }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
