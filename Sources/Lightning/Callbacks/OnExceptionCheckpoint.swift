import Foundation
import Torch

/// Saves a checkpoint when an error reaches the Trainer — a failing hook, a `SIGTERM`, a Ctrl-C —
/// so the run can be resumed with `fit(..., ckptPath: "last")` (Lightning's `OnExceptionCheckpoint`).
///
/// ```swift
/// let trainer = try Trainer(callbacks: [OnExceptionCheckpoint(dirpath: "checkpoints")], maxEpochs: 10)
/// try trainer.fit(model)                     // an error at step 7 leaves checkpoints/on_exception.ckpt
/// try Trainer(callbacks: [OnExceptionCheckpoint(dirpath: "checkpoints")], maxEpochs: 10)
///     .fit(model, ckptPath: "last")          // picks it up (or a newer last.ckpt)
/// ```
///
/// As in Lightning it is a checkpoint callback: it runs after the other callbacks, it takes the place
/// of the default ``ModelCheckpoint`` (add one yourself to keep periodic checkpoints), and it cannot
/// be combined with `enableCheckpointing: false`. The file is removed at `teardown`, which only runs
/// when an entry point ends without an error, so a stale file never outlives a successful run.
public final class OnExceptionCheckpoint: CheckpointingCallback {
    public static let fileExtension = ".ckpt"

    /// The folder of the checkpoint (fixed at creation: an error can come before `setup`).
    public let dirpath: String
    /// The file name without its extension.
    public let filename: String

    /// - Throws: `LightningError.configuration` for an empty `filename`.
    public init(dirpath: String, filename: String = "on_exception") throws {
        guard !filename.isEmpty else { throw LightningError.configuration("The filename cannot be empty") }
        self.dirpath = dirpath
        self.filename = filename
    }

    /// `<dirpath>/<filename>.ckpt` (Lightning's `ckpt_path`).
    public var ckptPath: String { (dirpath as NSString).appendingPathComponent(filename + Self.fileExtension) }

    /// Never a best model.
    public var bestModelPath: String { "" }
    /// The checkpoint this callback writes; a candidate for `ckptPath: "last"` once it exists.
    public var lastModelPath: String { ckptPath }

    public func onException(_ trainer: Trainer, _ module: any LightningModule, error: any Error) throws {
        try trainer.saveCheckpoint(ckptPath)
    }

    public func teardown(_ trainer: Trainer, _ module: any LightningModule, stage: Stage) throws {
        guard trainer.isGlobalZero, FileManager.default.fileExists(atPath: ckptPath) else { return }
        try trainer.checkpointIO.remove(ckptPath)
    }
}
