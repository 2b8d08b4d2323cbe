import Foundation
import Torch

extension Fabric {
    /// Saves `state` to `path` in PyTorch's `.pt` format (Lightning's `fabric.save`): modules and
    /// optimizers as their state dicts, other entries as they are, keys in sorted order. Rank 0
    /// writes the file atomically (temporary file, flush, rename; missing folders are made); every
    /// rank waits for it. Python reads it with `torch.load(path)`.
    ///
    /// ```swift
    /// try fabric.save("checkpoints/last.pt", state: ["model": .model(model), "optimizer": .optimizer(optimizer), "step": .value(.int(step))])
    /// ```
    ///
    /// - Parameters:
    ///   - path: The file to write (rank 0 writes it, atomically; every rank waits for it).
    ///   - state: What to save, by key: modules, optimizers and plain values.
    ///   - filter: For some keys of `state`, which entries of that state dict (or
    ///     dictionary) to keep (Lightning's `filter`); the others are saved whole.
    ///
    ///   ```swift
    ///   // Only the trainable adapter weights:
    ///   try fabric.save("adapter.pt", state: ["model": .model(model)], filter: ["model": { name, _ in name.hasPrefix("adapter.") }])
    ///   ```
    public func save(_ path: String, state: [String: FabricState],
                     filter: [String: (_ key: String, _ value: PickleValue) -> Bool] = [:]) throws {
        if isGlobalZero {
            let entries = state.keys.sorted().map { key in
                (key: PickleValue.string(key), value: Self.filtered(state[key]!.pickleValue, by: filter[key]))
            }
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            do {
                try TorchSerialization.save(.dict(entries), to: url)
            } catch {
                throw LightningError.checkpoint("cannot write the checkpoint \(path): \(error.message)")
            }
        }
        try barrier("save")
    }

    /// The entries of a dictionary that `keep` keeps (Lightning's `_apply_filter`); anything else as it is.
    private static func filtered(_ value: PickleValue, by keep: ((String, PickleValue) -> Bool)?) -> PickleValue {
        guard let keep, let entries = value.dictValue else { return value }
        return .dict(entries.filter { entry in entry.key.stringValue.map { keep($0, entry.value) } ?? true })
    }

    /// Loads a file that holds one state dict (what Python's `torch.save(model.state_dict(), path)`
    /// writes) into `module`, in place (Lightning's `fabric.load_raw`). With `strict`, keys must match.
    ///
    /// ```swift
    /// try fabric.loadRaw("pretrained.pt", into: model.module)
    /// ```
    public func loadRaw(_ path: String, into module: Module, strict: Bool = true) throws {
        _ = try restore(.module(module), from: try fileValue(path), key: "module", path: path, strict: strict)
    }

    /// Loads a file that holds one optimizer state dict into `optimizer`, in place.
    public func loadRaw(_ path: String, into optimizer: Optimizer) throws {
        _ = try restore(.optimizer(optimizer), from: try fileValue(path), key: "optimizer", path: path, strict: true)
    }

    /// Loads a checkpoint written by ``save(_:state:filter:)`` (or by Python's `torch.save` of a
    /// dictionary): modules and optimizers in `state` are restored in place, plain entries of
    /// `state` are replaced by the saved values, and the entries of the file that `state` does not
    /// name are returned (Lightning's `fabric.load`). With `strict`, a key of `state` missing from
    /// the file, or a module whose keys differ, is an error.
    ///
    /// ```swift
    /// var state: [String: FabricState] = ["model": .model(model), "optimizer": .optimizer(optimizer), "step": 0]
    /// let rest = try fabric.load("checkpoints/last.pt", state: &state)
    /// let step = state["step"]?.value?.intValue ?? 0
    /// ```
    @discardableResult
    public func load(_ path: String, state: inout [String: FabricState], strict: Bool = true) throws -> [String: PickleValue] {
        var remaining = try checkpointEntries(path)
        for key in state.keys.sorted() {
            guard let saved = remaining.removeValue(forKey: key) else {
                if strict {
                    throw LightningError.checkpoint("The requested state contains a key '\(key)' that does not exist in the loaded checkpoint \(path). To disable strict loading, set `strict: false`")
                }
                continue
            }
            if let restoredValue = try restore(state[key]!, from: saved, key: key, path: path, strict: strict) {
                state[key] = .value(restoredValue)
            }
        }
        return remaining
    }

    /// ``load(_:state:strict:)`` for state that holds only modules and optimizers (or when the
    /// plain values are read from the returned entries).
    @discardableResult
    public func load(_ path: String, state: [String: FabricState] = [:], strict: Bool = true) throws -> [String: PickleValue] {
        var copy = state
        return try load(path, state: &copy, strict: strict)
    }

    /// Restores a module or optimizer in place; returns the saved value for a plain entry.
    private func restore(_ entry: FabricState, from saved: PickleValue, key: String, path: String, strict: Bool) throws -> PickleValue? {
        func failed(_ error: TorchError) -> LightningError {
            LightningError.checkpoint("cannot restore '\(key)' from \(path): \(error.message)")
        }
        switch entry {
        case .module(let module):
            let stateDict: StateDict
            do { stateDict = try StateDict(saved) } catch { throw failed(error) }
            do { _ = try module.loadStateDict(stateDict, strict: strict) } catch { throw failed(error) }
            return nil
        case .optimizer(let optimizer):
            let optimizerState: OptimizerState
            do { optimizerState = try OptimizerState(StateValue(saved)) } catch { throw failed(error) }
            do { try optimizer.loadStateDict(optimizerState) } catch { throw failed(error) }
            return nil
        case .value:
            return saved
        }
    }

    /// The value a checkpoint file holds.
    private func fileValue(_ path: String) throws -> PickleValue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LightningError.checkpoint("the checkpoint \(path) does not exist; check the path")
        }
        do {
            return try TorchSerialization.load(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LightningError.checkpoint("cannot read the checkpoint \(path): \(error.message)")
        }
    }

    /// The entries of a checkpoint file, unconverted.
    func checkpointEntries(_ path: String) throws -> [String: PickleValue] {
        let value = try fileValue(path)
        guard let entries = value.dictValue else {
            throw LightningError.checkpoint("the checkpoint \(path) is not a dictionary; Fabric saves and loads dictionaries of state")
        }
        var result: [String: PickleValue] = [:]
        for (key, entry) in entries {
            guard let name = key.stringValue else {
                throw LightningError.checkpoint("the checkpoint \(path) has a key that is not a string (\(key))")
            }
            result[name] = entry
        }
        return result
    }
}
