import Torch

/// A module set up by ``Fabric/setup(_:_:)`` (Lightning's `_FabricModule`): its forward pass runs
/// under the precision's autocast and, in a multi-process run, readies DDP so the next backward
/// averages the gradients across the ranks.
///
/// Call it like the module (`model(x)` for a `UnaryLayer`) or run any computation on the module
/// through ``forward(_:)``. Reach the module itself through ``module`` (for its parameters, or to
/// call methods outside the synchronised forward).
///
/// ```swift
/// let model = try fabric.setupModule(MLP())
/// let loss = try model(x).mseLoss(target: y)                         // UnaryLayer
/// let out = try model.forward { try $0.encode(tokens, mask: mask) }  // any method
/// ```
public final class FabricModule<M: Module> {
    /// The module (moved to the Fabric's device).
    public let module: M
    /// The DDP wrapper in a multi-process run, nil otherwise.
    public let ddp: DistributedDataParallel?
    let precision: PrecisionPlugin

    init(module: M, ddp: DistributedDataParallel?, precision: PrecisionPlugin) {
        self.module = module
        self.ddp = ddp
        self.precision = precision
    }

    /// Runs `body` on the module as its forward pass: DDP's forward preparation, the precision's
    /// autocast around `body`, and DDP's backward preparation with the tensors of the result.
    public func forward<R>(_ body: (M) throws -> R) throws -> R {
        try ddp?.prepareForForward()
        let output = try precision.forwardContext { try body(module) }
        try ddp?.prepareForBackward(tensors(in: output))
        return output
    }

    /// The same as ``forward(_:)``.
    public func callAsFunction<R>(_ body: (M) throws -> R) throws -> R {
        try forward(body)
    }

    /// The module's parameters.
    public func parameters() -> [Tensor] { module.parameters() }

    /// The module's state dict (the keys of the unwrapped module, as Lightning saves them).
    public func stateDict() -> StateDict { module.stateDict() }
}

extension FabricModule where M: UnaryLayer {
    /// The module's forward pass on `input` (converted to the module's dtype for "true"
    /// precisions), synchronised as ``forward(_:)``.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let converted = try precision.convertInput(input)
        return try forward { try $0.forward(converted) }
    }
}

/// The tensors of a forward pass's result, for DDP's search of unused parameters.
private func tensors<R>(in output: R) -> [Tensor] {
    switch output {
    case let t as Tensor: [t]
    case let list as [Tensor]: list
    case let dictionary as [String: Tensor]: Array(dictionary.values)
    case let (a, b) as (Tensor, Tensor): [a, b]
    case let (a, b, c) as (Tensor, Tensor, Tensor): [a, b, c]
    default: []
    }
}
