import Foundation
import Torch

// Saving and restoring Lightning checkpoints (Lightning's `_CheckpointConnector`).

/// What a fit run provides so the trainer can save and restore it.
struct CheckpointSource {
    /// The checkpoint of the run now (Lightning's `dump_checkpoint`).
    var dump: (_ weightsOnly: Bool) throws -> Checkpoint
}

extension Trainer {
    /// The plugin that writes and reads checkpoint files.
    public var checkpointIO: any CheckpointIO { configuration.checkpointIO ?? defaultCheckpointIO }

    /// Saves the running (or finished) fit to `path` (Lightning's `trainer.save_checkpoint`).
    ///
    /// With `weightsOnly`, optimizer, scheduler and loop states are left out.
    ///
    /// ```swift
    /// try trainer.saveCheckpoint("model.ckpt")
    /// ```
    public func saveCheckpoint(_ path: String, weightsOnly: Bool = false) throws {
        try profiled("save_checkpoint") { try saveCheckpointUnprofiled(path, weightsOnly: weightsOnly) }
    }

    private func saveCheckpointUnprofiled(_ path: String, weightsOnly: Bool) throws {
        guard let source = checkpointSource else {
            throw LightningError.checkpoint("saveCheckpoint needs a model: call it during or after `fit`")
        }
        let checkpoint = try source.dump(weightsOnly)
        if isGlobalZero {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try checkpointIO.save(checkpoint, to: path)
        }
        // Every rank returns once the file is complete (Lightning's barrier "Trainer.save_checkpoint").
        try barrier()
    }
}

extension FitLoop {
    /// Lightning's `dump_checkpoint`: the keys in Lightning's order, then the callbacks' and the
    /// module's `onSaveCheckpoint`.
    func dumpCheckpoint(weightsOnly: Bool) throws -> Checkpoint {
        let t = trainer
        var checkpoint = Checkpoint()
        checkpoint["epoch"] = .int(t.currentEpoch)
        checkpoint["global_step"] = .int(t.globalStep)
        checkpoint["pytorch-lightning_version"] = .string(lightningCompatibleVersion)
        checkpoint["state_dict"] = module.stateDict().pickleValue
        var progress = self.progress
        progress.trainLoaderState = try trainLoader?.positionState(pending: prefetchedBatches)
        checkpoint["loops"] = progress.pickleValue(batchesThatStepped: t.batchesThatStepped)
        if !weightsOnly {
            var states: [(key: PickleValue, value: PickleValue)] = []
            for callback in t.callbacks {
                if let state = callback.stateDict() { states.append((.string(callback.stateKey), state)) }
            }
            checkpoint["callbacks"] = .dict(states)
            checkpoint["optimizer_states"] = .list(t.optimizers.map { $0.stateDict().value.pickleValue })
            checkpoint["lr_schedulers"] = .list(t.lrSchedulerConfigs.map { $0.scheduler.stateDict().pickleValue })
            if let state = try t.precisionPlugin.stateDict() { checkpoint[t.precisionPlugin.checkpointKey] = state.pickleValue }
        }
        if let state = data.stateDict() { checkpoint[data.stateKey] = state }
        let hyperparameters = module.hyperparameters
        if !hyperparameters.isEmpty {
            checkpoint["hparams_name"] = .string("kwargs")
            checkpoint["hyper_parameters"] = hyperparameters.pickleValue
        }
        if !data.hyperparameters.isEmpty {
            checkpoint["datamodule_hparams_name"] = .string("kwargs")
            checkpoint["datamodule_hyper_parameters"] = data.hyperparameters.pickleValue
        }
        try t.callCallbacks(.named("on_save_checkpoint")) { try $0.onSaveCheckpoint(t, module, checkpoint: &checkpoint) }
        try t.callModule(.named("on_save_checkpoint")) { try module.onSaveCheckpoint(&checkpoint) }
        return checkpoint
    }

    /// Restores the weights, data-module and callback states (before the optimizers exist), as
    /// Lightning's `restore_model` and `restore_callbacks`.
    func restoreModelAndCallbacks(_ checkpoint: Checkpoint) throws {
        let t = trainer
        try t.callModule(.named("on_load_checkpoint")) { try module.onLoadCheckpoint(checkpoint) }
        guard let weights = checkpoint["state_dict"] else {
            throw LightningError.checkpoint("the checkpoint has no `state_dict`; it was not written by Lightning or SwiftLightning")
        }
        try module.loadStateDict(try StateDict(weights))
        if let state = checkpoint[data.stateKey] { try data.loadStateDict(state) }
        try t.callCallbacks(.named("on_load_checkpoint")) { try $0.onLoadCheckpoint(t, module, checkpoint: checkpoint) }
        if case .dict(let states) = checkpoint["callbacks"] ?? .none {
            for callback in t.callbacks {
                if let state = states.first(where: { $0.key.stringValue == callback.stateKey })?.value {
                    try callback.loadStateDict(state)
                }
            }
        }
    }

    /// Restores optimizers, schedulers and loop counters (after the optimizers exist).
    func restoreTrainingState(_ checkpoint: Checkpoint) throws {
        let t = trainer
        // Lightning's `restore_precision_plugin_state` (and its older `native_amp_scaling_state` key).
        for key in [t.precisionPlugin.checkpointKey, "native_amp_scaling_state"] {
            guard let state = checkpoint[key] else { continue }
            guard case .dict(let map) = StateValue(state) else {
                throw LightningError.checkpoint("the precision plugin state in the checkpoint is not a dictionary")
            }
            try t.precisionPlugin.loadStateDict(map)
        }
        if let states = checkpoint["optimizer_states"]?.arrayValue {
            guard states.count == t.optimizers.count else {
                throw LightningError.checkpoint("the checkpoint holds \(states.count) optimizer states but configureOptimizers returned \(t.optimizers.count) optimizers")
            }
            for (optimizer, state) in zip(t.optimizers, states) {
                try optimizer.loadStateDict(OptimizerState(StateValue(state)))
            }
        }
        if let states = checkpoint["lr_schedulers"]?.arrayValue {
            guard states.count == t.lrSchedulerConfigs.count else {
                throw LightningError.checkpoint("the checkpoint holds \(states.count) scheduler states but configureOptimizers returned \(t.lrSchedulerConfigs.count) schedulers")
            }
            for (config, state) in zip(t.lrSchedulerConfigs, states) {
                guard case .dict(let map) = StateValue(state) else {
                    throw LightningError.checkpoint("a scheduler state in the checkpoint is not a dictionary")
                }
                try config.scheduler.loadStateDict(map)
            }
        }
        guard let loops = checkpoint["loops"] else { return }
        try progress.load(loops)
        t.currentEpoch = progress.epochsCompleted
        t.globalStep = checkpoint.globalStep ?? progress.optimizerSteps
        t.batchesThatStepped = progress.batchesThatStepped
        // A checkpoint written at an epoch's end (processed ahead of completed) starts the next
        // epoch; one written mid-epoch resumes at the next batch of the same epoch.
        if progress.epochProcessed > progress.epochsCompleted {
            t.currentEpoch = progress.epochProcessed
            progress.epochsCompleted = progress.epochProcessed
        } else {
            resumeBatchIndex = progress.batchesThisEpoch
            progress.epochStarted = progress.epochsCompleted
        }
    }
}

/// The Lightning version written into checkpoints (`pytorch-lightning_version`): the one whose
/// checkpoint layout SwiftLightning writes, so Python Lightning reads the files as its own.
let lightningCompatibleVersion = "2.6.6"

extension Hyperparameters {
    var pickleValue: PickleValue { .dict(map { (.string($0.key), $0.value.pickleValue) }) }
}

extension HyperparameterValue {
    var pickleValue: PickleValue {
        switch self {
        case .int(let v): .int(v)
        case .double(let v): .double(v)
        case .string(let v): .string(v)
        case .bool(let v): .bool(v)
        case .list(let v): .list(v.map(\.pickleValue))
        case .none: .none
        }
    }
}
