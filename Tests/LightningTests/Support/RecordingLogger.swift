import Lightning

/// A logger that keeps every `logMetrics` call, in order.
final class RecordingLogger: Logger {
    struct Call {
        let step: Int
        let metrics: [(name: String, value: Double)]
        var names: [String] { metrics.map(\.name) }
        var values: [String: Double] { Dictionary(metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }) }
    }

    var calls: [Call] = []
    let name = "recording"
    let version = "0"
    let logDir: String? = nil
    func logHyperparams(_ hyperparameters: Hyperparameters) throws {}
    func logMetrics(_ metrics: [(name: String, value: Double)], step: Int) throws {
        calls.append(Call(step: step, metrics: metrics))
    }
}
