// Transformer encoder: TransformerEncoderLayer and TransformerEncoder, as PyTorch's, with the same
// state-dict keys (layers.N.self_attn.in_proj_weight, …) and the same fast inference paths.

/// The feed-forward activation of a transformer layer.
public enum TransformerActivation {
    case relu
    case gelu
    /// Any function (PyTorch accepts a callable; the fused inference path then does not apply).
    case custom((Tensor) throws -> Tensor)

    func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case .relu: try x.relu()
        case .gelu: try x.gelu()
        case .custom(let function): try function(x)
        }
    }

    /// PyTorch's `activation_relu_or_gelu`: 1 for ReLU, 2 for GELU, 0 otherwise.
    var fusedCode: Int {
        switch self {
        case .relu: 1
        case .gelu: 2
        case .custom: 0
        }
    }
}

/// One transformer encoder block (PyTorch's `nn.TransformerEncoderLayer`): self-attention and a
/// feed-forward network, each with a residual connection, dropout and layer normalization (after
/// each block, or before it with `normFirst`).
///
/// ```swift
/// let layer = try TransformerEncoderLayer(dModel: 64, nhead: 4, dimFeedforward: 256, batchFirst: true)
/// let y = try layer(x)                                  // [batch, length, 64]
/// let z = try layer.forward(x, srcKeyPaddingMask: padding)
/// ```
public final class TransformerEncoderLayer: Module, UnaryLayer {
    public let selfAttn: MultiheadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let normFirst: Bool
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let dropout1: Dropout
    public let dropout2: Dropout
    public let activation: TransformerActivation

    private let configuration: (dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double, layerNormEps: Double,
                                batchFirst: Bool, bias: Bool, dtype: DType?, device: Device?)

    public init(
        dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
        activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
        normFirst: Bool = false, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        // Built in PyTorch's order, so the same seed draws the same weights.
        selfAttn = try MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias,
                                          batchFirst: batchFirst, dtype: dtype, device: device)
        linear1 = try Linear(dModel, dimFeedforward, bias: bias, dtype: dtype, device: device)
        self.dropout = try Dropout(dropout)
        linear2 = try Linear(dimFeedforward, dModel, bias: bias, dtype: dtype, device: device)
        self.normFirst = normFirst
        norm1 = try LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype, device: device)
        norm2 = try LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype, device: device)
        dropout1 = try Dropout(dropout)
        dropout2 = try Dropout(dropout)
        self.activation = activation
        configuration = (dModel, nhead, dimFeedforward, dropout, layerNormEps, batchFirst, bias, dtype, device)
        super.init()
    }

    /// `TransformerEncoderLayer(64, 4)`.
    public convenience init(
        _ dModel: Int, _ nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
        activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
        normFirst: Bool = false, bias: Bool = true, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                      layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias, dtype: dtype, device: device)
    }

    /// A deep copy: the same configuration, parameters and buffers copied, the same mode (what
    /// PyTorch's `copy.deepcopy` gives). Draws no random numbers.
    public func copy() throws(TorchError) -> TransformerEncoderLayer {
        let c = configuration
        let copy = try skipInit { () throws(TorchError) in
            try TransformerEncoderLayer(
                dModel: c.dModel, nhead: c.nhead, dimFeedforward: c.dimFeedforward, dropout: c.dropout, activation: activation,
                layerNormEps: c.layerNormEps, batchFirst: c.batchFirst, normFirst: normFirst, bias: c.bias, dtype: c.dtype, device: c.device)
        }
        try copy.loadStateDict(stateDict())
        for (target, source) in zip(copy.parameters(), parameters()) where target.requiresGrad != source.requiresGrad {
            _ = try target.setRequiresGrad(source.requiresGrad)
        }
        for (target, source) in zip(copy.modules(), modules()) { target.train(source.training) }
        return copy
    }

    /// Whether PyTorch's fused `_transformer_encoder_layer_fwd` kernel applies (inference on a
    /// batch-first layer with nothing that needs gradients).
    func canUseFastPath(_ src: Tensor) -> Bool {
        guard src.rank == 3, !training, selfAttn.batchFirst, let inProjWeight = selfAttn.inProjWeight,
              let inProjBias = selfAttn.inProjBias, let outBias = selfAttn.outProj.bias, selfAttn.qkvSameEmbedDim,
              activation.fusedCode != 0, norm1.eps == norm2.eps, selfAttn.numHeads % 2 == 0,
              let n1w = norm1.weight, let n1b = norm1.bias, let n2w = norm2.weight, let n2b = norm2.bias,
              let l1b = linear1.bias, let l2b = linear2.bias
        else { return false }
        let tensors = [src, inProjWeight, inProjBias, selfAttn.outProj.weight, outBias, n1w, n1b, n2w, n2b,
                       linear1.weight, l1b, linear2.weight, l2b]
        if isGradEnabled && tensors.contains(where: \.requiresGrad) { return false }
        return true
    }

    /// The block on `src`, with an optional attention mask and key-padding mask (boolean: true =
    /// masked; float: added). `isCausal` is a hint that `srcMask` is the causal mask.
    public func forward(
        _ src: Tensor, srcMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false
    ) throws -> Tensor {
        let srcKeyPaddingMask = try Functional.canonicalMask(srcKeyPaddingMask, name: "src_key_padding_mask", targetType: src.dtype)
        let srcMask = try Functional.canonicalMask(srcMask, name: "src_mask", targetType: src.dtype)

        if canUseFastPath(src) {
            let (mask, maskType) = try selfAttn.mergeMasks(attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, query: src)
            return try Tensor._transformerEncoderLayerFwd(
                src, embedDim: selfAttn.embedDim, numHeads: selfAttn.numHeads, qkvWeight: selfAttn.inProjWeight!,
                qkvBias: selfAttn.inProjBias!, projWeight: selfAttn.outProj.weight, projBias: selfAttn.outProj.bias!,
                useGelu: activation.fusedCode == 2, normFirst: normFirst, eps: norm1.eps,
                normWeight1: norm1.weight!, normBias1: norm1.bias!, normWeight2: norm2.weight!, normBias2: norm2.bias!,
                ffnWeight1: linear1.weight, ffnBias1: linear1.bias!, ffnWeight2: linear2.weight, ffnBias2: linear2.bias!,
                mask: mask, maskType: maskType)
        }

        var x = src
        if normFirst {
            x = try x + selfAttentionBlock(norm1(x), mask: srcMask, keyPaddingMask: srcKeyPaddingMask, isCausal: isCausal)
            x = try x + feedForwardBlock(norm2(x))
        } else {
            x = try norm1(x + selfAttentionBlock(x, mask: srcMask, keyPaddingMask: srcKeyPaddingMask, isCausal: isCausal))
            x = try norm2(x + feedForwardBlock(x))
        }
        return x
    }

    public func forward(_ input: Tensor) throws -> Tensor { try forward(input, srcMask: nil) }

    private func selfAttentionBlock(_ x: Tensor, mask: Tensor?, keyPaddingMask: Tensor?, isCausal: Bool) throws -> Tensor {
        let (output, _) = try selfAttn(x, x, x, keyPaddingMask: keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal)
        return try dropout1(output)
    }

    private func feedForwardBlock(_ x: Tensor) throws -> Tensor {
        try dropout2(linear2(dropout(activation.apply(linear1(x)))))
    }
}

/// A stack of `numLayers` copies of an encoder layer (PyTorch's `nn.TransformerEncoder`), with an
/// optional final normalization. State-dict keys are PyTorch's: `layers.0.self_attn.in_proj_weight`,
/// …, `norm.weight`.
///
/// As in PyTorch, every layer starts as a copy of `encoderLayer` (the same initial weights).
///
/// ```swift
/// let layer = try TransformerEncoderLayer(dModel: 64, nhead: 4, batchFirst: true)
/// let encoder = try TransformerEncoder(layer, numLayers: 6, norm: LayerNorm(64))
/// let y = try encoder.forward(x, srcKeyPaddingMask: padding)
/// ```
public final class TransformerEncoder: Module, UnaryLayer {
    public let layers: ModuleList<TransformerEncoderLayer>
    public let numLayers: Int
    /// Applied after the last layer.
    public let norm: (any UnaryLayer)?
    public let enableNestedTensor: Bool
    /// Whether padded batches may take PyTorch's nested-tensor inference path (which returns zeros
    /// at padded positions).
    public let useNestedTensor: Bool
    public let maskCheck: Bool

    public init(
        _ encoderLayer: TransformerEncoderLayer, numLayers: Int, norm: (any UnaryLayer)? = nil,
        enableNestedTensor: Bool = true, maskCheck: Bool = true
    ) throws(TorchError) {
        var copies: [TransformerEncoderLayer] = []
        for _ in 0..<numLayers { copies.append(try encoderLayer.copy()) }
        layers = ModuleList(copies)
        self.numLayers = numLayers
        self.norm = norm
        self.enableNestedTensor = enableNestedTensor
        let attention = encoderLayer.selfAttn
        let fusable = !encoderLayer.normFirst && attention.batchFirst && attention.qkvSameEmbedDim && attention.inProjBias != nil
            && encoderLayer.activation.fusedCode != 0 && encoderLayer.norm1.eps == encoderLayer.norm2.eps && attention.numHeads % 2 == 0
        useNestedTensor = enableNestedTensor && fusable
        self.maskCheck = maskCheck
        super.init()
    }

    /// The layers in turn on `src`, then `norm`. `mask` is the attention mask, `srcKeyPaddingMask` marks
    /// padding (true = padded); `isCausal` nil detects whether `mask` is the causal mask.
    public func forward(
        _ src: Tensor, mask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool? = nil
    ) throws -> Tensor {
        let paddingMask = try Functional.canonicalMask(srcKeyPaddingMask, name: "src_key_padding_mask", targetType: src.dtype)
        let mask = try Functional.canonicalMask(mask, name: "mask", targetType: src.dtype)
        guard let first = layers.first else { return try norm?.forward(src) ?? src }
        let batchFirst = first.selfAttn.batchFirst

        // PyTorch runs padded inference batches as nested tensors, which leaves zeros at the padded
        // positions; the same result comes from masking and zeroing them here.
        var zeroPadded = false
        if useNestedTensor, !first.training, src.rank == 3, let srcKeyPaddingMask, mask == nil, first.canUseFastPath(src) {
            zeroPadded = try !maskCheck || Self.isLeftAligned(srcKeyPaddingMask)
        }

        let seqLen = src.rank == 2 ? src.shape[0] : src.shape[batchFirst ? 1 : 0]
        let causal = try Self.detectCausalMask(mask, isCausal: isCausal, size: seqLen)
        var output = src
        for layer in layers {
            output = try layer.forward(output, srcMask: mask, srcKeyPaddingMask: paddingMask, isCausal: causal)
        }
        if zeroPadded, let srcKeyPaddingMask {
            let padded = srcKeyPaddingMask.dtype == .bool ? srcKeyPaddingMask : try srcKeyPaddingMask.ne(0)
            output = try output.maskedFill(mask: padded.unsqueeze(dim: -1), value: 0)
        }
        if let norm { output = try norm.forward(output) }
        return output
    }

    public func forward(_ input: Tensor) throws -> Tensor { try forward(input, mask: nil) }

    /// Whether every row of the padding mask is real tokens followed by padding.
    private static func isLeftAligned(_ paddingMask: Tensor) throws(TorchError) -> Bool {
        let padded = paddingMask.dtype == .bool ? paddingMask : try paddingMask.ne(0)
        // A padded position followed by a real one breaks the alignment.
        let shape = padded.shape
        guard shape.count == 2, shape[1] > 1 else { return true }
        let earlier = try padded.narrow(dim: 1, start: 0, length: shape[1] - 1)
        let later = try padded.narrow(dim: 1, start: 1, length: shape[1] - 1)
        return try !(earlier.logicalAnd(later.logicalNot())).any().item(Bool.self)
    }

    /// PyTorch's `_detect_is_causal_mask`: the hint if given, else whether `mask` is the causal mask.
    static func detectCausalMask(_ mask: Tensor?, isCausal: Bool?, size: Int?) throws(TorchError) -> Bool {
        if let isCausal { return isCausal }
        guard let mask else { return false }
        let length: Int
        if let size { length = size } else { length = try mask.size(-2) }
        let causal = try generateSquareSubsequentMask(length, dtype: mask.dtype, device: mask.device)
        guard mask.shape == causal.shape else { return false }
        return try mask.eq(causal).all().item(Bool.self)
    }

    /// The causal mask for `size` positions: -inf above the diagonal, 0 elsewhere (PyTorch's
    /// `Transformer.generate_square_subsequent_mask`).
    public static func generateSquareSubsequentMask(_ size: Int, dtype: DType = .float32, device: Device = .cpu) throws(TorchError) -> Tensor {
        try Tensor.full([size, size], fillValue: -Double.infinity, dtype: dtype, device: device).triu(diagonal: 1)
    }
}
