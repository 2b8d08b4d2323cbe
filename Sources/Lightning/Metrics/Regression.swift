import Torch

/// The mean squared error over every element seen (torchmetrics' `MeanSquaredError`); with
/// `squared: false`, its square root.
public final class MeanSquaredError: Metric {
    public let squared: Bool

    public init(squared: Bool = true) throws {
        self.squared = squared
        super.init()
        addState("sum_squared_error", default: try Tensor(scalar: Float(0)), reduction: .sum)
        addState("total", default: try Tensor(scalar: 0), reduction: .sum)
    }

    public override func update(preds: Tensor, target: Tensor) throws {
        guard preds.shape == target.shape else {
            throw LightningError.logging("preds and target must have the same shape, got \(preds.shape) and \(target.shape)")
        }
        try follow(preds.device)
        let difference = try preds.detach() - target.detach()
        setState("sum_squared_error", try state("sum_squared_error") + (difference * difference).sum())
        setState("total", try state("total") + target.numel)
        didUpdate()
    }

    public override func computeValue() throws -> Tensor {
        let mean = try state("sum_squared_error") / state("total")
        return squared ? mean : try mean.sqrt()
    }
}

/// The mean absolute error over every element seen (torchmetrics' `MeanAbsoluteError`).
public final class MeanAbsoluteError: Metric {
    public override init() {
        super.init()
        addState("sum_abs_error", default: try! Tensor(scalar: Float(0)), reduction: .sum)
        addState("total", default: try! Tensor(scalar: 0), reduction: .sum)
    }

    public override func update(preds: Tensor, target: Tensor) throws {
        guard preds.shape == target.shape else {
            throw LightningError.logging("preds and target must have the same shape, got \(preds.shape) and \(target.shape)")
        }
        try follow(preds.device)
        setState("sum_abs_error", try state("sum_abs_error") + (preds.detach() - target.detach()).abs().sum())
        setState("total", try state("total") + target.numel)
        didUpdate()
    }

    public override func computeValue() throws -> Tensor {
        try state("sum_abs_error") / state("total")
    }
}
