import Foundation
import Torch

/// The kind of classification problem (torchmetrics' `task`).
public enum ClassificationTask: Equatable, Sendable {
    /// One score (probability or logit) or a 0/1 label per sample; targets 0/1.
    case binary
    /// Scores `(N, C)` or labels `(N,)`; targets class indices `(N,)`.
    case multiclass(numClasses: Int)
    /// Scores or 0/1 labels `(N, L)`; targets 0/1 `(N, L)`.
    case multilabel(numLabels: Int)

    var classCount: Int {
        switch self {
        case .binary: 1
        case .multiclass(let n): n
        case .multilabel(let n): n
        }
    }
}

/// How per-class scores are combined (torchmetrics' `average`).
public enum ClassAverage: String, Sendable {
    /// From the counts summed over classes.
    case micro
    /// The unweighted mean of the per-class scores (classes that never occur are left out, as
    /// torchmetrics does for multiclass).
    case macro
    /// The mean of the per-class scores weighted by their support.
    case weighted
    /// The per-class scores.
    case none
}

/// Turns classification inputs into per-sample decisions (torchmetrics' `_*_stat_scores_format`).
struct ClassificationInputs {
    /// Binary/multilabel: 0/1 decisions, row-major `(N, L)`; multiclass: the predicted class per sample.
    var predicted: [Int]
    var target: [Int]
    var samples: Int

    static func make(_ preds: Tensor, _ target: Tensor, task: ClassificationTask, threshold: Double,
                     topK: Int, ignoreIndex: Int?) throws -> ClassificationInputs {
        let targets: [Int] = try target.toArray()
        switch task {
        case .binary, .multilabel:
            let labels = task.classCount
            guard preds.numel == target.numel, target.numel % labels == 0 else {
                throw LightningError.logging("preds of shape \(preds.shape) and target of shape \(target.shape) do not match for a \(task) task")
            }
            var decided: [Int]
            if preds.dtype.isFloatingPoint {
                var scores: [Double] = try preds.toArray()
                // As torchmetrics: scores outside [0, 1] are logits.
                if scores.contains(where: { !($0 >= 0 && $0 <= 1) }) { scores = scores.map { 1 / (1 + Foundation.exp(-$0)) } }
                decided = scores.map { $0 > threshold ? 1 : 0 }
            } else {
                decided = try preds.toArray(of: Int.self)
            }
            return ClassificationInputs(predicted: decided, target: targets, samples: targets.count / labels)
        case .multiclass(let classes):
            let n = targets.count
            var predicted: [Int]
            if preds.dtype.isFloatingPoint && preds.numel == n * classes && preds.numel != n {
                let scores: [Double] = try preds.toArray()
                predicted = (0..<n).map { i in
                    let row = scores[(i * classes)..<((i + 1) * classes)]
                    let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
                    let top1 = order[0] - i * classes
                    guard topK > 1 else { return top1 }
                    // torchmetrics' top-k refinement: the target when it is among the top k, else the top 1.
                    let topk = order.prefix(topK).map { $0 - i * classes }
                    return topk.contains(targets[i]) ? targets[i] : top1
                }
            } else {
                guard preds.numel == n else {
                    throw LightningError.logging("multiclass preds must be scores (N, \(classes)) or labels (N,), got shape \(preds.shape) for target \(target.shape)")
                }
                predicted = try preds.toArray(of: Int.self)
            }
            return ClassificationInputs(predicted: predicted, target: targets, samples: n)
        }
    }
}

/// The true/false positive/negative counts per class, summed over batches (torchmetrics'
/// `StatScores`). The base of ``Accuracy``, ``Precision``, ``Recall`` and ``F1Score``.
open class StatScores: Metric {
    public let task: ClassificationTask
    public let average: ClassAverage
    public let threshold: Double
    public let topK: Int
    public let ignoreIndex: Int?

    public init(task: ClassificationTask, average: ClassAverage = .micro, threshold: Double = 0.5, topK: Int = 1,
                ignoreIndex: Int? = nil) throws {
        if task.classCount < 1 { throw LightningError.configuration("the number of classes or labels must be at least 1") }
        if case .multiclass(let n) = task, topK < 1 || topK > n {
            throw LightningError.configuration("topK must be in 1...\(n), got \(topK)")
        }
        if case .multiclass = task {} else if topK != 1 {
            throw LightningError.configuration("topK applies to multiclass tasks only")
        }
        self.task = task
        self.average = average
        self.threshold = threshold
        self.topK = topK
        self.ignoreIndex = ignoreIndex
        super.init()
        let zeros = try Tensor.zeros([task.classCount], dtype: .int64)
        for name in ["tp", "fp", "tn", "fn"] { addState(name, default: zeros, reduction: .sum) }
    }

    open override func update(preds: Tensor, target: Tensor) throws {
        let inputs = try ClassificationInputs.make(preds, target, task: task, threshold: threshold, topK: topK,
                                                   ignoreIndex: ignoreIndex)
        let classes = task.classCount
        var tp = [Int](repeating: 0, count: classes), fp = tp, tn = tp, fn = tp
        switch task {
        case .binary, .multilabel:
            for (index, (p, t)) in zip(inputs.predicted, inputs.target).enumerated() where t != ignoreIndex {
                let c = index % classes
                switch (p == 1, t == 1) {
                case (true, true): tp[c] += 1
                case (true, false): fp[c] += 1
                case (false, false): tn[c] += 1
                case (false, true): fn[c] += 1
                }
            }
        case .multiclass:
            var counted = 0
            for (p, t) in zip(inputs.predicted, inputs.target) where t != ignoreIndex {
                guard (0..<classes).contains(t), (0..<classes).contains(p) else {
                    throw LightningError.logging("class index out of range 0..<\(classes): prediction \(p), target \(t)")
                }
                counted += 1
                if p == t { tp[t] += 1 } else { fp[p] += 1; fn[t] += 1 }
            }
            for c in 0..<classes { tn[c] = counted - tp[c] - fp[c] - fn[c] }
        }
        try follow(preds.device)
        for (name, counts) in [("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)] {
            setState(name, try state(name) + Tensor(counts, device: preds.device))
        }
        didUpdate()
    }

    /// The four counts as Doubles.
    func counts() throws -> (tp: [Double], fp: [Double], tn: [Double], fn: [Double]) {
        func read(_ name: String) throws -> [Double] { try state(name).toArray(of: Int.self).map(Double.init) }
        return (try read("tp"), try read("fp"), try read("tn"), try read("fn"))
    }

    var isMultilabel: Bool { if case .multilabel = task { true } else { false } }

    /// The metric from per-class scores: binary as is, micro from summed counts, otherwise averaged
    /// (torchmetrics' `_adjust_weights_safe_divide`).
    func reduce(_ score: ([Double], [Double], [Double], [Double]) -> [Double], weightsTopK: Int) throws -> Tensor {
        let (tp, fp, tn, fn) = try counts()
        if task == .binary { return try Tensor(scalar: Float(score(tp, fp, tn, fn)[0])) }
        if average == .micro {
            return try Tensor(scalar: Float(score([tp.reduce(0, +)], [fp.reduce(0, +)], [tn.reduce(0, +)], [fn.reduce(0, +)])[0]))
        }
        let perClass = score(tp, fp, tn, fn)
        if average == .none { return try Tensor(perClass.map(Float.init)) }
        var weights: [Double]
        if average == .weighted {
            weights = zip(tp, fn).map { $0 + $1 }
        } else {
            weights = [Double](repeating: 1, count: perClass.count)
            if !isMultilabel {
                for c in weights.indices where (weightsTopK == 1 ? tp[c] + fp[c] + fn[c] : tp[c] + fn[c]) == 0 { weights[c] = 0 }
            }
        }
        let total = weights.reduce(0, +)
        let value = total == 0 ? 0 : zip(weights, perClass).map { $0 * $1 / total }.reduce(0, +)
        return try Tensor(scalar: Float(value))
    }
}

func safeDivide(_ a: Double, _ b: Double, _ zeroDivision: Double = 0) -> Double { b == 0 ? zeroDivision : a / b }

/// The fraction of correct predictions (torchmetrics' `Accuracy`): binary, multiclass (with top-k)
/// or multilabel; `average` as the torchmetrics wrapper (`.micro` by default).
public final class Accuracy: StatScores {
    public override func computeValue() throws -> Tensor {
        let (tp, fp, tn, fn) = try counts()
        if task == .binary || (average == .micro && isMultilabel) {
            let a = tp.reduce(0, +) + tn.reduce(0, +)
            let b = tp.indices.map { tp[$0] + fp[$0] + tn[$0] + fn[$0] }.reduce(0, +)
            return try Tensor(scalar: Float(safeDivide(a, b)))
        }
        if average == .micro { return try Tensor(scalar: Float(safeDivide(tp.reduce(0, +), tp.reduce(0, +) + fn.reduce(0, +)))) }
        let multilabel = isMultilabel
        return try reduce({ tp, fp, tn, fn in
            tp.indices.map { multilabel ? safeDivide(tp[$0] + tn[$0], tp[$0] + tn[$0] + fp[$0] + fn[$0]) : safeDivide(tp[$0], tp[$0] + fn[$0]) }
        }, weightsTopK: topK)
    }
}

/// TP / (TP + FP) (torchmetrics' `Precision`).
public final class Precision: StatScores {
    public override func computeValue() throws -> Tensor {
        try reduce({ tp, fp, _, _ in tp.indices.map { safeDivide(tp[$0], tp[$0] + fp[$0]) } }, weightsTopK: topK)
    }
}

/// TP / (TP + FN) (torchmetrics' `Recall`).
public final class Recall: StatScores {
    public override func computeValue() throws -> Tensor {
        try reduce({ tp, _, _, fn in tp.indices.map { safeDivide(tp[$0], tp[$0] + fn[$0]) } }, weightsTopK: topK)
    }
}

/// 2·TP / (2·TP + FP + FN) (torchmetrics' `F1Score`).
public final class F1Score: StatScores {
    public override func computeValue() throws -> Tensor {
        try reduce({ tp, fp, _, fn in tp.indices.map { safeDivide(2 * tp[$0], 2 * tp[$0] + fn[$0] + fp[$0]) } }, weightsTopK: 1)
    }
}

/// Counts of (target, prediction) pairs, rows the targets (torchmetrics' `ConfusionMatrix`).
public final class ConfusionMatrix: Metric {
    public enum Normalization: String, Sendable { case `true`, pred, all }
    public let task: ClassificationTask
    public let threshold: Double
    public let normalize: Normalization?
    let classes: Int

    public init(task: ClassificationTask, threshold: Double = 0.5, normalize: Normalization? = nil) throws {
        if case .multilabel = task { throw LightningError.configuration("ConfusionMatrix supports binary and multiclass tasks") }
        self.task = task
        self.threshold = threshold
        self.normalize = normalize
        classes = task == .binary ? 2 : task.classCount
        super.init()
        addState("confmat", default: try Tensor.zeros([classes, classes], dtype: .int64), reduction: .sum)
    }

    public override func update(preds: Tensor, target: Tensor) throws {
        let inputs = try ClassificationInputs.make(preds, target, task: task, threshold: threshold, topK: 1, ignoreIndex: nil)
        var counts = [Int](repeating: 0, count: classes * classes)
        for (p, t) in zip(inputs.predicted, inputs.target) {
            guard (0..<classes).contains(p), (0..<classes).contains(t) else {
                throw LightningError.logging("class index out of range 0..<\(classes): prediction \(p), target \(t)")
            }
            counts[t * classes + p] += 1
        }
        try follow(preds.device)
        setState("confmat", try state("confmat") + Tensor(counts, shape: [classes, classes], device: preds.device))
        didUpdate()
    }

    public override func computeValue() throws -> Tensor {
        let matrix = try state("confmat")
        guard let normalize else { return matrix }
        let m = try matrix.toArray(of: Int.self).map(Double.init)
        let k = classes
        var out = [Float](repeating: 0, count: k * k)
        let total = m.reduce(0, +)
        for r in 0..<k {
            for c in 0..<k {
                let d: Double = switch normalize {
                case .true: (0..<k).map { m[r * k + $0] }.reduce(0, +)
                case .pred: (0..<k).map { m[$0 * k + c] }.reduce(0, +)
                case .all: total
                }
                out[r * k + c] = Float(safeDivide(m[r * k + c], d))
            }
        }
        return try Tensor(out, shape: [k, k], device: matrix.device)
    }
}

/// The area under the ROC curve, exact (torchmetrics' `AUROC` with `thresholds=None`): binary, or
/// multiclass one-vs-rest with `.macro`, `.weighted` or `.none`. Keeps every score (`.cat` states).
public final class AUROC: Metric {
    public let task: ClassificationTask
    public let average: ClassAverage

    public init(task: ClassificationTask, average: ClassAverage = .macro) throws {
        if case .multilabel = task { throw LightningError.configuration("AUROC supports binary and multiclass tasks") }
        if case .multiclass = task, average == .micro { throw LightningError.configuration("multiclass AUROC averages are macro, weighted or none") }
        self.task = task
        self.average = average
        super.init()
        addState("preds", default: try Tensor.zeros([0]), reduction: .cat)
        addState("target", default: try Tensor.zeros([0], dtype: .int64), reduction: .cat)
    }

    public override func update(preds: Tensor, target: Tensor) throws {
        var scores = try preds.detach().to(dtype: .float32)
        // As torchmetrics, per batch: binary scores outside [0, 1] go through a sigmoid, multiclass ones a softmax.
        let values: [Float] = try scores.toArray()
        if values.contains(where: { !($0 >= 0 && $0 <= 1) }) {
            scores = try task == .binary ? scores.sigmoid() : scores.softmax(dim: 1)
        }
        if case .multiclass(let n) = task, scores.numel != target.numel * n {
            throw LightningError.logging("multiclass AUROC takes scores (N, \(n)), got \(preds.shape) for target \(target.shape)")
        }
        append("preds", try scores.reshape([-1]))
        append("target", try target.detach().to(dtype: .int64).reshape([-1]))
        didUpdate()
    }

    /// The binary AUROC of `scores` against 0/1 `labels`: the Mann–Whitney statistic, ties counted half.
    static func binaryAUROC(_ scores: [Double], _ labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return 0 }
        let rankSum = zip(ranks, labels).filter(\.1).map(\.0).reduce(0, +)
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    public override func computeValue() throws -> Tensor {
        let scores = try state("preds").toArray(of: Double.self)
        let targets = try state("target").toArray(of: Int.self)
        switch task {
        case .binary:
            return try Tensor(scalar: Float(Self.binaryAUROC(scores, targets.map { $0 == 1 })))
        default:
            let k = task.classCount
            let perClass = (0..<k).map { c in
                Self.binaryAUROC(stride(from: c, to: scores.count, by: k).map { scores[$0] }, targets.map { $0 == c })
            }
            switch average {
            case .none: return try Tensor(perClass.map(Float.init))
            case .weighted:
                let support = (0..<k).map { c in Double(targets.filter { $0 == c }.count) }
                let total = support.reduce(0, +)
                return try Tensor(scalar: Float(zip(perClass, support).map { $0 * $1 / total }.reduce(0, +)))
            default:
                return try Tensor(scalar: Float(perClass.reduce(0, +) / Double(k)))
            }
        }
    }
}
