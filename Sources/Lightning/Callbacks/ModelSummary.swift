import Foundation
import Torch

/// Prints the model's layers, parameter counts and size when fitting starts (Lightning's
/// `ModelSummary`).
///
/// ```
///   | Name | Type       | Params | Mode
/// --------------------------------------
/// 0 | net  | Sequential | 101 K  | train
/// --------------------------------------
/// 101 K     Trainable params
/// 0         Non-trainable params
/// 101 K     Total params
/// 0.407     Total estimated model params size (MB)
/// 4         Modules in train mode
/// 0         Modules in eval mode
/// ```
public final class ModelSummary: Callback {
    /// How deep to list submodules (1: the direct children; -1: all; 0: no summary).
    public let maxDepth: Int
    private let output: (String) -> Void

    public init(maxDepth: Int = 1, output: ((String) -> Void)? = nil) {
        self.maxDepth = maxDepth
        self.output = output ?? { Swift.print($0) }
    }

    public func onFitStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        // As Lightning: `maxDepth: 0` prints nothing.
        guard trainer.isGlobalZero, maxDepth != 0 else { return }
        output(Self.summary(of: module, maxDepth: maxDepth))
    }

    /// The summary text of `module`: its submodules down to `maxDepth` (-1: all of them), and a row
    /// "other params" for parameters that no listed submodule holds, as Lightning's table.
    public static func summary(of module: Module, maxDepth: Int = 1) -> String {
        // The submodules (the module itself is neither listed nor counted in the modes, as Lightning).
        let submodules = module.namedModules().filter { !$0.0.isEmpty }
        var rows: [[String]] = []
        var listedParameters = 0
        for (name, child) in submodules {
            let depth = name.split(separator: ".").count
            guard maxDepth < 0 || depth <= maxDepth else { continue }
            listedParameters += child.parameterCount
            rows.append(["\(rows.count)", name, child.typeName, formatCount(child.parameterCount), child.training ? "train" : "eval"])
        }
        let total = module.parameterCount
        // As Lightning: what the listed rows do not add up to (nested rows count twice, so a
        // deeper table shows no such row).
        if total > listedParameters { rows.append([" ", "other params", "n/a", formatCount(total - listedParameters), "n/a"]) }
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
        let bytes = module.parameters().reduce(0) { $0 + $1.numel * $1.dtype.elementSize }
        lines += [
            formatCount(trainable).padding(toLength: 10, withPad: " ", startingAt: 0) + "Trainable params",
            formatCount(total - trainable).padding(toLength: 10, withPad: " ", startingAt: 0) + "Non-trainable params",
            formatCount(total).padding(toLength: 10, withPad: " ", startingAt: 0) + "Total params",
            String(format: "%-10.3f", Double(bytes) / 1e6) + "Total estimated model params size (MB)",
            "\(submodules.filter(\.1.training).count)".padding(toLength: 10, withPad: " ", startingAt: 0) + "Modules in train mode",
            "\(submodules.filter { !$0.1.training }.count)".padding(toLength: 10, withPad: " ", startingAt: 0) + "Modules in eval mode",
        ]
        return lines.joined(separator: "\n")
    }

    /// Lightning's `get_human_readable_count`: 999, 1.2 K, 65.0 K, 101 K, 3.4 M, 5.6 B, 7.8 T (one
    /// decimal below 100 of a unit, whole units from 100).
    static func formatCount(_ count: Int) -> String {
        let units = ["K", "M", "B", "T"]
        let digits = count > 0 ? Int(log10(Double(count)).rounded(.down)) + 1 : 1
        let groups = Swift.min((digits + 2) / 3, units.count + 1)
        guard groups > 1 else { return "\(count)  " }
        let value = Double(count) * pow(10, Double(-3 * (groups - 1)))
        let unit = units[groups - 2]
        return value >= 100 ? "\(Int(value)) \(unit)" : String(format: "%.1f", value) + " " + unit
    }
}
