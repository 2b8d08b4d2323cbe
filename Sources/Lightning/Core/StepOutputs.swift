import Torch

/// What `trainingStep` may return: a loss tensor, nil to skip the step, or a ``TrainingStepResult``
/// carrying a loss plus extra values for `onTrainBatchEnd` (Lightning's `{"loss": ..., ...}` dict).
public protocol TrainingStepOutput {
    /// The loss to back-propagate, or nil to skip backward and the optimizer step for this batch.
    var loss: Tensor? { get }
    /// Extra values handed to `onTrainBatchEnd` with the loss.
    var extras: [String: Tensor] { get }
}

extension Tensor: TrainingStepOutput {
    public var loss: Tensor? { self }
    public var extras: [String: Tensor] { [:] }
}

extension Optional: TrainingStepOutput where Wrapped == Tensor {
    public var loss: Tensor? { self }
    public var extras: [String: Tensor] { [:] }
}

/// A training-step result with extra values, as Lightning's `return {"loss": loss, "acc": acc}`.
///
/// ```swift
/// func trainingStep(_ batch: Batch, batchIndex: Int) throws -> TrainingStepResult {
///     let logits = try model(batch.0)
///     return TrainingStepResult(loss: try logits.crossEntropyLoss(target: batch.1), extras: ["logits": logits])
/// }
/// ```
public struct TrainingStepResult: TrainingStepOutput {
    public var loss: Tensor?
    public var extras: [String: Tensor]

    public init(loss: Tensor?, extras: [String: Tensor] = [:]) {
        self.loss = loss
        self.extras = extras
    }
}

/// The output type of a step a module does not implement. The Trainer checks for it: a module
/// without `validationStep` simply has no validation loop, as in Lightning.
public enum NotImplemented {}

/// The stage a hook runs in (Lightning's `stage` argument of `setup`/`teardown`).
public enum Stage: String, Sendable, CustomStringConvertible {
    case fit, validate, test, predict
    public var description: String { rawValue }
}
