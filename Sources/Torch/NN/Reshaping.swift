// Shape layers: Flatten and Unflatten.

/// Flattens dimensions `startDim` through `endDim` into one (PyTorch's `nn.Flatten`); by default
/// everything but the batch dimension.
///
/// ```swift
/// let flat = Flatten()     // [n, c, h, w] -> [n, c*h*w]
/// ```
public final class Flatten: Module, UnaryLayer {
    public let startDim: Int
    public let endDim: Int

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.flatten(startDim: startDim, endDim: endDim) }

    public override var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}

/// Splits dimension `dim` into `unflattenedSize` (PyTorch's `nn.Unflatten`).
///
/// ```swift
/// let unflat = Unflatten(dim: 1, unflattenedSize: [1, 28, 28])   // [n, 784] -> [n, 1, 28, 28]
/// ```
public final class Unflatten: Module, UnaryLayer {
    public let dim: Int
    public let unflattenedSize: [Int]

    public init(dim: Int, unflattenedSize: [Int]) {
        self.dim = dim
        self.unflattenedSize = unflattenedSize
        super.init()
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.unflatten(dim: dim, sizes: unflattenedSize) }

    public override var extraDescription: String { "dim=\(dim), unflattened_size=\(pythonTuple(unflattenedSize))" }
}
