// A parameter group: tensors optimized together with one set of options (PyTorch's param_groups
// entries).

/// Parameters that share optimization options, as one entry of PyTorch's `optimizer.param_groups`.
///
/// Options are kept by their PyTorch names (`"lr"`, `"weight_decay"`, `"betas"`, …) in insertion
/// order, so an exported group has the keys of Python's. Options a group does not set take the
/// optimizer's defaults when the group is added. LR schedulers and trainers change ``lr`` here.
///
/// ```swift
/// let optimizer = try SGD([
///     ParamGroup(encoder.parameters(), options: ["lr": 1e-4]),
///     ParamGroup(head.parameters()),
/// ], lr: 1e-2, momentum: 0.9)
/// optimizer.paramGroups[1].lr = 5e-3
/// ```
public struct ParamGroup {
    /// The tensors of the group.
    public var params: [Tensor]
    /// The names of the tensors (PyTorch's `param_names`, given when a group is built from named
    /// parameters); nil when the group has none.
    public var paramNames: [String]?
    /// The options by PyTorch name, in insertion order.
    public var options: StateMap
    /// Where `param_names` sits among the options in PyTorch's dict (after the options the group
    /// was given, before the defaults), for the exported key order.
    var paramNamesPosition = 0

    /// A group of `params` with the given options (the rest come from the optimizer's defaults).
    public init(_ params: [Tensor], options: StateMap = [:]) {
        self.params = params
        self.paramNames = nil
        self.options = options
    }

    /// A group of named parameters (from `module.namedParameters()`); the names are exported as
    /// `param_names`, as PyTorch does for groups built from named parameters.
    public init(named parameters: [(String, Tensor)], options: StateMap = [:]) {
        self.params = parameters.map(\.1)
        self.paramNames = parameters.map(\.0)
        self.options = options
    }

    /// The option named `key` (PyTorch's `group[key]`); nil when absent.
    public subscript(key: String) -> StateValue? {
        get { options[key] }
        set { options[key] = newValue }
    }

    /// The learning rate (`"lr"`).
    public var lr: Double {
        get { options["lr"]?.doubleValue ?? 0 }
        set { options["lr"] = .double(newValue) }
    }

    /// The weight decay (`"weight_decay"`).
    public var weightDecay: Double {
        get { options["weight_decay"]?.doubleValue ?? 0 }
        set { options["weight_decay"] = .double(newValue) }
    }

    /// The momentum (`"momentum"`) of SGD and RMSprop.
    public var momentum: Double {
        get { options["momentum"]?.doubleValue ?? 0 }
        set { options["momentum"] = .double(newValue) }
    }

    /// Adam's coefficients (`"betas"`).
    public var betas: (Double, Double) {
        get {
            let values = options["betas"]?.doublesValue ?? []
            return values.count == 2 ? (values[0], values[1]) : (0.9, 0.999)
        }
        set { options["betas"] = .tuple([.double(newValue.0), .double(newValue.1)]) }
    }

    /// The option `key` as a number; throws when it is absent or not a number.
    func double(_ key: String) throws(TorchError) -> Double {
        guard let value = options[key]?.doubleValue else {
            throw TorchError("parameter group option '\(key)' must be a number; it is \(options[key].map(\.description) ?? "missing")")
        }
        return value
    }

    /// The option `key` as a flag; throws when it is absent or not a flag.
    func bool(_ key: String) throws(TorchError) -> Bool {
        guard let value = options[key]?.boolValue else {
            throw TorchError("parameter group option '\(key)' must be True or False; it is \(options[key].map(\.description) ?? "missing")")
        }
        return value
    }

    /// The option `key` as an optional flag (None, True or False); absent is None.
    func optionalBool(_ key: String) throws(TorchError) -> Bool? {
        guard let value = options[key] else { return nil }
        guard let flag = value.optionalBoolValue else {
            throw TorchError("parameter group option '\(key)' must be None, True or False; it is \(value)")
        }
        return flag
    }

    /// The option `key` as a pair of numbers (`betas`).
    func pair(_ key: String) throws(TorchError) -> (Double, Double) {
        guard let values = options[key]?.doublesValue, values.count == 2 else {
            throw TorchError("parameter group option '\(key)' must be a pair of numbers; it is \(options[key].map(\.description) ?? "missing")")
        }
        return (values[0], values[1])
    }
}
