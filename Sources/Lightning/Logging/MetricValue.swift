import Torch

/// A logged value: a tensor (kept on its device until read, so logging never waits for the GPU) or
/// a plain number.
public enum MetricValue: CustomStringConvertible {
    case tensor(Tensor)
    case number(Double)

    /// The value as a Double (reading a tensor waits for it to be computed).
    public func doubleValue() throws -> Double {
        switch self {
        case .number(let value): value
        case .tensor(let tensor): try tensor.item(Double.self)
        }
    }

    public var description: String {
        (try? doubleValue()).map { String($0) } ?? "<unreadable>"
    }
}

/// A value `log` accepts: a one-element `Tensor`, or a Swift number.
public protocol Loggable {
    var metricValue: MetricValue { get throws }
    /// A ``Metric`` object being logged (nil for plain values): the Trainer computes it at the end
    /// of the epoch and resets it afterwards, as Lightning does for torchmetrics objects.
    var loggedMetric: Metric? { get }
}

extension Loggable {
    public var loggedMetric: Metric? { nil }
}

extension Tensor: Loggable {
    public var metricValue: MetricValue {
        get throws {
            guard numel == 1 else {
                throw LightningError.logging("`log` takes a one-element tensor, but got one of shape \(shape); reduce it first (mean, sum) or log a Metric")
            }
            return .tensor(try detach())
        }
    }
}

// Numbers become float32 tensors, as Lightning makes Python numbers tensors of the default dtype, so
// epoch reductions round exactly as Lightning's do. Log a float64 tensor for double precision.
extension Double: Loggable { public var metricValue: MetricValue { get throws { .tensor(try Tensor(scalar: Float(self))) } } }
extension Float: Loggable { public var metricValue: MetricValue { get throws { .tensor(try Tensor(scalar: self)) } } }
extension Int: Loggable { public var metricValue: MetricValue { get throws { .tensor(try Tensor(scalar: Float(self))) } } }

/// How values logged during an epoch are combined at its end (Lightning's `reduce_fx`).
public enum MetricReduction: String, Sendable {
    /// The mean weighted by batch size (Lightning's default, also called "avg").
    case mean
    case sum
    case max
    case min
}

extension MetricReduction {
    /// The collective that combines values of the ranks the same way.
    var reduceOp: ReduceOp {
        switch self {
        case .mean: .mean
        case .sum: .sum
        case .max: .max
        case .min: .min
        }
    }
}
