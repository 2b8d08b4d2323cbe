import Foundation
@testable import Torch

// The Swift side of every case in Tools/parity/make_nn_fixtures.py, under the same names. Each
// module case builds the layer the way the Python case does (the harness seeds first), so the
// initial weights must come out bit-identical.

/// A small CNN, as `SmallCNN` in make_nn_fixtures.py.
final class SmallCNN: Module, UnaryLayer {
    let features: Sequential
    let dropout: Dropout
    let classifier: Linear

    init() throws {
        features = try Sequential(
            Conv2d(1, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
            Conv2d(4, 8, kernelSize: 3), ReLU(), AdaptiveAvgPool2d(1), Flatten())
        dropout = try Dropout(0.25)
        classifier = try Linear(8, 3)
        super.init()
    }

    func forward(_ x: Tensor) throws -> Tensor { try classifier(dropout(features(x))) }
}

/// Embedding, LSTM, transformer encoder, a ModuleList and a ModuleDict, as `SequenceModel` in
/// make_nn_fixtures.py.
final class SequenceModel: Module {
    let embed: Embedding
    let lstm: LSTM
    let encoder: TransformerEncoder
    let blocks: ModuleList<Linear>
    let heads: ModuleDict<Linear>

    init() throws {
        embed = try Embedding(20, 8, paddingIdx: 0)
        lstm = try LSTM(8, 8, batchFirst: true)
        let layer = try TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0, batchFirst: true)
        encoder = try TransformerEncoder(layer, numLayers: 2, norm: LayerNorm(8), enableNestedTensor: false)
        blocks = ModuleList([try Linear(8, 8), try Linear(8, 8)])
        heads = ModuleDict(["tag": try Linear(8, 5), "score": try Linear(8, 1)])
        super.init()
    }

    func forward(_ tokens: Tensor) throws -> [Tensor] {
        var x = try embed(tokens)
        x = try lstm(x).output
        x = try encoder.forward(x, srcKeyPaddingMask: tokens.eq(0))
        for block in blocks { x = try block(x).relu() }
        return [try heads["tag"]!(x), try heads["score"]!(x).squeeze(dim: -1)]
    }
}

/// Three blocks in a ModuleList and two heads in a ModuleDict (keys in insertion order, not sorted).
final class ListAndDict: Module {
    let blocks: ModuleList<Linear>
    let heads: ModuleDict<Linear>

    init() throws {
        blocks = ModuleList(try (0..<3).map { _ in try Linear(4, 4) })
        heads = ModuleDict(["z": try Linear(4, 2), "a": try Linear(4, 1)])
        super.init()
    }

    func forward(_ input: Tensor) throws -> [Tensor] {
        var x = input
        for block in blocks { x = try block(x).relu() }
        return [try heads["z"]!(x), try heads["a"]!(x)]
    }
}

private func floats(_ values: [Float]) throws -> Tensor { try Tensor(values) }

private func rnnOutputs(_ result: (output: Tensor, hidden: Tensor)) -> [Tensor] { [result.output, result.hidden] }
private func lstmOutputs(_ result: (output: Tensor, hidden: (h: Tensor, c: Tensor))) -> [Tensor] {
    [result.output, result.hidden.h, result.hidden.c]
}

private func attentionOutputs(_ result: (output: Tensor, weights: Tensor?)) -> [Tensor] {
    [result.output] + (result.weights.map { [$0] } ?? [])
}

enum NNTable {
    static let implementations: [String: NNImplementation] = {
        var table: [String: NNImplementation] = [:]
        for part in [layers, attentionAndRecurrent, losses, functionalLayers, initializers] {
            table.merge(part) { _, _ in fatalError("a case name appears twice in NNTable") }
        }
        return table
    }()

    // MARK: - Layers

    static let layers: [String: NNImplementation] = [
        "linear": .layer { try Linear(5, 3) },
        "linear_nobias": .layer { try Linear(inFeatures: 5, outFeatures: 3, bias: false) },
        "linear_3d": .layer { try Linear(6, 2) },
        "linear_float64": .layer { try Linear(5, 3, dtype: .float64) },
        "bilinear": .module({ try Bilinear(4, 3, 2) }) { m, c in [try m(c.x1, c.x2)] },
        "bilinear_nobias": .module({ try Bilinear(in1Features: 4, in2Features: 3, outFeatures: 2, bias: false) }) { m, c in [try m(c.x1, c.x2)] },
        "identity": .layer { Identity() },

        "conv1d": .layer { try Conv1d(3, 4, kernelSize: 3, stride: 2, padding: 1) },
        "conv1d_same_dilated": .layer { try Conv1d(2, 3, kernelSize: 3, padding: .same, dilation: 2, bias: false) },
        "conv1d_reflect_groups": .layer { try Conv1d(4, 6, kernelSize: 3, padding: 2, groups: 2, paddingMode: .reflect) },
        "conv2d": .layer { try Conv2d(2, 4, kernelSize: 3, stride: 1, padding: 1) },
        "conv2d_rect": .layer { try Conv2d(inChannels: 3, outChannels: 2, kernelSize: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], bias: false) },
        "conv2d_groups": .layer { try Conv2d(4, 4, kernelSize: 3, groups: 2) },
        "conv2d_same": .layer { try Conv2d(2, 3, kernelSize: [3, 4], padding: .same) },
        "conv2d_valid": .layer { try Conv2d(2, 3, kernelSize: 3, padding: .valid) },
        "conv2d_circular": .layer { try Conv2d(2, 3, kernelSize: 3, padding: 1, paddingMode: .circular) },
        "conv2d_replicate": .layer { try Conv2d(2, 3, kernelSize: 3, padding: [2, 1], paddingMode: .replicate) },
        "conv2d_unbatched": .layer { try Conv2d(2, 3, kernelSize: 3) },
        "conv2d_float64": .layer { try Conv2d(2, 3, kernelSize: 3, padding: 1, dtype: .float64) },
        "conv3d": .layer { try Conv3d(2, 3, kernelSize: 2, stride: [1, 2, 1]) },
        "conv_transpose1d": .layer { try ConvTranspose1d(3, 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1) },
        "conv_transpose2d": .layer { try ConvTranspose2d(4, 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1) },
        "conv_transpose2d_groups": .layer { try ConvTranspose2d(4, 6, kernelSize: [3, 2], stride: [1, 2], groups: 2, bias: false, dilation: 2) },
        "conv_transpose2d_output_size": .module({ try ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, padding: 1) }) { m, c in
            [try m.forward(c.x, outputSize: [8, 8])]
        },
        "conv_transpose3d": .layer { try ConvTranspose3d(2, 2, kernelSize: 2, stride: 2) },

        "max_pool1d": .layer { try MaxPool1d(2) },
        "max_pool1d_stride_pad": .layer { try MaxPool1d(3, stride: 2, padding: 1, dilation: 1, ceilMode: true) },
        "max_pool2d": .layer { try MaxPool2d(2) },
        "max_pool2d_options": .layer { try MaxPool2d([3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], ceilMode: true) },
        "max_pool2d_indices": .module({ try MaxPool2d(kernelSize: 2) }) { m, c in
            let (output, indices) = try m.forwardWithIndices(c.x)
            return [output, indices]
        },
        "avg_pool1d": .layer { try AvgPool1d(3, stride: 2, padding: 1, countIncludePad: false) },
        "avg_pool2d": .layer { try AvgPool2d(2) },
        "avg_pool2d_options": .layer { try AvgPool2d(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false) },
        "avg_pool2d_divisor": .layer { try AvgPool2d([2, 3], divisorOverride: 4) },
        "adaptive_avg_pool1d": .layer { try AdaptiveAvgPool1d(3) },
        "adaptive_avg_pool2d": .layer { try AdaptiveAvgPool2d([3, 2]) },
        "adaptive_avg_pool2d_global": .layer { try AdaptiveAvgPool2d(1) },
        "adaptive_max_pool1d": .layer { try AdaptiveMaxPool1d(4) },
        "adaptive_max_pool2d": .layer { try AdaptiveMaxPool2d(outputSize: [2, 3]) },

        "batch_norm1d": .layer { try BatchNorm1d(4) },
        "batch_norm1d_3d": .layer { try BatchNorm1d(3, momentum: 0.3) },
        "batch_norm2d": .layer { try BatchNorm2d(3) },
        "batch_norm2d_eval": .layer { try BatchNorm2d(3) },
        "batch_norm1d_cumulative": .module({ try BatchNorm1d(4, momentum: nil) }) { m, c in [try m(c.x), try m(c.y)] },
        "batch_norm2d_train_then_eval": .module({ try BatchNorm2d(2, eps: 1e-3, momentum: 0.2) }) { m, c in
            let first = try m(c.x)
            m.eval()
            return [first, try m(c.y)]
        },
        "batch_norm2d_no_affine_no_stats": .layer { try BatchNorm2d(3, affine: false, trackRunningStats: false) },
        "batch_norm3d": .layer { try BatchNorm3d(2) },
        "layer_norm": .layer { try LayerNorm(8) },
        "layer_norm_2d_nobias": .layer { try LayerNorm([3, 4], eps: 1e-6, bias: false) },
        "layer_norm_no_affine": .layer { try LayerNorm(5, elementwiseAffine: false) },
        "group_norm": .layer { try GroupNorm(2, 4) },
        "group_norm_no_affine": .layer { try GroupNorm(numGroups: 3, numChannels: 6, eps: 1e-3, affine: false) },
        "rms_norm": .layer { try RMSNorm(6) },
        "rms_norm_eps": .layer { try RMSNorm(normalizedShape: [2, 3], eps: 1e-4) },

        "dropout_train": .layer { try Dropout(0.3) },
        "dropout_eval": .layer { try Dropout(p: 0.3) },
        "dropout1d": .layer { try Dropout1d(0.4) },
        "dropout2d": .layer { try Dropout2d(0.5) },
        "alpha_dropout": .layer { try AlphaDropout(0.2) },

        "embedding": .layer { try Embedding(10, 4) },
        "embedding_padding": .layer { try Embedding(8, 3, paddingIdx: 0) },
        "embedding_padding_negative": .layer { try Embedding(numEmbeddings: 6, embeddingDim: 3, paddingIdx: -1) },
        "embedding_max_norm": .layer { try Embedding(6, 4, maxNorm: 1.0) },
        "embedding_pretrained": .layer {
            try Embedding.fromPretrained(Tensor.arange(end: 12, dtype: .float32).reshape([4, 3]) / 10, freeze: false)
        },

        "flatten": .layer { Flatten() },
        "flatten_range": .layer { Flatten(startDim: 0, endDim: 1) },
        "unflatten": .layer { Unflatten(dim: 1, unflattenedSize: [2, 6]) },

        "relu": .layer { ReLU() },
        "relu6": .layer { ReLU6() },
        "leaky_relu": .layer { LeakyReLU(0.2) },
        "gelu": .layer { GELU() },
        "gelu_tanh": .layer { GELU(approximate: .tanh) },
        "silu": .layer { SiLU() },
        "mish": .layer { Mish() },
        "tanh": .layer { Tanh() },
        "sigmoid": .layer { Sigmoid() },
        "log_sigmoid": .layer { LogSigmoid() },
        "hardtanh": .layer { try Hardtanh(minVal: -0.5, maxVal: 0.75) },
        "hardswish": .layer { Hardswish() },
        "hardsigmoid": .layer { Hardsigmoid() },
        "elu": .layer { ELU(alpha: 0.5) },
        "celu": .layer { CELU(alpha: 0.7) },
        "selu": .layer { SELU() },
        "softplus": .layer { Softplus(beta: 2, threshold: 1.5) },
        "softsign": .layer { Softsign() },
        "tanhshrink": .layer { Tanhshrink() },
        "threshold": .layer { Threshold(0.1, 20) },
        "glu": .layer { GLU(dim: 1) },
        "softmax": .layer { Softmax(dim: 1) },
        "log_softmax": .layer { LogSoftmax(dim: -1) },
        "softmin": .layer { Softmin(dim: 0) },
        "prelu": .layer { try PReLU(numParameters: 3) },
        "prelu_shared": .layer { try PReLU(init: 0.1) },
        "relu_inplace_repr": .layer { ReLU(inplace: true) },

        "sequential": .layer { try Sequential(Linear(4, 8), ReLU(), Linear(8, 2)) },
        "sequential_named": .layer { try Sequential(named: ["fc": Linear(4, 3), "act": Tanh(), "out": Linear(3, 2)]) },
        "sequential_append_insert": .layer {
            let s = try Sequential(Linear(3, 3))
            s.append(GELU())
            s.insert(try LayerNorm(3), at: 0)
            return s
        },
        "module_list_dict": .module({ try ListAndDict() }) { m, c in try m.forward(c.x) },

        "small_cnn": .layer { try SmallCNN() },
        "small_cnn_eval": .layer { try SmallCNN() },
        "sequence_model": .module({ try SequenceModel() }) { m, c in try m.forward(c.tokens) },
    ]

    // MARK: - Attention, transformer, recurrent

    static let attentionAndRecurrent: [String: NNImplementation] = [
        "mha_self": .module({ try MultiheadAttention(8, 2) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x))
        },
        "mha_batch_first_padding": .module({ try MultiheadAttention(embedDim: 8, numHeads: 4, batchFirst: true) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, keyPaddingMask: c.pad))
        },
        "mha_attn_mask_float": .module({ try MultiheadAttention(6, 3) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, attnMask: c.mask))
        },
        "mha_attn_mask_bool_3d_per_head": .module({ try MultiheadAttention(6, 2, batchFirst: true) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, attnMask: c.mask, averageAttnWeights: false))
        },
        "mha_no_weights_sdpa": .module({ try MultiheadAttention(8, 2, batchFirst: true) }) { m, c in
            let x = try c.x
            return [try m(x, x, x, keyPaddingMask: c.pad, needWeights: false).output]
        },
        "mha_causal_hint": .module({ try MultiheadAttention(8, 2, batchFirst: true) }) { m, c in
            let x = try c.x
            let mask = try TransformerEncoder.generateSquareSubsequentMask(4)
            return [try m(x, x, x, needWeights: false, attnMask: mask, isCausal: true).output]
        },
        "mha_cross": .module({ try MultiheadAttention(8, 2) }) { m, c in
            let kv = try c.kv
            return attentionOutputs(try m(c.q, kv, kv))
        },
        "mha_cross_separate_kv": .module({ try MultiheadAttention(8, 2) }) { m, c in attentionOutputs(try m(c.q, c.k, c.v)) },
        "mha_kdim_vdim": .module({ try MultiheadAttention(8, 2, kdim: 5, vdim: 3) }) { m, c in attentionOutputs(try m(c.q, c.k, c.v)) },
        "mha_bias_kv_zero_attn": .module({ try MultiheadAttention(8, 2, addBiasKV: true, addZeroAttn: true) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, keyPaddingMask: c.pad))
        },
        "mha_no_bias": .module({ try MultiheadAttention(8, 2, bias: false) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x))
        },
        "mha_unbatched": .module({ try MultiheadAttention(8, 2) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x))
        },
        "mha_dropout_train": .module({ try MultiheadAttention(8, 2, dropout: 0.3) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x))
        },
        "mha_fast_path": .module({ try MultiheadAttention(8, 2, batchFirst: true) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, keyPaddingMask: c.pad))
        },

        "mha_float64": .module({ try MultiheadAttention(8, 2, batchFirst: true, dtype: .float64) }) { m, c in
            let x = try c.x
            return attentionOutputs(try m(x, x, x, keyPaddingMask: c.pad))
        },
        "transformer_encoder_float64": .module({
            try TransformerEncoder(TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0, activation: .gelu, dtype: .float64),
                                   numLayers: 2, enableNestedTensor: false)
        }) { m, c in [try m(c.x)] },
        "transformer_encoder_layer": .layer { try TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0) },
        "transformer_encoder_layer_norm_first_gelu": .module({
            try TransformerEncoderLayer(8, 2, dimFeedforward: 12, dropout: 0, activation: .gelu, layerNormEps: 1e-6, batchFirst: true, normFirst: true)
        }) { m, c in [try m.forward(c.x, srcKeyPaddingMask: c.pad)] },
        "transformer_encoder_layer_dropout": .layer { try TransformerEncoderLayer(8, 4, dimFeedforward: 16, dropout: 0.2) },
        "transformer_encoder_layer_causal": .module({
            try TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0, batchFirst: true)
        }) { m, c in [try m.forward(c.x, srcMask: TransformerEncoder.generateSquareSubsequentMask(5), isCausal: true)] },
        "transformer_encoder_layer_fast_path": .module({
            try TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0.1, batchFirst: true)
        }) { m, c in [try m.forward(c.x, srcKeyPaddingMask: c.pad)] },
        "transformer_encoder": .module({
            try TransformerEncoder(TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0), numLayers: 2, norm: LayerNorm(8),
                                   enableNestedTensor: false)
        }) { m, c in [try m.forward(c.x, mask: TransformerEncoder.generateSquareSubsequentMask(4))] },
        "transformer_encoder_batch_first_padding": .module({
            try TransformerEncoder(TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0.1, batchFirst: true), numLayers: 3)
        }) { m, c in [try m.forward(c.x, srcKeyPaddingMask: c.pad)] },
        "transformer_encoder_nested_fast_path": .module({
            try TransformerEncoder(TransformerEncoderLayer(8, 2, dimFeedforward: 16, batchFirst: true), numLayers: 2)
        }) { m, c in [try m.forward(c.x, srcKeyPaddingMask: c.pad)] },

        "lstm": .module({ try LSTM(4, 5) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_deep_bidirectional_batch_first": .module({ try LSTM(4, 3, numLayers: 2, batchFirst: true, bidirectional: true) }) { m, c in
            lstmOutputs(try m(c.x))
        },
        "lstm_initial_state": .module({ try LSTM(3, 4, numLayers: 2) }) { m, c in lstmOutputs(try m(c.x, (c.h0, c.c0))) },
        "lstm_proj": .module({ try LSTM(4, 6, numLayers: 2, bidirectional: true, projSize: 3) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_no_bias": .module({ try LSTM(inputSize: 3, hiddenSize: 4, bias: false) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_dropout_train": .module({ try LSTM(4, 5, numLayers: 3, dropout: 0.4) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_unbatched": .module({ try LSTM(4, 5, numLayers: 2, batchFirst: true) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_eval": .module({ try LSTM(4, 5, numLayers: 2, dropout: 0.5) }) { m, c in lstmOutputs(try m(c.x)) },
        "lstm_float64": .module({ try LSTM(3, 4, numLayers: 2, bidirectional: true, dtype: .float64) }) { m, c in lstmOutputs(try m(c.x)) },
        "gru": .module({ try GRU(4, 5) }) { m, c in rnnOutputs(try m(c.x)) },
        "gru_deep_bidirectional": .module({ try GRU(3, 4, numLayers: 2, batchFirst: true, bidirectional: true) }) { m, c in
            rnnOutputs(try m(c.x))
        },
        "gru_initial_state": .module({ try GRU(3, 4) }) { m, c in rnnOutputs(try m(c.x, c.h0)) },
        "gru_unbatched": .module({ try GRU(3, 4, numLayers: 2) }) { m, c in rnnOutputs(try m(c.x)) },
        "gru_dropout_train": .module({ try GRU(4, 5, numLayers: 2, dropout: 0.3) }) { m, c in rnnOutputs(try m(c.x)) },
        "rnn_tanh": .module({ try RNN(4, 5, numLayers: 2) }) { m, c in rnnOutputs(try m(c.x)) },
        "rnn_relu_bidirectional": .module({ try RNN(3, 4, nonlinearity: .relu, batchFirst: true, bidirectional: true) }) { m, c in
            rnnOutputs(try m(c.x))
        },
    ]

    // MARK: - Losses

    static let losses: [String: NNImplementation] = [
        "cross_entropy_loss_module": .module({ try CrossEntropyLoss(weight: floats([0.2, 1.0, 2.5]), labelSmoothing: 0.1) }) { m, c in
            [try m(c.x, c.y)]
        },
        "nll_loss_module": .module({ try NLLLoss(weight: floats([1.0, 0.5, 2.0, 1.5]), ignoreIndex: 1) }) { m, c in [try m(c.x, c.y)] },
        "mse_loss_module": .module({ MSELoss(reduction: .sum) }) { m, c in [try m(c.x, c.y)] },
        "l1_loss_module": .module({ L1Loss() }) { m, c in [try m(c.x, c.y)] },
        "smooth_l1_loss_module": .module({ SmoothL1Loss(beta: 0.5) }) { m, c in [try m(c.x, c.y)] },
        "huber_loss_module": .module({ HuberLoss(reduction: .none, delta: 0.7) }) { m, c in [try m(c.x, c.y)] },
        "bce_loss_module": .module({ try BCELoss(weight: floats([0.5, 2.0, 1.0])) }) { m, c in [try m(c.x, c.y)] },
        "bce_with_logits_loss_module": .module({
            try BCEWithLogitsLoss(weight: floats([1.0, 0.5, 2.0]), posWeight: floats([3.0, 1.0, 0.5]))
        }) { m, c in [try m(c.x, c.y)] },
        "kl_div_loss_module": .module({ KLDivLoss(reduction: .batchmean, logTarget: true) }) { m, c in [try m(c.x, c.y)] },
        "cosine_similarity_module": .module({ CosineSimilarity(dim: 0, eps: 1e-6) }) { m, c in [try m(c.a, c.b)] },
        "pairwise_distance_module": .module({ PairwiseDistance(p: 3, keepdim: true) }) { m, c in [try m(c.a, c.b)] },

        "cross_entropy": .functional { c in [try F.crossEntropy(c.x, c.y)] },
        "cross_entropy_weight_ignore": .functional { c in [try F.crossEntropy(c.x, c.y, weight: c.w, ignoreIndex: 2)] },
        "cross_entropy_label_smoothing": .functional { c in [try F.crossEntropy(c.x, c.y, labelSmoothing: 0.2)] },
        "cross_entropy_smoothing_weight_ignore": .functional { c in
            [try F.crossEntropy(c.x, c.y, weight: c.w, ignoreIndex: 0, reduction: .sum, labelSmoothing: 0.15)]
        },
        "cross_entropy_none": .functional { c in [try F.crossEntropy(c.x, c.y, reduction: .none)] },
        "cross_entropy_probabilities": .functional { c in [try F.crossEntropy(c.x, c.p.softmax(dim: -1))] },
        "cross_entropy_probabilities_smoothing_weight": .functional { c in
            [try F.crossEntropy(c.x, c.p.softmax(dim: -1), weight: c.w, labelSmoothing: 0.1)]
        },
        "cross_entropy_kdim": .functional { c in [try F.crossEntropy(c.x, c.y, ignoreIndex: 1)] },
        "nll_loss": .functional { c in [try F.nllLoss(F.logSoftmax(c.x, dim: 1), c.y)] },
        "nll_loss_weight_ignore_sum": .functional { c in [try F.nllLoss(c.x, c.y, weight: c.w, ignoreIndex: 3, reduction: .sum)] },
        "nll_loss_kdim": .functional { c in [try F.nllLoss(c.x, c.y, reduction: .none)] },
        "mse_loss": .functional { c in [try F.mseLoss(c.x, c.y)] },
        "mse_loss_broadcast_sum": .functional { c in [try F.mseLoss(c.x, c.y, reduction: .sum)] },
        "mse_loss_weight": .functional { c in [try F.mseLoss(c.x, c.y, weight: c.w)] },
        "mse_loss_none": .functional { c in [try F.mseLoss(c.x, c.y, reduction: .none)] },
        "l1_loss": .functional { c in [try F.l1Loss(c.x, c.y)] },
        "l1_loss_weight_sum": .functional { c in [try F.l1Loss(c.x, c.y, reduction: .sum, weight: c.w)] },
        "smooth_l1_loss": .functional { c in [try F.smoothL1Loss(c.x, c.y, beta: 0.5)] },
        "smooth_l1_loss_beta0": .functional { c in [try F.smoothL1Loss(c.x, c.y, reduction: .none, beta: 0)] },
        "huber_loss": .functional { c in [try F.huberLoss(c.x, c.y, delta: 0.6)] },
        "huber_loss_weight": .functional { c in [try F.huberLoss(c.x, c.y, delta: 1.5, weight: c.w)] },
        "binary_cross_entropy": .functional { c in [try F.binaryCrossEntropy(c.x, c.y)] },
        "binary_cross_entropy_weight_sum": .functional { c in [try F.binaryCrossEntropy(c.x, c.y, weight: c.w, reduction: .sum)] },
        "binary_cross_entropy_with_logits": .functional { c in [try F.binaryCrossEntropyWithLogits(c.x, c.y)] },
        "binary_cross_entropy_with_logits_pos_weight": .functional { c in
            [try F.binaryCrossEntropyWithLogits(c.x, c.y, weight: c.w, reduction: .none, posWeight: c.pw)]
        },
        "kl_div_batchmean": .functional { c in [try F.klDiv(c.x, c.y, reduction: .batchmean)] },
        "kl_div_mean": .functional { c in [try F.klDiv(c.x, c.y, reduction: .mean)] },
        "kl_div_sum": .functional { c in [try F.klDiv(c.x, c.y, reduction: .sum)] },
        "kl_div_none": .functional { c in [try F.klDiv(c.x, c.y, reduction: .none)] },
        "kl_div_log_target": .functional { c in [try F.klDiv(c.x, c.y, reduction: .batchmean, logTarget: true)] },
        "cosine_similarity": .functional { c in [try F.cosineSimilarity(c.a, c.b)] },
        "cosine_similarity_dim_eps": .functional { c in [try F.cosineSimilarity(c.a, c.b, dim: 0, eps: 0.5)] },
        "cosine_embedding_loss": .functional { c in [try F.cosineEmbeddingLoss(c.a, c.b, c.y, margin: 0.2)] },
        "margin_ranking_loss": .functional { c in [try F.marginRankingLoss(c.a, c.b, c.y, margin: 0.1)] },
    ]

    // MARK: - Functional layers

    static let functionalLayers: [String: NNImplementation] = [
        "f_linear": .functional { c in [try F.linear(c.x, weight: c.w, bias: c.b)] },
        "f_bilinear": .functional { c in [try F.bilinear(c.a, c.b, weight: c.w)] },
        "f_conv1d": .functional { c in [try F.conv1d(c.x, weight: c.w, stride: 2, padding: 1)] },
        "f_conv2d_same": .functional { c in [try F.conv2d(c.x, weight: c.w, bias: c.b, padding: .same, dilation: 2)] },
        "f_conv_transpose2d": .functional { c in [try F.convTranspose2d(c.x, weight: c.w, stride: 2, padding: 1, outputPadding: 1)] },
        "f_max_pool2d": .functional { c in [try F.maxPool2d(c.x, kernelSize: 3, stride: 2, padding: 1)] },
        "f_max_pool2d_indices": .functional { c in
            let (output, indices) = try F.maxPool2dWithIndices(c.x, kernelSize: 2)
            return [output, indices]
        },
        "f_avg_pool2d": .functional { c in [try F.avgPool2d(c.x, kernelSize: [2, 3], stride: 1, padding: 1, countIncludePad: false)] },
        "f_adaptive_avg_pool2d": .functional { c in [try F.adaptiveAvgPool2d(c.x, outputSize: [2, 3])] },
        "f_batch_norm_training": .functional { c in
            let (rm, rv) = (try c.rm, try c.rv)
            let y = try F.batchNorm(c.x, runningMean: rm, runningVar: rv, weight: c.w, bias: c.b, training: true, momentum: 0.3)
            return [y, rm, rv]
        },
        "f_batch_norm_eval": .functional { c in [try F.batchNorm(c.x, runningMean: c.rm, runningVar: c.rv, eps: 1e-3)] },
        "f_layer_norm": .functional { c in [try F.layerNorm(c.x, normalizedShape: [2, 3], weight: c.w, bias: c.b, eps: 1e-4)] },
        "f_group_norm": .functional { c in [try F.groupNorm(c.x, numGroups: 3)] },
        "f_rms_norm": .functional { c in [try F.rmsNorm(c.x, normalizedShape: [4], weight: c.w)] },
        "f_dropout_training": .functional { c in [try F.dropout(c.x, p: 0.4)] },
        "f_dropout_eval": .functional { c in [try F.dropout(c.x, p: 0.4, training: false)] },
        "f_embedding": .functional { c in [try F.embedding(c.i, weight: c.w, paddingIdx: 2)] },
        "f_embedding_max_norm": .functional { c in
            let w = try c.w
            return [try F.embedding(c.i, weight: w, maxNorm: 0.8, normType: 1.5), w]
        },
        "f_relu": .functional { c in [try F.relu(c.x)] },
        "f_leaky_relu": .functional { c in [try F.leakyRelu(c.x, negativeSlope: 0.3)] },
        "f_gelu_tanh": .functional { c in [try F.gelu(c.x, approximate: .tanh)] },
        "f_silu": .functional { c in [try F.silu(c.x)] },
        "f_softmax": .functional { c in [try F.softmax(c.x, dim: 0)] },
        "f_softmax_dtype": .functional { c in [try F.softmax(c.x, dim: 1, dtype: .float64)] },
        "f_log_softmax": .functional { c in [try F.logSoftmax(c.x, dim: 1)] },
        "f_pad_constant": .functional { c in [try F.pad(c.x, [1, 2, 0, 1], value: -1.5)] },
        "f_pad_reflect": .functional { c in [try F.pad(c.x, [2, 1], mode: .reflect)] },
        "f_pad_replicate": .functional { c in [try F.pad(c.x, [1, 1, 2, 0], mode: .replicate)] },
        "f_pad_circular": .functional { c in [try F.pad(c.x, [1, 2, 1, 1], mode: .circular)] },
        "f_normalize": .functional { c in [try F.normalize(c.x, p: 1.5, dim: 0)] },
        "f_one_hot": .functional { c in [try F.oneHot(c.i, numClasses: 5)] },
        "f_scaled_dot_product_attention": .functional { c in [try F.scaledDotProductAttention(c.q, c.k, c.v, attnMask: c.m)] },
        "f_scaled_dot_product_attention_causal": .functional { c in
            [try F.scaledDotProductAttention(c.q, c.k, c.v, isCausal: true, scale: 0.3)]
        },
        "f_pairwise_distance": .functional { c in [try F.pairwiseDistance(c.a, c.b, p: 1)] },
        "f_multi_head_attention_forward": .functional { c in
            let (output, weights) = try F.multiHeadAttentionForward(
                query: c.q, key: c.k, value: c.v, embedDimToCheck: 6, numHeads: 2, inProjWeight: c.w, inProjBias: c.b,
                biasK: nil, biasV: nil, addZeroAttn: false, dropoutP: 0, outProjWeight: c.ow, outProjBias: c.ob, training: false)
            return [output, weights!]
        },
        "calculate_gain": .functional { _ in
            let gains: [Double] = [
                Init.calculateGain(.linear), Init.calculateGain(.conv2d), Init.calculateGain(.sigmoid), Init.calculateGain(.tanh),
                Init.calculateGain(.relu), Init.calculateGain(.leakyRelu), Init.calculateGain(.leakyRelu, param: 0.2),
                Init.calculateGain(.leakyRelu, param: (5.0).squareRoot()), Init.calculateGain(.selu), Init.calculateGain(.convTranspose2d),
            ]
            return [try Tensor(gains)]
        },
    ]

    // MARK: - Initialisation

    static let initializers: [String: NNImplementation] = {
        let base: [String: @Sendable (Tensor, Generator?) throws -> Void] = [
            "uniform": { t, g in try Init.uniform_(t, a: -3, b: 1, generator: g) },
            "normal": { t, g in try Init.normal_(t, mean: 0.5, std: 2, generator: g) },
            "trunc_normal": { t, g in try Init.truncNormal_(t, mean: 0.2, std: 0.5, a: -0.5, b: 1, generator: g) },
            "trunc_normal_default": { t, g in try Init.truncNormal_(t, generator: g) },
            "xavier_uniform": { t, g in try Init.xavierUniform_(t, gain: 1.5, generator: g) },
            "xavier_normal": { t, g in try Init.xavierNormal_(t, generator: g) },
            "kaiming_uniform": { t, g in try Init.kaimingUniform_(t, generator: g) },
            "kaiming_uniform_sqrt5": { t, g in try Init.kaimingUniform_(t, a: (5.0).squareRoot(), generator: g) },
            "kaiming_uniform_relu_fan_out": { t, g in try Init.kaimingUniform_(t, mode: .fanOut, nonlinearity: .relu, generator: g) },
            "kaiming_normal": { t, g in try Init.kaimingNormal_(t, a: 0.2, mode: .fanOut, generator: g) },
            "kaiming_normal_tanh": { t, g in try Init.kaimingNormal_(t, nonlinearity: .tanh, generator: g) },
            "orthogonal_wide": { t, g in try Init.orthogonal_(t, gain: 2, generator: g) },
            "orthogonal_tall": { t, g in try Init.orthogonal_(t, generator: g) },
            "orthogonal_conv": { t, g in try Init.orthogonal_(t, generator: g) },
            "zeros": { t, _ in try Init.zeros_(t) },
            "ones": { t, _ in try Init.ones_(t) },
            "constant": { t, _ in try Init.constant_(t, 0.37) },
            "eye": { t, _ in try Init.eye_(t) },
            "dirac": { t, _ in try Init.dirac_(t, groups: 2) },
        ]
        var table: [String: NNImplementation] = [:]
        for (name, fill) in base {
            table[name] = .initializer(fill)
            table[name + "_gen"] = .initializer(fill)
        }
        return table
    }()
}
