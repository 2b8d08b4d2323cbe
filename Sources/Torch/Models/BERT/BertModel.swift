/// A BERT encoder, as Hugging Face's `BertModel`: embeddings, a stack of post-LayerNorm transformer
/// blocks and the [CLS] pooler. Its state-dict keys are transformers' (`embeddings.word_embeddings.weight`,
/// `encoder.layer.0.attention.self.query.weight`, `pooler.dense.weight`, …), so checkpoints load unchanged.
///
/// ```swift
/// let bert = try BertModel(pretrained: modelDir)            // config.json + model.safetensors
/// let batch = try tokenizer(["Hello world"])
/// let out = try bert(inputIds: batch.inputIds, attentionMask: batch.attentionMask)
/// out.lastHiddenState.shape                                  // [1, 4, 384]
/// ```
public final class BertModel: Module {
    public let config: BertConfig
    public let embeddings: BertEmbeddings
    public let encoder: BertEncoder
    public let pooler: BertPooler?

    /// A model with random weights, initialised as transformers does (normal(0, initializer_range)
    /// for weights and embeddings, zero biases, LayerNorm at one and zero, the padding row at zero).
    public convenience init(config: BertConfig, addPoolingLayer: Bool = true) throws(TorchError) {
        try self.init(config: config, addPoolingLayer: addPoolingLayer, initialize: true)
    }

    init(config: BertConfig, addPoolingLayer: Bool, initialize: Bool) throws(TorchError) {
        try config.validate()
        self.config = config
        embeddings = try BertEmbeddings(config, initialize: initialize)
        encoder = try BertEncoder(config, initialize: initialize)
        pooler = addPoolingLayer ? try BertPooler(config, initialize: initialize) : nil
        super.init()
    }

    /// The outputs of a forward pass.
    public struct Output {
        /// The last block's hidden states, `[batch, length, hidden]`.
        public let lastHiddenState: Tensor
        /// `tanh(dense(lastHiddenState[:, 0]))`, `[batch, hidden]`; nil without a pooler.
        public let poolerOutput: Tensor?
    }

    /// Runs the encoder.
    ///
    /// - Parameters:
    ///   - inputIds: int64 token ids, `[batch, length]`.
    ///   - attentionMask: 1 for tokens, 0 for padding, `[batch, length]`; nil attends everywhere.
    ///   - tokenTypeIds: segment ids, `[batch, length]`; nil for all zeros.
    ///   - positionIds: positions, `[batch or 1, length]`; nil for 0..<length.
    public func callAsFunction(inputIds: Tensor, attentionMask: Tensor? = nil, tokenTypeIds: Tensor? = nil,
                               positionIds: Tensor? = nil) throws(TorchError) -> Output {
        guard inputIds.shape.count == 2 else { throw TorchError("inputIds must be [batch, length], got \(inputIds.shape)") }
        let length = inputIds.shape[1]
        guard length <= config.maxPositionEmbeddings else {
            throw TorchError("the sequence length \(length) exceeds the \(config.maxPositionEmbeddings) positions of the model: truncate the input (maxLength)")
        }
        let hidden = try embeddings(inputIds: inputIds, tokenTypeIds: tokenTypeIds, positionIds: positionIds)
        let mask = try attentionMask.map { (mask) throws(TorchError) in try Self.additiveMask(mask, dtype: hidden.dtype) }
        let last = try encoder(hidden, mask: mask)
        return Output(lastHiddenState: last, poolerOutput: try pooler?(last))
    }

    /// `[batch, length]` 1/0 mask → `[batch, 1, 1, length]` with 0 where attended and the dtype's
    /// lowest value where masked, to add to attention scores (transformers' extended attention mask).
    public static func additiveMask(_ mask: Tensor, dtype: DType) throws(TorchError) -> Tensor {
        let lowest: Double = switch dtype {
        case .float16: -65504
        case .bfloat16: -3.3895313892515355e38
        case .float64: -Double.greatestFiniteMagnitude
        default: -Double(Float.greatestFiniteMagnitude)
        }
        return try mask.to(dtype: dtype).rsub(1).mul(lowest).unsqueeze(dim: 1).unsqueeze(dim: 1)
    }

    public override var typeName: String { "BertModel" }
}
