// The two kinds of dataset a DataLoader reads, as in PyTorch: map-style (`Dataset`: a count and a
// subscript) and iterable (`IterableDataset`: a stream of samples).

/// A map-style dataset: `count` samples, read by index, as PyTorch's `torch.utils.data.Dataset`.
///
/// ```swift
/// struct Squares: Dataset {
///     var count: Int { 100 }
///     subscript(index: Int) -> Tensor {
///         get throws { try Tensor(scalar: Float(index * index)) }
///     }
/// }
/// let loader = try DataLoader(Squares(), batchSize: 10, shuffle: true)
/// ```
///
/// A ``DataLoader`` with worker threads reads the subscript from several threads at once, so it
/// must be safe to call concurrently: reading tensors and immutable values is; a dataset that
/// mutates state while reading (a cache) must lock it.
public protocol Dataset<Element> {
    /// One sample: a tensor, an array or dictionary of tensors, a user type.
    associatedtype Element

    /// The number of samples (PyTorch's `__len__`).
    var count: Int { get }

    /// The sample at `index` (PyTorch's `__getitem__`); throws when it cannot be read.
    subscript(index: Int) -> Element { get throws }
}

/// An iterable dataset: a stream of samples with no random access, as PyTorch's
/// `torch.utils.data.IterableDataset` (records read from files or a network, generated data).
///
/// With `numWorkers > 0` a ``DataLoader`` calls ``makeIterator(worker:)`` once per worker and epoch,
/// each on its own thread; as in PyTorch, each worker reads the whole stream unless the dataset
/// splits it by ``WorkerInfo/id`` and ``WorkerInfo/numWorkers``:
///
/// ```swift
/// struct Range: IterableDataset {
///     var n: Int
///     func makeIterator(worker: WorkerInfo?) -> DatasetIterator<Int> {
///         let (id, step) = (worker?.id ?? 0, worker?.numWorkers ?? 1)
///         return DatasetIterator(stride(from: id, to: n, by: step))
///     }
/// }
/// ```
public protocol IterableDataset<Element> {
    associatedtype Element

    /// Starts one pass over the samples. `worker` is nil when the loader reads on the calling thread.
    func makeIterator(worker: WorkerInfo?) throws -> DatasetIterator<Element>
}

/// One pass over an ``IterableDataset``: a function that returns the next sample, or nil at the end.
public struct DatasetIterator<Element> {
    private let nextSample: () throws -> Element?

    /// An iterator that calls `next` for each sample until it returns nil.
    public init(_ next: @escaping () throws -> Element?) {
        nextSample = next
    }

    /// An iterator over the elements of a sequence.
    public init<S: Sequence>(_ sequence: S) where S.Element == Element {
        var iterator = sequence.makeIterator()
        nextSample = { iterator.next() }
    }

    /// The next sample, or nil at the end of the pass.
    public func next() throws -> Element? {
        try nextSample()
    }
}
