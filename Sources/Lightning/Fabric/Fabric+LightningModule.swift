import Foundation
import Torch

// A LightningModule set up with Fabric (Lightning's `fabric.setup(lightning_module)`): the module
// logs, back-propagates and receives `fabric.call` hooks through the Fabric, with no Trainer.

/// Which Fabric each set-up LightningModule belongs to (weakly held on both sides).
enum FabricAttachment {
    private final class Entry {
        weak var module: Module?
        weak var fabric: Fabric?
        /// The optimizers set up with the module (its `optimizers()`).
        var optimizers: [FabricOptimizer] = []
        init(module: Module, fabric: Fabric) {
            self.module = module
            self.fabric = fabric
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [ObjectIdentifier: Entry] = [:]

    static func attach(_ module: Module, to fabric: Fabric) {
        lock.lock()
        defer { lock.unlock() }
        entries = entries.filter { $0.value.module != nil && $0.value.fabric != nil }
        entries[ObjectIdentifier(module)] = Entry(module: module, fabric: fabric)
    }

    static func fabric(of module: Module) -> Fabric? {
        entry(of: module)?.fabric
    }

    static func optimizers(of module: Module) -> [FabricOptimizer] {
        entry(of: module)?.optimizers ?? []
    }

    /// Remembers the optimizers set up with an attached module.
    static func setOptimizers(_ optimizers: [FabricOptimizer], of module: Module) {
        entry(of: module)?.optimizers = optimizers
    }

    private static func entry(of module: Module) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[ObjectIdentifier(module)], entry.module === module, entry.fabric != nil else { return nil }
        return entry
    }
}

extension LightningModule {
    /// The Fabric this module was set up with, when it runs in a loop of your own instead of a
    /// Trainer (Lightning's `self.fabric`). Then ``log(_:_:progressBar:logger:onStep:onEpoch:reduce:syncDist:batchSize:)``
    /// goes to `fabric.log`, ``manualBackward(_:)`` to `fabric.backward`, ``optimizers()`` gives
    /// the optimizers set up with the module, and `fabric.call` reaches the module's own hook
    /// protocols.
    ///
    /// ```swift
    /// let (model, optimizer) = try fabric.setup(classifier, Adam(classifier.parameters(), lr: 1e-3))
    /// let loss = try model { try $0.trainingStep(batch, batchIndex: i) }   // its `log` calls reach the Fabric's loggers
    /// ```
    public var fabric: Fabric? { FabricAttachment.fabric(of: self) }
}

extension Fabric {
    /// Setting up a LightningModule: its Fabric is this one, and it is called like a callback.
    func adopt(_ module: Module) {
        guard module is any LightningModule else { return }
        FabricAttachment.attach(module, to: self)
        if !callbacks.contains(where: { $0 === module }) { callbacks.append(module) }
    }
}
