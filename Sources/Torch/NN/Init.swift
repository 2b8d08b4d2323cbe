import Foundation

// Weight initialisation, as PyTorch's torch.nn.init. Every function draws exactly the random numbers
// that the Python function draws (same ATen calls, same order, same bounds computed in the same
// floating-point steps), so after the same seed the results are bit-identical.

/// The non-linearity a layer is followed by, for ``Init/calculateGain(_:param:)`` and the Kaiming
/// initialisers (PyTorch's `nonlinearity` strings).
public enum Nonlinearity: String, Sendable, CaseIterable {
    case linear
    case conv1d
    case conv2d
    case conv3d
    case convTranspose1d = "conv_transpose1d"
    case convTranspose2d = "conv_transpose2d"
    case convTranspose3d = "conv_transpose3d"
    case sigmoid
    case tanh
    case relu
    case leakyRelu = "leaky_relu"
    case selu
}

/// Which fan the Kaiming initialisers scale by: `fanIn` keeps the variance of the forward pass,
/// `fanOut` that of the backward pass.
public enum FanMode: String, Sendable {
    case fanIn = "fan_in"
    case fanOut = "fan_out"
}

/// Weight initialisation functions, as PyTorch's `torch.nn.init`.
///
/// Each fills a tensor in place without recording gradients and returns it. With the same seed (or
/// the same ``Generator``), each draws the values PyTorch draws.
///
/// ```swift
/// let w = try Tensor.empty([128, 784])
/// try Init.kaimingNormal_(w, mode: .fanOut, nonlinearity: .relu)
/// try Init.zeros_(bias)
/// ```
public enum Init {
    /// The recommended gain for a non-linearity (PyTorch's `calculate_gain`): 1 for linear, conv and
    /// sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU (slope `param`,
    /// default 0.01), 3/4 for SELU.
    public static func calculateGain(_ nonlinearity: Nonlinearity, param: Double? = nil) -> Double {
        switch nonlinearity {
        case .linear, .conv1d, .conv2d, .conv3d, .convTranspose1d, .convTranspose2d, .convTranspose3d, .sigmoid:
            return 1
        case .tanh:
            return 5.0 / 3
        case .relu:
            return (2.0).squareRoot()
        case .leakyRelu:
            let slope = param ?? 0.01
            return (2.0 / (1 + slope * slope)).squareRoot()
        case .selu:
            return 3.0 / 4
        }
    }

    /// The fan-in and fan-out of a weight of at least two dimensions: dimension 1 and dimension 0,
    /// each times the product of the remaining (receptive field) dimensions.
    public static func calculateFanInAndFanOut(_ tensor: Tensor) throws(TorchError) -> (fanIn: Int, fanOut: Int) {
        let shape = tensor.shape
        guard shape.count >= 2 else {
            throw TorchError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
        }
        let receptiveField = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptiveField, shape[0] * receptiveField)
    }

    static func fan(_ tensor: Tensor, _ mode: FanMode) throws(TorchError) -> Int {
        let (fanIn, fanOut) = try calculateFanInAndFanOut(tensor)
        return mode == .fanIn ? fanIn : fanOut
    }

    /// Fills with values from U(a, b).
    @discardableResult
    public static func uniform_(_ tensor: Tensor, a: Double = 0, b: Double = 1, generator: Generator? = nil) throws(TorchError) -> Tensor {
        _ = try noGrad { () throws(TorchError) in try tensor.uniform_(from: a, to: b, generator: generator) }
        return tensor
    }

    /// Fills with values from N(mean, std²).
    @discardableResult
    public static func normal_(_ tensor: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) throws(TorchError) -> Tensor {
        _ = try noGrad { () throws(TorchError) in try tensor.normal_(mean: mean, std: std, generator: generator) }
        return tensor
    }

    /// Fills with values from N(mean, std²) truncated to [a, b], by inverse-CDF sampling as PyTorch
    /// does (one uniform draw per element).
    @discardableResult
    public static func truncNormal_(
        _ tensor: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2, generator: Generator? = nil
    ) throws(TorchError) -> Tensor {
        func normCDF(_ x: Double) -> Double { (1.0 + erf(x / (2.0).squareRoot())) / 2.0 }
        try noGrad { () throws(TorchError) in
            let l = normCDF((a - mean) / std)
            let u = normCDF((b - mean) / std)
            try tensor.uniform_(from: 2 * l - 1, to: 2 * u - 1, generator: generator)
            try tensor.erfinv_()
            try tensor.mul_(std * (2.0).squareRoot())
            try tensor.add_(mean)
            try tensor.clamp_(min: .double(a), max: .double(b))
        }
        return tensor
    }

    /// Fills with `value`.
    @discardableResult
    public static func constant_(_ tensor: Tensor, _ value: Double) throws(TorchError) -> Tensor {
        _ = try noGrad { () throws(TorchError) in try tensor.fill_(value: value) }
        return tensor
    }

    /// Fills with ones.
    @discardableResult
    public static func ones_(_ tensor: Tensor) throws(TorchError) -> Tensor {
        try constant_(tensor, 1.0)
    }

    /// Fills with zeros.
    @discardableResult
    public static func zeros_(_ tensor: Tensor) throws(TorchError) -> Tensor {
        _ = try noGrad { () throws(TorchError) in try tensor.zero_() }
        return tensor
    }

    /// Fills a matrix with the identity (ones on the main diagonal).
    @discardableResult
    public static func eye_(_ tensor: Tensor) throws(TorchError) -> Tensor {
        guard tensor.rank == 2 else { throw TorchError("Only tensors with 2 dimensions are supported") }
        try noGrad { () throws(TorchError) in
            let shape = tensor.shape
            try tensor.copy_(src: Tensor.eye(n: shape[0], m: shape[1], dtype: tensor.dtype, device: tensor.device))
        }
        return tensor
    }

    /// Glorot uniform: U(-a, a) with a = gain · √(6 / (fanIn + fanOut)).
    @discardableResult
    public static func xavierUniform_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) throws(TorchError) -> Tensor {
        let (fanIn, fanOut) = try calculateFanInAndFanOut(tensor)
        let std = gain * (2.0 / Double(fanIn + fanOut)).squareRoot()
        let a = (3.0).squareRoot() * std
        return try uniform_(tensor, a: -a, b: a, generator: generator)
    }

    /// Glorot normal: N(0, std²) with std = gain · √(2 / (fanIn + fanOut)).
    @discardableResult
    public static func xavierNormal_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) throws(TorchError) -> Tensor {
        let (fanIn, fanOut) = try calculateFanInAndFanOut(tensor)
        let std = gain * (2.0 / Double(fanIn + fanOut)).squareRoot()
        return try normal_(tensor, mean: 0, std: std, generator: generator)
    }

    /// He uniform: U(-bound, bound) with bound = gain · √(3 / fan); `a` is the negative slope of a
    /// leaky ReLU. A tensor with no elements is left alone.
    @discardableResult
    public static func kaimingUniform_(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) throws(TorchError) -> Tensor {
        if tensor.shape.contains(0) { return tensor }
        let fan = try fan(tensor, mode)
        let gain = calculateGain(nonlinearity, param: a)
        let std = gain / Double(fan).squareRoot()
        let bound = (3.0).squareRoot() * std
        _ = try noGrad { () throws(TorchError) in try tensor.uniform_(from: -bound, to: bound, generator: generator) }
        return tensor
    }

    /// He normal: N(0, std²) with std = gain / √fan. A tensor with no elements is left alone.
    @discardableResult
    public static func kaimingNormal_(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) throws(TorchError) -> Tensor {
        if tensor.shape.contains(0) { return tensor }
        let fan = try fan(tensor, mode)
        let gain = calculateGain(nonlinearity, param: a)
        let std = gain / Double(fan).squareRoot()
        _ = try noGrad { () throws(TorchError) in try tensor.normal_(mean: 0, std: std, generator: generator) }
        return tensor
    }

    /// A (semi-)orthogonal matrix, from the QR decomposition of a normal random matrix with the signs
    /// fixed by R's diagonal; dimensions after the first are flattened.
    @discardableResult
    public static func orthogonal_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) throws(TorchError) -> Tensor {
        guard tensor.rank >= 2 else { throw TorchError("Only tensors with 2 or more dimensions are supported") }
        if tensor.numel == 0 { return tensor }
        let rows = tensor.shape[0]
        let cols = tensor.numel / rows
        try noGrad { () throws(TorchError) in
            let flattened = try tensor.newEmpty([rows, cols]).normal_(mean: 0, std: 1, generator: generator)
            if rows < cols { try flattened.t_() }
            let (q, r) = try Tensor.linalgQr(flattened)
            let d = try r.diag(diagonal: 0)
            let ph = try d.sign()
            try q.mul_(ph)
            if rows < cols { try q.t_() }
            try tensor.view(q.shape).copy_(src: q)
            try tensor.mul_(gain)
        }
        return tensor
    }

    /// The Dirac delta for a convolution weight of 3 to 5 dimensions: each output channel (per
    /// group) passes its input channel through unchanged.
    @discardableResult
    public static func dirac_(_ tensor: Tensor, groups: Int = 1) throws(TorchError) -> Tensor {
        let shape = tensor.shape
        guard (3...5).contains(shape.count) else { throw TorchError("Only tensors with 3, 4, or 5 dimensions are supported") }
        guard shape[0] % groups == 0 else { throw TorchError("dim 0 must be divisible by groups") }
        let outPerGroup = shape[0] / groups
        let minDim = Swift.min(outPerGroup, shape[1])
        try noGrad { () throws(TorchError) in
            try tensor.zero_()
            for g in 0..<groups {
                for d in 0..<minDim {
                    let index = [g * outPerGroup + d, d] + shape.dropFirst(2).map { $0 / 2 }
                    try tensor.index(index.map { TensorIndex.index($0) }).fill_(value: 1)
                }
            }
        }
        return tensor
    }
}

// MARK: - Skipping initialisation

enum InitializationScope {
    @TaskLocal static var skipped = false
}

/// Builds modules without running their default initialisation (PyTorch's
/// `torch.nn.utils.skip_init`): parameters are allocated but left uninitialised and no random
/// numbers are drawn. Use it before loading a state dict, or to copy a layer.
///
/// ```swift
/// let model = try skipInit { try Linear(4096, 4096) }
/// try model.loadStateDict(state)
/// ```
public func skipInit<Value, Failure: Error>(_ body: () throws(Failure) -> Value) throws(Failure) -> Value {
    let result = InitializationScope.$skipped.withValue(true) { Result { () throws(Failure) in try body() } }
    return try result.get()
}

/// Whether layers built now should run their default initialisation (false inside ``skipInit(_:)``).
var shouldInitialize: Bool { !InitializationScope.skipped }
