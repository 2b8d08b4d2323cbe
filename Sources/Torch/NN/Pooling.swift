// Pooling layers: max, average and adaptive pooling in one and two dimensions.

/// 1-D max pooling over [batch, channels, length] (PyTorch's `nn.MaxPool1d`); `stride` defaults to
/// the kernel size.
///
/// ```swift
/// let pool = MaxPool1d(kernelSize: 2)
/// ```
public final class MaxPool1d: Module, UnaryLayer {
    public let kernelSize: [Int]
    /// Empty when the stride is the kernel size.
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let ceilMode: Bool
    private let text: (kernel: String, stride: String, padding: String, dilation: String)

    public init(
        kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) {
        let kernel = try kernelSize.expanded(to: 1, name: "kernel_size")
        self.kernelSize = kernel
        self.stride = try stride?.expanded(to: 1, name: "stride") ?? kernel
        self.padding = try padding.expanded(to: 1, name: "padding")
        self.dilation = try dilation.expanded(to: 1, name: "dilation")
        self.ceilMode = ceilMode
        text = (kernelSize.pythonDescription, stride?.pythonDescription ?? kernelSize.pythonDescription, padding.pythonDescription, dilation.pythonDescription)
        super.init()
    }

    /// `MaxPool1d(2)`.
    public convenience init(
        _ kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) {
        try self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.maxPool1d(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The pooled values and the flat indices of the maxima (PyTorch's `return_indices=True`).
    public func forwardWithIndices(_ input: Tensor) throws(TorchError) -> (output: Tensor, indices: Tensor) {
        try input.maxPool1dWithIndices(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public override var extraDescription: String {
        "kernel_size=\(text.kernel), stride=\(text.stride), padding=\(text.padding), dilation=\(text.dilation), ceil_mode=\(pythonBool(ceilMode))"
    }
}

/// 2-D max pooling over [batch, channels, height, width] (PyTorch's `nn.MaxPool2d`); `stride`
/// defaults to the kernel size.
///
/// ```swift
/// let pool = try MaxPool2d(2)                 // halves height and width
/// let pool3 = try MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
/// ```
public final class MaxPool2d: Module, UnaryLayer {
    public let kernelSize: [Int]
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let ceilMode: Bool
    private let text: (kernel: String, stride: String, padding: String, dilation: String)

    public init(
        kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) {
        let kernel = try kernelSize.expanded(to: 2, name: "kernel_size")
        self.kernelSize = kernel
        self.stride = try stride?.expanded(to: 2, name: "stride") ?? kernel
        self.padding = try padding.expanded(to: 2, name: "padding")
        self.dilation = try dilation.expanded(to: 2, name: "dilation")
        self.ceilMode = ceilMode
        text = (kernelSize.pythonDescription, stride?.pythonDescription ?? kernelSize.pythonDescription, padding.pythonDescription, dilation.pythonDescription)
        super.init()
    }

    /// `MaxPool2d(2)`.
    public convenience init(
        _ kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        dilation: some IntOrTuple = 1, ceilMode: Bool = false
    ) throws(TorchError) {
        try self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The pooled values and the flat indices of the maxima (PyTorch's `return_indices=True`).
    public func forwardWithIndices(_ input: Tensor) throws(TorchError) -> (output: Tensor, indices: Tensor) {
        try input.maxPool2dWithIndices(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public override var extraDescription: String {
        "kernel_size=\(text.kernel), stride=\(text.stride), padding=\(text.padding), dilation=\(text.dilation), ceil_mode=\(pythonBool(ceilMode))"
    }
}

/// 1-D average pooling (PyTorch's `nn.AvgPool1d`); `stride` defaults to the kernel size.
public final class AvgPool1d: Module, UnaryLayer {
    public let kernelSize: [Int]
    public let stride: [Int]
    public let padding: [Int]
    public let ceilMode: Bool
    public let countIncludePad: Bool

    public init(
        kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true
    ) throws(TorchError) {
        let kernel = try kernelSize.expanded(to: 1, name: "kernel_size")
        self.kernelSize = kernel
        self.stride = try stride?.expanded(to: 1, name: "stride") ?? kernel
        self.padding = try padding.expanded(to: 1, name: "padding")
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        super.init()
    }

    /// `AvgPool1d(2)`.
    public convenience init(
        _ kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true
    ) throws(TorchError) {
        try self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.avgPool1d(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public override var extraDescription: String {
        "kernel_size=\(pythonTuple(kernelSize)), stride=\(pythonTuple(stride)), padding=\(pythonTuple(padding))"
    }
}

/// 2-D average pooling (PyTorch's `nn.AvgPool2d`); `stride` defaults to the kernel size.
///
/// ```swift
/// let pool = try AvgPool2d(2)
/// ```
public final class AvgPool2d: Module, UnaryLayer {
    public let kernelSize: [Int]
    public let stride: [Int]
    public let padding: [Int]
    public let ceilMode: Bool
    public let countIncludePad: Bool
    public let divisorOverride: Int?
    private let text: (kernel: String, stride: String, padding: String)

    public init(
        kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) throws(TorchError) {
        let kernel = try kernelSize.expanded(to: 2, name: "kernel_size")
        self.kernelSize = kernel
        self.stride = try stride?.expanded(to: 2, name: "stride") ?? kernel
        self.padding = try padding.expanded(to: 2, name: "padding")
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
        text = (kernelSize.pythonDescription, stride?.pythonDescription ?? kernelSize.pythonDescription, padding.pythonDescription)
        super.init()
    }

    /// `AvgPool2d(2)`.
    public convenience init(
        _ kernelSize: some IntOrTuple, stride: (any IntOrTuple)? = nil, padding: some IntOrTuple = 0,
        ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) throws(TorchError) {
        try self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                      countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                            countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    public override var extraDescription: String {
        "kernel_size=\(text.kernel), stride=\(text.stride), padding=\(text.padding)"
    }
}

/// Average pooling to a fixed output length, whatever the input length (PyTorch's
/// `nn.AdaptiveAvgPool1d`).
public final class AdaptiveAvgPool1d: Module, UnaryLayer {
    public let outputSize: [Int]
    private let text: String

    public init(outputSize: some IntOrTuple) throws(TorchError) {
        self.outputSize = try outputSize.expanded(to: 1, name: "output_size")
        text = outputSize.pythonDescription
        super.init()
    }

    /// `AdaptiveAvgPool1d(4)`.
    public convenience init(_ outputSize: some IntOrTuple) throws(TorchError) { try self.init(outputSize: outputSize) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.adaptiveAvgPool1d(outputSize: outputSize) }

    public override var extraDescription: String { "output_size=\(text)" }
}

/// Average pooling to a fixed output height and width, whatever the input size (PyTorch's
/// `nn.AdaptiveAvgPool2d`); `AdaptiveAvgPool2d(1)` is global average pooling.
///
/// ```swift
/// let gap = try AdaptiveAvgPool2d(1)     // [n, c, h, w] -> [n, c, 1, 1]
/// ```
public final class AdaptiveAvgPool2d: Module, UnaryLayer {
    public let outputSize: [Int]
    private let text: String

    public init(outputSize: some IntOrTuple) throws(TorchError) {
        self.outputSize = try outputSize.expanded(to: 2, name: "output_size")
        text = outputSize.pythonDescription
        super.init()
    }

    /// `AdaptiveAvgPool2d([7, 7])`.
    public convenience init(_ outputSize: some IntOrTuple) throws(TorchError) { try self.init(outputSize: outputSize) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.adaptiveAvgPool2d(outputSize: outputSize) }

    public override var extraDescription: String { "output_size=\(text)" }
}

/// Max pooling to a fixed output length (PyTorch's `nn.AdaptiveMaxPool1d`).
public final class AdaptiveMaxPool1d: Module, UnaryLayer {
    public let outputSize: [Int]
    private let text: String

    public init(outputSize: some IntOrTuple) throws(TorchError) {
        self.outputSize = try outputSize.expanded(to: 1, name: "output_size")
        text = outputSize.pythonDescription
        super.init()
    }

    /// `AdaptiveMaxPool1d(4)`.
    public convenience init(_ outputSize: some IntOrTuple) throws(TorchError) { try self.init(outputSize: outputSize) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.adaptiveMaxPool1d(outputSize: outputSize).0 }

    public override var extraDescription: String { "output_size=\(text)" }
}

/// Max pooling to a fixed output height and width (PyTorch's `nn.AdaptiveMaxPool2d`).
public final class AdaptiveMaxPool2d: Module, UnaryLayer {
    public let outputSize: [Int]
    private let text: String

    public init(outputSize: some IntOrTuple) throws(TorchError) {
        self.outputSize = try outputSize.expanded(to: 2, name: "output_size")
        text = outputSize.pythonDescription
        super.init()
    }

    /// `AdaptiveMaxPool2d(1)`.
    public convenience init(_ outputSize: some IntOrTuple) throws(TorchError) { try self.init(outputSize: outputSize) }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor { try input.adaptiveMaxPool2d(outputSize: outputSize).0 }

    public override var extraDescription: String { "output_size=\(text)" }
}
