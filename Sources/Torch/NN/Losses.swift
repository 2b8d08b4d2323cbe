// Loss functions, as torch.nn.functional's: the same ATen calls with the same argument handling
// (broadcasting, weights, reductions), so values and gradients match PyTorch.

/// How `F.klDiv` reduces: PyTorch's `reduction` including `'batchmean'` (the sum divided by the
/// batch size, the mathematically correct KL divergence).
public enum KLDivReduction: String, Sendable {
    case none
    case batchmean
    case sum
    case mean
}

/// The shape two shapes broadcast to (PyTorch's `_infer_size`).
func broadcastShape(_ a: [Int], _ b: [Int]) throws(TorchError) -> [Int] {
    let count = max(a.count, b.count)
    let a = Array(repeating: 1, count: count - a.count) + a
    let b = Array(repeating: 1, count: count - b.count) + b
    var result: [Int] = []
    for (x, y) in zip(a, b) {
        guard x == y || x == 1 || y == 1 else {
            throw TorchError("The size of tensor a (\(x)) must match the size of tensor b (\(y)) at non-singleton dimension")
        }
        result.append(x == 1 ? y : x)
    }
    return result
}

extension Functional {
    /// Cross entropy between logits `input` ([N, C] or [N, C, d…]) and `target`: class indices (int64
    /// [N] or [N, d…]) or class probabilities (same shape as `input`). `weight` rescales each class,
    /// `ignoreIndex` (index targets) is left out of the loss and the mean, `labelSmoothing` mixes the
    /// target with the uniform distribution.
    ///
    /// ```swift
    /// let loss = try F.crossEntropy(logits, labels, labelSmoothing: 0.1)
    /// ```
    public static func crossEntropy(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean,
        labelSmoothing: Double = 0
    ) throws(TorchError) -> Tensor {
        try input.crossEntropyLoss(target: target, weight: weight, reduction: reduction, ignoreIndex: ignoreIndex,
                                   labelSmoothing: labelSmoothing)
    }

    /// Negative log likelihood of log-probabilities `input` ([N, C] or [N, C, d…]) at the class
    /// indices `target`.
    public static func nllLoss(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean
    ) throws(TorchError) -> Tensor {
        try input.nllLossNd(target: target, weight: weight, reduction: reduction, ignoreIndex: ignoreIndex)
    }

    /// Applies an elementwise weight and the reduction, as PyTorch does for weighted MSE and L1:
    /// the weighted mean divides by the sum of the weights.
    private static func weightedReduce(
        _ errors: Tensor, weight: Tensor, input: Tensor, reduction: Reduction, sumOfWeightsMean: Bool
    ) throws(TorchError) -> Tensor {
        guard weight.shape == input.shape else { throw TorchError("Weights and input must have the same size.") }
        let weighted = try errors * weight
        switch reduction {
        case .none: return weighted
        case .sum: return try weighted.sum()
        case .mean: return sumOfWeightsMean ? try weighted.sum() / weight.sum() : try weighted.mean()
        }
    }

    /// Mean squared error, with broadcasting of `input` and `target`; an elementwise `weight` gives the
    /// weighted mean (divided by the sum of the weights).
    public static func mseLoss(
        _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, weight: Tensor? = nil
    ) throws(TorchError) -> Tensor {
        let expanded = try Tensor.broadcastTensors([input, target])
        if let weight {
            let errors = try (expanded[0] - expanded[1]).pow(2)
            return try weightedReduce(errors, weight: weight, input: input, reduction: reduction, sumOfWeightsMean: true)
        }
        return try expanded[0].mseLoss(target: expanded[1], reduction: reduction)
    }

    /// Mean absolute error, with broadcasting; an elementwise `weight` gives the weighted mean.
    public static func l1Loss(
        _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, weight: Tensor? = nil
    ) throws(TorchError) -> Tensor {
        let expanded = try Tensor.broadcastTensors([input, target])
        if let weight {
            let errors = try (expanded[0] - expanded[1]).abs()
            return try weightedReduce(errors, weight: weight, input: input, reduction: reduction, sumOfWeightsMean: true)
        }
        return try expanded[0].l1Loss(target: expanded[1], reduction: reduction)
    }

    /// Smooth L1: quadratic below `beta`, linear above (L1 when `beta` is 0).
    public static func smoothL1Loss(
        _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1
    ) throws(TorchError) -> Tensor {
        let expanded = try Tensor.broadcastTensors([input, target])
        if beta == 0 { return try expanded[0].l1Loss(target: expanded[1], reduction: reduction) }
        return try expanded[0].smoothL1Loss(target: expanded[1], reduction: reduction, beta: beta)
    }

    /// Huber loss: quadratic below `delta`, linear (scaled by `delta`) above; an elementwise `weight`
    /// multiplies the loss before the (plain) mean.
    public static func huberLoss(
        _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1, weight: Tensor? = nil
    ) throws(TorchError) -> Tensor {
        let expanded = try Tensor.broadcastTensors([input, target])
        guard let weight else { return try expanded[0].huberLoss(target: expanded[1], reduction: reduction, delta: delta) }
        let unweighted = try expanded[0].huberLoss(target: expanded[1], reduction: .none, delta: delta)
        return try weightedReduce(unweighted, weight: weight, input: input, reduction: reduction, sumOfWeightsMean: false)
    }

    /// Binary cross entropy of probabilities `input` against `target` (same shape); `weight`
    /// (broadcast to the target's shape) rescales each element.
    public static func binaryCrossEntropy(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean
    ) throws(TorchError) -> Tensor {
        guard target.shape == input.shape else {
            throw TorchError("Using a target size (\(target.shape)) that is different to the input size (\(input.shape)) is deprecated. Please ensure they have the same size.")
        }
        var weight = weight
        if let w = weight {
            weight = try w.expand(try broadcastShape(target.shape, w.shape))
        }
        return try input.binaryCrossEntropy(target: target, weight: weight, reduction: reduction)
    }

    /// Binary cross entropy of logits `input` against `target` (same shape), computed stably;
    /// `posWeight` (per class) weighs the positive term, `weight` each element.
    public static func binaryCrossEntropyWithLogits(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil
    ) throws(TorchError) -> Tensor {
        guard target.shape == input.shape else {
            throw TorchError("Target size (\(target.shape)) must be the same as input size (\(input.shape))")
        }
        return try input.binaryCrossEntropyWithLogits(target: target, weight: weight, posWeight: posWeight, reduction: reduction)
    }

    /// Kullback–Leibler divergence KL(target ‖ input) with `input` as log-probabilities and
    /// `target` as probabilities (or log-probabilities with `logTarget`). Use `.batchmean` for the
    /// true KL divergence per sample; `.mean` (PyTorch's default) averages over every element.
    public static func klDiv(
        _ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false
    ) throws(TorchError) -> Tensor {
        let aten: Reduction = switch reduction {
        case .none: .none
        case .batchmean, .sum: .sum
        case .mean: .mean
        }
        let reduced = try input.klDiv(target: target, reduction: aten, logTarget: logTarget)
        if reduction == .batchmean && input.rank != 0 { return try reduced / Double(input.shape[0]) }
        return reduced
    }

    /// The cosine embedding loss: 1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for -1.
    public static func cosineEmbeddingLoss(
        _ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0, reduction: Reduction = .mean
    ) throws(TorchError) -> Tensor {
        try Tensor.cosineEmbeddingLoss(input1, input2: input2, target: target, margin: margin, reduction: reduction)
    }

    /// The margin ranking loss: max(0, -target · (x1 - x2) + margin).
    public static func marginRankingLoss(
        _ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0, reduction: Reduction = .mean
    ) throws(TorchError) -> Tensor {
        try Tensor.marginRankingLoss(input1, input2: input2, target: target, margin: margin, reduction: reduction)
    }
}
