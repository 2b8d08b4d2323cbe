// The learning-rate schedule of stochastic weight averaging: SWALR.

import Foundation

/// Anneals each group's learning rate to its SWA rate over `annealEpochs` epochs and then keeps it
/// there, as PyTorch's `torch.optim.swa_utils.SWALR`.
///
/// ```swift
/// let scheduler = try SWALR(optimizer, swaLR: 0.05, annealEpochs: 5, annealStrategy: .cos)
/// ```
public final class SWALR: LRScheduler {
    /// The curve from the current rate to the SWA rate.
    public typealias AnnealStrategy = Torch.AnnealStrategy

    public var annealEpochs: Int
    public var annealStrategy: AnnealStrategy

    /// One SWA rate for every parameter group.
    public convenience init(_ optimizer: Optimizer, swaLR: Double, annealEpochs: Int = 10,
                            annealStrategy: AnnealStrategy = .cos, lastEpoch: Int = -1) throws(TorchError) {
        try self.init(optimizer, swaLRs: Array(repeating: swaLR, count: optimizer.paramGroups.count),
                      annealEpochs: annealEpochs, annealStrategy: annealStrategy, lastEpoch: lastEpoch)
    }

    /// One SWA rate per parameter group; stored in each group's `swa_lr`.
    public init(_ optimizer: Optimizer, swaLRs: [Double], annealEpochs: Int = 10,
                annealStrategy: AnnealStrategy = .cos, lastEpoch: Int = -1) throws(TorchError) {
        guard swaLRs.count == optimizer.paramGroups.count else {
            throw TorchError("expected \(optimizer.paramGroups.count) values for swa_lr, got \(swaLRs.count)")
        }
        guard annealEpochs >= 0 else { throw TorchError("anneal_epochs must be equal or greater than 0, got \(annealEpochs)") }
        for (index, rate) in swaLRs.enumerated() { optimizer.paramGroups[index].options["swa_lr"] = .double(rate) }
        self.annealEpochs = annealEpochs
        self.annealStrategy = annealStrategy
        try super.init(optimizer: optimizer, lastEpoch: lastEpoch)
    }

    public override func getLR() throws(TorchError) -> [Double] {
        var step = stepCount - 1
        if annealEpochs == 0 { step = Swift.max(1, step) }
        let span = Double(Swift.max(1, annealEpochs))
        let previousAlpha = annealStrategy.fraction(Swift.max(0, Swift.min(1, Double(step - 1) / span)))
        let alpha = annealStrategy.fraction(Swift.max(0, Swift.min(1, Double(step) / span)))
        return try optimizer.paramGroups.map { (group: ParamGroup) throws(TorchError) -> Double in
            let swaLR = try group.double("swa_lr")
            // The rate before annealing began, recovered from the current one (PyTorch's `_get_initial_lr`).
            let previous = previousAlpha == 1 ? swaLR : (group.lr - previousAlpha * swaLR) / (1 - previousAlpha)
            return swaLR * alpha + previous * (1 - alpha)
        }
    }

    public override func ownState() -> StateMap {
        ["_anneal_strategy": .string(annealStrategy.rawValue), "anneal_epochs": .int(annealEpochs)]
    }

    public override func loadOwnState(_ state: StateMap) throws(TorchError) {
        try Self.load(state, "anneal_epochs", into: &annealEpochs)
        if let value = state["_anneal_strategy"] {
            guard let name = value.stringValue, let strategy = AnnealStrategy(rawValue: name) else {
                throw TorchError("scheduler state '_anneal_strategy' must be \"cos\" or \"linear\"; got \(value)")
            }
            annealStrategy = strategy
        }
    }
}
