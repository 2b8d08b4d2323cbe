import Torch

/// A Lightning checkpoint: an ordered dictionary with Lightning's keys (`epoch`, `global_step`,
/// `pytorch-lightning_version`, `state_dict`, `loops`, `callbacks`, `optimizer_states`,
/// `lr_schedulers`, `hparams_name`, `hyper_parameters`, …), saved in PyTorch's `.pt` format so
/// Python opens it with `torch.load(path, weights_only=True)`.
///
/// `onSaveCheckpoint` hooks may add entries; `onLoadCheckpoint` hooks read them back.
///
/// ```swift
/// func onSaveCheckpoint(_ checkpoint: inout Checkpoint) throws {
///     checkpoint["vocabulary_size"] = .int(vocabulary.count)
/// }
/// ```
public struct Checkpoint {
    public private(set) var entries: [(key: String, value: PickleValue)] = []

    public init() {}

    /// A checkpoint from the top-level dictionary of a `.ckpt` file.
    public init(_ value: PickleValue) throws {
        guard let entries = value.dictValue else {
            throw LightningError.checkpoint("a checkpoint must be a dictionary at its top level; this file holds something else")
        }
        for (key, entry) in entries {
            guard let name = key.stringValue else {
                throw LightningError.checkpoint("a checkpoint's top-level keys must be strings; found \(key)")
            }
            self[name] = entry
        }
    }

    public subscript(key: String) -> PickleValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// The whole checkpoint as one `.pt` value.
    public var pickleValue: PickleValue { .dict(entries.map { (.string($0.key), $0.value) }) }

    /// The epoch and global step recorded in the checkpoint.
    public var epoch: Int? { self["epoch"]?.intValue }
    public var globalStep: Int? { self["global_step"]?.intValue }
}

/// Reads and writes checkpoint files (Lightning's `CheckpointIO` plugin); the default writes
/// PyTorch's `.pt` format atomically.
public protocol CheckpointIO: AnyObject {
    func save(_ checkpoint: Checkpoint, to path: String) throws
    func load(from path: String) throws -> Checkpoint
    func remove(_ path: String) throws
}
