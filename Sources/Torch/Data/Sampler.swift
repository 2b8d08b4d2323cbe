// The sampler protocol and the saveable state that lets a DataLoader resume mid-epoch.

/// Chooses the order in which a ``DataLoader`` reads a dataset: each epoch, the dataset indices
/// (`Sampler<Int>`) or the batches of indices (`Sampler<[Int]>`), as PyTorch's `Sampler`.
///
/// Unlike PyTorch's lazy iterators, a sampler draws a whole epoch at once with ``epochIndices()``.
/// A random sampler's ``stateDict()`` is the state of the generator that the next draw uses; the
/// DataLoader saves it at the start of each epoch so that a run resumed mid-epoch draws the same
/// order again. A custom sampler with randomness should implement ``stateDict()`` and
/// ``loadStateDict(_:)`` the same way (the defaults save nothing, so a resumed epoch would be
/// drawn afresh).
///
/// ```swift
/// final class EvenFirst: Sampler {
///     let count: Int
///     init(count: Int) { self.count = count }
///     func epochIndices() -> [Int] { Array(stride(from: 0, to: count, by: 2)) + Array(stride(from: 1, to: count, by: 2)) }
/// }
/// ```
public protocol Sampler<Element>: AnyObject {
    /// `Int` for a sampler of dataset indices, `[Int]` for a batch sampler.
    associatedtype Element

    /// How many elements one epoch yields (PyTorch's `__len__`).
    var count: Int { get }

    /// Draws the elements of one epoch (PyTorch's `list(iter(sampler))`).
    func epochIndices() throws -> [Element]

    /// Tells the sampler which epoch comes next (PyTorch's `set_epoch`; only ``DistributedSampler``
    /// uses it). The DataLoader calls it before each epoch, as Lightning does.
    func setEpoch(_ epoch: Int)

    /// The state the next ``epochIndices()`` draws from. The default (for samplers without
    /// randomness) is empty.
    func stateDict() throws -> SamplerState

    /// Restores a state from ``stateDict()``: the next ``epochIndices()`` gives the same elements
    /// as the one that followed the save.
    func loadStateDict(_ state: SamplerState) throws
}

extension Sampler {
    public func setEpoch(_ epoch: Int) {}
    public func stateDict() throws -> SamplerState { SamplerState() }
    public func loadStateDict(_ state: SamplerState) throws {}
}

/// The saveable state of a sampler (see ``Sampler/stateDict()``).
public struct SamplerState: Codable, Equatable, Sendable {
    /// The state of the random generator the next epoch draws from (the bytes of
    /// ``Generator/state()``); nil for samplers without randomness.
    public var generatorState: [UInt8]?
    /// The epoch set with ``Sampler/setEpoch(_:)`` (``DistributedSampler``).
    public var epoch: Int?

    public init(generatorState: [UInt8]? = nil, epoch: Int? = nil) {
        self.generatorState = generatorState
        self.epoch = epoch
    }
}

/// Where a random sampler draws from: its own generator, or PyTorch's global one when it has none.
///
/// For a sampler without a generator, a loaded state is replayed once on a private generator, so a
/// resumed epoch draws the same numbers without rewinding the global generator. The state saved
/// before an epoch is a snapshot of the global generator, and the epoch then draws from that
/// snapshot: another thread that draws from the global generator in between cannot make the epoch
/// differ from the state that was saved. If nobody drew in between, the global generator is then
/// left where drawing from it directly would have left it; if somebody did, it is left alone (its
/// draws are not rewound).
final class RandomSource {
    let generator: Generator?
    /// The private generator the next draw uses instead of the global one.
    private var replay: Generator?
    /// When `replay` is a snapshot of the global generator: the global state it was taken from.
    private var snapshotOrigin: [UInt8]?

    init(_ generator: Generator?) {
        self.generator = generator
    }

    /// The generator the next draw uses.
    private func current() throws(TorchError) -> Generator {
        if let generator { return generator }
        if let replay { return replay }
        return try Generator.default(for: .cpu)
    }

    /// Runs one epoch's draws.
    func draw<R>(_ body: (Generator) throws(TorchError) -> R) throws(TorchError) -> R {
        let source = try current()
        let origin = snapshotOrigin
        defer {
            replay = nil
            snapshotOrigin = nil
        }
        let result = try body(source)
        if let origin {
            let global = try Generator.default(for: .cpu)
            if try global.state().bytes() == origin { try global.setState(source.state()) }
        }
        return result
    }

    func state() throws(TorchError) -> [UInt8] {
        if generator == nil, replay == nil {
            let globalState = try Generator.default(for: .cpu).state()
            let snapshot = try Generator(seed: 0)
            try snapshot.setState(globalState)
            replay = snapshot
            snapshotOrigin = try globalState.bytes()
        }
        return try current().state().bytes()
    }

    func load(_ bytes: [UInt8]?) throws(TorchError) {
        guard let bytes else { return }
        let target: Generator
        if let generator {
            target = generator
        } else {
            target = try Generator(seed: 0)
            replay = target
            snapshotOrigin = nil
        }
        try target.setState(generatorStateTensor(bytes))
    }
}

/// A uint8 tensor holding generator-state bytes.
func generatorStateTensor(_ bytes: [UInt8]) throws(TorchError) -> Tensor {
    try Tensor(bytes, shape: [bytes.count])
}

/// Dataset indices from an int64 tensor.
func indexArray(_ tensor: Tensor) throws(TorchError) -> [Int] {
    try tensor.toArray(of: Int64.self).map { Int($0) }
}
