import Foundation

// Convolutions: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.

/// What the convolution layers share (PyTorch's `_ConvNd`): the configuration, the weight and bias,
/// and PyTorch's initialisation. Use the concrete layers (``Conv2d`` …).
public class ConvolutionLayer: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: [Int]
    public let stride: [Int]
    /// The padding as given: explicit amounts, or `.same` / `.valid`.
    public let padding: ConvPadding
    public let dilation: [Int]
    /// True for the transposed convolutions.
    public let transposed: Bool
    public let outputPadding: [Int]
    public let groups: Int
    public let paddingMode: PaddingMode
    /// [outChannels, inChannels / groups, kernel…], or [inChannels, outChannels / groups, kernel…]
    /// when transposed.
    @Parameter public var weight: Tensor
    /// [outChannels], or nil without bias.
    @Parameter public var bias: Tensor?

    /// The padding for `F.pad` when `paddingMode` is not zeros: PyTorch's
    /// `_reversed_padding_repeated_twice` (last dimension first, each amount twice).
    let reversedPaddingRepeatedTwice: [Int]

    init(
        dimensions: Int, inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple,
        padding: ConvPadding, dilation: some IntOrTuple, transposed: Bool, outputPadding: some IntOrTuple,
        groups: Int, bias: Bool, paddingMode: PaddingMode, dtype: DType?, device: Device?
    ) throws(TorchError) {
        guard groups > 0 else { throw TorchError("groups must be a positive integer") }
        guard inChannels % groups == 0 else { throw TorchError("in_channels must be divisible by groups") }
        guard outChannels % groups == 0 else { throw TorchError("out_channels must be divisible by groups") }
        let kernel = try kernelSize.expanded(to: dimensions, name: "kernel_size")
        let strides = try stride.expanded(to: dimensions, name: "stride")
        let dilations = try dilation.expanded(to: dimensions, name: "dilation")
        var padding = padding
        if case .explicit(let values) = padding.kind {
            padding = .explicit(try values.expanded(to: dimensions, name: "padding"))
        }
        if padding.kind == .same && strides.contains(where: { $0 != 1 }) {
            throw TorchError("padding='same' is not supported for strided convolutions")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernel
        self.stride = strides
        self.padding = padding
        self.dilation = dilations
        self.transposed = transposed
        self.outputPadding = try outputPadding.expanded(to: dimensions, name: "output_padding")
        self.groups = groups
        self.paddingMode = paddingMode

        var reversed = Array(repeating: 0, count: 2 * dimensions)
        switch padding.kind {
        case .explicit(let values):
            reversed = values.reversed().flatMap { [$0, $0] }
        case .same:
            for (offset, (d, k)) in zip(dilations, kernel).enumerated() {
                let i = dimensions - 1 - offset
                let total = d * (k - 1)
                reversed[2 * i] = total / 2
                reversed[2 * i + 1] = total - total / 2
            }
        case .valid:
            break
        }
        reversedPaddingRepeatedTwice = reversed

        let shape = transposed
            ? [inChannels, outChannels / groups] + kernel
            : [outChannels, inChannels / groups] + kernel
        weight = try Tensor.empty(shape, dtype: dtype, device: device)
        self.bias = bias ? try Tensor.empty([outChannels], dtype: dtype, device: device) : nil
        super.init()
        if shouldInitialize { try resetParameters() }
    }

    /// Draws fresh weights as PyTorch's `reset_parameters`: Kaiming-uniform with a = √5 for the
    /// weight, U(-1/√fanIn, 1/√fanIn) for the bias.
    public func resetParameters() throws(TorchError) {
        try Init.kaimingUniform_(weight, a: (5.0).squareRoot())
        if let bias {
            let (fanIn, _) = try Init.calculateFanInAndFanOut(weight)
            if fanIn != 0 {
                let bound = 1 / Double(fanIn).squareRoot()
                try Init.uniform_(bias, a: -bound, b: bound)
            }
        }
    }

    /// The convolution with this layer's settings (padding applied by `F.pad` first for the
    /// non-zero padding modes), for the non-transposed layers.
    func convolve(_ input: Tensor) throws(TorchError) -> Tensor {
        if paddingMode != .zeros {
            let padded = try Functional.pad(input, reversedPaddingRepeatedTwice, mode: paddingMode.functionalMode)
            return try Functional.convolution(
                padded, weight: weight, bias: bias, stride: stride, padding: .explicit(Array(repeating: 0, count: kernelSize.count)),
                dilation: dilation, groups: groups)
        }
        return try Functional.convolution(
            input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var extraDescription: String {
        var text = "\(inChannels), \(outChannels), kernel_size=\(pythonTuple(kernelSize)), stride=\(pythonTuple(stride))"
        if padding != .explicit(Array(repeating: 0, count: kernelSize.count)) { text += ", padding=\(padding)" }
        if dilation != Array(repeating: 1, count: kernelSize.count) { text += ", dilation=\(pythonTuple(dilation))" }
        if outputPadding != Array(repeating: 0, count: kernelSize.count) { text += ", output_padding=\(pythonTuple(outputPadding))" }
        if groups != 1 { text += ", groups=\(groups)" }
        if bias == nil { text += ", bias=False" }
        if paddingMode != .zeros { text += ", padding_mode=\(paddingMode.rawValue)" }
        return text
    }

    /// PyTorch's `_output_padding`: the output padding that gives `outputSize` (the spatial sizes,
    /// or the full shape), checked against the sizes the transposed convolution can produce.
    func transposedOutputPadding(_ input: Tensor, outputSize: [Int]?) throws(TorchError) -> [Int] {
        guard var outputSize else { return outputPadding }
        let spatial = kernelSize.count
        let nonSpatial = input.rank == spatial + 2 ? 2 : 1
        if outputSize.count == nonSpatial + spatial { outputSize = Array(outputSize.dropFirst(nonSpatial)) }
        guard outputSize.count == spatial else {
            throw TorchError("ConvTranspose\(spatial)D: for \(input.rank)D input, output_size must have \(spatial) or \(nonSpatial + spatial) elements (got \(outputSize.count))")
        }
        guard case .explicit(let padding) = padding.kind else { throw TorchError("ConvTranspose needs explicit padding") }
        var minSizes: [Int] = [], maxSizes: [Int] = []
        for d in 0..<spatial {
            let size = (try input.size(d + nonSpatial) - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernelSize[d] - 1) + 1
            minSizes.append(size)
            maxSizes.append(size + stride[d] - 1)
        }
        for (size, (low, high)) in zip(outputSize, zip(minSizes, maxSizes)) where size < low || size > high {
            throw TorchError("requested an output size of \(outputSize), but valid sizes range from \(minSizes) to \(maxSizes) (for an input of \(Array(input.shape.dropFirst(nonSpatial))))")
        }
        return zip(outputSize, minSizes).map { $0 - $1 }
    }

    func transposedConvolve(_ input: Tensor, outputSize: [Int]?) throws(TorchError) -> Tensor {
        let outputPadding = try transposedOutputPadding(input, outputSize: outputSize)
        guard case .explicit(let padding) = padding.kind else { throw TorchError("ConvTranspose needs explicit padding") }
        return try Functional.convTranspose(
            input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
            groups: groups, dilation: dilation)
    }
}

extension PaddingMode {
    /// The mode name `F.pad` takes.
    var functionalMode: PadMode {
        switch self {
        case .zeros: .constant
        case .reflect: .reflect
        case .replicate: .replicate
        case .circular: .circular
        }
    }
}

/// A 1-D convolution over [batch, channels, length] (PyTorch's `nn.Conv1d`).
///
/// ```swift
/// let conv = try Conv1d(16, 33, kernelSize: 3, stride: 2)
/// ```
public final class Conv1d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 1, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: padding.convPadding, dilation: dilation, transposed: false, outputPadding: 0, groups: groups,
            bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    /// `Conv1d(16, 33, kernelSize: 3)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try convolve(input) }
}

/// A 2-D convolution over [batch, channels, height, width] (PyTorch's `nn.Conv2d`).
///
/// ```swift
/// let conv = try Conv2d(1, 32, kernelSize: 3, stride: 1, padding: 1)
/// let same = try Conv2d(1, 32, kernelSize: [3, 5], padding: .same)
/// ```
public final class Conv2d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 2, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: padding.convPadding, dilation: dilation, transposed: false, outputPadding: 0, groups: groups,
            bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    /// `Conv2d(1, 32, kernelSize: 3)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try convolve(input) }
}

/// A 3-D convolution over [batch, channels, depth, height, width] (PyTorch's `nn.Conv3d`).
public final class Conv3d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 3, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: padding.convPadding, dilation: dilation, transposed: false, outputPadding: 0, groups: groups,
            bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    /// `Conv3d(1, 8, kernelSize: 3)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some ConvPaddingConvertible = 0, dilation: some IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
        paddingMode: PaddingMode = .zeros, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try convolve(input) }
}

/// A 1-D transposed convolution (PyTorch's `nn.ConvTranspose1d`).
public final class ConvTranspose1d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 1, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: .explicit(try padding.expanded(to: 1, name: "padding")), dilation: dilation, transposed: true,
            outputPadding: outputPadding, groups: groups, bias: bias, paddingMode: .zeros, dtype: dtype, device: device)
    }

    /// `ConvTranspose1d(16, 8, kernelSize: 3, stride: 2)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try transposedConvolve(input, outputSize: nil) }

    /// The transposed convolution with the output padding chosen to give `outputSize`.
    public func forward(_ input: Tensor, outputSize: [Int]?) throws(TorchError) -> Tensor {
        try transposedConvolve(input, outputSize: outputSize)
    }
}

/// A 2-D transposed convolution (PyTorch's `nn.ConvTranspose2d`), the gradient of a Conv2d with
/// respect to its input; upsamples by `stride`.
///
/// ```swift
/// let up = try ConvTranspose2d(16, 8, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
/// let y = try up(x)                               // [n, 16, h, w] -> [n, 8, 2h, 2w]
/// let z = try up.forward(x, outputSize: [2 * h, 2 * w])
/// ```
public final class ConvTranspose2d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 2, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: .explicit(try padding.expanded(to: 2, name: "padding")), dilation: dilation, transposed: true,
            outputPadding: outputPadding, groups: groups, bias: bias, paddingMode: .zeros, dtype: dtype, device: device)
    }

    /// `ConvTranspose2d(16, 8, kernelSize: 3, stride: 2)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try transposedConvolve(input, outputSize: nil) }

    /// The transposed convolution with the output padding chosen to give `outputSize`.
    public func forward(_ input: Tensor, outputSize: [Int]?) throws(TorchError) -> Tensor {
        try transposedConvolve(input, outputSize: outputSize)
    }
}

/// A 3-D transposed convolution (PyTorch's `nn.ConvTranspose3d`).
public final class ConvTranspose3d: ConvolutionLayer, UnaryLayer {
    public init(
        inChannels: Int, outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(
            dimensions: 3, inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: .explicit(try padding.expanded(to: 3, name: "padding")), dilation: dilation, transposed: true,
            outputPadding: outputPadding, groups: groups, bias: bias, paddingMode: .zeros, dtype: dtype, device: device)
    }

    /// `ConvTranspose3d(8, 4, kernelSize: 3, stride: 2)`.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: some IntOrTuple, stride: some IntOrTuple = 1,
        padding: some IntOrTuple = 0, outputPadding: some IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
        dilation: some IntOrTuple = 1, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation, dtype: dtype, device: device)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try transposedConvolve(input, outputSize: nil) }

    /// The transposed convolution with the output padding chosen to give `outputSize`.
    public func forward(_ input: Tensor, outputSize: [Int]?) throws(TorchError) -> Tensor {
        try transposedConvolve(input, outputSize: outputSize)
    }
}
