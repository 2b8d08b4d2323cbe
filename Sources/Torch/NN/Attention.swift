import Foundation

// Multi-head attention: the MultiheadAttention layer and the functional forms it runs on, written as
// PyTorch's torch.nn.functional.multi_head_attention_forward so results match step for step.

extension Functional {
    /// Attention softmax(QKᵀ/√d + mask)·V on [..., length, dim] tensors, with ATen's fused kernels.
    /// A boolean `attnMask` marks the positions that may be attended (true = keep); a float mask is
    /// added to the scores.
    public static func scaledDotProductAttention(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil, dropoutP: Double = 0,
        isCausal: Bool = false, scale: Double? = nil, enableGQA: Bool = false
    ) throws(TorchError) -> Tensor {
        try Tensor.scaledDotProductAttention(query, key: key, value: value, attnMask: attnMask, dropoutP: dropoutP,
                                             isCausal: isCausal, scale: scale, enableGqa: enableGQA)
    }

    /// A boolean mask turned into an additive float mask (-inf where true), as PyTorch's
    /// `_canonical_mask`; float masks are returned unchanged.
    static func canonicalMask(_ mask: Tensor?, name: String, targetType: DType) throws(TorchError) -> Tensor? {
        guard let mask else { return nil }
        if mask.isFloatingPoint { return mask }
        guard mask.dtype == .bool else { throw TorchError("only bool and floating types of \(name) are supported") }
        return try mask.zerosLike(dtype: targetType).maskedFill_(mask: mask, value: -Double.infinity)
    }

    /// Whether the inputs are batched (query [L, N, E]) or not ([L, E]), with PyTorch's shape checks.
    private static func mhaIsBatched(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor?, attnMask: Tensor?, numHeads: Int
    ) throws(TorchError) -> Bool {
        switch query.rank {
        case 3:
            guard key.rank == 3, value.rank == 3 else {
                throw TorchError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found \(key.rank)-D and \(value.rank)-D tensors respectively")
            }
            if let keyPaddingMask, keyPaddingMask.rank != 2 {
                throw TorchError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found \(keyPaddingMask.rank)-D tensor instead")
            }
            if let attnMask, attnMask.rank != 2 && attnMask.rank != 3 {
                throw TorchError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found \(attnMask.rank)-D tensor instead")
            }
            return true
        case 2:
            guard key.rank == 2, value.rank == 2 else {
                throw TorchError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found \(key.rank)-D and \(value.rank)-D tensors respectively")
            }
            if let keyPaddingMask, keyPaddingMask.rank != 1 {
                throw TorchError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found \(keyPaddingMask.rank)-D tensor instead")
            }
            if let attnMask {
                guard attnMask.rank == 2 || attnMask.rank == 3 else {
                    throw TorchError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found \(attnMask.rank)-D tensor instead")
                }
                if attnMask.rank == 3 {
                    let expected = [numHeads, query.shape[0], key.shape[0]]
                    guard attnMask.shape == expected else {
                        throw TorchError("Expected `attn_mask` shape to be \(expected) but got \(attnMask.shape)")
                    }
                }
            }
            return false
        default:
            throw TorchError("query should be unbatched 2D or batched 3D tensor but received \(query.rank)-D query tensor")
        }
    }

    /// The packed input projection of q, k and v with one [3E, E] weight (PyTorch's
    /// `_in_projection_packed`), sharing the matrix product when the inputs are the same tensor.
    private static func inProjectionPacked(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, weight w: Tensor, bias b: Tensor?
    ) throws(TorchError) -> (Tensor, Tensor, Tensor) {
        let e = q.shape.last ?? 0
        if k === v {
            if q === k {
                let proj = try q.linear(weight: w, bias: b)
                    .unflatten(dim: -1, sizes: [3, e]).unsqueeze(dim: 0).transpose(dim0: 0, dim1: -2).squeeze(dim: -2).contiguous()
                return (try proj.select(dim: 0, index: 0), try proj.select(dim: 0, index: 1), try proj.select(dim: 0, index: 2))
            }
            let ws = try w.split(splitSize: [e, e * 2])
            let bs = try b.map { (b) throws(TorchError) in try b.split(splitSize: [e, e * 2]) }
            let qProj = try q.linear(weight: ws[0], bias: bs?[0])
            let kvProj = try k.linear(weight: ws[1], bias: bs?[1])
                .unflatten(dim: -1, sizes: [2, e]).unsqueeze(dim: 0).transpose(dim0: 0, dim1: -2).squeeze(dim: -2).contiguous()
            return (qProj, try kvProj.select(dim: 0, index: 0), try kvProj.select(dim: 0, index: 1))
        }
        let ws = try w.chunk(chunks: 3)
        let bs = try b.map { (b) throws(TorchError) in try b.chunk(chunks: 3) }
        return (try q.linear(weight: ws[0], bias: bs?[0]), try k.linear(weight: ws[1], bias: bs?[1]), try v.linear(weight: ws[2], bias: bs?[2]))
    }

    /// Multi-head attention on [length, batch, embed] inputs (or unbatched [length, embed]), as
    /// PyTorch's `F.multi_head_attention_forward`: the computation of ``MultiheadAttention``.
    ///
    /// Masks: `keyPaddingMask` [batch, sourceLength] and `attnMask` [target, source] or
    /// [batch·heads, target, source]; boolean masks mark positions that may *not* be attended (true =
    /// masked), float masks are added to the scores. Returns the output and, with `needWeights`, the
    /// attention weights ([batch, target, source] averaged over heads, or per head).
    public static func multiHeadAttentionForward(
        query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: Int, numHeads: Int,
        inProjWeight: Tensor?, inProjBias: Tensor?, biasK: Tensor?, biasV: Tensor?, addZeroAttn: Bool,
        dropoutP: Double, outProjWeight: Tensor, outProjBias: Tensor?, training: Bool = true,
        keyPaddingMask: Tensor? = nil, needWeights: Bool = true, attnMask: Tensor? = nil,
        useSeparateProjWeight: Bool = false, qProjWeight: Tensor? = nil, kProjWeight: Tensor? = nil, vProjWeight: Tensor? = nil,
        staticK: Tensor? = nil, staticV: Tensor? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false
    ) throws(TorchError) -> (output: Tensor, weights: Tensor?) {
        var query = query, key = key, value = value, keyPaddingMask = keyPaddingMask, attnMask = attnMask, isCausal = isCausal
        let batched = try mhaIsBatched(query, key, value, keyPaddingMask: keyPaddingMask, attnMask: attnMask, numHeads: numHeads)
        if !batched {
            // Separate tensors from here on, as in PyTorch (so the projection takes the chunked path).
            query = try query.unsqueeze(dim: 1)
            key = try key.unsqueeze(dim: 1)
            value = try value.unsqueeze(dim: 1)
            keyPaddingMask = try keyPaddingMask?.unsqueeze(dim: 0)
        }
        let (tgtLen, bsz, embedDim) = (query.shape[0], query.shape[1], query.shape[2])
        var srcLen = key.shape[0]

        keyPaddingMask = try canonicalMask(keyPaddingMask, name: "key_padding_mask", targetType: query.dtype)
        if isCausal && attnMask == nil {
            throw TorchError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.")
        }
        if isCausal && keyPaddingMask == nil && !needWeights {
            // The causal hint lets SDPA use its own causal masking.
            attnMask = nil
        } else {
            attnMask = try canonicalMask(attnMask, name: "attn_mask", targetType: query.dtype)
            if keyPaddingMask != nil { isCausal = false }
        }
        guard embedDim == embedDimToCheck else {
            throw TorchError("was expecting embedding dimension of \(embedDimToCheck), but got \(embedDim)")
        }
        let headDim = embedDim / numHeads
        guard headDim * numHeads == embedDim else { throw TorchError("embed_dim \(embedDim) not divisible by num_heads \(numHeads)") }
        if useSeparateProjWeight {
            guard Array(key.shape.prefix(2)) == Array(value.shape.prefix(2)) else {
                throw TorchError("key's sequence and batch dims \(Array(key.shape.prefix(2))) do not match value's \(Array(value.shape.prefix(2)))")
            }
        } else if key.shape != value.shape {
            throw TorchError("key shape \(key.shape) does not match value shape \(value.shape)")
        }

        var q: Tensor, k: Tensor, v: Tensor
        if !useSeparateProjWeight {
            guard let inProjWeight else { throw TorchError("use_separate_proj_weight is False but in_proj_weight is None") }
            (q, k, v) = try inProjectionPacked(query, key, value, weight: inProjWeight, bias: inProjBias)
        } else {
            guard let qProjWeight else { throw TorchError("use_separate_proj_weight is True but q_proj_weight is None") }
            guard let kProjWeight else { throw TorchError("use_separate_proj_weight is True but k_proj_weight is None") }
            guard let vProjWeight else { throw TorchError("use_separate_proj_weight is True but v_proj_weight is None") }
            let biases = try inProjBias.map { (b) throws(TorchError) in try b.chunk(chunks: 3) }
            q = try query.linear(weight: qProjWeight, bias: biases?[0])
            k = try key.linear(weight: kProjWeight, bias: biases?[1])
            v = try value.linear(weight: vProjWeight, bias: biases?[2])
        }

        if let mask = attnMask {
            if mask.rank == 2 {
                guard mask.shape == [tgtLen, srcLen] else {
                    throw TorchError("The shape of the 2D attn_mask is \(mask.shape), but should be \([tgtLen, srcLen]).")
                }
                attnMask = try mask.unsqueeze(dim: 0)
            } else if mask.rank == 3 {
                guard mask.shape == [bsz * numHeads, tgtLen, srcLen] else {
                    throw TorchError("The shape of the 3D attn_mask is \(mask.shape), but should be \([bsz * numHeads, tgtLen, srcLen]).")
                }
            } else {
                throw TorchError("attn_mask's dimension \(mask.rank) is not supported")
            }
        }

        if let biasK, let biasV {
            guard staticK == nil else { throw TorchError("bias cannot be added to static key.") }
            guard staticV == nil else { throw TorchError("bias cannot be added to static value.") }
            k = try Tensor.cat([k, biasK.repeat(repeats: [1, bsz, 1])])
            v = try Tensor.cat([v, biasV.repeat(repeats: [1, bsz, 1])])
            attnMask = try attnMask.map { (mask) throws(TorchError) in try pad(mask, [0, 1]) }
            keyPaddingMask = try keyPaddingMask.map { (mask) throws(TorchError) in try pad(mask, [0, 1]) }
        } else {
            guard biasK == nil else { throw TorchError("bias_k is set but bias_v is None") }
            guard biasV == nil else { throw TorchError("bias_v is set but bias_k is None") }
        }

        q = try q.view([tgtLen, bsz * numHeads, headDim]).transpose(dim0: 0, dim1: 1)
        if let staticK {
            guard try staticK.size(0) == bsz * numHeads else { throw TorchError("expecting static_k.size(0) of \(bsz * numHeads), but got \(try staticK.size(0))") }
            guard try staticK.size(2) == headDim else { throw TorchError("expecting static_k.size(2) of \(headDim), but got \(try staticK.size(2))") }
            k = staticK
        } else {
            k = try k.view([k.shape[0], bsz * numHeads, headDim]).transpose(dim0: 0, dim1: 1)
        }
        if let staticV {
            guard try staticV.size(0) == bsz * numHeads else { throw TorchError("expecting static_v.size(0) of \(bsz * numHeads), but got \(try staticV.size(0))") }
            guard try staticV.size(2) == headDim else { throw TorchError("expecting static_v.size(2) of \(headDim), but got \(try staticV.size(2))") }
            v = staticV
        } else {
            v = try v.view([v.shape[0], bsz * numHeads, headDim]).transpose(dim0: 0, dim1: 1)
        }

        if addZeroAttn {
            let zeroShape = [bsz * numHeads, 1, headDim]
            k = try Tensor.cat([k, Tensor.zeros(zeroShape, dtype: k.dtype, device: k.device)], dim: 1)
            v = try Tensor.cat([v, Tensor.zeros(zeroShape, dtype: v.dtype, device: v.device)], dim: 1)
            attnMask = try attnMask.map { (mask) throws(TorchError) in try pad(mask, [0, 1]) }
            keyPaddingMask = try keyPaddingMask.map { (mask) throws(TorchError) in try pad(mask, [0, 1]) }
        }

        srcLen = try k.size(1)
        if let mask = keyPaddingMask {
            guard mask.shape[0] == bsz else { throw TorchError("Expected key_padded_mask.shape[0] to be \(bsz), but got \(mask.shape[0])") }
            guard mask.shape[1] == srcLen else { throw TorchError("Expected key_padded_mask.shape[1] to be \(srcLen), but got \(mask.shape[1])") }
            let expanded = try mask.view([bsz, 1, 1, srcLen]).expand([-1, numHeads, -1, -1]).reshape([bsz * numHeads, 1, srcLen])
            attnMask = try attnMask.map { (existing) throws(TorchError) in try existing + expanded } ?? expanded
        }

        let dropoutP = training ? dropoutP : 0.0

        if needWeights {
            let e = q.shape[2]
            let qScaled = try q * (1.0 / Double(e)).squareRoot()
            if isCausal && attnMask == nil { throw TorchError("FIXME: is_causal not implemented for need_weights") }
            let kT = try k.transpose(dim0: -2, dim1: -1)
            var weights: Tensor
            if let mask = attnMask {
                weights = try mask.baddbmm(batch1: qScaled, batch2: kT)
            } else {
                weights = try qScaled.bmm(kT)
            }
            weights = try weights.softmax(dim: -1)
            if dropoutP > 0 { weights = try dropout(weights, p: dropoutP) }
            var output = try weights.bmm(v)
            output = try output.transpose(dim0: 0, dim1: 1).contiguous().view([tgtLen * bsz, embedDim])
            output = try output.linear(weight: outProjWeight, bias: outProjBias)
            output = try output.view([tgtLen, bsz, output.shape[1]])
            weights = try weights.view([bsz, numHeads, tgtLen, srcLen])
            if averageAttnWeights { weights = try weights.mean(dim: [1]) }
            if !batched {
                output = try output.squeeze(dim: 1)
                weights = try weights.squeeze(dim: 0)
            }
            return (output, weights)
        }

        if let mask = attnMask {
            attnMask = try mask.size(0) == 1 && mask.rank == 3 ? mask.unsqueeze(dim: 0) : mask.view([bsz, numHeads, -1, srcLen])
        }
        q = try q.view([bsz, numHeads, tgtLen, headDim])
        k = try k.view([bsz, numHeads, srcLen, headDim])
        v = try v.view([bsz, numHeads, srcLen, headDim])
        var output = try scaledDotProductAttention(q, k, v, attnMask: attnMask, dropoutP: dropoutP, isCausal: isCausal)
        output = try output.permute([2, 0, 1, 3]).contiguous().view([bsz * tgtLen, embedDim])
        output = try output.linear(weight: outProjWeight, bias: outProjBias)
        output = try output.view([tgtLen, bsz, output.shape[1]])
        if !batched { output = try output.squeeze(dim: 1) }
        return (output, nil)
    }
}

/// Multi-head attention (PyTorch's `nn.MultiheadAttention`), with PyTorch's parameter layout: a
/// packed `in_proj_weight` [3E, E] and `in_proj_bias` [3E] (or `q_proj_weight`, `k_proj_weight`,
/// `v_proj_weight` when the key or value size differs), and `out_proj` (a ``Linear``).
///
/// Inputs are [length, batch, embed] (or [batch, length, embed] with `batchFirst`). Boolean masks
/// mark positions that may *not* be attended (true = masked); float masks are added to the scores.
///
/// ```swift
/// let attention = try MultiheadAttention(embedDim: 64, numHeads: 8, batchFirst: true)
/// let (output, weights) = try attention(x, x, x, keyPaddingMask: padding)
/// ```
public final class MultiheadAttention: Module {
    public let embedDim: Int
    public let kdim: Int
    public let vdim: Int
    public let numHeads: Int
    public let dropout: Double
    public let batchFirst: Bool
    public let headDim: Int
    public let addZeroAttn: Bool
    /// Whether key and value have the embedding size (then the projection is packed).
    public let qkvSameEmbedDim: Bool

    /// [3·embedDim, embedDim] (nil when the key or value size differs).
    @Parameter public var inProjWeight: Tensor?
    /// [embedDim, embedDim] (only when the key or value size differs).
    @Parameter public var qProjWeight: Tensor?
    /// [embedDim, kdim] (only when the key or value size differs).
    @Parameter public var kProjWeight: Tensor?
    /// [embedDim, vdim] (only when the key or value size differs).
    @Parameter public var vProjWeight: Tensor?
    /// [3·embedDim], zeros at first (nil without bias).
    @Parameter public var inProjBias: Tensor?
    /// [1, 1, embedDim] with `addBiasKV`.
    @Parameter public var biasK: Tensor?
    /// [1, 1, embedDim] with `addBiasKV`.
    @Parameter public var biasV: Tensor?
    /// The output projection.
    public let outProj: Linear

    public init(
        embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, addBiasKV: Bool = false,
        addZeroAttn: Bool = false, kdim: Int? = nil, vdim: Int? = nil, batchFirst: Bool = false,
        dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        guard embedDim > 0, numHeads > 0 else {
            throw TorchError("embed_dim and num_heads must be greater than 0, got embed_dim=\(embedDim) and num_heads=\(numHeads) instead")
        }
        self.embedDim = embedDim
        self.kdim = kdim ?? embedDim
        self.vdim = vdim ?? embedDim
        qkvSameEmbedDim = self.kdim == embedDim && self.vdim == embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        headDim = embedDim / numHeads
        guard headDim * numHeads == embedDim else { throw TorchError("embed_dim must be divisible by num_heads") }
        self.addZeroAttn = addZeroAttn
        if qkvSameEmbedDim {
            inProjWeight = try Tensor.empty([3 * embedDim, embedDim], dtype: dtype, device: device)
            qProjWeight = nil
            kProjWeight = nil
            vProjWeight = nil
        } else {
            inProjWeight = nil
            qProjWeight = try Tensor.empty([embedDim, embedDim], dtype: dtype, device: device)
            kProjWeight = try Tensor.empty([embedDim, self.kdim], dtype: dtype, device: device)
            vProjWeight = try Tensor.empty([embedDim, self.vdim], dtype: dtype, device: device)
        }
        inProjBias = bias ? try Tensor.empty([3 * embedDim], dtype: dtype, device: device) : nil
        // PyTorch builds out_proj (drawing its default Linear initialisation) before its own reset.
        outProj = try Linear(embedDim, embedDim, bias: bias, dtype: dtype, device: device)
        outProj.pythonTypeName = "NonDynamicallyQuantizableLinear"
        biasK = addBiasKV ? try Tensor.empty([1, 1, embedDim], dtype: dtype, device: device) : nil
        biasV = addBiasKV ? try Tensor.empty([1, 1, embedDim], dtype: dtype, device: device) : nil
        super.init()
        if shouldInitialize { try resetParameters() }
    }

    /// `MultiheadAttention(64, 8)`.
    public convenience init(
        _ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, addBiasKV: Bool = false,
        addZeroAttn: Bool = false, kdim: Int? = nil, vdim: Int? = nil, batchFirst: Bool = false,
        dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(embedDim: embedDim, numHeads: numHeads, dropout: dropout, bias: bias, addBiasKV: addBiasKV,
                      addZeroAttn: addZeroAttn, kdim: kdim, vdim: vdim, batchFirst: batchFirst, dtype: dtype, device: device)
    }

    /// PyTorch's `_reset_parameters`: Xavier-uniform projections, zero biases, Xavier-normal bias_k/v.
    /// (`outProj.weight` keeps the Linear initialisation it was built with.)
    public func resetParameters() throws(TorchError) {
        if let inProjWeight {
            try Init.xavierUniform_(inProjWeight)
        } else if let qProjWeight, let kProjWeight, let vProjWeight {
            try Init.xavierUniform_(qProjWeight)
            try Init.xavierUniform_(kProjWeight)
            try Init.xavierUniform_(vProjWeight)
        }
        if let inProjBias {
            try Init.constant_(inProjBias, 0)
            if let outBias = outProj.bias { try Init.constant_(outBias, 0) }
        }
        if let biasK { try Init.xavierNormal_(biasK) }
        if let biasV { try Init.xavierNormal_(biasV) }
    }

    /// Attention of `query` over `key`/`value`. Returns the output and, with `needWeights`, the
    /// attention weights ([batch, target, source], averaged over heads unless `averageAttnWeights`
    /// is false).
    public func forward(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil, needWeights: Bool = true,
        attnMask: Tensor? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false
    ) throws(TorchError) -> (output: Tensor, weights: Tensor?) {
        let floatMasks = (attnMask?.isFloatingPoint ?? false) || (keyPaddingMask?.isFloatingPoint ?? false)
        let batched = query.rank == 3
        let keyPaddingMask = try Functional.canonicalMask(keyPaddingMask, name: "key_padding_mask", targetType: query.dtype)
        let attnMask = try Functional.canonicalMask(attnMask, name: "attn_mask", targetType: query.dtype)

        if needWeights, !floatMasks, batched, query === key, key === value, let inProjWeight, let inProjBias,
           let outBias = outProj.bias, query.dtype == inProjBias.dtype, query.dtype == inProjWeight.dtype, !training,
           numHeads % 2 == 0, batchFirst, biasK == nil, biasV == nil, !addZeroAttn,
           !(isGradEnabled && [query, inProjWeight, inProjBias, outProj.weight, outBias].contains(where: \.requiresGrad)) {
            // PyTorch's inference fast path: one fused ATen kernel.
            let (mask, maskType) = try mergeMasks(attnMask: attnMask, keyPaddingMask: keyPaddingMask, query: query)
            let (output, weights) = try Tensor._nativeMultiHeadAttention(
                query, key: key, value: value, embedDim: embedDim, numHead: numHeads, qkvWeight: inProjWeight,
                qkvBias: inProjBias, projWeight: outProj.weight, projBias: outBias, mask: mask, needWeights: needWeights,
                averageAttnWeights: averageAttnWeights, maskType: maskType)
            return (output, weights)
        }

        var query = query, key = key, value = value
        if batchFirst && batched {
            if key === value {
                if query === key {
                    query = try query.transpose(dim0: 1, dim1: 0)
                    key = query
                    value = query
                } else {
                    query = try query.transpose(dim0: 1, dim1: 0)
                    key = try key.transpose(dim0: 1, dim1: 0)
                    value = key
                }
            } else {
                query = try query.transpose(dim0: 1, dim1: 0)
                key = try key.transpose(dim0: 1, dim1: 0)
                value = try value.transpose(dim0: 1, dim1: 0)
            }
        }
        let (output, weights) = try Functional.multiHeadAttentionForward(
            query: query, key: key, value: value, embedDimToCheck: embedDim, numHeads: numHeads,
            inProjWeight: inProjWeight, inProjBias: inProjBias, biasK: biasK, biasV: biasV, addZeroAttn: addZeroAttn,
            dropoutP: dropout, outProjWeight: outProj.weight, outProjBias: outProj.bias, training: training,
            keyPaddingMask: keyPaddingMask, needWeights: needWeights, attnMask: attnMask,
            useSeparateProjWeight: !qkvSameEmbedDim, qProjWeight: qProjWeight, kProjWeight: kProjWeight, vProjWeight: vProjWeight,
            averageAttnWeights: averageAttnWeights, isCausal: isCausal)
        if batchFirst && batched { return (try output.transpose(dim0: 1, dim1: 0), weights) }
        return (output, weights)
    }

    /// `attention(q, k, v)`: see ``forward(_:_:_:keyPaddingMask:needWeights:attnMask:averageAttnWeights:isCausal:)``.
    public func callAsFunction(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil, needWeights: Bool = true,
        attnMask: Tensor? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false
    ) throws(TorchError) -> (output: Tensor, weights: Tensor?) {
        try forward(query, key, value, keyPaddingMask: keyPaddingMask, needWeights: needWeights, attnMask: attnMask,
                    averageAttnWeights: averageAttnWeights, isCausal: isCausal)
    }

    /// The attention and key-padding masks combined for the fused kernels, with their type (1: key
    /// padding only, 2: a full [batch, heads, L, L] mask), as PyTorch's `merge_masks`.
    func mergeMasks(attnMask: Tensor?, keyPaddingMask: Tensor?, query: Tensor) throws(TorchError) -> (Tensor?, Int?) {
        var maskType: Int?
        var merged: Tensor?
        if let keyPaddingMask {
            maskType = 1
            merged = keyPaddingMask
        }
        if let attnMask {
            let (batchSize, seqLen) = (query.shape[0], query.shape[1])
            maskType = 2
            let expanded = attnMask.rank == 3
                ? try attnMask.view([batchSize, -1, seqLen, seqLen])
                : try attnMask.view([1, 1, seqLen, seqLen]).expand([batchSize, numHeads, -1, -1])
            merged = expanded
            if let keyPaddingMask {
                merged = try expanded + keyPaddingMask.view([batchSize, 1, 1, seqLen]).expand([-1, numHeads, -1, -1])
            }
        }
        return (merged, maskType)
    }
}
