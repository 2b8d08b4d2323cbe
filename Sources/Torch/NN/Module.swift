import Foundation

/// The base class of every neural-network layer and model, as PyTorch's `nn.Module`.
///
/// Parameters, buffers and submodules are found by reflection of stored properties: mark tensors
/// with ``Parameter`` or ``Buffer``; store submodules directly, in arrays or in dictionaries. Their
/// dotted names are PyTorch's `state_dict` keys (`encoder.layer.0.attention.self.query.weight`), so
/// weights move between Python and Swift unchanged.
///
/// ```swift
/// final class MLP: Module, UnaryLayer {
///     let fc1 = Linear(784, 128)
///     let fc2 = Linear(128, 10)
///     func forward(_ x: Tensor) throws -> Tensor {
///         try fc2(fc1(x).relu())
///     }
/// }
/// let model = MLP()
/// print(model.stateDict().keys)  // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
/// ```
open class Module {
    /// True in training mode (dropout active, batch norm updating its statistics); see ``train(_:)``.
    public private(set) var training = true

    /// Creates a module. Subclasses call `super.init()`; their own `init()` (throwing or not) needs
    /// no `override`, because this initializer's signature is `init(_:)` with a defaulted argument.
    public init(_: Void = ()) {}

    /// Sets training mode on this module and every submodule (PyTorch's `train(mode)`).
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for module in modules() { module.training = mode }
        return self
    }

    /// Sets evaluation mode (PyTorch's `eval()`).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Extra text for ``description`` inside the parentheses, such as `in_features=4, out_features=3`.
    open var extraDescription: String { "" }

    /// The type name shown in summaries and descriptions (`Linear`).
    open var typeName: String { String(describing: type(of: self)) }
}

extension Module: CustomStringConvertible {
    /// A tree like PyTorch's `repr(module)`.
    public var description: String {
        let children = namedChildren()
        if children.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)("]
        if !extraDescription.isEmpty { lines.append("  " + extraDescription) }
        for (name, child) in children {
            let text = child.description.replacingOccurrences(of: "\n", with: "\n  ")
            lines.append("  (\(name)): \(text)")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// A module with one tensor input and one tensor output, callable as a function.
///
/// ```swift
/// let y = try layer(x)   // calls forward(x)
/// ```
public protocol UnaryLayer: Module {
    /// The computation of the layer.
    func forward(_ input: Tensor) throws -> Tensor
}

extension UnaryLayer {
    /// Calls ``forward(_:)``.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try forward(input)
    }
}
