import Torch

/// Errors the Lightning layer raises itself; each says what to change.
public enum LightningError: Error, CustomStringConvertible, Equatable {
    /// A Trainer argument, hook result or callback setting that cannot work.
    case configuration(String)
    /// `log` used where Lightning forbids it, or with invalid arguments.
    case logging(String)
    /// A checkpoint that is missing, corrupt, or does not fit the model.
    case checkpoint(String)
    /// A loop ran into a state it cannot continue from (for example a NaN loss with detectAnomaly).
    case training(String)

    public var description: String {
        switch self {
        case .configuration(let message), .logging(let message), .checkpoint(let message), .training(let message):
            message
        }
    }
}
