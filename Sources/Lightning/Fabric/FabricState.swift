import Torch

/// One entry of the state `Fabric.save(_:state:)` writes and `Fabric.load(_:state:strict:)`
/// restores: a module (saved as its state dict, restored in place), an optimizer (its state dict,
/// restored in place), or a plain value (a number, string, tensor, list or dictionary).
///
/// ```swift
/// var state: [String: FabricState] = ["model": .module(model), "optimizer": .optimizer(optimizer), "step": 0]
/// ```
public enum FabricState {
    case module(Module)
    case optimizer(Optimizer)
    case value(PickleValue)

    /// A set-up module's entry.
    public static func model<M>(_ module: FabricModule<M>) -> FabricState { .module(module.module) }
    /// A set-up optimizer's entry.
    public static func optimizer(_ optimizer: FabricOptimizer) -> FabricState { .optimizer(optimizer.optimizer) }

    /// The value as written to the file.
    var pickleValue: PickleValue {
        switch self {
        case .module(let module): module.stateDict().pickleValue
        case .optimizer(let optimizer): optimizer.stateDict().value.pickleValue
        case .value(let value): value
        }
    }

    /// The plain value, nil for a module or optimizer.
    public var value: PickleValue? {
        if case .value(let value) = self { return value }
        return nil
    }
}

extension FabricState: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int) { self = .value(.int(value)) }
    public init(floatLiteral value: Double) { self = .value(.double(value)) }
    public init(stringLiteral value: String) { self = .value(.string(value)) }
    public init(booleanLiteral value: Bool) { self = .value(.bool(value)) }
}
