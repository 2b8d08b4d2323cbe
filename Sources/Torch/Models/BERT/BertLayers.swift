// Minimal layers for BERT, until the generic nn layers (Linear, LayerNorm, Embedding) are merged:
// same parameter names and maths as PyTorch's, initialised as Hugging Face's BertPreTrainedModel does
// (normal(0, initializer_range) weights, zero biases, LayerNorm ones and zeros).
// TODO: replace with the generic Linear, LayerNorm and Embedding once they land on main.

/// A fully connected layer: `x W^T + b`, with `weight` stored `[out, in]`.
public final class BertLinear: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?

    init(_ inFeatures: Int, _ outFeatures: Int, std: Double, initialize: Bool) throws(TorchError) {
        let weight = try Tensor.empty([outFeatures, inFeatures])
        let bias = try Tensor.zeros([outFeatures])
        if initialize { _ = try weight.normal_(mean: 0, std: std) }
        self.weight = weight
        self.bias = bias
        super.init()
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.linear(weight: weight, bias: bias)
    }

    public func callAsFunction(_ input: Tensor) throws(TorchError) -> Tensor { try forward(input) }

    public override var extraDescription: String {
        "in_features=\(weight.shape[1]), out_features=\(weight.shape[0]), bias=\(bias != nil ? "True" : "False")"
    }
    public override var typeName: String { "Linear" }
}

/// Layer normalisation over the last dimension.
public final class BertLayerNorm: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let eps: Double

    init(_ features: Int, eps: Double) throws(TorchError) {
        weight = try Tensor.ones([features])
        bias = try Tensor.zeros([features])
        self.eps = eps
        super.init()
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try input.layerNorm(normalizedShape: [weight.shape[0]], weight: weight, bias: bias, eps: eps)
    }

    public func callAsFunction(_ input: Tensor) throws(TorchError) -> Tensor { try forward(input) }

    public override var extraDescription: String { "(\(weight.shape[0]),), eps=\(eps), elementwise_affine=True" }
    public override var typeName: String { "LayerNorm" }
}

/// A lookup table of vectors, `[count, dim]`; the padding row starts at zero.
public final class BertEmbedding: Module {
    @Parameter public var weight: Tensor
    public let paddingIndex: Int?

    init(_ count: Int, _ dim: Int, paddingIndex: Int? = nil, std: Double, initialize: Bool) throws(TorchError) {
        let weight = try Tensor.empty([count, dim])
        if initialize {
            _ = try weight.normal_(mean: 0, std: std)
            if let paddingIndex, paddingIndex < count { _ = try weight.select(dim: 0, index: paddingIndex).zero_() }
        }
        self.weight = weight
        self.paddingIndex = paddingIndex
        super.init()
    }

    public func callAsFunction(_ indices: Tensor) throws(TorchError) -> Tensor {
        try Tensor.embedding(weight, indices: indices, paddingIdx: paddingIndex ?? -1)
    }

    public override var extraDescription: String {
        "\(weight.shape[0]), \(weight.shape[1])" + (paddingIndex.map { ", padding_idx=\($0)" } ?? "")
    }
    public override var typeName: String { "Embedding" }
}

extension Module {
    /// Dropout with probability `p` in training mode, the identity in evaluation mode.
    func dropout(_ input: Tensor, _ p: Double) throws(TorchError) -> Tensor {
        training && p > 0 ? try input.dropout(p: p, train: true) : input
    }
}
