/// A dataset whose samples are those of another passed through a transform (decoding, augmentation,
/// normalisation). The transform runs on whichever thread reads the sample: a DataLoader worker
/// when `numWorkers > 0`.
///
/// ```swift
/// let normalised = images.map { sample in try (sample[0] - 0.5) / 0.25 }
/// ```
public struct MapDataset<Base: Dataset, Element>: Dataset {
    public let base: Base
    public let transform: (Base.Element) throws -> Element

    public init(_ base: Base, transform: @escaping (Base.Element) throws -> Element) {
        self.base = base
        self.transform = transform
    }

    public var count: Int { base.count }

    public subscript(index: Int) -> Element {
        get throws { try transform(try base[index]) }
    }
}

extension Dataset {
    /// This dataset with `transform` applied to every sample as it is read.
    public func map<T>(_ transform: @escaping (Element) throws -> T) -> MapDataset<Self, T> {
        MapDataset(self, transform: transform)
    }
}

/// An iterable dataset whose samples are those of another passed through a transform.
public struct MapIterableDataset<Base: IterableDataset, Element>: IterableDataset {
    public let base: Base
    public let transform: (Base.Element) throws -> Element

    public init(_ base: Base, transform: @escaping (Base.Element) throws -> Element) {
        self.base = base
        self.transform = transform
    }

    public func makeIterator(worker: WorkerInfo?) throws -> DatasetIterator<Element> {
        let inner = try base.makeIterator(worker: worker)
        let transform = self.transform
        return DatasetIterator { try inner.next().map(transform) }
    }
}

extension IterableDataset {
    /// This dataset with `transform` applied to every sample as it is read.
    public func map<T>(_ transform: @escaping (Element) throws -> T) -> MapIterableDataset<Self, T> {
        MapIterableDataset(self, transform: transform)
    }
}
