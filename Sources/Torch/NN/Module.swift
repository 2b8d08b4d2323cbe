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
    /// True in training mode (dropout active, batch norm updating its statistics); see `train(_:recurse:)`.
    public private(set) var training = true

    /// Creates a module. Subclasses call `super.init()`; their own `init()` (throwing or not) needs
    /// no `override`, because this initializer's signature is `init(_:)` with a defaulted argument.
    public init(_: Void = ()) {}

    /// Sets training mode on this module and (with `recurse`, the default) every submodule, as
    /// PyTorch's `train(mode)`.
    @discardableResult
    public func train(_ mode: Bool = true, recurse: Bool = true) -> Self {
        if recurse {
            for module in modules() { module.training = mode }
        } else {
            training = mode
        }
        return self
    }

    /// Sets evaluation mode (PyTorch's `eval()`).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Extra text for `description` inside the parentheses, such as `in_features=4, out_features=3`.
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
        // Each entry: its label, such as "(0): ", and the child's text.
        var entries = children.map { (label: "(\($0.0)): ", text: $0.1.description) }
        if self is any CollapsesRepeatedChildren {
            // ModuleList shows a run of identical children once: "(0-5): 6 x Layer(...)".
            var runs: [(label: String, text: String)] = []
            var start = 0
            for index in entries.indices where index == entries.count - 1 || entries[index + 1].text != entries[index].text {
                let label = start == index
                    ? "(\(children[index].0)): "
                    : "(\(children[start].0)-\(children[index].0)): \(index - start + 1) x "
                runs.append((label, entries[index].text))
                start = index + 1
            }
            entries = runs
        }
        for (label, text) in entries {
            lines.append("  " + label + text.replacingOccurrences(of: "\n", with: "\n  "))
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// Marks a container whose description shows runs of identical children once, as PyTorch's
/// `ModuleList.__repr__` does.
protocol CollapsesRepeatedChildren {}

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
    /// Calls `forward(_:)`.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try forward(input)
    }
}
