import Torch

/// An optimizer set up by ``Fabric/setup(_:_:)`` (Lightning's `_FabricOptimizer`): ``step()``
/// goes through the precision, so with "16-mixed" the loss scaler unscales the gradients, skips
/// steps with inf/NaN gradients and updates its scale.
///
/// ```swift
/// try optimizer.zeroGrad()
/// try fabric.backward(loss)
/// try optimizer.step()
/// ```
public final class FabricOptimizer {
    /// The optimizer itself.
    public let optimizer: Optimizer
    let precision: PrecisionPlugin

    init(optimizer: Optimizer, precision: PrecisionPlugin) {
        self.optimizer = optimizer
        self.precision = precision
    }

    /// One optimizer step: `scaler.step(optimizer)` and `scaler.update()` with a loss scaler,
    /// `optimizer.step()` otherwise.
    public func step() throws {
        try precision.step(optimizer)
    }

    /// Runs `closure` (which computes the loss and calls `Fabric.backward(_:)`) with gradients
    /// enabled, then steps as ``step()``; returns the closure's result.
    @discardableResult
    public func step<Loss>(closure: () throws -> Loss) throws -> Loss {
        let loss = try enableGrad { try closure() }
        try step()
        return loss
    }

    /// Resets the gradients (to nil by default, as PyTorch).
    public func zeroGrad(setToNone: Bool = true) throws {
        try optimizer.zeroGrad(setToNone: setToNone)
    }

    /// The parameter groups (learning rates and options).
    public var paramGroups: [ParamGroup] {
        get { optimizer.paramGroups }
        set { optimizer.paramGroups = newValue }
    }

    /// The optimizer's state dict.
    public func stateDict() -> OptimizerState { optimizer.stateDict() }
}
