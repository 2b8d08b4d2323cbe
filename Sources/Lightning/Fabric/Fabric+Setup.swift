import Torch

extension Fabric {
    /// Moves `module` to the device (and to the dtype of a "true" precision), wraps it in DDP in a
    /// multi-process run (every rank starts from rank 0's weights), and wraps `optimizer` so its
    /// step goes through the precision (Lightning's `fabric.setup(model, optimizer)`).
    ///
    /// Build the optimizer on the module's parameters before or after: moving keeps the tensors'
    /// identity, so it updates the module either way.
    ///
    /// ```swift
    /// let (model, optimizer) = try fabric.setup(net, SGD(net.parameters(), lr: 0.1))
    /// ```
    public func setup<M: Module>(_ module: M, _ optimizer: Optimizer) throws -> (FabricModule<M>, FabricOptimizer) {
        let (wrapped, optimizers) = try setup(module, optimizers: [optimizer])
        return (wrapped, optimizers[0])
    }

    /// ``setup(_:_:)`` with several optimizers (or none). A LightningModule's `optimizers()` then
    /// returns these.
    public func setup<M: Module>(_ module: M, optimizers: [Optimizer]) throws -> (FabricModule<M>, [FabricOptimizer]) {
        let wrapped = try setupModule(module)
        let fabricOptimizers = try setupOptimizers(optimizers)
        FabricAttachment.setOptimizers(fabricOptimizers, of: module)
        return (wrapped, fabricOptimizers)
    }

    /// Sets up the module alone (Lightning's `setup_module`), e.g. for evaluation, or before
    /// building an optimizer on its parameters.
    ///
    /// ```swift
    /// let model = try fabric.setupModule(net)
    /// let optimizer = try fabric.setupOptimizers(Adam(model.parameters(), lr: 1e-3))[0]
    /// ```
    public func setupModule<M: Module>(_ module: M, moveToDevice: Bool = true) throws -> FabricModule<M> {
        let group = try processGroup()
        adopt(module)
        try precisionPlugin.convertModule(module)
        if moveToDevice { try module.to(device) }
        let ddp = try group.map { group in
            try guarding { try DistributedDataParallel(module, processGroup: group) }
        }
        return FabricModule(module: module, ddp: ddp, precision: precisionPlugin)
    }

    /// Wraps optimizers (Lightning's `setup_optimizers`).
    public func setupOptimizers(_ optimizers: Optimizer...) throws -> [FabricOptimizer] {
        try setupOptimizers(optimizers)
    }

    /// Wraps optimizers (Lightning's `setup_optimizers`).
    public func setupOptimizers(_ optimizers: [Optimizer]) throws -> [FabricOptimizer] {
        optimizers.map { FabricOptimizer(optimizer: $0, precision: precisionPlugin) }
    }

    /// Moves a tensor, or an array, dictionary, optional or tuple of tensors, or a
    /// ``DeviceTransferable`` value, to this process's device (Lightning's `to_device`).
    ///
    /// ```swift
    /// let (x, y) = try fabric.toDevice((inputs, targets))
    /// ```
    public func toDevice<T>(_ value: T) throws -> T {
        if let module = value as? Module {
            try module.to(device)
            return value
        }
        return try moveBatch(value, to: device)
    }
}
