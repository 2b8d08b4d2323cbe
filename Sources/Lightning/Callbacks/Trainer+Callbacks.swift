// The built-in callbacks of the current run, as Lightning's trainer properties.

extension Trainer {
    /// The first ModelCheckpoint of the run (Lightning's `trainer.checkpoint_callback`).
    public var checkpointCallback: ModelCheckpoint? { callbacks.lazy.compactMap { $0 as? ModelCheckpoint }.first }
    /// Every checkpointing callback of the run, in order.
    public var checkpointCallbacks: [any CheckpointingCallback] { callbacks.compactMap { $0 as? any CheckpointingCallback } }
    /// The first EarlyStopping of the run.
    public var earlyStoppingCallback: EarlyStopping? { callbacks.lazy.compactMap { $0 as? EarlyStopping }.first }
    /// Every EarlyStopping of the run, in order.
    public var earlyStoppingCallbacks: [EarlyStopping] { callbacks.compactMap { $0 as? EarlyStopping } }
}
