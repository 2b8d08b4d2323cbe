/// Multi-head self-attention: `query`, `key`, `value` projections and scaled dot-product attention
/// (ATen's fused kernel), with an additive mask.
public final class BertSelfAttention: Module {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let numHeads: Int
    public let dropoutProbability: Double

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        let h = config.hiddenSize, std = config.initializerRange
        query = try Linear.bert(h, h, std: std, initialize: initialize)
        key = try Linear.bert(h, h, std: std, initialize: initialize)
        value = try Linear.bert(h, h, std: std, initialize: initialize)
        numHeads = config.numAttentionHeads
        dropoutProbability = config.attentionProbsDropoutProb
        super.init()
    }

    /// `[batch, length, hidden]` → `[batch, length, hidden]`; `mask` is added to the attention
    /// scores (`[batch, 1, 1|length, length]`, 0 to attend, a large negative value to ignore).
    public func callAsFunction(_ hidden: Tensor, mask: Tensor?) throws(TorchError) -> Tensor {
        let (batch, length, width) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        func heads(_ x: Tensor) throws(TorchError) -> Tensor {
            try x.view([batch, length, numHeads, width / numHeads]).transpose(dim0: 1, dim1: 2)
        }
        let context = try Tensor.scaledDotProductAttention(
            heads(query.forward(hidden)), key: heads(key.forward(hidden)), value: heads(value.forward(hidden)),
            attnMask: mask, dropoutP: training ? dropoutProbability : 0)
        return try context.transpose(dim0: 1, dim1: 2).reshape([batch, length, width])
    }
}

/// The projection after self-attention, with dropout, the residual connection and LayerNorm.
public final class BertSelfOutput: Module {
    public let dense: Linear
    @Key("LayerNorm") public var layerNorm: LayerNorm
    public let dropoutProbability: Double

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        dense = try Linear.bert(config.hiddenSize, config.hiddenSize, std: config.initializerRange, initialize: initialize)
        _layerNorm = Key(wrappedValue: try LayerNorm([config.hiddenSize], eps: config.layerNormEps), "LayerNorm")
        dropoutProbability = config.hiddenDropoutProb
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor, residual: Tensor) throws(TorchError) -> Tensor {
        try layerNorm.forward(dropout(dense.forward(hidden), dropoutProbability).add(residual))
    }
}

/// Self-attention and its output block (state-dict keys `self.*` and `output.*`).
public final class BertAttention: Module {
    @Key("self") public var selfAttention: BertSelfAttention
    public let output: BertSelfOutput

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        _selfAttention = Key(wrappedValue: try BertSelfAttention(config, initialize: initialize), "self")
        output = try BertSelfOutput(config, initialize: initialize)
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor, mask: Tensor?) throws(TorchError) -> Tensor {
        try output(selfAttention(hidden, mask: mask), residual: hidden)
    }
}
