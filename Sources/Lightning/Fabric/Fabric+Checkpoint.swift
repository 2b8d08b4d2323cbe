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
    public func save(_ path: String, state: [String: FabricState]) throws {
        if isGlobalZero {
            let entries = state.keys.sorted().map { (key: PickleValue.string($0), value: state[$0]!.pickleValue) }
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

    /// Loads a checkpoint written by ``save(_:state:)`` (or by Python's `torch.save` of a
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
        var remaining = try loadRaw(path)
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

    /// The entries of a checkpoint file, unconverted.
    func loadRaw(_ path: String) throws -> [String: PickleValue] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LightningError.checkpoint("the checkpoint \(path) does not exist; check the path")
        }
        let value: PickleValue
        do {
            value = try TorchSerialization.load(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LightningError.checkpoint("cannot read the checkpoint \(path): \(error.message)")
        }
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
