import Torch

extension Fabric {
    /// Backpropagates `loss` (Lightning's `fabric.backward`): use it instead of `loss.backward()`.
    /// With "16-mixed" the loss is scaled first; in a multi-process run the gradients are averaged
    /// across the ranks during the backward pass.
    ///
    /// ```swift
    /// let loss = try model(x).mseLoss(target: y)
    /// try fabric.backward(loss)
    /// ```
    public func backward(_ loss: Tensor, retainGraph: Bool? = nil) throws {
        let scaled = try precisionPlugin.preBackward(loss)
        try guarding { try scaled.backward(retainGraph: retainGraph) }
    }

    /// Clips the gradients of the optimizer's parameters, by value (`clipValue`) or by total norm
    /// (`maxNorm`), after unscaling them with "16-mixed" (Lightning's `clip_gradients`). Returns
    /// the total norm before clipping when clipping by norm, nil when clipping by value.
    ///
    /// ```swift
    /// try fabric.backward(loss)
    /// let norm = try fabric.clipGradients(model, optimizer, maxNorm: 1.0)
    /// try optimizer.step()
    /// ```
    @discardableResult
    public func clipGradients<M>(_ module: FabricModule<M>, _ optimizer: FabricOptimizer, clipValue: Double? = nil,
                                 maxNorm: Double? = nil, normType: Double = 2, errorIfNonfinite: Bool = true) throws -> Tensor? {
        if clipValue != nil && maxNorm != nil {
            throw LightningError.configuration("Only one of `clipValue` or `maxNorm` can be set as this specifies the underlying clipping algorithm!")
        }
        guard clipValue != nil || maxNorm != nil else {
            throw LightningError.configuration("You have to specify either `clipValue` or `maxNorm` to do gradient clipping!")
        }
        if let scaler = precisionPlugin.scaler {
            if optimizer.optimizer.stepSupportsAMPScaling {
                throw LightningError.configuration("Gradient clipping is not implemented for optimizers handling the unscaling (\(optimizer.optimizer.typeName) is fused)")
            }
            try scaler.unscale_(optimizer.optimizer)
        }
        let parameters = optimizer.optimizer.parameters
        if let clipValue {
            try clipGradValue_(parameters, clipValue: clipValue)
            return nil
        }
        return try clipGradNorm_(parameters, maxNorm: maxNorm!, normType: normType, errorIfNonfinite: errorIfNonfinite)
    }

    /// Runs `body` under the precision's autocast, for computations outside the wrapped module's
    /// forward (Lightning's `with fabric.autocast():`). Without a mixed precision it just runs it.
    ///
    /// ```swift
    /// let loss = try fabric.autocast { try lossFunction(model(x), y) }
    /// ```
    public func autocast<R>(_ body: () throws -> R) throws -> R {
        try precisionPlugin.forwardContext(body)
    }

    /// Runs `body` (forward and backward of a batch) without averaging the gradients across the
    /// ranks, so they accumulate locally until a backward outside the block (Lightning's
    /// `no_backward_sync`). With one process, or `enabled: false`, it just runs `body`.
    ///
    /// ```swift
    /// let accumulating = (step + 1) % 4 != 0
    /// try fabric.noBackwardSync(model, enabled: accumulating) {
    ///     try fabric.backward(model(x).mseLoss(target: y))
    /// }
    /// if !accumulating { try optimizer.step(); try optimizer.zeroGrad() }
    /// ```
    public func noBackwardSync<M, R>(_ module: FabricModule<M>, enabled: Bool = true, _ body: () throws -> R) throws -> R {
        guard enabled, let ddp = module.ddp else { return try body() }
        return try ddp.noSync { () throws -> R in try body() }
    }
}
