/// The feed-forward expansion: `dense` to the intermediate size, then the activation.
public final class BertIntermediate: Module {
    public let dense: Linear
    public let activation: String

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        dense = try Linear.bert(config.hiddenSize, config.intermediateSize, std: config.initializerRange, initialize: initialize)
        activation = config.hiddenAct
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor) throws(TorchError) -> Tensor {
        let x = try dense.forward(hidden)
        switch activation {
        case "gelu_new", "gelu_pytorch_tanh": return try x.gelu(approximate: "tanh")
        case "relu": return try x.relu()
        default: return try x.gelu()
        }
    }
}

/// The feed-forward projection back to the hidden size, with dropout, residual and LayerNorm.
public final class BertOutput: Module {
    public let dense: Linear
    @Key("LayerNorm") public var layerNorm: LayerNorm
    public let dropoutProbability: Double

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        dense = try Linear.bert(config.intermediateSize, config.hiddenSize, std: config.initializerRange, initialize: initialize)
        _layerNorm = Key(wrappedValue: try LayerNorm([config.hiddenSize], eps: config.layerNormEps), "LayerNorm")
        dropoutProbability = config.hiddenDropoutProb
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor, residual: Tensor) throws(TorchError) -> Tensor {
        try layerNorm.forward(dropout(dense.forward(hidden), dropoutProbability).add(residual))
    }
}

/// One transformer block (post-LayerNorm): attention, then the feed-forward network.
public final class BertLayer: Module {
    public let attention: BertAttention
    public let intermediate: BertIntermediate
    public let output: BertOutput

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        attention = try BertAttention(config, initialize: initialize)
        intermediate = try BertIntermediate(config, initialize: initialize)
        output = try BertOutput(config, initialize: initialize)
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor, mask: Tensor?) throws(TorchError) -> Tensor {
        let attended = try attention(hidden, mask: mask)
        return try output(intermediate(attended), residual: attended)
    }
}

/// The stack of transformer blocks (state-dict keys `layer.0.*`, `layer.1.*`, …).
public final class BertEncoder: Module {
    public let layer: [BertLayer]

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        var layers: [BertLayer] = []
        for _ in 0..<config.numHiddenLayers { layers.append(try BertLayer(config, initialize: initialize)) }
        layer = layers
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor, mask: Tensor?) throws(TorchError) -> Tensor {
        var x = hidden
        for block in layer { x = try block(x, mask: mask) }
        return x
    }
}

/// `tanh(dense(hidden[:, 0]))`: the [CLS] token's vector, as BERT's next-sentence head was trained on.
public final class BertPooler: Module {
    public let dense: Linear

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        dense = try Linear.bert(config.hiddenSize, config.hiddenSize, std: config.initializerRange, initialize: initialize)
        super.init()
    }

    public func callAsFunction(_ hidden: Tensor) throws(TorchError) -> Tensor {
        try dense.forward(hidden.select(dim: 1, index: 0)).tanh()
    }
}
