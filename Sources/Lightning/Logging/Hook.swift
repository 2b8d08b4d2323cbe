/// The hooks the Trainer calls, by Lightning's name, with the `self.log` rules of each
/// (Lightning's `_FxValidator`): the default `on_step`/`on_epoch`, and where logging is allowed.
enum Hook: String {
    case trainingStep = "training_step"
    case onTrainBatchStart = "on_train_batch_start"
    case onTrainBatchEnd = "on_train_batch_end"
    case onBeforeBackward = "on_before_backward"
    case backward
    case onAfterBackward = "on_after_backward"
    case onBeforeOptimizerStep = "on_before_optimizer_step"
    case optimizerStep = "optimizer_step"
    case configureGradientClipping = "configure_gradient_clipping"
    case onBeforeZeroGrad = "on_before_zero_grad"
    case optimizerZeroGrad = "optimizer_zero_grad"
    case validationStep = "validation_step"
    case testStep = "test_step"
    case onValidationBatchStart = "on_validation_batch_start"
    case onValidationBatchEnd = "on_validation_batch_end"
    case onTestBatchStart = "on_test_batch_start"
    case onTestBatchEnd = "on_test_batch_end"
    case onTrainStart = "on_train_start"
    case onValidationStart = "on_validation_start"
    case onTestStart = "on_test_start"
    case onTrainEpochStart = "on_train_epoch_start"
    case onTrainEpochEnd = "on_train_epoch_end"
    case onValidationEpochStart = "on_validation_epoch_start"
    case onValidationEpochEnd = "on_validation_epoch_end"
    case onTestEpochStart = "on_test_epoch_start"
    case onTestEpochEnd = "on_test_epoch_end"
    // Hooks where logging is not allowed.
    case predictStep = "predict_step"
    case other

    /// The defaults `(onStep, onEpoch)` and whether `onStep: true` is allowed; nil: no logging here.
    var loggingRule: (onStep: Bool, onEpoch: Bool, stepAllowed: Bool)? {
        switch self {
        case .trainingStep, .onTrainBatchStart, .onTrainBatchEnd, .onBeforeBackward, .backward, .onAfterBackward,
             .onBeforeOptimizerStep, .optimizerStep, .configureGradientClipping, .onBeforeZeroGrad, .optimizerZeroGrad:
            (true, false, true)
        case .validationStep, .testStep, .onValidationBatchStart, .onValidationBatchEnd, .onTestBatchStart, .onTestBatchEnd:
            (false, true, true)
        case .onTrainStart, .onValidationStart, .onTestStart, .onTrainEpochStart, .onTrainEpochEnd,
             .onValidationEpochStart, .onValidationEpochEnd, .onTestEpochStart, .onTestEpochEnd:
            (false, true, false)
        case .predictStep, .other:
            nil
        }
    }

    /// True for hooks of the training loop (their values go to the training results).
    var isTraining: Bool {
        switch self {
        case .trainingStep, .onTrainBatchStart, .onTrainBatchEnd, .onBeforeBackward, .backward, .onAfterBackward,
             .onBeforeOptimizerStep, .optimizerStep, .configureGradientClipping, .onBeforeZeroGrad, .optimizerZeroGrad,
             .onTrainStart, .onTrainEpochStart, .onTrainEpochEnd:
            true
        default:
            false
        }
    }
}
