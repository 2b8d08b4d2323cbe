import Foundation

extension Tensor {
    /// The mean of `self` (`[batch, length, hidden]`) over the tokens where `attentionMask`
    /// (`[batch, length]`) is 1: sentence-transformers' mean pooling, `[batch, hidden]`.
    public func meanPooled(attentionMask: Tensor) throws(TorchError) -> Tensor {
        let mask = try attentionMask.to(dtype: dtype).unsqueeze(dim: -1)
        let summed = try mul(mask).sum(dim: [1])
        return try summed.div(mask.sum(dim: [1]).clampMin(min: 1e-9))
    }

    /// Each row divided by its L2 norm (at least `eps`): `torch.nn.functional.normalize(x, dim=dim)`.
    public func l2Normalized(dim: Int = -1, eps: Double = 1e-12) throws(TorchError) -> Tensor {
        try div(norm(p: .double(2), dim: [dim], keepdim: true).clampMin(min: eps))
    }
}

/// Sentence embeddings from a pretrained BERT, as sentence-transformers' `SentenceTransformer.encode`
/// for models such as all-MiniLM-L6-v2: tokenize, run the encoder, mean-pool over the attention mask,
/// L2-normalise.
///
/// ```swift
/// let embedder = try SentenceEmbedder(directory: URL(filePath: "all-MiniLM-L6-v2"))
/// let e = try embedder.encode(["This is an example sentence", "Each sentence is converted"])
/// let cosine = try e[0].dot(e[1])          // 0.4046 (the vectors have unit length)
/// ```
public final class SentenceEmbedder {
    public var tokenizer: BertTokenizer
    public let model: BertModel
    /// Longer texts are truncated to this many tokens (sentence-transformers' `max_seq_length`).
    public var maxLength: Int
    /// Whether ``encode(_:batchSize:)`` L2-normalises the vectors.
    public var normalize: Bool

    /// A tokenizer and a model.
    public init(tokenizer: BertTokenizer, model: BertModel, maxLength: Int = 256, normalize: Bool = true) {
        self.tokenizer = tokenizer
        self.model = model
        self.maxLength = maxLength
        self.normalize = normalize
    }

    /// Loads the tokenizer and the model of a sentence-transformers folder; `max_seq_length` comes
    /// from `sentence_bert_config.json` when present (else 256).
    public convenience init(directory: URL, device: Device = .cpu) throws(TorchError) {
        var maxLength = 256
        if let data = try? Data(contentsOf: directory.appendingPathComponent("sentence_bert_config.json")),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let value = object["max_seq_length"] as? Int {
            maxLength = value
        }
        try self.init(tokenizer: BertTokenizer(directory: directory), model: BertModel(pretrained: directory, device: device),
                      maxLength: maxLength)
    }

    /// The embeddings of `texts`, `[count, hidden]` float32, computed `batchSize` texts at a time
    /// without gradients.
    public func encode(_ texts: [String], batchSize: Int = 32) throws(TorchError) -> Tensor {
        let device = model.embeddings.wordEmbeddings.weight.device
        var parts: [Tensor] = []
        try noGrad { () throws(TorchError) in
            for start in stride(from: 0, to: texts.count, by: max(1, batchSize)) {
                let batch = try tokenizer(Array(texts[start..<min(start + batchSize, texts.count)]), maxLength: maxLength, device: device)
                let output = try model(inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds)
                let pooled = try output.lastHiddenState.meanPooled(attentionMask: batch.attentionMask)
                parts.append(normalize ? try pooled.l2Normalized() : pooled)
            }
        }
        if parts.isEmpty { return try Tensor.zeros([0, model.config.hiddenSize]) }
        return parts.count == 1 ? parts[0] : try Tensor.cat(parts, dim: 0)
    }
}
