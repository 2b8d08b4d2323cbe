import Torch

/// Where a run's loaders and data hooks come from: the data module when one is given (its hooks
/// run before the module's), otherwise the module, otherwise loaders passed to the entry point.
struct RunData<M: LightningModule> {
    var prepareData: () throws -> Void = {}
    var setup: (Stage) throws -> Void = { _ in }
    var teardown: (Stage) throws -> Void = { _ in }
    var train: () throws -> (any BatchLoader<M.Batch>)?
    var val: () throws -> [any BatchLoader<M.Batch>]
    var test: () throws -> [any BatchLoader<M.Batch>]
    var predict: () throws -> [any BatchLoader<M.Batch>]
    var transfer: ((M.Batch, Device, Int) throws -> M.Batch?)? = nil
    var hyperparameters: Hyperparameters = [:]
    var onException: (any Error) throws -> Void = { _ in }
    var stateDict: () -> PickleValue? = { nil }
    var loadStateDict: (PickleValue) throws -> Void = { _ in }
    /// The checkpoint key of the data module's state (its type name, as Lightning's `__qualname__`).
    var stateKey = ""
    /// True when the training loader was handed to `fit` rather than made by a hook (the
    /// batch-size finder cannot resize it).
    var trainGivenDirectly = false

    /// The module's own loaders and hooks, overridden by explicit loaders where given.
    init(module: M, train: (any BatchLoader<M.Batch>)? = nil, val: [any BatchLoader<M.Batch>]? = nil,
         test: [any BatchLoader<M.Batch>]? = nil, predict: [any BatchLoader<M.Batch>]? = nil) {
        self.train = train.map { loader in { loader } } ?? module.trainDataloader
        self.trainGivenDirectly = train != nil
        self.val = val.map { loaders in { loaders } } ?? module.valDataloaders
        self.test = test.map { loaders in { loaders } } ?? module.testDataloaders
        self.predict = predict.map { loaders in { loaders } } ?? module.predictDataloaders
    }

    /// The data module's loaders and hooks.
    init<D: LightningDataModule>(module: M, datamodule: D) where D.Batch == M.Batch {
        self.init(module: module)
        prepareData = datamodule.prepareData
        setup = { try datamodule.setup(stage: $0) }
        teardown = { try datamodule.teardown(stage: $0) }
        train = datamodule.trainDataloader
        val = datamodule.valDataloaders
        test = datamodule.testDataloaders
        predict = datamodule.predictDataloaders
        transfer = { try datamodule.transferBatchToDevice($0, device: $1, dataloaderIndex: $2) }
        hyperparameters = datamodule.hyperparameters
        onException = datamodule.onException
        stateDict = datamodule.stateDict
        loadStateDict = datamodule.loadStateDict
        stateKey = String(describing: D.self)
    }
}

extension Trainer {
    /// Lightning's batch pipeline: precision input conversion, then on-before-transfer, transfer to
    /// the device (the data module's hook wins), on-after-transfer.
    func prepare<M: LightningModule>(_ batch: M.Batch, _ module: M, _ data: RunData<M>, dataloaderIndex: Int) throws -> M.Batch {
        var batch = try precisionPlugin.convertInput(batch)
        batch = try callModule(.onBeforeBatchTransfer, skipped: batch) { try module.onBeforeBatchTransfer(batch, dataloaderIndex: dataloaderIndex) }
        if let transferred = try data.transfer?(batch, device, dataloaderIndex) {
            batch = transferred
        } else {
            batch = try callModule(.transferBatchToDevice) { try module.transferBatchToDevice(batch, device: device, dataloaderIndex: dataloaderIndex) }
        }
        batch = try callModule(.onAfterBatchTransfer, skipped: batch) { try module.onAfterBatchTransfer(batch, dataloaderIndex: dataloaderIndex) }
        currentBatch = batch
        return batch
    }

    /// Lets go of the batch once its hooks and logging are done (Lightning's logger connector
    /// `on_batch_end`): a `log` between batches weights by 1, and the batch's memory is free before
    /// the next one is loaded, as in a hand-written loop.
    func endBatch() {
        currentBatch = nil
    }

    /// The first dimension of the first tensor in a batch, for weighting logged means.
    func batchSize(of batch: Any) -> Int? {
        if let tensor = batch as? Tensor { return tensor.shape.first ?? 1 }
        if let (a, _) = batch as? (Tensor, Tensor) { return a.shape.first ?? 1 }
        if let (a, _, _) = batch as? (Tensor, Tensor, Tensor) { return a.shape.first ?? 1 }
        if let list = batch as? [Tensor], let first = list.first { return first.shape.first ?? 1 }
        if let dictionary = batch as? [String: Tensor], let key = dictionary.keys.sorted().first {
            return dictionary[key]!.shape.first ?? 1
        }
        for child in Mirror(reflecting: batch).children {
            if let tensor = child.value as? Tensor { return tensor.shape.first ?? 1 }
        }
        return nil
    }
}
