import Torch

extension Fabric {
    /// Sends one value to every logger, on rank 0 only (Lightning's `fabric.log`). Without a
    /// `step`, the number of earlier calls without one is used (as Lightning's CSV logger counts
    /// rows).
    ///
    /// ```swift
    /// try fabric.log("train_loss", loss, step: step)
    /// ```
    public func log(_ name: String, _ value: Double, step: Int? = nil) throws {
        try logDict([name: value], step: step)
    }

    /// Sends a tensor's value to every logger (it is read on the host only on rank 0).
    public func log(_ name: String, _ value: Tensor, step: Int? = nil) throws {
        try logDict([name: value], step: step)
    }

    /// Sends several values to every logger in one row, on rank 0 only (Lightning's `log_dict`).
    public func logDict(_ metrics: [String: Double], step: Int? = nil) throws {
        guard isGlobalZero, !loggers.isEmpty else { return }
        let step = step ?? nextImplicitStep()
        let rows = metrics.keys.sorted().map { (name: $0, value: metrics[$0]!) }
        for logger in loggers { try logger.logMetrics(rows, step: step) }
    }

    /// ``logDict(_:step:)`` with tensor values (each a single number).
    public func logDict(_ metrics: [String: Tensor], step: Int? = nil) throws {
        guard isGlobalZero, !loggers.isEmpty else { return }
        var values: [String: Double] = [:]
        for (name, tensor) in metrics {
            guard tensor.numel == 1 else {
                throw LightningError.logging("fabric.log('\(name)', …) needs a single number, but the tensor has shape \(tensor.shape)")
            }
            values[name] = try tensor.detach().to(.cpu, dtype: .float64).toArray(of: Double.self)[0]
        }
        try logDict(values, step: step)
    }

    private func nextImplicitStep() -> Int {
        defer { implicitLogStep += 1 }
        return implicitLogStep
    }
}
