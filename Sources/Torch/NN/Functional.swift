// The functional forms of the layers, as torch.nn.functional: the same computation as a layer's
// forward, with the weights passed in. Losses are in Losses.swift, attention in Attention.swift.

/// PyTorch's `torch.nn.functional`: layers as functions (weights passed in), activations, padding,
/// losses and attention.
///
/// ```swift
/// let h = try F.relu(F.linear(x, weight: w, bias: b))
/// let loss = try F.crossEntropy(logits, target, labelSmoothing: 0.1)
/// ```
public enum Functional {}

/// Short name for ``Functional``, as Python's `import torch.nn.functional as F`.
public typealias F = Functional

/// How `F.pad` fills the border (PyTorch's `mode`).
public enum PadMode: String, Sendable {
    case constant
    case reflect
    case replicate
    case circular
}

/// The tanh approximation of GELU, or none (exact, with erf).
public enum GELUApproximation: String, Sendable {
    case none
    case tanh
}

extension Functional {
    // MARK: - Linear

    /// x Wᵀ + b.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil) throws(TorchError) -> Tensor {
        try input.linear(weight: weight, bias: bias)
    }

    /// x₁ᵀ A x₂ + b.
    public static func bilinear(_ input1: Tensor, _ input2: Tensor, weight: Tensor, bias: Tensor? = nil) throws(TorchError) -> Tensor {
        try Tensor.bilinear(input1, input2: input2, weight: weight, bias: bias)
    }

    // MARK: - Convolution

    /// A convolution of as many spatial dimensions as the weight has (1 to 3).
    static func convolution(
        _ input: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: ConvPadding, dilation: [Int], groups: Int
    ) throws(TorchError) -> Tensor {
        let dims = weight.rank - 2
        switch padding.kind {
        case .explicit(let amounts):
            let amounts = try amounts.expanded(to: dims, name: "padding")
            switch dims {
            case 1: return try input.conv1d(weight: weight, bias: bias, stride: stride, padding: amounts, dilation: dilation, groups: groups)
            case 2: return try input.conv2d(weight: weight, bias: bias, stride: stride, padding: amounts, dilation: dilation, groups: groups)
            case 3: return try input.conv3d(weight: weight, bias: bias, stride: stride, padding: amounts, dilation: dilation, groups: groups)
            default: throw TorchError("convolution weights have 3 to 5 dimensions, got \(weight.rank)")
            }
        case .same, .valid:
            let mode = padding.kind == .same ? "same" : "valid"
            switch dims {
            case 1: return try input.conv1dPadding(weight: weight, bias: bias, stride: stride, padding: mode, dilation: dilation, groups: groups)
            case 2: return try input.conv2dPadding(weight: weight, bias: bias, stride: stride, padding: mode, dilation: dilation, groups: groups)
            case 3: return try input.conv3dPadding(weight: weight, bias: bias, stride: stride, padding: mode, dilation: dilation, groups: groups)
            default: throw TorchError("convolution weights have 3 to 5 dimensions, got \(weight.rank)")
            }
        }
    }

    static func convTranspose(
        _ input: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], outputPadding: [Int], groups: Int,
        dilation: [Int]
    ) throws(TorchError) -> Tensor {
        switch weight.rank - 2 {
        case 1: try input.convTranspose1d(weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
        case 2: try input.convTranspose2d(weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
        case 3: try input.convTranspose3d(weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
        default: throw TorchError("transposed convolution weights have 3 to 5 dimensions, got \(weight.rank)")
        }
    }

    /// A 1-D convolution; `padding` is a number, one per side pair, `.same` or `.valid`.
    public static func conv1d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1
    ) throws(TorchError) -> Tensor {
        try convolution(input, weight: weight, bias: bias, stride: stride.expanded(to: 1, name: "stride"), padding: padding.convPadding,
                        dilation: dilation.expanded(to: 1, name: "dilation"), groups: groups)
    }

    /// A 2-D convolution; `padding` is a number, one per side pair, `.same` or `.valid`.
    public static func conv2d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1
    ) throws(TorchError) -> Tensor {
        try convolution(input, weight: weight, bias: bias, stride: stride.expanded(to: 2, name: "stride"), padding: padding.convPadding,
                        dilation: dilation.expanded(to: 2, name: "dilation"), groups: groups)
    }

    /// A 3-D convolution; `padding` is a number, one per side pair, `.same` or `.valid`.
    public static func conv3d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1
    ) throws(TorchError) -> Tensor {
        try convolution(input, weight: weight, bias: bias, stride: stride.expanded(to: 3, name: "stride"), padding: padding.convPadding,
                        dilation: dilation.expanded(to: 3, name: "dilation"), groups: groups)
    }

    /// A 1-D transposed convolution.
    public static func convTranspose1d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: some IntOrTuple = 1, padding: some IntOrTuple = 0,
        outputPadding: some IntOrTuple = 0, groups: Int = 1, dilation: some IntOrTuple = 1
    ) throws(TorchError) -> Tensor {
        try convTranspose(input, weight: weight, bias: bias, stride: stride.expanded(to: 1, name: "stride"),
                          padding: padding.expanded(to: 1, name: "padding"), outputPadding: outputPadding.expanded(to: 1, name: "output_padding"),
                          groups: groups, dilation: dilation.expanded(to: 1, name: "dilation"))
    }

    /// A 2-D transposed convolution.
    public static func convTranspose2d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: some IntOrTuple = 1, padding: some IntOrTuple = 0,
        outputPadding: some IntOrTuple = 0, groups: Int = 1, dilation: some IntOrTuple = 1
    ) throws(TorchError) -> Tensor {
        try convTranspose(input, weight: weight, bias: bias, stride: stride.expanded(to: 2, name: "stride"),
                          padding: padding.expanded(to: 2, name: "padding"), outputPadding: outputPadding.expanded(to: 2, name: "output_padding"),
                          groups: groups, dilation: dilation.expanded(to: 2, name: "dilation"))
    }

    // MARK: - Pooling

    private static func strideList(_ stride: (any IntOrTuple)?, _ count: Int) throws(TorchError) -> [Int] {
        // An empty list tells ATen to use the kernel size, as Python's stride=None does.
        guard let stride else { return [] }
        return try stride.expanded(to: count, name: "stride")
    }

    /// 1-D max pooling; `stride` defaults to the kernel size.
    public static func maxPool1d(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) -> Tensor {
        try input.maxPool1d(kernelSize: kernelSize.expanded(to: 1, name: "kernel_size"), stride: strideList(stride, 1),
                            padding: padding.expanded(to: 1, name: "padding"), dilation: dilation.expanded(to: 1, name: "dilation"),
                            ceilMode: ceilMode)
    }

    /// 1-D max pooling that also returns the flat indices of the maxima (`return_indices=True`).
    public static func maxPool1dWithIndices(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) -> (output: Tensor, indices: Tensor) {
        try input.maxPool1dWithIndices(kernelSize: kernelSize.expanded(to: 1, name: "kernel_size"), stride: strideList(stride, 1),
                                       padding: padding.expanded(to: 1, name: "padding"), dilation: dilation.expanded(to: 1, name: "dilation"),
                                       ceilMode: ceilMode)
    }

    /// 2-D max pooling; `stride` defaults to the kernel size.
    public static func maxPool2d(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) -> Tensor {
        try input.maxPool2d(kernelSize: kernelSize.expanded(to: 2, name: "kernel_size"), stride: strideList(stride, 2),
                            padding: padding.expanded(to: 2, name: "padding"), dilation: dilation.expanded(to: 2, name: "dilation"),
                            ceilMode: ceilMode)
    }

    /// 2-D max pooling that also returns the flat indices of the maxima (`return_indices=True`).
    public static func maxPool2dWithIndices(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) -> (output: Tensor, indices: Tensor) {
        try input.maxPool2dWithIndices(kernelSize: kernelSize.expanded(to: 2, name: "kernel_size"), stride: strideList(stride, 2),
                                       padding: padding.expanded(to: 2, name: "padding"), dilation: dilation.expanded(to: 2, name: "dilation"),
                                       ceilMode: ceilMode)
    }

    /// 1-D average pooling; `stride` defaults to the kernel size.
    public static func avgPool1d(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true
    ) throws(TorchError) -> Tensor {
        try input.avgPool1d(kernelSize: kernelSize.expanded(to: 1, name: "kernel_size"), stride: strideList(stride, 1),
                            padding: padding.expanded(to: 1, name: "padding"), ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    /// 2-D average pooling; `stride` defaults to the kernel size.
    public static func avgPool2d(
        _ input: Tensor, kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) throws(TorchError) -> Tensor {
        try input.avgPool2d(kernelSize: kernelSize.expanded(to: 2, name: "kernel_size"), stride: strideList(stride, 2),
                            padding: padding.expanded(to: 2, name: "padding"), ceilMode: ceilMode, countIncludePad: countIncludePad,
                            divisorOverride: divisorOverride)
    }

    /// Average pooling to a fixed output length.
    public static func adaptiveAvgPool1d(_ input: Tensor, outputSize: some IntOrTuple) throws(TorchError) -> Tensor {
        try input.adaptiveAvgPool1d(outputSize: outputSize.expanded(to: 1, name: "output_size"))
    }

    /// Average pooling to a fixed output height and width.
    public static func adaptiveAvgPool2d(_ input: Tensor, outputSize: some IntOrTuple) throws(TorchError) -> Tensor {
        try input.adaptiveAvgPool2d(outputSize: outputSize.expanded(to: 2, name: "output_size"))
    }

    /// Max pooling to a fixed output length.
    public static func adaptiveMaxPool1d(_ input: Tensor, outputSize: some IntOrTuple) throws(TorchError) -> Tensor {
        try input.adaptiveMaxPool1d(outputSize: outputSize.expanded(to: 1, name: "output_size")).0
    }

    /// Max pooling to a fixed output height and width.
    public static func adaptiveMaxPool2d(_ input: Tensor, outputSize: some IntOrTuple) throws(TorchError) -> Tensor {
        try input.adaptiveMaxPool2d(outputSize: outputSize.expanded(to: 2, name: "output_size")).0
    }

    // MARK: - Normalization

    /// Batch normalization. In training, normalizes by the batch statistics and, when given, updates
    /// `runningMean` / `runningVar` in place with `momentum`; otherwise uses the running statistics.
    public static func batchNorm(
        _ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
        training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5
    ) throws(TorchError) -> Tensor {
        if training {
            let shape = input.shape
            let perChannel = shape.count < 2 ? 1 : shape[0] * shape.dropFirst(2).reduce(1, *)
            if perChannel == 1 {
                throw TorchError("Expected more than 1 value per channel when training, got input size \(shape)")
            }
        }
        guard eps > 0 else { throw TorchError("batch_norm eps must be positive, but got \(eps)") }
        return try input.batchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                   training: training, momentum: momentum, eps: eps, cudnnEnabled: true)
    }

    /// Layer normalization over the last dimensions, `normalizedShape`.
    public static func layerNorm(
        _ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
    ) throws(TorchError) -> Tensor {
        try input.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps, cudnnEnable: true)
    }

    /// Group normalization: channels split into `numGroups` groups, each normalized.
    public static func groupNorm(
        _ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
    ) throws(TorchError) -> Tensor {
        guard input.rank >= 2 else {
            throw TorchError("Expected at least 2 dimensions for input tensor but received \(input.rank)")
        }
        return try input.groupNorm(numGroups: numGroups, weight: weight, bias: bias, eps: eps, cudnnEnabled: true)
    }

    /// Root-mean-square normalization over the last dimensions, `normalizedShape`.
    public static func rmsNorm(
        _ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil
    ) throws(TorchError) -> Tensor {
        try input.rmsNorm(normalizedShape: normalizedShape, weight: weight, eps: eps)
    }

    /// Divides by the `p`-norm along `dim` (at least `eps`).
    public static func normalize(_ input: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws(TorchError) -> Tensor {
        let norm = try input.norm(p: .double(p), dim: [dim], keepdim: true)
        let denominator = try norm.clampMin(min: eps).expandAs(input)
        return try input / denominator
    }

    // MARK: - Dropout

    /// Zeroes elements with probability `p` and scales the rest by 1/(1-p), when `training`.
    public static func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, inplace: Bool = false) throws(TorchError) -> Tensor {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
        return inplace ? try input.dropout_(p: p, train: training) : try input.dropout(p: p, train: training)
    }

    // MARK: - Embedding

    /// Looks up rows of `weight`. The row `paddingIdx` (negative counts from the end) gets no
    /// gradient; with `maxNorm`, looked-up rows with a larger `normType`-norm are rescaled in place.
    public static func embedding(
        _ input: Tensor, weight: Tensor, paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
        scaleGradByFreq: Bool = false, sparse: Bool = false
    ) throws(TorchError) -> Tensor {
        let rows = try weight.size(0)
        var padding = -1
        if let paddingIdx {
            guard paddingIdx < rows && paddingIdx >= -rows else { throw TorchError("Padding_idx must be within num_embeddings") }
            padding = paddingIdx < 0 ? rows + paddingIdx : paddingIdx
        }
        var input = input
        if let maxNorm {
            input = try input.contiguous()
            let indices = input
            try noGrad { () throws(TorchError) in _ = try weight.embeddingRenorm_(indices, maxNorm: maxNorm, normType: normType) }
        }
        return try Tensor.embedding(weight, indices: input, paddingIdx: padding, scaleGradByFreq: scaleGradByFreq, sparse: sparse)
    }

    /// One-hot encoding of int64 class indices (`numClasses` -1: one more than the largest index).
    public static func oneHot(_ input: Tensor, numClasses: Int = -1) throws(TorchError) -> Tensor {
        try input.oneHot(numClasses: numClasses)
    }

    // MARK: - Activations

    public static func relu(_ input: Tensor) throws(TorchError) -> Tensor { try input.relu() }
    public static func relu6(_ input: Tensor) throws(TorchError) -> Tensor { try input.hardtanh(minVal: 0, maxVal: 6) }
    public static func leakyRelu(_ input: Tensor, negativeSlope: Double = 0.01) throws(TorchError) -> Tensor {
        try input.leakyRelu(negativeSlope: negativeSlope)
    }
    public static func gelu(_ input: Tensor, approximate: GELUApproximation = .none) throws(TorchError) -> Tensor {
        try input.gelu(approximate: approximate.rawValue)
    }
    public static func silu(_ input: Tensor) throws(TorchError) -> Tensor { try input.silu() }
    public static func mish(_ input: Tensor) throws(TorchError) -> Tensor { try input.mish() }
    public static func tanh(_ input: Tensor) throws(TorchError) -> Tensor { try input.tanh() }
    public static func sigmoid(_ input: Tensor) throws(TorchError) -> Tensor { try input.sigmoid() }
    public static func hardtanh(_ input: Tensor, minVal: Double = -1, maxVal: Double = 1) throws(TorchError) -> Tensor {
        guard minVal <= maxVal else { throw TorchError("min_val cannot be greater than max_val") }
        return try input.hardtanh(minVal: minVal, maxVal: maxVal)
    }
    public static func hardswish(_ input: Tensor) throws(TorchError) -> Tensor { try input.hardswish() }
    public static func hardsigmoid(_ input: Tensor) throws(TorchError) -> Tensor { try input.hardsigmoid() }
    public static func elu(_ input: Tensor, alpha: Double = 1) throws(TorchError) -> Tensor { try input.elu(alpha: alpha) }
    public static func celu(_ input: Tensor, alpha: Double = 1) throws(TorchError) -> Tensor { try input.celu(alpha: alpha) }
    public static func selu(_ input: Tensor) throws(TorchError) -> Tensor { try input.selu() }
    public static func softplus(_ input: Tensor, beta: Double = 1, threshold: Double = 20) throws(TorchError) -> Tensor {
        try input.softplus(beta: beta, threshold: threshold)
    }
    public static func logSigmoid(_ input: Tensor) throws(TorchError) -> Tensor { try input.logSigmoid() }
    public static func softsign(_ input: Tensor) throws(TorchError) -> Tensor { try input / (input.abs() + 1) }
    public static func tanhshrink(_ input: Tensor) throws(TorchError) -> Tensor { try input - input.tanh() }
    public static func glu(_ input: Tensor, dim: Int = -1) throws(TorchError) -> Tensor { try input.glu(dim: dim) }
    public static func prelu(_ input: Tensor, weight: Tensor) throws(TorchError) -> Tensor { try input.prelu(weight: weight) }
    public static func threshold(_ input: Tensor, threshold: Double, value: Double) throws(TorchError) -> Tensor {
        try input.threshold(threshold: threshold, value: value)
    }
    public static func softmax(_ input: Tensor, dim: Int, dtype: DType? = nil) throws(TorchError) -> Tensor {
        try input.softmax(dim: dim, dtype: dtype)
    }
    public static func logSoftmax(_ input: Tensor, dim: Int, dtype: DType? = nil) throws(TorchError) -> Tensor {
        try input.logSoftmax(dim: dim, dtype: dtype)
    }
    public static func softmin(_ input: Tensor, dim: Int, dtype: DType? = nil) throws(TorchError) -> Tensor {
        try (-input).softmax(dim: dim, dtype: dtype)
    }

    // MARK: - Padding

    /// Pads the last dimensions: `pad` lists (left, right) amounts starting from the last dimension,
    /// as PyTorch's `F.pad`; `value` fills for `.constant` (default 0).
    public static func pad(_ input: Tensor, _ pad: [Int], mode: PadMode = .constant, value: Double? = nil) throws(TorchError) -> Tensor {
        try input.pad(pad: pad, mode: mode.rawValue, value: value)
    }

    // MARK: - Distances

    /// The cosine of the angle between `x1` and `x2` along `dim`.
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) throws(TorchError) -> Tensor {
        try Tensor.cosineSimilarity(x1, x2: x2, dim: dim, eps: eps)
    }

    /// The `p`-norm of `x1 - x2 + eps` along the last dimension.
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) throws(TorchError) -> Tensor {
        try Tensor.pairwiseDistance(x1, x2: x2, p: p, eps: eps, keepdim: keepdim)
    }
}
