import Foundation
import Torch

// The model and data the multi-process tests and their child executables share: fixed values
// from sines and cosines, no random draws, so every process (and the test that checks it) builds
// exactly the same ones.

/// A 4 → `hidden` → 1 MLP with tanh, its weights set from sines.
public final class FixedMLP: Module, UnaryLayer {
    @Parameter public var w1: Tensor
    @Parameter public var b1: Tensor
    @Parameter public var w2: Tensor
    @Parameter public var b2: Tensor

    public init(hidden: Int = 8) {
        func values(_ count: Int, _ offset: Double) -> [Float] { (0..<count).map { Float(sin(Double($0) * 1.3 + offset) * 0.5) } }
        w1 = try! Tensor(values(4 * hidden, 0.1)).reshape([hidden, 4])
        b1 = try! Tensor(values(hidden, 0.2))
        w2 = try! Tensor(values(hidden, 0.3)).reshape([1, hidden])
        b2 = try! Tensor(values(1, 0.4))
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.linear(weight: w1, bias: b1).tanh().linear(weight: w2, bias: b2)
    }

    /// Every weight by its state-dict name.
    public func weights() throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try stateDict().map { ($0.key, try $0.value.toArray(of: Float.self)) })
    }
}

/// `count` inputs of 4 values (cosines) and their targets (sines), in order.
public func regressionData(count: Int) throws -> (x: Tensor, y: Tensor) {
    let x = try Tensor((0..<(count * 4)).map { Float(cos(Double($0) * 0.7)) }).reshape([count, 4])
    let y = try Tensor((0..<count).map { Float(sin(Double($0) * 0.45)) }).reshape([count, 1])
    return (x, y)
}
