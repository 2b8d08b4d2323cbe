import Foundation
import Torch

/// Logs the machine's load around training, validation and test batches, every `logEveryNSteps` (Lightning's
/// `DeviceStatsMonitor`): on a GPU the CUDA caching allocator's statistics (`torch.cuda.memory_stats`:
/// `allocated_bytes.all.current`, `reserved_bytes.all.peak`, `num_ooms`, …); on the CPU the memory,
/// CPU and swap use in percent (`cpu_vm_percent`, `cpu_percent`, `cpu_swap_percent`, as Lightning
/// reads them with psutil). They are named `DeviceStatsMonitor.on_train_batch_start/cpu_percent`
/// and so on.
///
/// ```swift
/// let trainer = try Trainer(callbacks: [DeviceStatsMonitor()], logEveryNSteps: 10)
/// ```
///
/// Values are logged every `logEveryNSteps` steps, at the optimizer steps taken so far. On a GPU,
/// `cpuStats: true` adds the CPU statistics.
open class DeviceStatsMonitor: Callback {
    /// nil: CPU statistics when training on the CPU; true: also on a GPU; false: none on the CPU.
    public let cpuStats: Bool?
    private var cpuTimes: CPUStats.Times?

    public init(cpuStats: Bool? = nil) {
        self.cpuStats = cpuStats
    }

    open func setup(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        guard stage == .fit else { return }
        guard !trainer.loggers.isEmpty else {
            throw LightningError.configuration("Cannot use `DeviceStatsMonitor` callback with `Trainer(logger: [])`: add a logger.")
        }
    }

    private func logStats(_ trainer: Trainer, _ hook: String, due: Bool) throws {
        guard due, trainer.isGlobalZero else { return }
        var stats: [(name: String, value: Double)]
        if case .cuda(let index) = trainer.device {
            stats = try CUDA.memoryStats(device: index).sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
            if cpuStats == true { stats += CPUStats.read(previous: &cpuTimes) }
        } else {
            guard cpuStats != false else { return }
            stats = CPUStats.read(previous: &cpuTimes)
        }
        let prefix = "DeviceStatsMonitor.\(hook)/"
        try trainer.logMetricsDirectly(stats.map { (prefix + $0.name, $0.value) }, step: trainer.batchesThatStepped)
    }

    open func onTrainBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int) throws {
        try logStats(trainer, "on_train_batch_start", due: trainer.shouldUpdateLogs)
    }

    open func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        try logStats(trainer, "on_train_batch_end", due: trainer.shouldUpdateLogs)
    }

    open func onValidationBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try logStats(trainer, "on_validation_batch_start", due: trainer.shouldUpdateLogs)
    }

    open func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try logStats(trainer, "on_validation_batch_end", due: trainer.shouldUpdateLogs)
    }

    open func onTestBatchStart(_ trainer: Trainer, _ module: any LightningModule, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try logStats(trainer, "on_test_batch_start", due: trainer.shouldUpdateLogs)
    }

    open func onTestBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        try logStats(trainer, "on_test_batch_end", due: trainer.shouldUpdateLogs)
    }
}

/// The CPU statistics psutil gives Lightning, read from Linux's `/proc` (0 where unreadable).
enum CPUStats {
    /// Busy and total CPU time from `/proc/stat`.
    struct Times {
        var busy: Double
        var total: Double
    }

    /// `cpu_vm_percent`, `cpu_percent` (since the previous reading; 0 on the first) and
    /// `cpu_swap_percent`, each rounded to one decimal as psutil does.
    static func read(previous: inout Times?) -> [(name: String, value: Double)] {
        let memory = meminfo()
        let vm = percent(used: (memory["MemTotal"] ?? 0) - (memory["MemAvailable"] ?? 0), total: memory["MemTotal"] ?? 0)
        let swap = percent(used: (memory["SwapTotal"] ?? 0) - (memory["SwapFree"] ?? 0), total: memory["SwapTotal"] ?? 0)
        var cpu = 0.0
        if let now = cpuTimes() {
            if let before = previous, now.total > before.total {
                cpu = Swift.min(100, Swift.max(0, rounded((now.busy - before.busy) / (now.total - before.total) * 100)))
            }
            previous = now
        }
        return [("cpu_vm_percent", vm), ("cpu_percent", cpu), ("cpu_swap_percent", swap)]
    }

    private static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private static func percent(used: Double, total: Double) -> Double {
        total > 0 ? rounded(used / total * 100) : 0
    }

    /// `/proc/meminfo` in kB by field.
    static func meminfo() -> [String: Double] {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return [:] }
        var fields: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        return fields
    }

    /// psutil's system CPU times: busy = all but idle and iowait; guest time is inside user time.
    private static func cpuTimes() -> Times? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return nil }
        let guest = values.count > 9 ? values[8] + values[9] : 0
        let total = values.reduce(0, +) - guest
        let idle = values[3] + values[4]
        return Times(busy: total - idle, total: total)
    }
}
