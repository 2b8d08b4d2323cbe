/// A callback reached by name through `Fabric.call(_:_:)`, the direct translation of Lightning's
/// `fabric.call("on_train_epoch_end", loss=loss)`.
///
/// Swift cannot look a method up by name at run time, so such a callback receives the hook's name
/// and its arguments and dispatches itself. The better Swift form is ``Fabric/call(_:_:)-(H.Type,_)``
/// with a protocol of your own hooks: names and argument types are then checked by the compiler.
///
/// ```swift
/// final class Printer: FabricCallback {
///     func call(_ hook: String, _ arguments: [String: Any]) throws {
///         if hook == "onTrainEpochEnd", let loss = arguments["loss"] as? Double { print("loss", loss) }
///     }
/// }
/// try fabric.call("onTrainEpochEnd", ["loss": 0.25])
/// ```
public protocol FabricCallback: AnyObject {
    /// Handles `hook` (ignore the hooks you do not know, as Lightning skips callbacks without the
    /// method).
    func call(_ hook: String, _ arguments: [String: Any]) throws
}

extension Fabric {
    /// Calls `hook` on every callback that adopts ``FabricCallback``, in order.
    public func call(_ hook: String, _ arguments: [String: Any] = [:]) throws {
        for callback in callbacks {
            try (callback as? any FabricCallback)?.call(hook, arguments)
        }
    }

    /// Calls `body` on every callback that adopts the hook protocol `H`, in order: Lightning's
    /// `fabric.call` with the hook's name and arguments checked at compile time. Callbacks that do
    /// not adopt `H` are skipped, as Lightning skips callbacks without the method.
    ///
    /// ```swift
    /// protocol TrainingHooks { func onTrainEpochEnd(epoch: Int, loss: Double) throws }
    /// final class Printer: TrainingHooks {
    ///     func onTrainEpochEnd(epoch: Int, loss: Double) { print(epoch, loss) }
    /// }
    /// let fabric = try Fabric(callbacks: [Printer()])
    /// try fabric.call(TrainingHooks.self) { try $0.onTrainEpochEnd(epoch: epoch, loss: loss) }
    /// ```
    public func call<H>(_ hooks: H.Type, _ body: (H) throws -> Void) throws {
        for callback in callbacks {
            if let target = callback as? H { try body(target) }
        }
    }
}
