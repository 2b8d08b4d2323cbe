/// The hook running now, by Lightning's name, with the `self.log` rules of each (Lightning's
/// `_FxValidator`): the default `on_step`/`on_epoch`, and where logging is allowed.
struct Hook: Equatable {
    let rawValue: String
    /// For a per-batch module hook whose default does nothing (or returns its input): the hook's
    /// bit in ``LightningContext/noOpDefaults``; 0 for the others.
    var noOpDefaultBit: UInt32 = 0

    /// A hook where logging is not allowed, named for messages (`on_fit_start`, `setup`, …).
    static func named(_ name: String) -> Hook { Hook(rawValue: name) }
    static let other = Hook(rawValue: "this hook")
    static let trainingStep = Hook(rawValue: "training_step")
    static let onTrainBatchStart = Hook(rawValue: "on_train_batch_start", noOpDefaultBit: 1 << 0)
    static let onTrainBatchEnd = Hook(rawValue: "on_train_batch_end", noOpDefaultBit: 1 << 1)
    static let onBeforeBackward = Hook(rawValue: "on_before_backward", noOpDefaultBit: 1 << 2)
    static let backward = Hook(rawValue: "backward")
    static let onAfterBackward = Hook(rawValue: "on_after_backward", noOpDefaultBit: 1 << 3)
    static let onBeforeOptimizerStep = Hook(rawValue: "on_before_optimizer_step", noOpDefaultBit: 1 << 4)
    static let optimizerStep = Hook(rawValue: "optimizer_step")
    /// Its default does nothing when the Trainer has no `gradientClipVal` (the same for a whole run).
    static let configureGradientClipping = Hook(rawValue: "configure_gradient_clipping", noOpDefaultBit: 1 << 5)
    static let onBeforeZeroGrad = Hook(rawValue: "on_before_zero_grad", noOpDefaultBit: 1 << 6)
    static let optimizerZeroGrad = Hook(rawValue: "optimizer_zero_grad")
    static let validationStep = Hook(rawValue: "validation_step")
    static let testStep = Hook(rawValue: "test_step")
    static let onValidationBatchStart = Hook(rawValue: "on_validation_batch_start", noOpDefaultBit: 1 << 7)
    static let onValidationBatchEnd = Hook(rawValue: "on_validation_batch_end", noOpDefaultBit: 1 << 8)
    static let onTestBatchStart = Hook(rawValue: "on_test_batch_start", noOpDefaultBit: 1 << 9)
    static let onTestBatchEnd = Hook(rawValue: "on_test_batch_end", noOpDefaultBit: 1 << 10)
    static let onPredictBatchStart = Hook(rawValue: "on_predict_batch_start", noOpDefaultBit: 1 << 11)
    static let onPredictBatchEnd = Hook(rawValue: "on_predict_batch_end", noOpDefaultBit: 1 << 12)
    static let onBeforeBatchTransfer = Hook(rawValue: "on_before_batch_transfer", noOpDefaultBit: 1 << 13)
    static let onAfterBatchTransfer = Hook(rawValue: "on_after_batch_transfer", noOpDefaultBit: 1 << 14)
    static let transferBatchToDevice = Hook(rawValue: "transfer_batch_to_device")
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
