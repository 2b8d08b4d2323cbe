// The curve along which a scheduler moves a rate: PyTorch's `anneal_strategy` ("cos" or "linear").

import Foundation

/// The curve along which `OneCycleLR` and `SWALR` move a learning rate from one value to another,
/// PyTorch's `anneal_strategy`.
///
/// ```swift
/// let scheduler = try SWALR(optimizer, swaLR: 0.05, annealEpochs: 5, annealStrategy: .linear)
/// ```
public enum AnnealStrategy: String, Sendable {
    /// Half a cosine: slow at both ends.
    case cos
    /// A straight line.
    case linear

    /// How far along the curve `t` (0…1) is, as SWALR computes it (`_cosine_anneal`, `_linear_anneal`).
    func fraction(_ t: Double) -> Double {
        switch self {
        case .cos: (1 - Foundation.cos(Double.pi * t)) / 2
        case .linear: t
        }
    }

    /// The value `pct` (0…1) of the way from `start` to `end`, with OneCycleLR's arithmetic
    /// (`_annealing_cos`, `_annealing_linear`), which rounds differently from `fraction`.
    func interpolate(from start: Double, to end: Double, _ pct: Double) -> Double {
        switch self {
        case .cos: end + (start - end) / 2.0 * (Foundation.cos(.pi * pct) + 1)
        case .linear: (end - start) * pct + start
        }
    }
}
