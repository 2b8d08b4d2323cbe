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
    /// A distributed run that cannot go on: a rank that failed, died or stopped responding, a
    /// rendezvous that could not be reached. The message names the rank.
    case distributed(String)

    public var description: String {
        switch self {
        case .configuration(let message), .logging(let message), .checkpoint(let message), .training(let message),
             .distributed(let message):
            message
        }
    }
}
