import Torch

/// The data code: downloading, splitting, and the data loaders of each stage, as Lightning's
/// `LightningDataModule`.
///
/// Its `Batch` must equal the model's `Batch`: `trainer.fit(model, datamodule: data)` does not
/// compile otherwise.
///
/// ```swift
/// final class IrisData: LightningDataModule {
///     typealias Batch = (Tensor, Tensor)
///     var train: TensorDataset!, val: TensorDataset!
///     func setup(stage: Stage) throws { (train, val) = try loadIrisSplit() }
///     func trainDataloader() throws -> (any BatchLoader<Batch>)? { DataLoader(train, batchSize: 16, shuffle: true) }
///     func valDataloader() throws -> (any BatchLoader<Batch>)? { DataLoader(val, batchSize: 32) }
/// }
/// ```
public protocol LightningDataModule: DataHooks {
    /// Replaces the module's `transferBatchToDevice` when it returns a batch (nil: use the module's).
    func transferBatchToDevice(_ batch: Batch, device: Device, dataloaderIndex: Int) throws -> Batch?
    /// Saved in checkpoints (Lightning's `datamodule_hyper_parameters`).
    var hyperparameters: Hyperparameters { get }
    /// Any error thrown in a Trainer entry point, after the callbacks' `onException`.
    func onException(_ error: any Error) throws
    /// State saved in checkpoints under the data module's type name; nil saves nothing.
    func stateDict() -> PickleValue?
    func loadStateDict(_ state: PickleValue) throws
}

extension LightningDataModule {
    public func transferBatchToDevice(_ batch: Batch, device: Device, dataloaderIndex: Int) throws -> Batch? { nil }
    public var hyperparameters: Hyperparameters { [:] }
    public func onException(_ error: any Error) throws {}
    public func stateDict() -> PickleValue? { nil }
    public func loadStateDict(_ state: PickleValue) throws {}
}
