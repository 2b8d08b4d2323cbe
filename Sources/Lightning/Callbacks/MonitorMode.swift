import Torch

/// Whether a monitored metric improves by going down (`min`, losses) or up (`max`, accuracies), as
/// the `mode` of Lightning's ModelCheckpoint and EarlyStopping.
public enum MonitorMode: String, Sendable, CustomStringConvertible {
    case min
    case max

    public var description: String { rawValue }

    /// The worst possible score: +inf for min, -inf for max.
    var worst: Double { self == .min ? .infinity : -.infinity }

    /// Whether `a` is strictly better than `b`.
    func isBetter(_ a: Double, than b: Double) -> Bool { self == .min ? a < b : a > b }
}

/// Monitored scores in states: a 0-dim tensor, float32 when the value is one (Lightning logs
/// Python floats as float32), float64 otherwise.

enum ScoreValue {
    static func pickle(_ score: Double?) -> PickleValue {
        guard let score else { return .none }
        let tensor = isFloat32(score) ? try? Tensor(scalar: Float(score)) : try? Tensor(scalar: score)
        return tensor.map { .tensor($0) } ?? .double(score)
    }

    static func read(_ value: PickleValue?) -> Double? {
        switch value {
        case .tensor(let t)?: try? t.item(Double.self)
        case .double(let v)?: v
        case .int(let v)?: Double(v)
        default: nil
        }
    }

    /// Whether the value is exactly a float32 (or not finite).
    static func isFloat32(_ value: Double) -> Bool { !value.isFinite || Double(Float(value)) == value }
}
