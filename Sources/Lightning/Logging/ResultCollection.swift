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
    }

    private(set) var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]

    /// Records one `log` call.
    func log(_ name: String, value: MetricValue, onStep: Bool, onEpoch: Bool, progressBar: Bool, logger: Bool,
             reduction: MetricReduction, batchSize: Int) throws {
        if let index = indexByName[name] {
            let previous = entries[index]
            guard previous.reduction == reduction, previous.onStep == onStep, previous.onEpoch == onEpoch else {
                throw LightningError.logging("You called `log(\"\(name)\", ...)` twice in the same epoch with different settings (on_step, on_epoch or reduce_fx); log it with the same settings every time")
            }
            entries[index].last = value
            entries[index].loggedThisStep = true
            if onEpoch { try accumulate(index, value, batchSize) }
        } else {
            indexByName[name] = entries.count
            entries.append(Entry(name: name, onStep: onStep, onEpoch: onEpoch, progressBar: progressBar, logger: logger,
                                 reduction: reduction, last: value, loggedThisStep: true, accumulated: nil, weight: 0))
            if onEpoch { try accumulate(entries.count - 1, value, batchSize) }
        }
    }

    private func accumulate(_ index: Int, _ value: MetricValue, _ batchSize: Int) throws {
        let entry = entries[index]
        let weight = Double(batchSize)
        func combine(_ old: MetricValue?, _ new: MetricValue, _ f: (Tensor, Tensor) throws -> Tensor, _ g: (Double, Double) -> Double) throws -> MetricValue {
            guard let old else { return new }
            switch (old, new) {
            case (.number(let a), .number(let b)): return .number(g(a, b))
            case (.tensor(let a), .tensor(let b)): return .tensor(try f(a, b))
            case (.tensor(let a), .number(let b)): return .tensor(try f(a, Tensor(scalar: b).to(a.device, dtype: a.dtype)))
            case (.number(let a), .tensor(let b)): return .tensor(try f(Tensor(scalar: a).to(b.device, dtype: b.dtype), b))
            }
        }
        switch entry.reduction {
        case .mean:
            let weighted: MetricValue
            switch value {
            case .number(let v): weighted = .number(v * weight)
            // As Lightning's `_ResultMetric`: float64 values accumulate in float64, everything else in
            // float32 (so a float32 loss has a float32 epoch mean, bit for bit).
            case .tensor(let t): weighted = .tensor(try t.to(dtype: t.dtype == .float64 ? .float64 : .float32) * weight)
            }
            entries[index].accumulated = try combine(entry.accumulated, weighted, { try $0 + $1 }, +)
            entries[index].weight += weight
        case .sum:
            entries[index].accumulated = try combine(entry.accumulated, value, { try $0 + $1 }, +)
        case .max:
            entries[index].accumulated = try combine(entry.accumulated, value, { try $0.maximum($1) }, Swift.max)
        case .min:
            entries[index].accumulated = try combine(entry.accumulated, value, { try $0.minimum($1) }, Swift.min)
        }
    }

    /// The epoch value of an entry (its reduction over the epoch).
    func epochValue(_ entry: Entry) throws -> MetricValue? {
        guard let accumulated = entry.accumulated else { return nil }
        guard entry.reduction == .mean else { return accumulated }
        switch accumulated {
        case .number(let sum): return .number(sum / Swift.max(entry.weight, 1))
        case .tensor(let sum): return .tensor(try sum / Swift.max(entry.weight, 1))
        }
    }

    /// Marks the step's values as reported.
    func endStep() {
        for index in entries.indices { entries[index].loggedThisStep = false }
    }

    /// Forgets everything (a new epoch).
    func reset() {
        entries.removeAll()
        indexByName.removeAll()
    }
}
