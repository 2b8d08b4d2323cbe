/// The hook running now, by Lightning's name, with the `self.log` rules of each (Lightning's
/// `_FxValidator`): the default `on_step`/`on_epoch`, and where logging is allowed.
struct Hook {
    /// Lightning's name of the hook.
    let name: StaticString
    /// For a per-batch hook whose default does nothing (or returns its input): the hook's bit in
    /// ``LightningContext/noOpDefaults`` (the module's) and ``LightningContext/callbackNoOpDefaults`` (each
    /// callback's); 0 for the others.
    var noOpDefaultBit: UInt32 = 0
    /// The defaults `(onStep, onEpoch)` and whether `onStep: true` is allowed; nil: no logging here.
    var loggingRule: LoggingRule? = nil
    /// True for hooks of the training loop (their values go to the training results).
    var isTraining = false

    /// `log`'s rules in a hook (Lightning's `_FxValidator` entry).
    struct LoggingRule {
        var onStep: Bool
        var onEpoch: Bool
        var stepAllowed: Bool
    }

    /// A hook of the training step: logs per step by default.
    private static let trainingStepRule = LoggingRule(onStep: true, onEpoch: false, stepAllowed: true)
    /// An evaluation step hook: logs per epoch by default, per step allowed.
    private static let evaluationStepRule = LoggingRule(onStep: false, onEpoch: true, stepAllowed: true)
    /// An epoch hook: logs per epoch only.
    private static let epochRule = LoggingRule(onStep: false, onEpoch: true, stepAllowed: false)

    /// Lightning's name of the hook, as a `String`.
    var rawValue: String { name.description }

    /// A hook where logging is not allowed, named for messages (`on_fit_start`, `setup`, …).
    static func named(_ name: StaticString) -> Hook { Hook(name: name) }
    static let other = Hook(name: "this hook")
    static let trainingStep = Hook(name: "training_step", loggingRule: trainingStepRule, isTraining: true)
    static let onTrainBatchStart = Hook(name: "on_train_batch_start", noOpDefaultBit: 1 << 0, loggingRule: trainingStepRule, isTraining: true)
    static let onTrainBatchEnd = Hook(name: "on_train_batch_end", noOpDefaultBit: 1 << 1, loggingRule: trainingStepRule, isTraining: true)
    static let onBeforeBackward = Hook(name: "on_before_backward", noOpDefaultBit: 1 << 2, loggingRule: trainingStepRule, isTraining: true)
    static let backward = Hook(name: "backward", loggingRule: trainingStepRule, isTraining: true)
    static let onAfterBackward = Hook(name: "on_after_backward", noOpDefaultBit: 1 << 3, loggingRule: trainingStepRule, isTraining: true)
    static let onBeforeOptimizerStep = Hook(name: "on_before_optimizer_step", noOpDefaultBit: 1 << 4, loggingRule: trainingStepRule, isTraining: true)
    static let optimizerStep = Hook(name: "optimizer_step", loggingRule: trainingStepRule, isTraining: true)
    /// Its default does nothing when the Trainer has no `gradientClipVal` (the same for a whole run).
    static let configureGradientClipping = Hook(name: "configure_gradient_clipping", noOpDefaultBit: 1 << 5, loggingRule: trainingStepRule, isTraining: true)
    static let onBeforeZeroGrad = Hook(name: "on_before_zero_grad", noOpDefaultBit: 1 << 6, loggingRule: trainingStepRule, isTraining: true)
    static let optimizerZeroGrad = Hook(name: "optimizer_zero_grad", loggingRule: trainingStepRule, isTraining: true)
    static let validationStep = Hook(name: "validation_step", loggingRule: evaluationStepRule)
    static let testStep = Hook(name: "test_step", loggingRule: evaluationStepRule)
    static let onValidationBatchStart = Hook(name: "on_validation_batch_start", noOpDefaultBit: 1 << 7, loggingRule: evaluationStepRule)
    static let onValidationBatchEnd = Hook(name: "on_validation_batch_end", noOpDefaultBit: 1 << 8, loggingRule: evaluationStepRule)
    static let onTestBatchStart = Hook(name: "on_test_batch_start", noOpDefaultBit: 1 << 9, loggingRule: evaluationStepRule)
    static let onTestBatchEnd = Hook(name: "on_test_batch_end", noOpDefaultBit: 1 << 10, loggingRule: evaluationStepRule)
    static let onPredictBatchStart = Hook(name: "on_predict_batch_start", noOpDefaultBit: 1 << 11)
    static let onPredictBatchEnd = Hook(name: "on_predict_batch_end", noOpDefaultBit: 1 << 12)
    static let onBeforeBatchTransfer = Hook(name: "on_before_batch_transfer", noOpDefaultBit: 1 << 13)
    static let onAfterBatchTransfer = Hook(name: "on_after_batch_transfer", noOpDefaultBit: 1 << 14)
    static let transferBatchToDevice = Hook(name: "transfer_batch_to_device")
    static let onTrainStart = Hook(name: "on_train_start", loggingRule: epochRule, isTraining: true)
    static let onValidationStart = Hook(name: "on_validation_start", loggingRule: epochRule)
    static let onTestStart = Hook(name: "on_test_start", loggingRule: epochRule)
    static let onTrainEpochStart = Hook(name: "on_train_epoch_start", loggingRule: epochRule, isTraining: true)
    static let onTrainEpochEnd = Hook(name: "on_train_epoch_end", loggingRule: epochRule, isTraining: true)
    static let onValidationEpochStart = Hook(name: "on_validation_epoch_start", loggingRule: epochRule)
    static let onValidationEpochEnd = Hook(name: "on_validation_epoch_end", loggingRule: epochRule)
    static let onTestEpochStart = Hook(name: "on_test_epoch_start", loggingRule: epochRule)
    static let onTestEpochEnd = Hook(name: "on_test_epoch_end", loggingRule: epochRule)
    static let predictStep = Hook(name: "predict_step")
}
