// Embedding: a lookup table of learned vectors.

/// A lookup table from indices to learned vectors (PyTorch's `nn.Embedding`).
///
/// Rows start as N(0, 1) draws, as in PyTorch. The row `paddingIdx` starts as zeros and gets no
/// gradient, so it stays zero during training.
///
/// ```swift
/// let embed = try Embedding(10_000, 128, paddingIdx: 0)
/// let vectors = try embed(tokenIDs)    // int64 [batch, length] -> [batch, length, 128]
/// ```
public final class Embedding: Module, UnaryLayer {
    public let numEmbeddings: Int
    public let embeddingDim: Int
    /// The padding row, counted from the start (a negative index given to `init` is resolved).
    public let paddingIdx: Int?
    /// Rows looked up with a larger `normType`-norm are rescaled to this norm, in place.
    public let maxNorm: Double?
    public let normType: Double
    public let scaleGradByFreq: Bool
    public let sparse: Bool
    /// [numEmbeddings, embeddingDim].
    @Parameter public var weight: Tensor

    public convenience init(
        numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
        scaleGradByFreq: Bool = false, sparse: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numEmbeddings: numEmbeddings, embeddingDim: embeddingDim, paddingIdx: paddingIdx, maxNorm: maxNorm,
                      normType: normType, scaleGradByFreq: scaleGradByFreq, sparse: sparse,
                      weight: Tensor.empty([numEmbeddings, embeddingDim], dtype: dtype, device: device), initialize: true)
    }

    /// `Embedding(10_000, 128)`.
    public convenience init(
        _ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
        scaleGradByFreq: Bool = false, sparse: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(numEmbeddings: numEmbeddings, embeddingDim: embeddingDim, paddingIdx: paddingIdx, maxNorm: maxNorm,
                      normType: normType, scaleGradByFreq: scaleGradByFreq, sparse: sparse, dtype: dtype, device: device)
    }

    private init(
        numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int?, maxNorm: Double?, normType: Double,
        scaleGradByFreq: Bool, sparse: Bool, weight: Tensor, initialize: Bool
    ) throws(TorchError) {
        var padding = paddingIdx
        if let index = paddingIdx {
            guard index < numEmbeddings, index >= -numEmbeddings else { throw TorchError("Padding_idx must be within num_embeddings") }
            if index < 0 { padding = numEmbeddings + index }
        }
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        self.paddingIdx = padding
        self.maxNorm = maxNorm
        self.normType = normType
        self.scaleGradByFreq = scaleGradByFreq
        self.sparse = sparse
        self.weight = weight
        super.init()
        if initialize && shouldInitialize { try resetParameters() }
    }

    /// An embedding holding `embeddings` ([rows, dim]) itself, frozen unless `freeze` is false
    /// (PyTorch's `Embedding.from_pretrained`).
    public static func fromPretrained(
        _ embeddings: Tensor, freeze: Bool = true, paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
        scaleGradByFreq: Bool = false, sparse: Bool = false
    ) throws(TorchError) -> Embedding {
        guard embeddings.rank == 2 else { throw TorchError("Embeddings parameter is expected to be 2-dimensional") }
        let embedding = try Embedding(
            numEmbeddings: embeddings.shape[0], embeddingDim: embeddings.shape[1], paddingIdx: paddingIdx, maxNorm: maxNorm,
            normType: normType, scaleGradByFreq: scaleGradByFreq, sparse: sparse, weight: embeddings, initialize: false)
        if freeze { _ = try embedding.weight.setRequiresGrad(false) }
        return embedding
    }

    /// Fresh N(0, 1) rows, the padding row zero, as PyTorch's `reset_parameters`.
    public func resetParameters() throws(TorchError) {
        try Init.normal_(weight)
        if let paddingIdx {
            try noGrad { () throws(TorchError) in _ = try weight.select(dim: 0, index: paddingIdx).fill_(value: 0) }
        }
    }

    public func forward(_ input: Tensor) throws(TorchError) -> Tensor {
        try Functional.embedding(input, weight: weight, paddingIdx: paddingIdx, maxNorm: maxNorm, normType: normType,
                                 scaleGradByFreq: scaleGradByFreq, sparse: sparse)
    }

    public override var extraDescription: String {
        var text = "\(numEmbeddings), \(embeddingDim)"
        if let paddingIdx { text += ", padding_idx=\(paddingIdx)" }
        if let maxNorm { text += ", max_norm=\(pythonFloat(maxNorm))" }
        if normType != 2 { text += ", norm_type=\(pythonFloat(normType))" }
        if scaleGradByFreq { text += ", scale_grad_by_freq=True" }
        if sparse { text += ", sparse=True" }
        return text
    }
}
