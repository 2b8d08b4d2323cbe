// The learning-rate scheduler base class, with PyTorch's `last_epoch` semantics, the initial step in
// the constructor, and state export/import with the keys of `scheduler.state_dict()`.

/// What every learning-rate scheduler offers: the optimizer whose `lr` it sets, the rates it set
/// last, and its state in PyTorch's `scheduler.state_dict()` layout (a trainer saves and restores
/// schedulers through this).
public protocol LearningRateScheduler: AnyObject {
    /// The optimizer whose parameter groups' `lr` this scheduler sets.
    var optimizer: Optimizer { get }
    /// The learning rate of each parameter group after the last step (PyTorch's `get_last_lr()`).
    func getLastLR() -> [Double]
    /// The scheduler's state with the keys of PyTorch's `scheduler.state_dict()`.
    func stateDict() -> StateMap
    /// Restores state exported by ``stateDict()`` (here or by PyTorch).
    func loadStateDict(_ state: StateMap) throws(TorchError)
}

/// The base class of epoch- (or step-) driven schedulers, as PyTorch's
/// `torch.optim.lr_scheduler.LRScheduler`.
///
/// Creating a scheduler records each group's `initial_lr` (when `lastEpoch` is -1) and takes the
/// first step, which sets the rates for epoch 0; call ``step()`` after each `optimizer.step()`.
///
/// ```swift
/// let optimizer = try SGD(model.parameters(), lr: 0.1, momentum: 0.9)
/// let scheduler = try StepLR(optimizer, stepSize: 30, gamma: 0.1)
/// for epoch in 0..<100 {
///     try train(epoch)
///     scheduler.step()
/// }
/// ```
///
/// Subclasses implement ``getLR()`` (PyTorch's chainable form, which reads the current rates) and,
/// where PyTorch has one, ``closedFormLR()``; their own state goes in ``ownState()`` /
/// ``loadOwnState(_:)``.
open class LRScheduler: LearningRateScheduler {
    public let optimizer: Optimizer
    /// The rates the schedule starts from: each group's `initial_lr` (PyTorch's `base_lrs`).
    public var baseLRs: [Double]
    /// The index of the last epoch (step) taken: 0 after construction (PyTorch's `last_epoch`).
    public var lastEpoch: Int
    /// How many times ``step()`` ran, the constructor's step included (PyTorch's `_step_count`).
    public var stepCount: Int = 0
    /// True during the constructor's step (PyTorch's `_is_initial`).
    public internal(set) var isInitial = false
    /// The rates after the last step (PyTorch's `_last_lr`).
    public internal(set) var lastLR: [Double] = []

    /// Sets up the schedule and takes the first step.
    ///
    /// - Parameters:
    ///   - optimizer: The optimizer whose rates the schedule sets.
    ///   - lastEpoch: -1 to start; a later epoch only to resume, and then every group must
    ///     have an `initial_lr` (as after loading the optimizer's state from a checkpoint).
    public init(optimizer: Optimizer, lastEpoch: Int = -1) throws(TorchError) {
        self.optimizer = optimizer
        if lastEpoch == -1 {
            for index in optimizer.paramGroups.indices {
                let lr = optimizer.paramGroups[index].lr
                optimizer.paramGroups[index].options.setDefault("initial_lr", .double(lr))
            }
        } else {
            for (index, group) in optimizer.paramGroups.enumerated() where group["initial_lr"] == nil {
                throw TorchError("param 'initial_lr' is not specified in param_groups[\(index)] when resuming scheduler with last_epoch >= 0.")
            }
        }
        baseLRs = try optimizer.paramGroups.map { (group: ParamGroup) throws(TorchError) -> Double in try group.double("initial_lr") }
        self.lastEpoch = lastEpoch
        try initialStep()
    }

    /// For schedulers that drive other schedulers (``SequentialLR``, ``ChainedScheduler``): no
    /// `initial_lr`, no first step.
    init(composing optimizer: Optimizer, lastEpoch: Int) {
        self.optimizer = optimizer
        self.baseLRs = []
        self.lastEpoch = lastEpoch
    }

    /// Resets the step count and takes the constructor's step (PyTorch's `_initial_step`).
    func initialStep() throws(TorchError) {
        stepCount = 0
        isInitial = true
        defer { isInitial = false }
        try step()
    }

    // MARK: - Rates

    /// The rates for `lastEpoch` in PyTorch's chainable form (from the current rates). Called by
    /// `step()`; to read the current rates use `getLastLR()`.
    open func getLR() throws(TorchError) -> [Double] {
        throw TorchError("\(type(of: self)) does not implement getLR()")
    }

    /// The rates for `lastEpoch` computed from `baseLRs` alone, or nil when the schedule has no
    /// closed form (PyTorch's `_get_closed_form_lr`). ``SequentialLR`` uses it at its milestones.
    open func closedFormLR() throws(TorchError) -> [Double]? { nil }

    /// Advances one epoch (or step) and sets each group's `lr`.
    open func step() throws(TorchError) {
        stepCount += 1
        try updateLR(epoch: nil)
    }

    /// Sets the rates for the next epoch, or for `epoch` from the closed form where there is one
    /// (PyTorch's `_update_lr`).
    func updateLR(epoch: Int?) throws(TorchError) {
        let values: [Double]
        if let epoch {
            lastEpoch = epoch
            if let closed = try closedFormLR() { values = closed } else { values = try getLR() }
        } else {
            lastEpoch += 1
            values = try getLR()
        }
        try setRates(values)
    }

    /// Writes `values` to the groups' `lr` and records them as the last rates.
    func setRates(_ values: [Double]) throws(TorchError) {
        guard values.count == optimizer.paramGroups.count else {
            throw TorchError("\(type(of: self)) computed \(values.count) learning rates for \(optimizer.paramGroups.count) parameter groups")
        }
        for (index, value) in values.enumerated() { optimizer.paramGroups[index].lr = value }
        lastLR = currentRates
    }

    /// Each group's `lr` now (what PyTorch's chainable `get_lr` forms start from).
    public var currentRates: [Double] { optimizer.paramGroups.map(\.lr) }

    public func getLastLR() -> [Double] { lastLR }

    // MARK: - State

    /// The scheduler's own settings and counters, exported before the base keys (as Python's
    /// `__dict__` order has them).
    open func ownState() -> StateMap { [:] }

    /// Restores the keys of ``ownState()`` that `state` has.
    open func loadOwnState(_ state: StateMap) throws(TorchError) {}

    /// The keys of PyTorch's `scheduler.state_dict()`: the subclass's settings, then `base_lrs`,
    /// `last_epoch`, `_step_count`, `_is_initial`, `_get_lr_called_within_step`, `_last_lr`.
    open func stateDict() -> StateMap {
        var state = ownState()
        state["base_lrs"] = StateValue(baseLRs)
        state["last_epoch"] = .int(lastEpoch)
        state["_step_count"] = .int(stepCount)
        state["_is_initial"] = .bool(isInitial)
        state["_get_lr_called_within_step"] = false
        state["_last_lr"] = StateValue(lastLR)
        return state
    }

    /// Restores the keys that `state` has (PyTorch updates the scheduler's `__dict__` with them).
    open func loadStateDict(_ state: StateMap) throws(TorchError) {
        try loadOwnState(state)
        if let value = state["base_lrs"] { baseLRs = try Self.doubles(value, "base_lrs") }
        if let value = state["last_epoch"] { lastEpoch = try Self.int(value, "last_epoch") }
        if let value = state["_step_count"] { stepCount = try Self.int(value, "_step_count") }
        if let value = state["_is_initial"]?.boolValue { isInitial = value }
        if let value = state["_last_lr"] { lastLR = try Self.doubles(value, "_last_lr") }
    }

    // MARK: - Reading state values

    static func doubles(_ value: StateValue, _ key: String) throws(TorchError) -> [Double] {
        guard let numbers = value.doublesValue else { throw TorchError("scheduler state '\(key)' must be a list of numbers; got \(value)") }
        return numbers
    }

    static func double(_ value: StateValue, _ key: String) throws(TorchError) -> Double {
        guard let number = value.doubleValue else { throw TorchError("scheduler state '\(key)' must be a number; got \(value)") }
        return number
    }

    static func int(_ value: StateValue, _ key: String) throws(TorchError) -> Int {
        guard let number = value.intValue else { throw TorchError("scheduler state '\(key)' must be an integer; got \(value)") }
        return number
    }
}

extension LRScheduler {
    /// Reads `state[key]` as a number into `target` when present.
    static func load(_ state: StateMap, _ key: String, into target: inout Double) throws(TorchError) {
        if let value = state[key] { target = try double(value, key) }
    }

    /// Reads `state[key]` as an integer into `target` when present.
    static func load(_ state: StateMap, _ key: String, into target: inout Int) throws(TorchError) {
        if let value = state[key] { target = try int(value, key) }
    }
}
