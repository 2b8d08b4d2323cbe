// BERT's layers are the generic Linear, LayerNorm and Embedding, initialised as Hugging Face's
// BertPreTrainedModel does: normal(0, initializer_range) weights, zero biases, a zero padding row,
// LayerNorm ones and zeros. Without `initialize` the weights are left for a checkpoint to fill.

extension Linear {
    /// A BERT projection: `normal(0, std)` weight and zero bias (the weight is left empty when a
    /// checkpoint will fill it).
    static func bert(_ inFeatures: Int, _ outFeatures: Int, std: Double, initialize: Bool) throws(TorchError) -> Linear {
        let layer = try skipInit { () throws(TorchError) in try Linear(inFeatures, outFeatures) }
        try noGrad { () throws(TorchError) in
            if initialize { _ = try layer.weight.normal_(mean: 0, std: std) }
            _ = try layer.bias?.zero_()
        }
        return layer
    }
}

extension Embedding {
    /// A BERT embedding table: `normal(0, std)` rows, the padding row zero.
    static func bert(_ count: Int, _ dim: Int, paddingIndex: Int? = nil, std: Double, initialize: Bool) throws(TorchError) -> Embedding {
        let layer = try skipInit { () throws(TorchError) in try Embedding(count, dim, paddingIdx: paddingIndex) }
        if initialize {
            try noGrad { () throws(TorchError) in
                _ = try layer.weight.normal_(mean: 0, std: std)
                if let paddingIndex, paddingIndex < count { _ = try layer.weight.select(dim: 0, index: paddingIndex).zero_() }
            }
        }
        return layer
    }
}

extension Module {
    /// Dropout with probability `p` in training mode, the identity in evaluation mode.
    func dropout(_ input: Tensor, _ p: Double) throws(TorchError) -> Tensor {
        training && p > 0 ? try input.dropout(p: p, train: true) : input
    }
}
