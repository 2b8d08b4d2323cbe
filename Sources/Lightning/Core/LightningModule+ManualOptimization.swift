import Torch

// Manual optimization (`automaticOptimization` false): the module steps its optimizers itself.

/// An optimizer as `optimizers()` hands it to a module that optimizes by hand (Lightning's
/// `LightningOptimizer`): `step()` runs the `onBeforeOptimizerStep` hooks and counts a global step.
/// A module set up with a ``Fabric`` gets its ``FabricOptimizer``s this way (Lightning's
/// `_fabric_optimizers`): `step()` is then the Fabric optimizer's.
///
/// ```swift
/// var automaticOptimization: Bool { false }
/// func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
///     let optimizer = optimizers()[0]
///     let loss = try computeLoss(batch)
///     try optimizer.zeroGrad()
///     try manualBackward(loss)
///     try optimizer.step()
///     return loss
/// }
/// ```
public final class LightningOptimizer {
    /// The wrapped optimizer.
    public let optimizer: Optimizer
    private enum Owner {
        case trainer(Unowned<Trainer>, any LightningModule)
        case fabric(FabricOptimizer)
    }
    private let owner: Owner

    init(_ optimizer: Optimizer, trainer: Trainer, module: any LightningModule) {
        self.optimizer = optimizer
        owner = .trainer(Unowned(trainer), module)
    }

    init(_ optimizer: FabricOptimizer) {
        self.optimizer = optimizer.optimizer
        owner = .fabric(optimizer)
    }

    /// Runs the pre-step hooks, steps the optimizer and counts one global step.
    ///
    /// With "16-mixed", as Lightning's `MixedPrecision.optimizer_step`: the gradients are unscaled
    /// before the hooks (unless a fused optimizer unscales them itself), then the loss scaler steps
    /// the optimizer (skipping the step when a gradient is inf or NaN) and updates its scale.
    public func step() throws {
        let (trainer, module): (Trainer, any LightningModule)
        switch owner {
        case .fabric(let optimizer): return try optimizer.step()
        case .trainer(let owner, let owningModule): (trainer, module) = (owner.value, owningModule)
        }
        let plugin = trainer.precisionPlugin
        try plugin.afterBackward(optimizer)
        try trainer.callCallbacks(.onBeforeOptimizerStep) { try $0.onBeforeOptimizerStep(trainer, module, optimizer: optimizer) }
        try trainer.callModule(.onBeforeOptimizerStep) { try module.onBeforeOptimizerStep(optimizer) }
        try plugin.step(optimizer)
        trainer.globalStep += 1
    }

    /// Clears the gradients of the optimizer's parameters.
    public func zeroGrad(setToNone: Bool = true) throws {
        try optimizer.zeroGrad(setToNone: setToNone)
    }
}

extension LightningModule {
    /// The optimizers of the running fit, for manual optimization; under a ``Fabric``, the
    /// optimizers set up with this module.
    public func optimizers() -> [LightningOptimizer] {
        guard let trainer else { return FabricAttachment.optimizers(of: self).map(LightningOptimizer.init) }
        return trainer.optimizers.map { LightningOptimizer($0, trainer: trainer, module: self) }
    }

    /// The learning-rate schedulers of the running fit; Lightning never steps them under manual
    /// optimization, so call `step()` on them yourself.
    public func lrSchedulers() -> [any LearningRateScheduler] {
        trainer?.lrSchedulerConfigs.map(\.scheduler) ?? []
    }

    /// Back-propagates `loss` with the backward hooks around it (Lightning's `manual_backward`);
    /// under Fabric, `fabric.backward(loss)`.
    public func manualBackward(_ loss: Tensor) throws {
        guard let trainer else {
            // Set up with Fabric: through its precision and DDP (Lightning's `fabric.backward`).
            if let fabric { try fabric.backward(loss) } else { try loss.backward() }
            return
        }
        // With a loss scaler, the hooks and backward see the scaled loss (Lightning's `pre_backward`).
        let scaled = try trainer.precisionPlugin.preBackward(loss)
        try trainer.callCallbacks(.onBeforeBackward) { try $0.onBeforeBackward(trainer, self, loss: scaled) }
        try trainer.callModule(.onBeforeBackward) { try onBeforeBackward(scaled) }
        // As Lightning's DDPStrategy.pre_backward for manual optimization.
        try trainer.ddp?.prepareForBackward([scaled])
        try trainer.callModule(.backward) { try backward(scaled) }
        try trainer.callCallbacks(.onAfterBackward) { try $0.onAfterBackward(trainer, self) }
        try trainer.callModule(.onAfterBackward) { try onAfterBackward() }
    }
}

/// A reference that does not keep its object alive (an `unowned` stored in an enum case).
struct Unowned<Object: AnyObject> {
    unowned let value: Object
    init(_ value: Object) { self.value = value }
}
