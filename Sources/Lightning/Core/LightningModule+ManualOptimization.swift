import Torch

// Manual optimization (`automaticOptimization` false): the module steps its optimizers itself.

/// An optimizer as `optimizers()` hands it to a module that optimizes by hand (Lightning's
/// `LightningOptimizer`): `step()` runs the `onBeforeOptimizerStep` hooks and counts a global step.
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
    unowned let trainer: Trainer
    let module: any LightningModule

    init(_ optimizer: Optimizer, trainer: Trainer, module: any LightningModule) {
        self.optimizer = optimizer
        self.trainer = trainer
        self.module = module
    }

    /// Runs the pre-step hooks, steps the optimizer and counts one global step.
    ///
    /// With "16-mixed", as Lightning's `MixedPrecision.optimizer_step`: the gradients are unscaled
    /// before the hooks (unless a fused optimizer unscales them itself), then the loss scaler steps
    /// the optimizer (skipping the step when a gradient is inf or NaN) and updates its scale.
    public func step() throws {
        let plugin = trainer.precisionPlugin
        try plugin.afterBackward(optimizer)
        try trainer.callCallbacks(.onBeforeOptimizerStep) { try $0.onBeforeOptimizerStep(trainer, module, optimizer: optimizer) }
        try trainer.callModule(.onBeforeOptimizerStep) { try module.onBeforeOptimizerStep(optimizer) }
        if let scaler = plugin.scaler {
            try scaler.step(optimizer)
            try scaler.update()
        } else {
            try optimizer.step()
        }
        trainer.globalStep += 1
    }

    /// Clears the gradients of the optimizer's parameters.
    public func zeroGrad(setToNone: Bool = true) throws {
        try optimizer.zeroGrad(setToNone: setToNone)
    }
}

extension LightningModule {
    /// The optimizers of the running fit, for manual optimization.
    public func optimizers() -> [LightningOptimizer] {
        guard let trainer else { return [] }
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
