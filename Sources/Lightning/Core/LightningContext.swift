#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Torch

/// The state of the run a hook executes in: the trainer, the hook being run (for `log`'s rules)
/// and the metrics logged so far. The Trainer installs it on its thread for the duration of an
/// entry point, as Lightning binds `self.trainer`; outside a run there is none.
final class LightningContext {
    /// The trainer whose context this is (set once, when the trainer is made).
    unowned var trainer: Trainer!
    /// The hook running now (for `log`'s defaults and permissions).
    var hook: Hook?
    /// The train/eval mode of every submodule before an evaluation switched to eval mode.
    var savedTrainingModes: [(Module, Bool)] = []
    /// The per-batch hooks (``Hook/noOpDefaultBit``) whose default, which does nothing, the module
    /// of this run is seen to use: the loops skip them from then on. A module's type fixes which
    /// implementation its hooks have (a subclass cannot replace a protocol extension's default),
    /// so one call tells for the whole run. Cleared when an entry point starts.
    var noOpDefaults: UInt32 = 0
    /// The module of this run (set when an entry point starts).
    var module: ObjectIdentifier?
    /// Per callback (in the order of ``Trainer/callbacks``), the per-batch hooks whose default,
    /// which does nothing, it is seen to use: `callCallbacks` skips them. A callback's type fixes
    /// which implementation its hooks have, as for the module's. Reset when the callback list changes.
    var callbackNoOpDefaults: [UInt32] = []
    /// The callback whose hook the trainer is calling, and its place in ``Trainer/callbacks``.
    var runningCallback: (id: ObjectIdentifier, index: Int)?

    func saveTrainingModes(of module: Module) {
        savedTrainingModes = module.modules().map { ($0, $0.training) }
    }

    func restoreTrainingModes() {
        for (module, training) in savedTrainingModes { module.train(training, recurse: false) }
    }

    // MARK: The per-thread slot

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The context of the run on this thread, if any.
    static var current: LightningContext? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<LightningContext>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Installs `context` on this thread while `body` runs (nesting restores the outer one).
    static func with<R>(_ context: LightningContext, _ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(context).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(context) { try body() }
    }

    /// Called by the module's default implementation of `hook`, which does nothing: the loops of
    /// this run stop calling it. Only for the module the run trains (a hook that calls the
    /// default of another module, which it wraps, says nothing about its own), and not with a
    /// profiler, which times every hook call, as Lightning's does.
    static func noteNoOpDefault(_ hook: Hook, of module: AnyObject) {
        guard let context = current, context.module == ObjectIdentifier(module), context.trainer.profiler == nil else { return }
        context.noOpDefaults |= hook.noOpDefaultBit
    }

    /// Called by a callback's default implementation of `hook`, which does nothing: the trainer
    /// stops calling it on that callback for as long as its callback list stays the same. Only
    /// for the callback the trainer is calling (not one it calls in turn), and not with a profiler.
    static func noteCallbackNoOpDefault(_ hook: Hook, of callback: AnyObject) {
        guard let context = current, let running = context.runningCallback, running.id == ObjectIdentifier(callback),
              context.trainer.profiler == nil, context.callbackNoOpDefaults.indices.contains(running.index) else { return }
        context.callbackNoOpDefaults[running.index] |= hook.noOpDefaultBit
    }

    /// Whether the callback at `index` of ``Trainer/callbacks`` is known to use `hook`'s default
    /// that does nothing (false for an index beyond the list the bits were kept for: a tuner's
    /// trial run swaps the callback list while it runs).
    func skipsCallback(at index: Int, _ hook: Hook) -> Bool {
        callbackNoOpDefaults.indices.contains(index) && callbackNoOpDefaults[index] & hook.noOpDefaultBit != 0
    }

    /// Whether the module's `hook` is known to be the default that does nothing.
    @inline(__always)
    func skips(_ hook: Hook) -> Bool { noOpDefaults & hook.noOpDefaultBit != 0 }

    /// Marks `hook` as running while `body` runs.
    func running<R>(_ hook: Hook, _ body: () throws -> R) rethrows -> R {
        let previous = self.hook
        self.hook = hook
        defer { self.hook = previous }
        return try body()
    }
}
