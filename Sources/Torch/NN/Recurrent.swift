import Foundation

// Recurrent layers: RNN, LSTM and GRU on ATen's fused multi-layer kernels, with PyTorch's parameter
// names (weight_ih_l0, weight_hh_l0_reverse, bias_ih_l1, weight_hr_l0, …) and flat weight order.

/// What the recurrent layers share (PyTorch's `RNNBase`): the configuration, the per-layer weights
/// in PyTorch's order and names, and PyTorch's initialisation (every weight from
/// U(-1/√hidden, 1/√hidden)). Use ``RNN``, ``LSTM`` or ``GRU``.
public class RecurrentLayer: Module {
    /// The recurrence: the number of gates and the ATen kernel.
    public enum Mode: String, Sendable {
        case lstm = "LSTM"
        case gru = "GRU"
        case rnnTanh = "RNN_TANH"
        case rnnRelu = "RNN_RELU"

        var gateCount: Int {
            switch self {
            case .lstm: 4
            case .gru: 3
            case .rnnTanh, .rnnRelu: 1
            }
        }
    }

    public let mode: Mode
    public let inputSize: Int
    public let hiddenSize: Int
    public let numLayers: Int
    public let bias: Bool
    public let batchFirst: Bool
    /// Dropout on the outputs of every layer but the last, in training mode.
    public let dropout: Double
    public let bidirectional: Bool
    /// LSTM only: the size of the projected hidden state (0: no projection).
    public let projSize: Int
    /// The weights by PyTorch's names, in its flat order (layer, direction, then w_ih, w_hh, b_ih,
    /// b_hh, w_hr).
    public private(set) var weights = ParameterTable()

    init(
        mode: Mode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool, dropout: Double,
        bidirectional: Bool, projSize: Int, dtype: DType?, device: Device?
    ) throws(TorchError) {
        guard (0...1).contains(dropout) else {
            throw TorchError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
        }
        guard inputSize > 0 else { throw TorchError("input_size must be greater than zero") }
        guard hiddenSize > 0 else { throw TorchError("hidden_size must be greater than zero") }
        guard numLayers > 0 else { throw TorchError("num_layers must be greater than zero") }
        guard projSize >= 0 else { throw TorchError("proj_size should be a positive integer or zero to disable projections") }
        guard projSize < hiddenSize else { throw TorchError("proj_size has to be smaller than hidden_size") }
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.projSize = projSize

        let gateSize = mode.gateCount * hiddenSize
        let directions = bidirectional ? 2 : 1
        let realHiddenSize = projSize > 0 ? projSize : hiddenSize
        var table = ParameterTable()
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let layerInputSize = layer == 0 ? inputSize : realHiddenSize * directions
                let suffix = "l\(layer)" + (direction == 1 ? "_reverse" : "")
                table["weight_ih_\(suffix)"] = try Tensor.empty([gateSize, layerInputSize], dtype: dtype, device: device)
                table["weight_hh_\(suffix)"] = try Tensor.empty([gateSize, realHiddenSize], dtype: dtype, device: device)
                if bias {
                    table["bias_ih_\(suffix)"] = try Tensor.empty([gateSize], dtype: dtype, device: device)
                    table["bias_hh_\(suffix)"] = try Tensor.empty([gateSize], dtype: dtype, device: device)
                }
                if projSize > 0 {
                    table["weight_hr_\(suffix)"] = try Tensor.empty([projSize, hiddenSize], dtype: dtype, device: device)
                }
            }
        }
        weights = table
        super.init()
        if shouldInitialize { try resetParameters() }
    }

    /// The weights in ATen's flat order (PyTorch's `_flat_weights`).
    public var flatWeights: [Tensor] { weights.tensors }

    /// The weights grouped by layer and direction (PyTorch's `all_weights`).
    public var allWeights: [[Tensor]] {
        let perLayer = (bias ? 4 : 2) + (projSize > 0 ? 1 : 0)
        let flat = flatWeights
        return stride(from: 0, to: flat.count, by: perLayer).map { Array(flat[$0..<($0 + perLayer)]) }
    }

    /// Every weight from U(-1/√hidden, 1/√hidden), as PyTorch's `reset_parameters`.
    public func resetParameters() throws(TorchError) {
        let stdv = hiddenSize > 0 ? 1.0 / Double(hiddenSize).squareRoot() : 0
        for weight in flatWeights { try Init.uniform_(weight, a: -stdv, b: stdv) }
    }

    var numDirections: Int { bidirectional ? 2 : 1 }

    /// Validates the input and returns it batched, with whether it was batched.
    func prepareInput(_ input: Tensor) throws(TorchError) -> (input: Tensor, batched: Bool) {
        guard input.rank == 2 || input.rank == 3 else {
            throw TorchError("\(typeName): Expected input to be 2D or 3D, got \(input.rank)D instead")
        }
        if let first = flatWeights.first, input.dtype != first.dtype {
            throw TorchError("RNN input dtype (\(input.dtype)) does not match weight dtype (\(first.dtype)). Convert input: input.to(\(first.dtype)), or convert model: model.to(\(input.dtype))")
        }
        guard input.shape.last == inputSize else {
            throw TorchError("input.size(-1) must be equal to input_size. Expected \(inputSize), got \(input.shape.last ?? 0)")
        }
        let batched = input.rank == 3
        return (batched ? input : try input.unsqueeze(dim: batchFirst ? 0 : 1), batched)
    }

    func batchSize(_ input: Tensor) -> Int { input.shape[batchFirst ? 0 : 1] }

    /// Zeros of [layers · directions, batch, size] in the input's dtype and device.
    func zeroState(_ input: Tensor, size: Int) throws(TorchError) -> Tensor {
        try Tensor.zeros([numLayers * numDirections, batchSize(input), size], dtype: input.dtype, device: input.device)
    }

    /// PyTorch's `check_hidden_size`: "Expected hidden size (1, 3, 20), got [1, 2, 20]".
    func checkHidden(_ hidden: Tensor, _ expected: [Int], _ what: String) throws(TorchError) {
        guard hidden.shape == expected else {
            throw TorchError("Expected \(what) size \(pythonTuple(expected)), got \(hidden.shape)")
        }
    }

    public override var extraDescription: String {
        var text = "\(inputSize), \(hiddenSize)"
        if projSize != 0 { text += ", proj_size=\(projSize)" }
        if numLayers != 1 { text += ", num_layers=\(numLayers)" }
        if !bias { text += ", bias=False" }
        if batchFirst { text += ", batch_first=True" }
        if dropout != 0 { text += ", dropout=\(pythonFloat(dropout))" }
        if bidirectional { text += ", bidirectional=True" }
        return text
    }
}

/// A multi-layer Elman RNN, h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or ReLU) (PyTorch's `nn.RNN`).
///
/// ```swift
/// let rnn = try RNN(10, 20, numLayers: 2)
/// let (output, hidden) = try rnn(x)     // x: [length, batch, 10]
/// ```
public final class RNN: RecurrentLayer {
    /// The non-linearity of an ``RNN``.
    public enum Nonlinearity: String, Sendable {
        case tanh
        case relu
    }

    public let nonlinearity: Nonlinearity

    public init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: Nonlinearity = .tanh, bias: Bool = true,
        batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        self.nonlinearity = nonlinearity
        try super.init(mode: nonlinearity == .tanh ? .rnnTanh : .rnnRelu, inputSize: inputSize, hiddenSize: hiddenSize,
                       numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                       bidirectional: bidirectional, projSize: 0, dtype: dtype, device: device)
    }

    /// `RNN(10, 20)`.
    public convenience init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: Nonlinearity = .tanh, bias: Bool = true,
        batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, nonlinearity: nonlinearity, bias: bias,
                      batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, device: device)
    }

    /// The outputs of the last layer at every step ([length, batch, directions · hidden], batch
    /// first with `batchFirst`) and the final hidden state of every layer ([layers · directions,
    /// batch, hidden]). `hx` defaults to zeros.
    public func forward(_ input: Tensor, _ hx: Tensor? = nil) throws(TorchError) -> (output: Tensor, hidden: Tensor) {
        let (x, batched) = try prepareInput(input)
        var h: Tensor
        if let hx { h = hx } else { h = try zeroState(x, size: hiddenSize) }
        if hx != nil {
            guard h.rank == (batched ? 3 : 2) else {
                throw TorchError(batched ? "For batched 3-D input, hx should also be 3-D but got \(h.rank)-D tensor"
                                         : "For unbatched 2-D input, hx should also be 2-D but got \(h.rank)-D tensor")
            }
            if !batched { h = try h.unsqueeze(dim: 1) }
        }
        try checkHidden(h, [numLayers * numDirections, batchSize(x), hiddenSize], "hidden")
        var (output, hidden) = nonlinearity == .tanh
            ? try x.rnnTanh(hx: h, params: flatWeights, hasBiases: bias, numLayers: numLayers, dropout: dropout,
                            train: training, bidirectional: bidirectional, batchFirst: batchFirst)
            : try x.rnnRelu(hx: h, params: flatWeights, hasBiases: bias, numLayers: numLayers, dropout: dropout,
                            train: training, bidirectional: bidirectional, batchFirst: batchFirst)
        if !batched {
            output = try output.squeeze(dim: batchFirst ? 0 : 1)
            hidden = try hidden.squeeze(dim: 1)
        }
        return (output, hidden)
    }

    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) throws(TorchError) -> (output: Tensor, hidden: Tensor) {
        try forward(input, hx)
    }
}

/// A multi-layer long short-term memory network (PyTorch's `nn.LSTM`), on ATen's fused `lstm`
/// kernel. Parameters are named as in PyTorch (`weight_ih_l0`, `weight_hh_l0_reverse`, …).
///
/// ```swift
/// let lstm = try LSTM(10, 20, numLayers: 2, batchFirst: true, bidirectional: true)
/// let (output, (h, c)) = try lstm(x)    // x: [batch, length, 10] -> output [batch, length, 40]
/// ```
public final class LSTM: RecurrentLayer {
    public init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Double = 0, bidirectional: Bool = false, projSize: Int = 0, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, projSize: projSize,
                       dtype: dtype, device: device)
    }

    /// `LSTM(10, 20)`.
    public convenience init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Double = 0, bidirectional: Bool = false, projSize: Int = 0, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                      dropout: dropout, bidirectional: bidirectional, projSize: projSize, dtype: dtype, device: device)
    }

    /// The outputs of the last layer at every step ([length, batch, directions · hidden], batch
    /// first with `batchFirst`) and the final hidden and cell states of every layer ([layers ·
    /// directions, batch, hidden]). `hx` (h₀, c₀) defaults to zeros.
    public func forward(
        _ input: Tensor, _ hx: (Tensor, Tensor)? = nil
    ) throws(TorchError) -> (output: Tensor, hidden: (h: Tensor, c: Tensor)) {
        let (x, batched) = try prepareInput(input)
        let realHiddenSize = projSize > 0 ? projSize : hiddenSize
        var h: Tensor, c: Tensor
        if let (h0, c0) = hx {
            if batched {
                guard h0.rank == 3, c0.rank == 3 else {
                    throw TorchError("For batched 3-D input, hx and cx should also be 3-D but got (\(h0.rank)-D, \(c0.rank)-D) tensors")
                }
                (h, c) = (h0, c0)
            } else {
                guard h0.rank == 2, c0.rank == 2 else {
                    throw TorchError("For unbatched 2-D input, hx and cx should also be 2-D but got (\(h0.rank)-D, \(c0.rank)-D) tensors")
                }
                (h, c) = (try h0.unsqueeze(dim: 1), try c0.unsqueeze(dim: 1))
            }
        } else {
            h = try zeroState(x, size: realHiddenSize)
            c = try zeroState(x, size: hiddenSize)
        }
        let layersTimesDirections = numLayers * numDirections
        try checkHidden(h, [layersTimesDirections, batchSize(x), realHiddenSize], "hidden[0]")
        try checkHidden(c, [layersTimesDirections, batchSize(x), hiddenSize], "hidden[1]")
        var (output, hn, cn) = try x.lstm(hx: [h, c], params: flatWeights, hasBiases: bias, numLayers: numLayers, dropout: dropout,
                                          train: training, bidirectional: bidirectional, batchFirst: batchFirst)
        if !batched {
            output = try output.squeeze(dim: batchFirst ? 0 : 1)
            hn = try hn.squeeze(dim: 1)
            cn = try cn.squeeze(dim: 1)
        }
        return (output, (hn, cn))
    }

    public func callAsFunction(
        _ input: Tensor, _ hx: (Tensor, Tensor)? = nil
    ) throws(TorchError) -> (output: Tensor, hidden: (h: Tensor, c: Tensor)) {
        try forward(input, hx)
    }
}

/// A multi-layer gated recurrent unit network (PyTorch's `nn.GRU`), on ATen's fused `gru` kernel.
///
/// ```swift
/// let gru = try GRU(10, 20, numLayers: 2)
/// let (output, h) = try gru(x)
/// ```
public final class GRU: RecurrentLayer {
    public init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Double = 0, bidirectional: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, projSize: 0,
                       dtype: dtype, device: device)
    }

    /// `GRU(10, 20)`.
    public convenience init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Double = 0, bidirectional: Bool = false, dtype: DType? = nil, device: Device? = nil
    ) throws(TorchError) {
        try self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                      dropout: dropout, bidirectional: bidirectional, dtype: dtype, device: device)
    }

    /// The outputs of the last layer at every step and the final hidden state of every layer; `hx`
    /// defaults to zeros.
    public func forward(_ input: Tensor, _ hx: Tensor? = nil) throws(TorchError) -> (output: Tensor, hidden: Tensor) {
        let (x, batched) = try prepareInput(input)
        var h: Tensor
        if let hx { h = hx } else { h = try zeroState(x, size: hiddenSize) }
        if hx != nil {
            guard h.rank == (batched ? 3 : 2) else {
                throw TorchError(batched ? "For batched 3-D input, hx should also be 3-D but got \(h.rank)-D tensor"
                                         : "For unbatched 2-D input, hx should also be 2-D but got \(h.rank)-D tensor")
            }
            if !batched { h = try h.unsqueeze(dim: 1) }
        }
        try checkHidden(h, [numLayers * numDirections, batchSize(x), hiddenSize], "hidden")
        var (output, hidden) = try x.gru(hx: h, params: flatWeights, hasBiases: bias, numLayers: numLayers, dropout: dropout,
                                         train: training, bidirectional: bidirectional, batchFirst: batchFirst)
        if !batched {
            output = try output.squeeze(dim: batchFirst ? 0 : 1)
            hidden = try hidden.squeeze(dim: 1)
        }
        return (output, hidden)
    }

    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) throws(TorchError) -> (output: Tensor, hidden: Tensor) {
        try forward(input, hx)
    }
}
