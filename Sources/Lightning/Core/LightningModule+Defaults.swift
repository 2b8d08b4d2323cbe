import Torch

// The default of every LightningModule hook: what Lightning's does.

extension LightningModule {
    public func validationStep(_ batch: Batch, batchIndex: Int) throws -> ValidationOutput {
        throw LightningError.configuration("\(typeName) does not implement validationStep(_:batchIndex:)")
    }
    public func validationStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> ValidationOutput {
        try validationStep(batch, batchIndex: batchIndex)
    }
    public func testStep(_ batch: Batch, batchIndex: Int) throws -> TestOutput {
        throw LightningError.configuration("\(typeName) does not implement testStep(_:batchIndex:); implement it to run Trainer.test")
    }
    public func testStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> TestOutput {
        try testStep(batch, batchIndex: batchIndex)
    }
    public func predictStep(_ batch: Batch, batchIndex: Int) throws -> PredictOutput {
        throw LightningError.configuration("\(typeName) does not implement predictStep(_:batchIndex:); implement it to run Trainer.predict")
    }
    public func predictStep(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws -> PredictOutput {
        try predictStep(batch, batchIndex: batchIndex)
    }

    /// No optimizer: fine for evaluation-only modules; `fit` warns and trains nothing (Lightning's `None`).
    public func configureOptimizers() throws -> OptimizerConfiguration { .none }
    public func configureCallbacks() -> [any Callback] { [] }
    public func configureModel() throws {}
    public var automaticOptimization: Bool { true }
    public var hyperparameters: Hyperparameters { [:] }

    public func onFitStart() throws {}
    public func onFitEnd() throws {}
    public func onTrainStart() throws {}
    public func onTrainEnd() throws {}
    public func onValidationStart() throws {}
    public func onValidationEnd() throws {}
    public func onTestStart() throws {}
    public func onTestEnd() throws {}
    public func onPredictStart() throws {}
    public func onPredictEnd() throws {}
    public func onTrainEpochStart() throws {}
    public func onTrainEpochEnd() throws {}
    public func onValidationEpochStart() throws {}
    public func onValidationEpochEnd() throws {}
    public func onTestEpochStart() throws {}
    public func onTestEpochEnd() throws {}
    public func onPredictEpochStart() throws {}
    public func onPredictEpochEnd() throws {}

    // The per-batch hooks that do nothing by default say so, and the loops skip them from then on
    // (see LightningContext.noOpDefaults).
    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) throws -> Int? {
        LightningContext.noteNoOpDefault(.onTrainBatchStart, of: self)
        return nil
    }
    public func onTrainBatchEnd(_ outputs: StepOutputs, batch: Batch, batchIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onTrainBatchEnd, of: self)
    }
    public func onValidationBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onValidationBatchStart, of: self)
    }
    public func onValidationBatchEnd(_ outputs: ValidationOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onValidationBatchEnd, of: self)
    }
    public func onTestBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onTestBatchStart, of: self)
    }
    public func onTestBatchEnd(_ outputs: TestOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onTestBatchEnd, of: self)
    }
    public func onPredictBatchStart(_ batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onPredictBatchStart, of: self)
    }
    public func onPredictBatchEnd(_ outputs: PredictOutput, batch: Batch, batchIndex: Int, dataloaderIndex: Int) throws {
        LightningContext.noteNoOpDefault(.onPredictBatchEnd, of: self)
    }

    public func onValidationModelZeroGrad() throws { try zeroGrad(setToNone: true) }
    public func onValidationModelEval() throws { eval() }
    public func onValidationModelTrain() throws { LightningContext.current?.restoreTrainingModes() ?? { train() }() }
    public func onTestModelEval() throws { eval() }
    public func onTestModelTrain() throws { LightningContext.current?.restoreTrainingModes() ?? { train() }() }
    public func onPredictModelEval() throws { eval() }

    public func onBeforeZeroGrad(_ optimizer: Optimizer) throws { LightningContext.noteNoOpDefault(.onBeforeZeroGrad, of: self) }
    public func onBeforeBackward(_ loss: Tensor) throws { LightningContext.noteNoOpDefault(.onBeforeBackward, of: self) }
    public func onAfterBackward() throws { LightningContext.noteNoOpDefault(.onAfterBackward, of: self) }
    public func onBeforeOptimizerStep(_ optimizer: Optimizer) throws { LightningContext.noteNoOpDefault(.onBeforeOptimizerStep, of: self) }

    public func backward(_ loss: Tensor) throws { try loss.backward() }

    public func optimizerStep(epoch: Int, batchIndex: Int, optimizer: Optimizer, closure: () throws -> Tensor?) throws {
        // Through the precision plugin, as Lightning's `LightningOptimizer.step`: with "16-mixed"
        // the loss scaler steps (or skips) the optimizer and updates the scale.
        if let trainer = LightningContext.current?.trainer {
            trainer.scalerSkippedStep = try !trainer.precisionPlugin.optimizerStep(optimizer, closure: closure)
        } else {
            try optimizer.step(closure: closure)
        }
    }

    public func optimizerZeroGrad(epoch: Int, batchIndex: Int, optimizer: Optimizer) throws {
        try optimizer.zeroGrad()
    }

    public func configureGradientClipping(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws {
        // Without a clip value (the Trainer's `gradientClipVal`, fixed for a run) there is nothing to do.
        guard let clipValue, clipValue > 0 else { return LightningContext.noteNoOpDefault(.configureGradientClipping, of: self) }
        try clipGradients(optimizer, clipValue: clipValue, algorithm: algorithm)
    }

    public func lrSchedulerStep(_ scheduler: any LearningRateScheduler, metric: Double?) throws {
        try stepScheduler(scheduler, metric: metric)
    }

    public func onBeforeBatchTransfer(_ batch: Batch, dataloaderIndex: Int) throws -> Batch {
        LightningContext.noteNoOpDefault(.onBeforeBatchTransfer, of: self)
        return batch
    }
    public func transferBatchToDevice(_ batch: Batch, device: Device, dataloaderIndex: Int) throws -> Batch {
        try moveBatch(batch, to: device)
    }
    public func onAfterBatchTransfer(_ batch: Batch, dataloaderIndex: Int) throws -> Batch {
        LightningContext.noteNoOpDefault(.onAfterBatchTransfer, of: self)
        return batch
    }
    public func onSaveCheckpoint(_ checkpoint: inout Checkpoint) throws {}
    public func onLoadCheckpoint(_ checkpoint: Checkpoint) throws {}
}

extension LightningModule {
    /// Clips the gradients of `optimizer`'s parameters by total norm or by value, as Lightning's
    /// `clip_gradients`; nil or 0 does nothing.
    public func clipGradients(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws {
        guard let clipValue, clipValue > 0 else { return }
        let parameters = optimizer.paramGroups.flatMap(\.params)
        switch algorithm ?? .norm {
        case .norm: _ = try clipGradNorm_(parameters, maxNorm: clipValue)
        case .value: try clipGradValue_(parameters, clipValue: clipValue)
        }
    }

    /// Steps a scheduler the way Lightning's default `lr_scheduler_step` does.
    func stepScheduler(_ scheduler: any LearningRateScheduler, metric: Double?) throws {
        if let plateau = scheduler as? ReduceLROnPlateau {
            guard let metric else {
                throw LightningError.configuration("ReduceLROnPlateau needs a monitored metric: set `monitor` in its LRSchedulerConfiguration")
            }
            try plateau.step(metric)
        } else if let scheduler = scheduler as? LRScheduler {
            try scheduler.step()
        } else {
            throw LightningError.configuration("\(type(of: scheduler)) is not a known scheduler: override lrSchedulerStep(_:metric:) to step it")
        }
    }
}

extension LightningModule where Batch: DeviceTransferable {
    /// Moves the batch with its own `to(_:)`, picked when the module is compiled: the general
    /// default has to find out at run time, on every batch, what the batch can do.
    @inlinable
    public func transferBatchToDevice(_ batch: Batch, device: Device, dataloaderIndex: Int) throws -> Batch {
        try batch.to(device)
    }
}
