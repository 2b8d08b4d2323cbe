// Activation layers: elementwise non-linearities and softmax, as modules for Sequential.

/// max(0, x) (PyTorch's `nn.ReLU`).
public final class ReLU: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.relu_() : try input.relu() }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// min(max(0, x), 6) (PyTorch's `nn.ReLU6`).
public final class ReLU6: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        inplace ? try input.hardtanh_(minVal: 0.0, maxVal: 6.0) : try input.hardtanh(minVal: 0.0, maxVal: 6.0)
    }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// x for x ≥ 0, `negativeSlope`·x otherwise (PyTorch's `nn.LeakyReLU`).
public final class LeakyReLU: Module, UnaryLayer {
    public let negativeSlope: Double
    public let inplace: Bool
    public init(negativeSlope: Double = 0.01, inplace: Bool = false) {
        self.negativeSlope = negativeSlope
        self.inplace = inplace
        super.init()
    }
    /// `LeakyReLU(0.2)`.
    public convenience init(_ negativeSlope: Double, inplace: Bool = false) { self.init(negativeSlope: negativeSlope, inplace: inplace) }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        inplace ? try input.leakyRelu_(negativeSlope: negativeSlope) : try input.leakyRelu(negativeSlope: negativeSlope)
    }
    public override var extraDescription: String {
        "negative_slope=\(pythonFloat(negativeSlope))" + (inplace ? ", inplace=True" : "")
    }
}

/// x·Φ(x), exactly or with the tanh approximation (PyTorch's `nn.GELU`).
///
/// ```swift
/// let act = GELU(approximate: .tanh)
/// ```
public final class GELU: Module, UnaryLayer {
    public let approximate: GELUApproximation
    public init(approximate: GELUApproximation = .none) { self.approximate = approximate; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.gelu(approximate: approximate.rawValue) }
    public override var extraDescription: String { "approximate='\(approximate.rawValue)'" }
}

/// x·σ(x), also called swish (PyTorch's `nn.SiLU`).
public final class SiLU: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.silu_() : try input.silu() }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// x·tanh(softplus(x)) (PyTorch's `nn.Mish`).
public final class Mish: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.mish_() : try input.mish() }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// tanh(x) (PyTorch's `nn.Tanh`).
public final class Tanh: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.tanh() }
}

/// 1 / (1 + e⁻ˣ) (PyTorch's `nn.Sigmoid`).
public final class Sigmoid: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.sigmoid() }
}

/// log σ(x) (PyTorch's `nn.LogSigmoid`).
public final class LogSigmoid: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.logSigmoid() }
}

/// x clipped to [minVal, maxVal] (PyTorch's `nn.Hardtanh`).
public final class Hardtanh: Module, UnaryLayer {
    public let minVal: Double
    public let maxVal: Double
    public let inplace: Bool
    public init(minVal: Double = -1, maxVal: Double = 1, inplace: Bool = false) throws(TorchError) {
        guard maxVal > minVal else { throw TorchError("max_val (\(pythonFloat(maxVal))) must be greater than min_val (\(pythonFloat(minVal)))") }
        self.minVal = minVal
        self.maxVal = maxVal
        self.inplace = inplace
        super.init()
    }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        inplace ? try input.hardtanh_(minVal: minVal, maxVal: maxVal) : try input.hardtanh(minVal: minVal, maxVal: maxVal)
    }
    public override var extraDescription: String {
        "min_val=\(pythonFloat(minVal)), max_val=\(pythonFloat(maxVal))" + (inplace ? ", inplace=True" : "")
    }
}

/// x·relu6(x + 3)/6 (PyTorch's `nn.Hardswish`).
public final class Hardswish: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.hardswish_() : try input.hardswish() }
}

/// relu6(x + 3)/6 (PyTorch's `nn.Hardsigmoid`).
public final class Hardsigmoid: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.hardsigmoid_() : try input.hardsigmoid() }
}

/// x for x > 0, α(eˣ - 1) otherwise (PyTorch's `nn.ELU`).
public final class ELU: Module, UnaryLayer {
    public let alpha: Double
    public let inplace: Bool
    public init(alpha: Double = 1, inplace: Bool = false) { self.alpha = alpha; self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.elu_(alpha: alpha) : try input.elu(alpha: alpha) }
    public override var extraDescription: String { "alpha=\(pythonFloat(alpha))" + (inplace ? ", inplace=True" : "") }
}

/// max(0, x) + min(0, α(e^(x/α) - 1)) (PyTorch's `nn.CELU`).
public final class CELU: Module, UnaryLayer {
    public let alpha: Double
    public let inplace: Bool
    public init(alpha: Double = 1, inplace: Bool = false) { self.alpha = alpha; self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.celu_(alpha: alpha) : try input.celu(alpha: alpha) }
    public override var extraDescription: String { "alpha=\(pythonFloat(alpha))" + (inplace ? ", inplace=True" : "") }
}

/// Scaled ELU with the self-normalizing constants (PyTorch's `nn.SELU`).
public final class SELU: Module, UnaryLayer {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { inplace ? try input.selu_() : try input.selu() }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// log(1 + e^(βx))/β, linear above `threshold` (PyTorch's `nn.Softplus`).
public final class Softplus: Module, UnaryLayer {
    public let beta: Double
    public let threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) { self.beta = beta; self.threshold = threshold; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.softplus(beta: beta, threshold: threshold) }
    public override var extraDescription: String { "beta=\(pythonFloat(beta)), threshold=\(pythonFloat(threshold))" }
}

/// x / (1 + |x|) (PyTorch's `nn.Softsign`).
public final class Softsign: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try Functional.softsign(input) }
}

/// x - tanh(x) (PyTorch's `nn.Tanhshrink`).
public final class Tanhshrink: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try Functional.tanhshrink(input) }
}

/// x where x > `threshold`, `value` elsewhere (PyTorch's `nn.Threshold`).
public final class Threshold: Module, UnaryLayer {
    public let threshold: Double
    public let value: Double
    public let inplace: Bool
    public init(threshold: Double, value: Double, inplace: Bool = false) {
        self.threshold = threshold
        self.value = value
        self.inplace = inplace
        super.init()
    }
    /// `Threshold(0.1, 20)`.
    public convenience init(_ threshold: Double, _ value: Double, inplace: Bool = false) {
        self.init(threshold: threshold, value: value, inplace: inplace)
    }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        inplace ? try input.threshold_(threshold: threshold, value: value) : try input.threshold(threshold: threshold, value: value)
    }
    public override var extraDescription: String {
        "threshold=\(pythonFloat(threshold)), value=\(pythonFloat(value))" + (inplace ? ", inplace=True" : "")
    }
}

/// The gated linear unit: the first half of `dim` times σ(second half) (PyTorch's `nn.GLU`).
public final class GLU: Module, UnaryLayer {
    public let dim: Int
    public init(dim: Int = -1) { self.dim = dim; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.glu(dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}

/// Leaky ReLU with a learned slope, one per channel or shared (PyTorch's `nn.PReLU`).
///
/// ```swift
/// let act = try PReLU(numParameters: 16)
/// ```
public final class PReLU: Module, UnaryLayer {
    public let numParameters: Int
    /// [numParameters], `initialValue` at first.
    @Parameter public var weight: Tensor
    private let initialValue: Double

    public init(numParameters: Int = 1, init initialValue: Double = 0.25, dtype: DType? = nil, device: Device? = nil) throws(TorchError) {
        self.numParameters = numParameters
        self.initialValue = initialValue
        weight = try Tensor.empty([numParameters], dtype: dtype, device: device)
        super.init()
        try resetParameters()
    }

    /// Every slope back to the initial value.
    public func resetParameters() throws(TorchError) { try Init.constant_(weight, initialValue) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.prelu(weight: weight) }

    public override var extraDescription: String { "num_parameters=\(numParameters)" }
}

/// Softmax along `dim` (PyTorch's `nn.Softmax`): exponentials normalized to sum to one.
///
/// ```swift
/// let probabilities = try Softmax(dim: -1)(logits)
/// ```
public final class Softmax: Module, UnaryLayer {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.softmax(dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}

/// log(softmax(x)) along `dim`, computed stably (PyTorch's `nn.LogSoftmax`).
public final class LogSoftmax: Module, UnaryLayer {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.logSoftmax(dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}

/// softmax(-x) along `dim` (PyTorch's `nn.Softmin`).
public final class Softmin: Module, UnaryLayer {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try Functional.softmin(input, dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}
