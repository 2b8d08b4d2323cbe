// An optimizer's exported state in PyTorch's `optimizer.state_dict()` layout.

/// An optimizer's state as PyTorch's `optimizer.state_dict()` lays it out:
///
/// ```text
/// {"state": {0: {"step": tensor(3.), "exp_avg": tensor(…), "exp_avg_sq": tensor(…)}, 1: {…}},
///  "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), …, "params": [0, 1]}]}
/// ```
///
/// Parameters are numbered across the groups in order (the first group's parameters are 0, 1, …);
/// `state` holds the buffers of each parameter that has any, `paramGroups` the options of each group
/// with its parameter numbers under `"params"`. ``value`` and ``init(_:)`` convert to and from one
/// ``StateValue`` dictionary, the form a `.pt` file or a Lightning checkpoint stores
/// (`checkpoint["optimizer_states"][i]`).
public struct OptimizerState: CustomStringConvertible {
    /// Per-parameter buffers (`"step"`, `"exp_avg"`, `"momentum_buffer"`, …) by parameter number.
    public var state: [Int: StateMap]
    /// The groups' options, each with `"params"` (a list of parameter numbers) and, for groups of
    /// named parameters, `"param_names"`.
    public var paramGroups: [StateMap]

    public init(state: [Int: StateMap] = [:], paramGroups: [StateMap] = []) {
        self.state = state
        self.paramGroups = paramGroups
    }

    /// Reads the dictionary form `{"state": {…}, "param_groups": […]}`.
    public init(_ value: StateValue) throws(TorchError) {
        guard let map = value.dictValue else {
            throw TorchError("an optimizer state dict must be a dict with 'state' and 'param_groups'; got \(value)")
        }
        guard let groups = map["param_groups"]?.arrayValue else {
            throw TorchError("the optimizer state dict has no 'param_groups' list")
        }
        paramGroups = []
        for group in groups {
            guard let groupMap = group.dictValue else { throw TorchError("a param_groups entry must be a dict; got \(group)") }
            guard groupMap["params"]?.arrayValue?.allSatisfy({ $0.intValue != nil }) == true else {
                throw TorchError("a param_groups entry needs 'params', a list of parameter numbers")
            }
            paramGroups.append(groupMap)
        }
        state = [:]
        guard let stateValue = map["state"] else { throw TorchError("the optimizer state dict has no 'state' dict") }
        guard let stateMap = stateValue.dictValue else { throw TorchError("'state' must be a dict; got \(stateValue)") }
        for (key, entry) in stateMap {
            guard case .int(let index) = key else { continue }  // PyTorch keeps non-parameter keys aside
            guard let entryMap = entry.dictValue else { throw TorchError("state[\(index)] must be a dict; got \(entry)") }
            state[index] = entryMap
        }
    }

    /// The dictionary form `{"state": {index: {…}}, "param_groups": [{…, "params": […]}]}`, with
    /// parameter numbers in increasing order.
    public var value: StateValue {
        var stateMap = StateMap()
        for index in state.keys.sorted() { stateMap[index] = .dict(state[index]!) }
        return .dict(["state": .dict(stateMap), "param_groups": .list(paramGroups.map { .dict($0) })])
    }

    /// The parameter numbers of each group.
    public var groupParameterIndices: [[Int]] {
        paramGroups.map { group in group["params"]?.arrayValue?.compactMap(\.intValue) ?? [] }
    }

    public var description: String { value.description }
}
