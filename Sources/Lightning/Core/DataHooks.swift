/// The data hooks a ``LightningModule`` and a ``LightningDataModule`` share (Lightning's
/// `DataHooks`): preparing data once per node, setting up and tearing down each stage, and the
/// loaders of each stage. Every hook has a default that does nothing (or returns no loader).
///
/// Implement the single-loader hook (`valDataloader()`) for one loader, or the plural one
/// (`valDataloaders()`) for several; the Trainer reads the plural one, whose default wraps the
/// single one.
///
/// ```swift
/// func trainDataloader() throws -> (any BatchLoader<Batch>)? { try DataLoader(train, batchSize: 32, shuffle: true) }
/// func valDataloaders() throws -> [any BatchLoader<Batch>] { [try DataLoader(val, batchSize: 64), try DataLoader(ood, batchSize: 64)] }
/// ```
public protocol DataHooks: AnyObject {
    /// The type of one batch, as the data loaders produce it.
    associatedtype Batch

    /// Downloads or prepares data on disk; runs once per node (local rank 0). Do not set state here.
    func prepareData() throws
    /// Builds datasets and splits for `stage`; runs on every process.
    func setup(stage: Stage) throws
    func teardown(stage: Stage) throws
    func trainDataloader() throws -> (any BatchLoader<Batch>)?
    /// The validation loader; implement this or ``valDataloaders()`` for several.
    func valDataloader() throws -> (any BatchLoader<Batch>)?
    func valDataloaders() throws -> [any BatchLoader<Batch>]
    func testDataloader() throws -> (any BatchLoader<Batch>)?
    func testDataloaders() throws -> [any BatchLoader<Batch>]
    func predictDataloader() throws -> (any BatchLoader<Batch>)?
    func predictDataloaders() throws -> [any BatchLoader<Batch>]
}

extension DataHooks {
    public func prepareData() throws {}
    public func setup(stage: Stage) throws {}
    public func teardown(stage: Stage) throws {}
    public func trainDataloader() throws -> (any BatchLoader<Batch>)? { nil }
    public func valDataloader() throws -> (any BatchLoader<Batch>)? { nil }
    public func valDataloaders() throws -> [any BatchLoader<Batch>] { try [valDataloader()].compactMap { $0 } }
    public func testDataloader() throws -> (any BatchLoader<Batch>)? { nil }
    public func testDataloaders() throws -> [any BatchLoader<Batch>] { try [testDataloader()].compactMap { $0 } }
    public func predictDataloader() throws -> (any BatchLoader<Batch>)? { nil }
    public func predictDataloaders() throws -> [any BatchLoader<Batch>] { try [predictDataloader()].compactMap { $0 } }
}
