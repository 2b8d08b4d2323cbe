import Torch

/// Where metrics and hyperparameters are written (Lightning's `Logger`): CSV files, TensorBoard
/// event files, or your own.
///
/// The Trainer calls these on global rank 0 only. `logMetrics` gets step-level values every
/// `logEveryNSteps` optimizer steps and epoch-level values at epoch ends, always with an `epoch`
/// entry; `step` is the number of optimizer steps so far.
public protocol Logger: AnyObject {
    /// The experiment name (the folder under the save directory).
    var name: String { get }
    /// The version (`version_0`, …).
    var version: String { get }
    /// The folder this logger writes into, where checkpoints go by default.
    var logDir: String? { get }
    func logHyperparams(_ hyperparameters: Hyperparameters) throws
    func logMetrics(_ metrics: [(name: String, value: Double)], step: Int) throws
    /// Flushes buffered data.
    func save() throws
    /// Closes files at the end of a run; `status` is "success", "failed" or "interrupted".
    func finalize(status: String) throws
}

extension Logger {
    public func save() throws {}
    public func finalize(status: String) throws { try save() }
}
