import Torch

/// The values logged by one loop (training, validation or test) during the current epoch, with
/// their settings and running epoch reductions (Lightning's `_ResultCollection`).
///
/// Values stay tensors; only reading them (progress bar refresh, logger write, a monitoring
/// callback) synchronises with the device.
final class ResultCollection {
    struct Entry {
        var name: String
        var onStep: Bool
        var onEpoch: Bool
        var progressBar: Bool
        var logger: Bool
        var reduction: MetricReduction
        /// The value of the latest call.
        var last: MetricValue
        /// Whether `last` was logged in the current step (step values are reported once).
        var loggedThisStep: Bool
        /// Σ value·weight (mean), Σ value (sum), or the running max/min.
        var accumulated: MetricValue?
        /// Σ batch sizes, for the weighted mean.
        var weight: Double
        /// A logged Metric object: its epoch value is `compute()`, and it is reset after the epoch.
        var metric: Metric?
        /// Whether the epoch value is reduced across the ranks (`syncDist`).
        var syncDist = false
        /// The epoch value once computed (a synchronised value is reduced once per epoch).
        var computed: MetricValue?

        /// Whether computing the epoch value runs collectives under DDP: a Metric object (its
        /// state syncs) or a `syncDist` tensor not yet reduced (see ``epochValue(_:)``).
        var reducesAcrossRanks: Bool {
            if metric != nil { return true }
            guard syncDist, computed == nil, case .tensor = accumulated else { return false }
            return true
        }
    }

    /// Reduces a tensor across the ranks (set by the Trainer in a DDP run).
    var sync: ((Tensor, ReduceOp) throws -> Tensor)?

    private(set) var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]

    /// Records one `log` call.
    /// `value` is this rank's value (accumulated for the epoch); `stepValue` the one reported for
    /// the step (reduced across the ranks with `syncDist`).
    func log(_ name: String, value: MetricValue, stepValue: MetricValue? = nil, metric: Metric? = nil, onStep: Bool, onEpoch: Bool,
             progressBar: Bool, logger: Bool, reduction: MetricReduction, syncDist: Bool = false, batchSize: Int) throws {
        let stepValue = stepValue ?? value
        if let index = indexByName[name] {
            let previous = entries[index]
            guard previous.reduction == reduction, previous.onStep == onStep, previous.onEpoch == onEpoch else {
                throw LightningError.logging("You called `log(\"\(name)\", ...)` twice in the same epoch with different settings (on_step, on_epoch or reduce_fx); log it with the same settings every time")
            }
            guard (previous.metric == nil) == (metric == nil) else {
                throw LightningError.logging("You called `log(\"\(name)\", ...)` with a Metric and with a plain value in the same epoch; log one kind")
            }
            entries[index].last = stepValue
            entries[index].loggedThisStep = true
            entries[index].metric = metric
            entries[index].computed = nil
            if onEpoch && metric == nil { try accumulate(index, value, batchSize) }
        } else {
            indexByName[name] = entries.count
            entries.append(Entry(name: name, onStep: onStep, onEpoch: onEpoch, progressBar: progressBar, logger: logger,
                                 reduction: reduction, last: stepValue, loggedThisStep: true, accumulated: nil, weight: 0,
                                 metric: metric, syncDist: syncDist))
            if onEpoch && metric == nil { try accumulate(entries.count - 1, value, batchSize) }
        }
    }

    /// Lightning's `_ResultMetric.update`: Σ value·batch size (mean), Σ value (sum), running max or
    /// min — tensor ops in the value's dtype, so the results round as Lightning's do.
    private func accumulate(_ index: Int, _ value: MetricValue, _ batchSize: Int) throws {
        let entry = entries[index]
        guard case .tensor(let logged) = value else {
            throw LightningError.logging("internal: logged values are tensors")
        }
        // As Lightning's `_ResultMetric.update`: float64 values reduce in float64, every other dtype
        // in float32 (so a float32 loss has a float32 epoch mean, bit for bit).
        let v = logged.dtype == .float64 || logged.dtype == .float32 ? logged : try logged.to(dtype: .float32)
        let previous: Tensor? = if case .tensor(let t) = entry.accumulated { t } else { nil }
        let updated: Tensor
        switch entry.reduction {
        case .mean:
            let weighted = try v * batchSize
            updated = try previous.map { try $0 + weighted } ?? weighted
            entries[index].weight += Double(batchSize)
        case .sum:
            updated = try previous.map { try $0 + v } ?? v
        case .max:
            updated = try previous.map { try $0.maximum(v) } ?? v
        case .min:
            updated = try previous.map { try $0.minimum(v) } ?? v
        }
        entries[index].accumulated = .tensor(updated)
    }

    /// The epoch value of an entry (its reduction over the epoch).
    func epochValue(_ entry: Entry) throws -> MetricValue? {
        // A Metric object reduces itself (compute() caches until the next update or reset).
        if let metric = entry.metric { return .tensor(try metric.compute()) }
        guard let accumulated = entry.accumulated else { return nil }
        guard entry.syncDist, let sync, case .tensor(let local) = accumulated else {
            guard entry.reduction == .mean, case .tensor(let sum) = accumulated else { return accumulated }
            return .tensor(try sum / Swift.max(entry.weight, 1))
        }
        if let computed = entry.computed { return computed }
        // Across the ranks: Σ value·batch / Σ batch for a mean, else the reduction itself.
        let value: Tensor
        if entry.reduction == .mean {
            let weights = try sync(try Tensor(scalar: entry.weight).to(dtype: local.dtype), .sum)
            value = try sync(local, .sum) / weights.clampMin(min: 1)
        } else {
            value = try sync(local, entry.reduction.reduceOp)
        }
        if let index = indexByName[entry.name] { entries[index].computed = .tensor(value) }
        return .tensor(value)
    }

    /// Marks the step's values as reported.
    func endStep() {
        for index in entries.indices { entries[index].loggedThisStep = false }
    }

    /// Resets the Metric objects logged this epoch (Lightning resets them once the epoch's values
    /// have been read).
    func resetMetrics() {
        var seen = Set<ObjectIdentifier>()
        for entry in entries {
            if let metric = entry.metric, seen.insert(ObjectIdentifier(metric)).inserted { metric.reset() }
        }
    }

    /// Forgets everything (a new epoch).
    func reset() {
        entries.removeAll()
        indexByName.removeAll()
    }
}
