import Foundation
import Torch

/// The default ``CheckpointIO``: PyTorch's `.pt` format, written atomically.
public final class TorchCheckpointIO: CheckpointIO {
    public init() {}

    public func save(_ checkpoint: Checkpoint, to path: String) throws {
        throw LightningError.checkpoint("writing .pt checkpoints is not available in this build")
    }

    public func load(from path: String) throws -> Checkpoint {
        throw LightningError.checkpoint("reading .pt checkpoints is not available in this build")
    }

    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }
}
