// Dropout layers: active in training mode, the identity in evaluation mode.

extension Functional {
    private static func checkProbability(_ p: Double) throws(TorchError) {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
    }

    /// Zeroes whole channels of [batch, channels, length] (or [channels, length]) with probability `p`.
    public static func dropout1d(_ input: Tensor, p: Double = 0.5, training: Bool = true, inplace: Bool = false) throws(TorchError) -> Tensor {
        try checkProbability(p)
        guard input.rank == 2 || input.rank == 3 else {
            throw TorchError("dropout1d: Expected 2D or 3D input, but received a \(input.rank)D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
        }
        let batched = input.rank == 3
        var x = input
        if !batched { x = inplace ? try x.unsqueeze_(dim: 0) : try x.unsqueeze(dim: 0) }
        var result = inplace ? try x.featureDropout_(p: p, train: training) : try x.featureDropout(p: p, train: training)
        if !batched { result = inplace ? try result.squeeze_(dim: 0) : try result.squeeze(dim: 0) }
        return result
    }

    /// Zeroes whole channels of [batch, channels, height, width] with probability `p` (a 3-D input is
    /// read as [batch, channels, length], as PyTorch does for now).
    public static func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true, inplace: Bool = false) throws(TorchError) -> Tensor {
        try checkProbability(p)
        return inplace ? try input.featureDropout_(p: p, train: training) : try input.featureDropout(p: p, train: training)
    }

    /// Dropout that keeps the mean and variance of SELU activations.
    public static func alphaDropout(_ input: Tensor, p: Double = 0.5, training: Bool = false, inplace: Bool = false) throws(TorchError) -> Tensor {
        try checkProbability(p)
        return inplace ? try input.alphaDropout_(p: p, train: training) : try input.alphaDropout(p: p, train: training)
    }
}

/// Zeroes each element with probability `p` in training mode and scales the others by 1/(1-p)
/// (PyTorch's `nn.Dropout`); the identity in evaluation mode.
///
/// ```swift
/// let drop = try Dropout(0.1)
/// model.eval()   // dropout off
/// ```
public final class Dropout: Module, UnaryLayer {
    public let p: Double
    public let inplace: Bool

    public init(p: Double = 0.5, inplace: Bool = false) throws(TorchError) {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
        self.p = p
        self.inplace = inplace
        super.init()
    }

    /// `Dropout(0.1)`.
    public convenience init(_ p: Double, inplace: Bool = false) throws(TorchError) { try self.init(p: p, inplace: inplace) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.dropout(input, p: p, training: training, inplace: inplace)
    }

    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// Zeroes whole channels of [batch, channels, length] in training mode (PyTorch's `nn.Dropout1d`).
public final class Dropout1d: Module, UnaryLayer {
    public let p: Double
    public let inplace: Bool

    public init(p: Double = 0.5, inplace: Bool = false) throws(TorchError) {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
        self.p = p
        self.inplace = inplace
        super.init()
    }

    /// `Dropout1d(0.2)`.
    public convenience init(_ p: Double, inplace: Bool = false) throws(TorchError) { try self.init(p: p, inplace: inplace) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.dropout1d(input, p: p, training: training, inplace: inplace)
    }

    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// Zeroes whole channels of [batch, channels, height, width] in training mode (PyTorch's
/// `nn.Dropout2d`).
public final class Dropout2d: Module, UnaryLayer {
    public let p: Double
    public let inplace: Bool

    public init(p: Double = 0.5, inplace: Bool = false) throws(TorchError) {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
        self.p = p
        self.inplace = inplace
        super.init()
    }

    /// `Dropout2d(0.2)`.
    public convenience init(_ p: Double, inplace: Bool = false) throws(TorchError) { try self.init(p: p, inplace: inplace) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.dropout2d(input, p: p, training: training, inplace: inplace)
    }

    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// Dropout for self-normalizing (SELU) networks (PyTorch's `nn.AlphaDropout`).
public final class AlphaDropout: Module, UnaryLayer {
    public let p: Double
    public let inplace: Bool

    public init(p: Double = 0.5, inplace: Bool = false) throws(TorchError) {
        guard (0...1).contains(p) else { throw TorchError("dropout probability has to be between 0 and 1, but got \(p)") }
        self.p = p
        self.inplace = inplace
        super.init()
    }

    /// `AlphaDropout(0.2)`.
    public convenience init(_ p: Double, inplace: Bool = false) throws(TorchError) { try self.init(p: p, inplace: inplace) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.alphaDropout(input, p: p, training: training, inplace: inplace)
    }

    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}
