import Foundation

/// `hparams.yaml` as Lightning's `save_hparams_to_yaml` writes it (PyYAML `dump`, keys sorted),
/// shared by the CSV and TensorBoard loggers.
enum HparamsYAML {
    static let fileName = "hparams.yaml"

    static func render(_ hyperparameters: Hyperparameters) -> String {
        if hyperparameters.isEmpty { return "{}\n" }
        var yaml = ""
        for (key, value) in hyperparameters.sorted(by: { $0.key < $1.key }) {
            let text = yamlValue(value)
            yaml += "\(key):" + (text.hasPrefix("\n") ? text : " " + text) + "\n"
        }
        return yaml
    }

    /// Writes `hparams.yaml` into `folder` (created if missing), atomically.
    static func write(_ hyperparameters: Hyperparameters, into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeAtomically(render(hyperparameters), to: (folder as NSString).appendingPathComponent(fileName))
    }

    private static func yamlValue(_ value: HyperparameterValue) -> String {
        switch value {
        case .string(let s): return s.contains(":") || s.isEmpty ? "'\(s)'" : s
        case .list(let values): return values.isEmpty ? "[]" : "\n" + values.map { "- \(yamlValue($0))" }.joined(separator: "\n")
        default: return value.description
        }
    }
}
