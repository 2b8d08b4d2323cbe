import Torch

/// Logs the learning rate of every optimizer (and optionally momentum and weight decay) to the
/// Trainer's loggers (Lightning's `LearningRateMonitor`).
///
/// ```swift
/// let trainer = try Trainer(callbacks: [LearningRateMonitor(loggingInterval: .step)], maxEpochs: 10)
/// // metrics.csv gains a column "lr-SGD" (or the scheduler configuration's `name`)
/// ```
///
/// Names are `lr-<Optimizer>` (or the scheduler configuration's `name`), with `-1`, `-2`, … for
/// further optimizers of the same type and `/pg1`, `/pg2`, … (or the group's `name` option) for
/// several parameter groups; momentum and weight decay add `-momentum` and `-weight_decay`.
/// Without `loggingInterval`, each scheduler's rate is logged at its own interval (optimizers
/// without a scheduler at both); `.step` or `.epoch` logs everything at that interval. Step values
/// are logged every `logEveryNSteps` optimizer steps. The values also appear (as float32) in
/// `trainer.callbackMetrics`.
open class LearningRateMonitor: Callback {
    public enum Interval: String, Sendable {
        case step
        case epoch
    }

    public let loggingInterval: Interval?
    public let logMomentum: Bool
    public let logWeightDecay: Bool
    /// Every learning rate logged, by name.
    public private(set) var lrs: [String: [Double]] = [:]
    public private(set) var lastMomentumValues: [String: Double?] = [:]
    public private(set) var lastWeightDecayValues: [String: Double?] = [:]

    public init(loggingInterval: Interval? = nil, logMomentum: Bool = false, logWeightDecay: Bool = false) {
        self.loggingInterval = loggingInterval
        self.logMomentum = logMomentum
        self.logWeightDecay = logWeightDecay
    }

    // MARK: Hooks

    /// Works out the names; throws without a logger.
    open func onTrainStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard !trainer.loggers.isEmpty else {
            throw LightningError.configuration("Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger.")
        }
        if logMomentum {
            func lacks(_ key: StateKey) -> Bool {
                trainer.lrSchedulerConfigs.isEmpty
                    ? trainer.optimizers.contains { !$0.defaults.contains(key) }
                    : trainer.lrSchedulerConfigs.contains { !$0.scheduler.optimizer.defaults.contains(key) }
            }
            if lacks("momentum") && lacks("betas") {
                Swift.print("warning: You have set logMomentum: true, but some optimizers do not have momentum. This will log a value 0 for the momentum.")
            }
        }
        var seen: [Optimizer] = []
        var seenTypes: [ObjectIdentifier: Int] = [:]
        let names = try namesFromSchedulers(trainer.lrSchedulerConfigs, seen: &seen, seenTypes: &seenTypes)
            + namesFromOptimizers(trainer.optimizers, seen: &seen, seenTypes: &seenTypes).names
        let flat = names.flatMap { $0 }
        lrs = Dictionary(flat.map { ($0, []) }, uniquingKeysWith: { a, _ in a })
        lastMomentumValues = Dictionary(flat.map { ($0 + "-momentum", nil) }, uniquingKeysWith: { a, _ in a })
        lastWeightDecayValues = Dictionary(flat.map { ($0 + "-weight_decay", nil) }, uniquingKeysWith: { a, _ in a })
    }

    open func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws {
        guard trainer.shouldUpdateLogs, loggingInterval != .epoch else { return }
        try log(trainer, interval: loggingInterval == nil ? "step" : "any")
    }

    open func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard loggingInterval != .step else { return }
        try log(trainer, interval: loggingInterval == nil ? "epoch" : "any")
    }

    /// Lightning's `should_update_logs` at a training batch: every `logEveryNSteps` optimizer steps,
    /// or when training is about to stop.
    private func log(_ trainer: Trainer, interval: String) throws {
        let stats = try extractStats(trainer, interval: interval)
        guard !stats.isEmpty, trainer.isGlobalZero else { return }
        for logger in trainer.loggers where trainer.isGlobalZero {
            try logger.logMetrics(stats, step: trainer.batchesThatStepped)
        }
    }

    // MARK: Values

    private func extractStats(_ trainer: Trainer, interval: String) throws -> [(name: String, value: Double)] {
        var stats: [(name: String, value: Double)] = []
        func add(_ more: [(name: String, value: Double)]) {
            for entry in more {
                if let index = stats.firstIndex(where: { $0.name == entry.name }) { stats[index].value = entry.value } else { stats.append(entry) }
            }
        }
        var seen: [Optimizer] = []
        var seenTypes: [ObjectIdentifier: Int] = [:]
        let schedulerNames = try namesFromSchedulers(trainer.lrSchedulerConfigs, seen: &seen, seenTypes: &seenTypes)
        remapKeys(schedulerNames)
        for (names, config) in zip(schedulerNames, trainer.lrSchedulerConfigs)
        where interval == "any" || interval == config.interval.rawValue {
            add(optimizerStats(config.scheduler.optimizer, names))
        }
        let (optimizerNames, unscheduled) = try namesFromOptimizers(trainer.optimizers, seen: &seen, seenTypes: &seenTypes)
        remapKeys(optimizerNames)
        for (optimizer, names) in zip(unscheduled, optimizerNames) {
            add(optimizerStats(optimizer, names))
        }
        // As Lightning's `torch.tensor(value)`: float32 in the callback metrics.
        for entry in stats { trainer.metrics.callback[entry.name] = .number(Double(Float(entry.value))) }
        return stats
    }

    private func optimizerStats(_ optimizer: Optimizer, _ names: [String]) -> [(name: String, value: Double)] {
        var stats: [(name: String, value: Double)] = []
        let useBetas = optimizer.defaults.contains("betas")
        for (group, name) in zip(optimizer.paramGroups, names) {
            let lr = group["lr"]?.doubleValue ?? 0
            lrs[name, default: []].append(lr)
            stats.append((name, lr))
            if logMomentum {
                let momentum: Double = useBetas
                    ? (group["betas"].flatMap { value -> Double? in
                        if case .tuple(let items) = value { return items.first?.doubleValue }
                        if case .list(let items) = value { return items.first?.doubleValue }
                        return nil
                    } ?? 0)
                    : (group["momentum"]?.doubleValue ?? 0)
                lastMomentumValues[name + "-momentum"] = momentum
                stats.append((name + "-momentum", momentum))
            }
            if logWeightDecay {
                let decay = group["weight_decay"]?.doubleValue ?? 0
                lastWeightDecayValues[name + "-weight_decay"] = decay
                stats.append((name + "-weight_decay", decay))
            }
        }
        return stats
    }

    // MARK: Names

    /// Renames `name` to `name/pg1` when an optimizer gained parameter groups.
    private func remapKeys(_ names: [[String]], token: String = "/pg1") {
        for name in names.joined() {
            let old = name.replacingOccurrences(of: token, with: "")
            if name.contains(token), let values = lrs.removeValue(forKey: old) {
                lrs[name] = values
            } else if lrs[name] == nil {
                lrs[name] = []
            }
        }
    }

    private func namesFromSchedulers(_ configs: [LRSchedulerConfiguration], seen: inout [Optimizer],
                                     seenTypes: inout [ObjectIdentifier: Int]) throws -> [[String]] {
        try configs.map { config in
            let optimizer = config.scheduler.optimizer
            let name = config.name ?? "lr-" + optimizer.typeName
            return try uniqueNames(optimizer, name, seen: &seen, seenTypes: &seenTypes, countType: config.name == nil)
        }
    }

    private func namesFromOptimizers(_ optimizers: [Optimizer], seen: inout [Optimizer],
                                     seenTypes: inout [ObjectIdentifier: Int]) throws -> (names: [[String]], optimizers: [Optimizer]) {
        var names: [[String]] = []
        var unscheduled: [Optimizer] = []
        for optimizer in optimizers where !seen.contains(where: { $0 === optimizer }) {
            names.append(try uniqueNames(optimizer, "lr-" + optimizer.typeName, seen: &seen, seenTypes: &seenTypes, countType: true))
            unscheduled.append(optimizer)
        }
        return (names, unscheduled)
    }

    private func uniqueNames(_ optimizer: Optimizer, _ name: String, seen: inout [Optimizer],
                             seenTypes: inout [ObjectIdentifier: Int], countType: Bool) throws -> [String] {
        seen.append(optimizer)
        let type = ObjectIdentifier(Swift.type(of: optimizer))
        if countType { seenTypes[type, default: 0] += 1 }
        let groups = optimizer.paramGroups
        let groupNames = groups.enumerated().map { $0.element["name"]?.stringValue ?? "pg\($0.offset + 1)" }
        let duplicates = Set(groupNames.filter { n in groupNames.filter { $0 == n }.count > 1 })
        if !duplicates.isEmpty {
            throw LightningError.configuration("A single `Optimizer` cannot have multiple parameter groups with identical `name` values. \(name) has duplicated parameter group names \(duplicates.sorted())")
        }
        var prefixed = name
        if let count = seenTypes[type], count > 1 { prefixed += "-\(count - 1)" }
        return groups.indices.map { index in
            if groups.count > 1 { return "\(prefixed)/\(groupNames[index])" }
            if let groupName = groups[index]["name"]?.stringValue, !groupName.isEmpty { return "\(prefixed)/\(groupName)" }
            return prefixed
        }
    }
}
