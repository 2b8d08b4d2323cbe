import Foundation

// Fully connected layers: Linear, Bilinear and Identity.

/// y = x Wᵀ + b (PyTorch's `nn.Linear`).
///
/// Weights start as PyTorch's: W ~ U(-1/√in, 1/√in) by Kaiming-uniform with a = √5, b from the same
/// range, so the same seed gives the same layer as in Python.
///
/// ```swift
/// let fc = try Linear(784, 128)
/// let y = try fc(x)        // [batch, 784] -> [batch, 128]
/// ```
public final class Linear: Module, UnaryLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    /// [outFeatures, inFeatures].
    @Parameter public var weight: Tensor
    /// [outFeatures], or nil without bias.
    @Parameter public var bias: Tensor?

    /// A layer from `inFeatures` to `outFeatures`, with a bias unless `bias` is false.
    public init(
        inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = try Tensor.empty([outFeatures, inFeatures], dtype: dtype, device: device)
        self.bias = bias ? try Tensor.empty([outFeatures], dtype: dtype, device: device) : nil
        super.init()
        if shouldInitialize { try resetParameters() }
    }

    /// `Linear(784, 128)`.
    public convenience init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, dtype: dtype, device: device)
    }

    /// Draws fresh weights as PyTorch's `reset_parameters`.
    public func resetParameters() throws(TorchError) {
        try Init.kaimingUniform_(weight, a: (5.0).squareRoot())
        if let bias {
            let (fanIn, _) = try Init.calculateFanInAndFanOut(weight)
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            try Init.uniform_(bias, a: -bound, b: bound)
        }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.linear(weight: weight, bias: bias)
    }

    public override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(pythonBool(bias != nil))"
    }

    /// The class name PyTorch shows for this layer (MultiheadAttention's `out_proj` is a
    /// `NonDynamicallyQuantizableLinear` there).
    var pythonTypeName = "Linear"

    public override var typeName: String { pythonTypeName }
}

/// y = x₁ᵀ A x₂ + b for each output feature (PyTorch's `nn.Bilinear`).
///
/// ```swift
/// let layer = try Bilinear(20, 30, 40)
/// let y = try layer(x1, x2)   // [n, 20], [n, 30] -> [n, 40]
/// ```
public final class Bilinear: Module {
    public let in1Features: Int
    public let in2Features: Int
    public let outFeatures: Int
    /// [outFeatures, in1Features, in2Features].
    @Parameter public var weight: Tensor
    /// [outFeatures], or nil without bias.
    @Parameter public var bias: Tensor?

    public init(
        in1Features: Int, in2Features: Int, outFeatures: Int, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        guard in1Features > 0 else { throw TorchError("in1_features must be > 0, but got (in1_features=\(in1Features))") }
        self.in1Features = in1Features
        self.in2Features = in2Features
        self.outFeatures = outFeatures
        weight = try Tensor.empty([outFeatures, in1Features, in2Features], dtype: dtype, device: device)
        self.bias = bias ? try Tensor.empty([outFeatures], dtype: dtype, device: device) : nil
        super.init()
        if shouldInitialize { try resetParameters() }
    }

    /// `Bilinear(20, 30, 40)`.
    public convenience init(
        _ in1Features: Int, _ in2Features: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(in1Features: in1Features, in2Features: in2Features, outFeatures: outFeatures, bias: bias, dtype: dtype, device: device)
    }

    /// Draws fresh weights as PyTorch's `reset_parameters`: U(-1/√in1, 1/√in1) for both.
    public func resetParameters() throws(TorchError) {
        let bound = 1 / Double(try weight.size(1)).squareRoot()
        try Init.uniform_(weight, a: -bound, b: bound)
        if let bias { try Init.uniform_(bias, a: -bound, b: bound) }
    }

    public func forward(_ input1: Tensor, _ input2: Tensor) throws(TorchError) -> Tensor {
        try Tensor.bilinear(input1, input2: input2, weight: weight, bias: bias)
    }

    public func callAsFunction(_ input1: Tensor, _ input2: Tensor) throws(TorchError) -> Tensor {
        try forward(input1, input2)
    }

    public override var extraDescription: String {
        "in1_features=\(in1Features), in2_features=\(in2Features), out_features=\(outFeatures), bias=\(pythonBool(bias != nil))"
    }
}

/// Returns its input unchanged (PyTorch's `nn.Identity`), a placeholder where a layer is optional.
public final class Identity: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { input }
}
