import Torch

/// A running aggregate of values (torchmetrics' aggregation metrics): ``MeanMetric``, ``SumMetric``,
/// ``MaxMetric``, ``MinMetric``. Feed it with `update(_:)` (a tensor of any shape, or a number).
open class AggregationMetric: Metric {
    /// Adds values (every element counts).
    open func update(_ value: Tensor) throws {
        throw LightningError.logging("\(typeName) does not implement update(_:)")
    }

    public func update(_ value: Double) throws { try update(Tensor(scalar: Float(value))) }

    /// Updates with `value` and returns the aggregate of that value alone.
    @discardableResult
    public func forward(_ value: Tensor) throws -> Tensor { try forwarding { try update(value) } }

    func floatValues(_ value: Tensor) throws -> Tensor {
        let v = try value.detach()
        return v.dtype == .float64 || v.dtype == .float32 ? v : try v.to(dtype: .float32)
    }
}

/// The (optionally weighted) mean of everything seen.
public final class MeanMetric: AggregationMetric {
    public override init() {
        super.init()
        addState("mean_value", default: try! Tensor(scalar: Float(0)), reduction: .sum)
        addState("weight", default: try! Tensor(scalar: Float(0)), reduction: .sum)
    }

    public override func update(_ value: Tensor) throws {
        try update(value, weight: Tensor.ones(value.shape, dtype: .float32, device: value.device))
    }

    /// Adds `value` with weights (broadcast to its shape).
    public func update(_ value: Tensor, weight: Tensor) throws {
        try follow(value.device)
        let v = try floatValues(value)
        let w = try floatValues(weight)
        setState("mean_value", try state("mean_value") + (v * w).sum())
        setState("weight", try state("weight") + (w * v.onesLike()).sum())
        didUpdate()
    }

    public override func computeValue() throws -> Tensor { try state("mean_value") / state("weight") }
}

/// The sum of everything seen.
public final class SumMetric: AggregationMetric {
    public override init() {
        super.init()
        addState("sum_value", default: try! Tensor(scalar: Float(0)), reduction: .sum)
    }

    public override func update(_ value: Tensor) throws {
        try follow(value.device)
        setState("sum_value", try state("sum_value") + floatValues(value).sum())
        didUpdate()
    }

    public override func computeValue() throws -> Tensor { try state("sum_value") }
}

/// The largest value seen.
public final class MaxMetric: AggregationMetric {
    public override init() {
        super.init()
        addState("max_value", default: try! Tensor(scalar: -Float.infinity), reduction: .max)
    }

    public override func update(_ value: Tensor) throws {
        try follow(value.device)
        guard value.numel > 0 else { return }
        setState("max_value", try state("max_value").maximum(floatValues(value).max()))
        didUpdate()
    }

    public override func computeValue() throws -> Tensor { try state("max_value") }
}

/// The smallest value seen.
public final class MinMetric: AggregationMetric {
    public override init() {
        super.init()
        addState("min_value", default: try! Tensor(scalar: Float.infinity), reduction: .min)
    }

    public override func update(_ value: Tensor) throws {
        try follow(value.device)
        guard value.numel > 0 else { return }
        setState("min_value", try state("min_value").minimum(floatValues(value).min()))
        didUpdate()
    }

    public override func computeValue() throws -> Tensor { try state("min_value") }
}
