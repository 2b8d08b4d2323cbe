// Schedules given by functions: LambdaLR and MultiplicativeLR.

/// Sets each group's rate to its initial rate times `lrLambda(epoch)`, as PyTorch's `LambdaLR`.
///
/// ```swift
/// let warmup = try LambdaLR(optimizer) { epoch in min(1, Double(epoch + 1) / 10) }
/// ```
///
/// The functions are not part of the exported state (PyTorch saves `None` for plain functions too).
public final class LambdaLR: LRScheduler {
    public let lrLambdas: [(Int) -> Double]

    /// One function for every group.
    public convenience init(_ optimizer: Optimizer, lastEpoch: Int = -1, lrLambda: @escaping (Int) -> Double) throws(TorchError) {
        try self.init(optimizer, lrLambdas: Array(repeating: lrLambda, count: optimizer.paramGroups.count), lastEpoch: lastEpoch)
    }

    /// One function per group.
    public init(_ optimizer: Optimizer, lrLambdas: [(Int) -> Double], lastEpoch: Int = -1) throws(TorchError) {
        guard lrLambdas.count == optimizer.paramGroups.count else {
            throw TorchError("Expected \(optimizer.paramGroups.count) lr_lambdas, but got \(lrLambdas.count)")
        }
        self.lrLambdas = lrLambdas
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        zip(lrLambdas, baseLRs).map { lambda, base in base * lambda(lastEpoch) }
    }

    /// The base keys, then `lr_lambdas` (a None per group).
    public override func stateDict() -> StateMap {
        var state = super.stateDict()
        state["lr_lambdas"] = .list(Array(repeating: .none, count: lrLambdas.count))
        return state
    }
}

/// Multiplies each group's rate by `lrLambda(epoch)` at every epoch after the first, as PyTorch's
/// `MultiplicativeLR`.
///
/// ```swift
/// let scheduler = try MultiplicativeLR(optimizer) { _ in 0.95 }
/// ```
public final class MultiplicativeLR: LRScheduler {
    public let lrLambdas: [(Int) -> Double]

    /// One function for every group.
    public convenience init(_ optimizer: Optimizer, lastEpoch: Int = -1, lrLambda: @escaping (Int) -> Double) throws(TorchError) {
        try self.init(optimizer, lrLambdas: Array(repeating: lrLambda, count: optimizer.paramGroups.count), lastEpoch: lastEpoch)
    }

    /// One function per group.
    public init(_ optimizer: Optimizer, lrLambdas: [(Int) -> Double], lastEpoch: Int = -1) throws(TorchError) {
        guard lrLambdas.count == optimizer.paramGroups.count else {
            throw TorchError("Expected \(optimizer.paramGroups.count) lr_lambdas, but got \(lrLambdas.count)")
        }
        self.lrLambdas = lrLambdas
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        if isInitial { return currentRates }
        return zip(lrLambdas, currentRates).map { lambda, lr in lr * lambda(lastEpoch) }
    }

    /// The base keys, then `lr_lambdas` (a None per group).
    public override func stateDict() -> StateMap {
        var state = super.stateDict()
        state["lr_lambdas"] = .list(Array(repeating: .none, count: lrLambdas.count))
        return state
    }
}
