/// The hook running now, by Lightning's name, with the `self.log` rules of each (Lightning's
/// `_FxValidator`): the default `on_step`/`on_epoch`, and where logging is allowed.
struct Hook: Equatable {
    let rawValue: String

    /// A hook where logging is not allowed, named for messages (`on_fit_start`, `setup`, …).
    static func named(_ name: String) -> Hook { Hook(rawValue: name) }
    static let other = Hook(rawValue: "this hook")
    static let trainingStep = Hook(rawValue: "training_step")
    static let onTrainBatchStart = Hook(rawValue: "on_train_batch_start")
    static let onTrainBatchEnd = Hook(rawValue: "on_train_batch_end")
    static let onBeforeBackward = Hook(rawValue: "on_before_backward")
    static let backward = Hook(rawValue: "backward")
    static let onAfterBackward = Hook(rawValue: "on_after_backward")
    static let onBeforeOptimizerStep = Hook(rawValue: "on_before_optimizer_step")
    static let optimizerStep = Hook(rawValue: "optimizer_step")
    static let configureGradientClipping = Hook(rawValue: "configure_gradient_clipping")
    static let onBeforeZeroGrad = Hook(rawValue: "on_before_zero_grad")
    static let optimizerZeroGrad = Hook(rawValue: "optimizer_zero_grad")
    static let validationStep = Hook(rawValue: "validation_step")
    static let testStep = Hook(rawValue: "test_step")
    static let onValidationBatchStart = Hook(rawValue: "on_validation_batch_start")
    static let onValidationBatchEnd = Hook(rawValue: "on_validation_batch_end")
    static let onTestBatchStart = Hook(rawValue: "on_test_batch_start")
    static let onTestBatchEnd = Hook(rawValue: "on_test_batch_end")
    static let onTrainStart = Hook(rawValue: "on_train_start")
    static let onValidationStart = Hook(rawValue: "on_validation_start")
    static let onTestStart = Hook(rawValue: "on_test_start")
    static let onTrainEpochStart = Hook(rawValue: "on_train_epoch_start")
    static let onTrainEpochEnd = Hook(rawValue: "on_train_epoch_end")
    static let onValidationEpochStart = Hook(rawValue: "on_validation_epoch_start")
    static let onValidationEpochEnd = Hook(rawValue: "on_validation_epoch_end")
    static let onTestEpochStart = Hook(rawValue: "on_test_epoch_start")
    static let onTestEpochEnd = Hook(rawValue: "on_test_epoch_end")
    static let predictStep = Hook(rawValue: "predict_step")

    private static let stepHooks: Set<String> = [
        "training_step", "on_train_batch_start", "on_train_batch_end", "on_before_backward", "backward",
        "on_after_backward", "on_before_optimizer_step", "optimizer_step", "configure_gradient_clipping",
        "clip_gradients", "on_before_zero_grad", "optimizer_zero_grad",
    ]
    private static let evaluationStepHooks: Set<String> = [
        "validation_step", "test_step", "on_validation_batch_start", "on_validation_batch_end",
        "on_test_batch_start", "on_test_batch_end",
    ]
    private static let epochHooks: Set<String> = [
        "on_train_start", "on_validation_start", "on_test_start", "on_train_epoch_start", "on_train_epoch_end",
        "on_validation_epoch_start", "on_validation_epoch_end", "on_test_epoch_start", "on_test_epoch_end",
    ]
    private static let trainingHooks: Set<String> = stepHooks.union(["on_train_start", "on_train_epoch_start", "on_train_epoch_end"])

    /// The defaults `(onStep, onEpoch)` and whether `onStep: true` is allowed; nil: no logging here.
    var loggingRule: (onStep: Bool, onEpoch: Bool, stepAllowed: Bool)? {
        if Self.stepHooks.contains(rawValue) { return (true, false, true) }
        if Self.evaluationStepHooks.contains(rawValue) { return (false, true, true) }
        if Self.epochHooks.contains(rawValue) { return (false, true, false) }
        return nil
    }

    /// True for hooks of the training loop (their values go to the training results).
    var isTraining: Bool { Self.trainingHooks.contains(rawValue) }
}
