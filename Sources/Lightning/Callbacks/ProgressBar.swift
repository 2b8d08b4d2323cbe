import Foundation
import Torch

/// Shows training progress (Lightning's `TQDMProgressBar`): one bar per epoch with it/s, elapsed and
/// remaining time, `v_num` and the progress-bar metrics, and a bar for validation. On a terminal it
/// redraws in place (at most `refreshRate` times a second); otherwise it prints one line per epoch.
///
/// ```
/// Epoch 1: 100%|██████████| 938/938 [00:05<00:00, 180.52it/s, v_num=0, train_loss=0.312]
/// ```
public final class ProgressBar: Callback {
    /// Redraws per second on a terminal.
    public var refreshRate: Double
    private let output: (String) -> Void
    private let interactive: Bool
    private var epochStart = Date()
    private var lastDraw = Date.distantPast
    private var validationShown = false

    /// - Parameters:
    ///   - refreshRate: Redraws per second on a terminal.
    ///   - output: Where lines go (standard output by default; tests capture them).
    ///   - interactive: nil detects a terminal.
    public init(refreshRate: Double = 10, interactive: Bool? = nil, output: ((String) -> Void)? = nil) {
        self.refreshRate = refreshRate
        self.interactive = interactive ?? Terminal.isInteractive
        // Through the same buffered stream as `print` (so lines keep their order), flushed per draw.
        self.output = output ?? { text in
            Swift.print(text, terminator: "")
            fflush(nil)  // all output streams (stdout is a C global Swift 6 does not let us name)
        }
    }

    public func onTrainEpochStart(_ trainer: Trainer, _ module: any LightningModule) throws {
        epochStart = Date()
        lastDraw = .distantPast
    }

    public func onTrainBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: StepOutputs, batch: Any, batchIndex: Int) throws {
        guard interactive, trainer.isGlobalZero else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 1 / refreshRate || trainer.isLastBatch else { return }
        lastDraw = now
        output("\r" + line(trainer, done: batchIndex + 1, total: trainer.numTrainingBatches, metrics: true) + "\u{1B}[K")
    }

    public func onValidationBatchEnd(_ trainer: Trainer, _ module: any LightningModule, outputs: Any, batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
        guard interactive, trainer.isGlobalZero, trainer.stage == .validating else { return }
        let total = trainer.numValBatches.indices.contains(dataloaderIndex) ? trainer.numValBatches[dataloaderIndex] : nil
        output("\n\rValidation: " + bar(done: batchIndex + 1, total: total) + "\u{1B}[K\u{1B}[1A")
        validationShown = true
    }

    public func onValidationEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        guard interactive, validationShown else { return }
        output("\n\u{1B}[2K\u{1B}[1A")
        validationShown = false
    }

    public func onTrainEpochEnd(_ trainer: Trainer, _ module: any LightningModule) throws {
        // As Lightning: only global rank 0 shows progress.
        guard trainer.isGlobalZero else { return }
        let done = trainer.numTrainingBatches ?? 0
        let text = line(trainer, done: done, total: trainer.numTrainingBatches, metrics: true)
        output(interactive ? "\r" + text + "\u{1B}[K\n" : text + "\n")
    }

    /// `Epoch 3: 100%|██████████| 938/938 [00:05<00:00, 180.52it/s, v_num=0, loss=0.31]`
    func line(_ trainer: Trainer, done: Int, total: Int?, metrics: Bool) -> String {
        var postfix: [String] = []
        if let version = trainer.loggers.first?.version {
            postfix.append("v_num=" + (version.hasPrefix("version_") ? String(version.dropFirst(8)) : version))
        }
        if metrics {
            for (name, value) in trainer.progressBarMetrics.sorted(by: { $0.key < $1.key }) {
                postfix.append("\(name)=\(Self.compact(value))")
            }
        }
        return "Epoch \(trainer.currentEpoch): " + bar(done: done, total: total, postfix: postfix)
    }

    private func bar(done: Int, total: Int?, postfix: [String] = []) -> String {
        let elapsed = Date().timeIntervalSince(epochStart)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text: String
        if let total, total > 0 {
            let fraction = Swift.min(Double(done) / Double(total), 1)
            let filled = Int(fraction * 10)
            text = String(format: "%3d%%|", Int(fraction * 100)) + String(repeating: "█", count: filled)
                + String(repeating: " ", count: 10 - filled) + "| \(done)/\(total)"
            let remaining = rate > 0 ? Double(total - done) / rate : 0
            text += " [\(Self.clock(elapsed))<\(Self.clock(remaining)), "
        } else {
            text = "\(done) [\(Self.clock(elapsed)), "
        }
        text += String(format: "%.2fit/s", rate)
        text += postfix.isEmpty ? "]" : ", " + postfix.joined(separator: ", ") + "]"
        return text
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }

    /// Three significant digits, as TQDM shows postfix numbers.
    static func compact(_ value: Double) -> String {
        let text = String(format: "%.3g", value)
        return text
    }
}
