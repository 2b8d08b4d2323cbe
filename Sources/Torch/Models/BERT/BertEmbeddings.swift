/// BERT's input embeddings: word + position + token type, then LayerNorm and dropout.
///
/// State-dict keys: `word_embeddings.weight`, `position_embeddings.weight`,
/// `token_type_embeddings.weight`, `LayerNorm.weight`, `LayerNorm.bias`. The `position_ids` buffer
/// (0..<maxPositionEmbeddings) is not persistent, as in transformers.
public final class BertEmbeddings: Module {
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    @Key("LayerNorm") public var layerNorm: LayerNorm
    @Buffer(persistent: false) public var positionIds: Tensor
    public let dropoutProbability: Double

    init(_ config: BertConfig, initialize: Bool) throws(TorchError) {
        let std = config.initializerRange
        wordEmbeddings = try Embedding.bert(config.vocabSize, config.hiddenSize, paddingIndex: config.padTokenId, std: std, initialize: initialize)
        positionEmbeddings = try Embedding.bert(config.maxPositionEmbeddings, config.hiddenSize, std: std, initialize: initialize)
        tokenTypeEmbeddings = try Embedding.bert(config.typeVocabSize, config.hiddenSize, std: std, initialize: initialize)
        _layerNorm = Key(wrappedValue: try LayerNorm([config.hiddenSize], eps: config.layerNormEps), "LayerNorm")
        _positionIds = Buffer(wrappedValue: try Tensor.arange(end: config.maxPositionEmbeddings, dtype: .int64).unsqueeze(dim: 0), persistent: false)
        dropoutProbability = config.hiddenDropoutProb
        super.init()
    }

    /// `[batch, length]` int64 ids → `[batch, length, hidden]`.
    public func callAsFunction(inputIds: Tensor, tokenTypeIds: Tensor? = nil, positionIds: Tensor? = nil) throws(TorchError) -> Tensor {
        let length = try inputIds.size(-1)
        let positions = if let positionIds { positionIds } else { try self.positionIds.narrow(dim: 1, start: 0, length: length) }
        let types = if let tokenTypeIds { tokenTypeIds } else { try Tensor.zeros(inputIds.shape, dtype: .int64, device: inputIds.device) }
        var x = try wordEmbeddings.forward(inputIds).add(tokenTypeEmbeddings.forward(types))
        x = try x.add(positionEmbeddings.forward(positions))
        return try dropout(layerNorm.forward(x), dropoutProbability)
    }
}
