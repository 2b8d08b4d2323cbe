import Foundation
import Torch

/// The default ``CheckpointIO``: PyTorch's `.pt` format (zip + pickle), written atomically — a
/// temporary file in the same folder, flushed, then renamed — so a crash never leaves a torn
/// checkpoint. Python opens the files with `torch.load(path, weights_only=True)`.
public final class TorchCheckpointIO: CheckpointIO {
    public init() {}

    public func save(_ checkpoint: Checkpoint, to path: String) throws {
        try TorchSerialization.save(checkpoint.pickleValue, to: URL(fileURLWithPath: path))
    }

    public func load(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LightningError.checkpoint("the checkpoint \(path) does not exist; check the path")
        }
        do {
            return try Checkpoint(try TorchSerialization.load(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as TorchError {
            throw LightningError.checkpoint("cannot read the checkpoint \(path): \(error.message)")
        }
    }

    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }
}
