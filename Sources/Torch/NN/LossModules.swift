// Loss modules (CrossEntropyLoss, MSELoss, …): the functional losses with their options stored, and
// class weights kept as buffers (`weight`, `pos_weight`) as PyTorch keeps them.

/// A module that compares a prediction with a target, callable as `loss(input, target)`.
public protocol LossModule: Module {
    func forward(_ input: Tensor, _ target: Tensor) throws -> Tensor
}

extension LossModule {
    /// Calls ``forward(_:_:)``.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) throws -> Tensor {
        try forward(input, target)
    }
}

/// Cross entropy of logits against class indices or class probabilities (PyTorch's
/// `nn.CrossEntropyLoss`).
///
/// ```swift
/// let criterion = try CrossEntropyLoss(labelSmoothing: 0.1)
/// let loss = try criterion(logits, labels)
/// ```
public final class CrossEntropyLoss: Module, LossModule {
    /// Per-class weights ([C]), a buffer saved in the state dict as `weight`.
    @Buffer public var weight: Tensor?
    public let ignoreIndex: Int
    public let reduction: Reduction
    public let labelSmoothing: Double

    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
        self.labelSmoothing = labelSmoothing
        super.init()
    }

    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
    }
}

/// Negative log likelihood of log-probabilities at class indices (PyTorch's `nn.NLLLoss`).
public final class NLLLoss: Module, LossModule {
    @Buffer public var weight: Tensor?
    public let ignoreIndex: Int
    public let reduction: Reduction

    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
        super.init()
    }

    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}

/// Mean squared error (PyTorch's `nn.MSELoss`).
public final class MSELoss: Module, LossModule {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.mseLoss(input, target, reduction: reduction)
    }
}

/// Mean absolute error (PyTorch's `nn.L1Loss`).
public final class L1Loss: Module, LossModule {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.l1Loss(input, target, reduction: reduction)
    }
}

/// Smooth L1 loss (PyTorch's `nn.SmoothL1Loss`).
public final class SmoothL1Loss: Module, LossModule {
    public let reduction: Reduction
    public let beta: Double
    public init(reduction: Reduction = .mean, beta: Double = 1) { self.reduction = reduction; self.beta = beta; super.init() }
    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
}

/// Huber loss (PyTorch's `nn.HuberLoss`).
public final class HuberLoss: Module, LossModule {
    public let reduction: Reduction
    public let delta: Double
    public init(reduction: Reduction = .mean, delta: Double = 1) { self.reduction = reduction; self.delta = delta; super.init() }
    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.huberLoss(input, target, reduction: reduction, delta: delta)
    }
}

/// Binary cross entropy of probabilities (PyTorch's `nn.BCELoss`).
public final class BCELoss: Module, LossModule {
    @Buffer public var weight: Tensor?
    public let reduction: Reduction

    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
        self.weight = weight
        self.reduction = reduction
        super.init()
    }

    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}

/// Binary cross entropy of logits, computed stably (PyTorch's `nn.BCEWithLogitsLoss`).
///
/// ```swift
/// let criterion = BCEWithLogitsLoss(posWeight: try Tensor([3.0] as [Float]))
/// ```
public final class BCEWithLogitsLoss: Module, LossModule {
    @Buffer public var weight: Tensor?
    /// The weight of the positive term, per class (a buffer saved as `pos_weight`).
    @Buffer public var posWeight: Tensor?
    public let reduction: Reduction

    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        self.weight = weight
        self.posWeight = posWeight
        self.reduction = reduction
        super.init()
    }

    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.binaryCrossEntropyWithLogits(input, target, weight: weight, reduction: reduction, posWeight: posWeight)
    }
}

/// Kullback–Leibler divergence of log-probabilities `input` from `target` (PyTorch's
/// `nn.KLDivLoss`).
public final class KLDivLoss: Module, LossModule {
    public let reduction: KLDivReduction
    public let logTarget: Bool
    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) {
        self.reduction = reduction
        self.logTarget = logTarget
        super.init()
    }
    public func forward(_ input: Tensor, _ target: Tensor) throws(TorchError) -> Tensor {
        try Functional.klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}

/// The cosine similarity of two inputs along `dim` (PyTorch's `nn.CosineSimilarity`).
public final class CosineSimilarity: Module {
    public let dim: Int
    public let eps: Double
    public init(dim: Int = 1, eps: Double = 1e-8) { self.dim = dim; self.eps = eps; super.init() }
    public func forward(_ x1: Tensor, _ x2: Tensor) throws(TorchError) -> Tensor {
        try Functional.cosineSimilarity(x1, x2, dim: dim, eps: eps)
    }
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) throws(TorchError) -> Tensor { try forward(x1, x2) }
}

/// The `p`-norm distance of two inputs along the last dimension (PyTorch's `nn.PairwiseDistance`).
public final class PairwiseDistance: Module {
    public let norm: Double
    public let eps: Double
    public let keepdim: Bool
    public init(p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) {
        norm = p
        self.eps = eps
        self.keepdim = keepdim
        super.init()
    }
    public func forward(_ x1: Tensor, _ x2: Tensor) throws(TorchError) -> Tensor {
        try Functional.pairwiseDistance(x1, x2, p: norm, eps: eps, keepdim: keepdim)
    }
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) throws(TorchError) -> Tensor { try forward(x1, x2) }
}
