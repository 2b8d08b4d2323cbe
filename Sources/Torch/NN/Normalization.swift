// Normalization layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm.

/// What the batch-normalization layers share (PyTorch's `_BatchNorm`). Use ``BatchNorm1d``,
/// ``BatchNorm2d`` or ``BatchNorm3d``.
///
/// In training mode each batch is normalized by its own statistics, and the running statistics
/// move towards them by `momentum` (or, with `momentum: nil`, become the cumulative average of all
/// batches seen); `numBatchesTracked` counts the batches. In evaluation mode the running statistics
/// are used.
public class BatchNormLayer: Module {
    public let numFeatures: Int
    public let eps: Double
    /// The weight of the newest batch in the running statistics; nil for a cumulative average
    /// (settable, as in PyTorch: SWA's batch-norm update averages over a whole epoch).
    public var momentum: Double?
    public let affine: Bool
    public let trackRunningStats: Bool
    /// γ, [numFeatures] (nil without `affine`).
    @Parameter public var weight: Tensor?
    /// β, [numFeatures] (nil without `affine`).
    @Parameter public var bias: Tensor?
    @Buffer public var runningMean: Tensor?
    @Buffer public var runningVar: Tensor?
    /// The number of training batches seen (int64 scalar).
    @Buffer public var numBatchesTracked: Tensor?

    private let expectedRanks: [Int]
    private let rankText: String

    init(
        numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool,
        dtype: DType?, device: Device?, expectedRanks: [Int], rankText: String
    ) throws(TorchError) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        self.expectedRanks = expectedRanks
        self.rankText = rankText
        weight = affine ? try Tensor.empty([numFeatures], dtype: dtype, device: device) : nil
        bias = affine ? try Tensor.empty([numFeatures], dtype: dtype, device: device) : nil
        if trackRunningStats {
            runningMean = try Tensor.zeros([numFeatures], dtype: dtype, device: device)
            runningVar = try Tensor.ones([numFeatures], dtype: dtype, device: device)
            numBatchesTracked = try Tensor.zeros([], dtype: .int64, device: device)
        } else {
            runningMean = nil
            runningVar = nil
            numBatchesTracked = nil
        }
        super.init()
        try resetParameters()
    }

    /// Running mean 0, running variance 1, no batches seen.
    public func resetRunningStats() throws(TorchError) {
        guard trackRunningStats else { return }
        try noGrad { () throws(TorchError) in
            try runningMean?.zero_()
            try runningVar?.fill_(value: 1)
            try numBatchesTracked?.zero_()
        }
    }

    /// Resets the running statistics, γ to 1 and β to 0.
    public func resetParameters() throws(TorchError) {
        try resetRunningStats()
        if let weight { try Init.ones_(weight) }
        if let bias { try Init.zeros_(bias) }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        guard expectedRanks.contains(input.rank) else {
            throw TorchError("expected \(rankText) input (got \(input.rank)D input)")
        }
        var averagingFactor = momentum ?? 0.0
        if training && trackRunningStats, let numBatchesTracked {
            try noGrad { () throws(TorchError) in _ = try numBatchesTracked.add_(1) }
            if momentum == nil {
                averagingFactor = 1.0 / Double(try numBatchesTracked.item(Int64.self))
            }
        }
        let useBatchStatistics = training || (runningMean == nil && runningVar == nil)
        let passStatistics = !training || trackRunningStats
        return try Functional.batchNorm(
            input, runningMean: passStatistics ? runningMean : nil, runningVar: passStatistics ? runningVar : nil,
            weight: weight, bias: bias, training: useBatchStatistics, momentum: averagingFactor, eps: eps)
    }

    public override var extraDescription: String {
        "\(numFeatures), eps=\(pythonFloat(eps)), momentum=\(pythonOptionalFloat(momentum)), affine=\(pythonBool(affine)), "
            + "track_running_stats=\(pythonBool(trackRunningStats))"
    }
}

/// Batch normalization over [batch, features] or [batch, channels, length] (PyTorch's
/// `nn.BatchNorm1d`).
///
/// ```swift
/// let bn = try BatchNorm1d(64)
/// let cumulative = try BatchNorm1d(64, momentum: nil)
/// ```
public final class BatchNorm1d: BatchNormLayer, UnaryLayer {
    public init(
        numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                       dtype: dtype, device: device, expectedRanks: [2, 3], rankText: "2D or 3D")
    }

    /// `BatchNorm1d(64)`.
    public convenience init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                      dtype: dtype, device: device)
    }
}

/// Batch normalization over [batch, channels, height, width] (PyTorch's `nn.BatchNorm2d`).
///
/// ```swift
/// let bn = try BatchNorm2d(32)
/// ```
public final class BatchNorm2d: BatchNormLayer, UnaryLayer {
    public init(
        numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                       dtype: dtype, device: device, expectedRanks: [4], rankText: "4D")
    }

    /// `BatchNorm2d(32)`.
    public convenience init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                      dtype: dtype, device: device)
    }
}

/// Batch normalization over [batch, channels, depth, height, width] (PyTorch's `nn.BatchNorm3d`).
public final class BatchNorm3d: BatchNormLayer, UnaryLayer {
    public init(
        numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                       dtype: dtype, device: device, expectedRanks: [5], rankText: "5D")
    }

    /// `BatchNorm3d(8)`.
    public convenience init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                      dtype: dtype, device: device)
    }
}

/// Layer normalization over the last dimensions (PyTorch's `nn.LayerNorm`), with a learned
/// elementwise scale and shift.
///
/// ```swift
/// let norm = try LayerNorm(384)
/// let norm2 = try LayerNorm([8, 16], eps: 1e-6, bias: false)
/// ```
public final class LayerNorm: Module, UnaryLayer {
    public let normalizedShape: [Int]
    public let eps: Double
    public let elementwiseAffine: Bool
    /// [normalizedShape], ones at first (nil without `elementwiseAffine`).
    @Parameter public var weight: Tensor?
    /// [normalizedShape], zeros at first (nil without `elementwiseAffine` or `bias`).
    @Parameter public var bias: Tensor?

    public init(
        normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        self.elementwiseAffine = elementwiseAffine
        weight = elementwiseAffine ? try Tensor.empty(normalizedShape, dtype: dtype, device: device) : nil
        self.bias = elementwiseAffine && bias ? try Tensor.empty(normalizedShape, dtype: dtype, device: device) : nil
        super.init()
        try resetParameters()
    }

    /// `LayerNorm([8, 16])`.
    public convenience init(
        _ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(normalizedShape: normalizedShape, eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype, device: device)
    }

    /// `LayerNorm(384)`: normalizes the last dimension.
    public convenience init(
        _ normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(normalizedShape: [normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype, device: device)
    }

    /// Scale 1, shift 0.
    public func resetParameters() throws(TorchError) {
        if let weight { try Init.ones_(weight) }
        if let bias { try Init.zeros_(bias) }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }

    public override var extraDescription: String {
        "\(pythonTuple(normalizedShape)), eps=\(pythonFloat(eps)), elementwise_affine=\(pythonBool(elementwiseAffine))"
    }
}

/// Group normalization (PyTorch's `nn.GroupNorm`): the channels are split into `numGroups` groups,
/// each normalized over its channels and spatial positions.
///
/// ```swift
/// let norm = try GroupNorm(4, 32)
/// ```
public final class GroupNorm: Module, UnaryLayer {
    public let numGroups: Int
    public let numChannels: Int
    public let eps: Double
    public let affine: Bool
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?

    public init(
        numGroups: Int, numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        guard numGroups > 0, numChannels % numGroups == 0 else {
            throw TorchError("num_channels (\(numChannels)) must be divisible by num_groups (\(numGroups))")
        }
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        self.affine = affine
        weight = affine ? try Tensor.empty([numChannels], dtype: dtype, device: device) : nil
        bias = affine ? try Tensor.empty([numChannels], dtype: dtype, device: device) : nil
        super.init()
        try resetParameters()
    }

    /// `GroupNorm(4, 32)`.
    public convenience init(
        _ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numGroups: numGroups, numChannels: numChannels, eps: eps, affine: affine, dtype: dtype, device: device)
    }

    /// Scale 1, shift 0.
    public func resetParameters() throws(TorchError) {
        if let weight { try Init.ones_(weight) }
        if let bias { try Init.zeros_(bias) }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }

    public override var extraDescription: String {
        "\(numGroups), \(numChannels), eps=\(pythonFloat(eps)), affine=\(pythonBool(affine))"
    }
}

/// Root-mean-square normalization over the last dimensions (PyTorch's `nn.RMSNorm`); `eps` nil uses
/// the dtype's machine epsilon.
public final class RMSNorm: Module, UnaryLayer {
    public let normalizedShape: [Int]
    public let eps: Double?
    public let elementwiseAffine: Bool
    @Parameter public var weight: Tensor?

    public init(
        normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        self.elementwiseAffine = elementwiseAffine
        weight = elementwiseAffine ? try Tensor.empty(normalizedShape, dtype: dtype, device: device) : nil
        super.init()
        try resetParameters()
    }

    /// `RMSNorm(384)`.
    public convenience init(
        _ normalizedShape: Int, eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(normalizedShape: [normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, dtype: dtype, device: device)
    }

    /// Scale 1.
    public func resetParameters() throws(TorchError) {
        if let weight { try Init.ones_(weight) }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.rmsNorm(input, normalizedShape: normalizedShape, weight: weight, eps: eps)
    }

    public override var extraDescription: String {
        "\(pythonTuple(normalizedShape)), eps=\(pythonOptionalFloat(eps)), elementwise_affine=\(pythonBool(elementwiseAffine))"
    }
}
