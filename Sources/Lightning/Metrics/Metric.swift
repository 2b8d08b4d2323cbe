import Torch

/// How a metric state combines across updates of two processes (or of two `forward` calls), as
/// torchmetrics' `dist_reduce_fx`.
public enum StateReduction: String, Sendable {
    /// Element-wise sum (counts, sums of errors).
    case sum
    /// Element-wise mean.
    case mean
    /// Element-wise maximum.
    case max
    /// Element-wise minimum.
    case min
    /// Concatenation along the first dimension (list states: the scores AUROC keeps).
    case cat
}

/// A metric accumulated over batches and computed at the end, as torchmetrics' `Metric`.
///
/// Subclasses declare their state with ``addState(_:default:reduction:)`` in `init`, implement
/// ``update(preds:target:)`` (adding to the state with ``state(_:)``/``setState(_:_:)`` or
/// ``append(_:_:)`` for `.cat` states) and ``computeValue()``. Every state is a tensor with a declared
/// reduction, so states of several processes can be combined (``merge(_:)``).
///
/// Logging a metric object (`try log("val_acc", accuracy)`) makes the Trainer call `compute()` when
/// the epoch ends and `reset()` after it, as Lightning does; a value for the step (`onStep: true`)
/// is the one of the latest ``forward(preds:target:)`` call.
///
/// ```swift
/// let accuracy = try Accuracy(task: .multiclass(numClasses: 10))
/// func validationStep(_ batch: Batch, batchIndex: Int) throws -> Tensor {
///     try accuracy.update(preds: logits, target: labels)
///     try log("val_acc", accuracy)
/// }
/// ```
open class Metric: Loggable {
    struct Declared {
        let name: String
        let initial: Tensor
        let reduction: StateReduction
    }

    private var declared: [Declared] = []
    private var values: [String: Tensor] = [:]
    private var lists: [String: [Tensor]] = [:]
    /// Updates since the last reset.
    public private(set) var updateCount = 0
    private var computed: Tensor?
    /// The value of the batch of the latest ``forward(preds:target:)`` call (logged for steps).
    public internal(set) var forwardCache: Tensor?

    public init() {}

    /// The state names, in declaration order.
    public var stateNames: [String] { declared.map(\.name) }
    /// The reduction of each state.
    public var stateReductions: [String: StateReduction] {
        Dictionary(uniqueKeysWithValues: declared.map { ($0.name, $0.reduction) })
    }

    /// Declares a state with its starting value and how it combines across processes. A `.cat` state
    /// starts as an empty list (`initial` is not used).
    public func addState(_ name: String, default initial: Tensor, reduction: StateReduction) {
        precondition(!declared.contains { $0.name == name }, "metric state \(name) declared twice")
        declared.append(Declared(name: name, initial: initial, reduction: reduction))
        if reduction == .cat { lists[name] = [] } else { values[name] = try? initial.clone() }
    }

    /// The current value of a tensor state (a `.cat` state: its parts concatenated).
    public func state(_ name: String) throws -> Tensor {
        if let list = lists[name] {
            return list.isEmpty ? try Tensor.zeros([0]) : try Tensor.cat(list)
        }
        guard let value = values[name] else { throw LightningError.logging("metric \(typeName) has no state \(name)") }
        return value
    }

    /// Replaces a tensor state (invalidates the cached result).
    public func setState(_ name: String, _ value: Tensor) {
        precondition(values[name] != nil, "metric state \(name) is not declared (or is a list state)")
        values[name] = value
        computed = nil
    }

    /// Appends to a `.cat` state.
    public func append(_ name: String, _ value: Tensor) {
        precondition(lists[name] != nil, "metric state \(name) is not a .cat state")
        lists[name]!.append(value)
        computed = nil
    }

    /// The parts of a `.cat` state.
    public func listState(_ name: String) -> [Tensor] { lists[name] ?? [] }

    // MARK: The life cycle

    /// Adds a batch to the state. Classification and regression metrics take predictions and targets;
    /// aggregators take values with `update(_:)`.
    open func update(preds: Tensor, target: Tensor) throws {
        throw LightningError.logging("\(typeName) does not take update(preds:target:)")
    }

    /// The metric from the state (subclasses implement this; callers use `compute()`).
    open func computeValue() throws -> Tensor {
        throw LightningError.logging("\(typeName) does not implement computeValue()")
    }

    /// Whether ``compute()`` combines the states of every rank in a distributed run first
    /// (torchmetrics' `sync_on_compute`).
    public var syncOnCompute = true

    /// The metric over everything since the last reset (cached until the next update or reset).
    /// In a DDP run it covers every rank's updates: the states are combined across the ranks with
    /// their reductions for the computation, and this rank's own states are kept afterwards.
    public func compute() throws -> Tensor {
        if let computed { return computed }
        guard syncOnCompute, let runtime = DistributedRuntime.current, runtime.worldSize > 1 else {
            let value = try computeValue()
            computed = value
            return value
        }
        let savedValues = values, savedLists = lists, savedCount = updateCount
        defer {
            values = savedValues
            lists = savedLists
            updateCount = savedCount
        }
        try runtime.guarding { try synchronise(runtime.processGroup) }
        let value = try computeValue()
        computed = value
        return value
    }

    /// Replaces the states by their combination across the ranks (each state's reduction; `.cat`
    /// states are gathered, padded to the longest rank's length and trimmed back).
    private func synchronise(_ group: ProcessGroup) throws {
        for declaration in declared {
            let name = declaration.name
            switch declaration.reduction {
            case .sum, .max, .min, .mean:
                let op: ReduceOp = switch declaration.reduction {
                case .sum: .sum
                case .max: .max
                case .min: .min
                default: .mean
                }
                var value = try values[name]!.contiguous().clone()
                if op == .mean && !value.isFloatingPoint { value = try value.to(dtype: .float32) }
                try group.allReduce(value, op: op)
                values[name] = value
            case .cat:
                let local = try state(name)
                let lengths = try Tensor.cat(try group.allGather(try Tensor([Int64(local.shape.first ?? 0)]))).toArray(of: Int64.self)
                let longest = Int(lengths.max() ?? 0)
                guard longest > 0 else { continue }
                var padded = local
                if local.shape.isEmpty { padded = try local.reshape([1]) }
                let missing = longest - (padded.shape.first ?? 0)
                if missing > 0 {
                    var shape = padded.shape
                    shape[0] = missing
                    padded = try Tensor.cat([padded, try Tensor.zeros(shape, dtype: padded.dtype, device: padded.device)])
                }
                let gathered = try group.allGather(try padded.contiguous())
                lists[name] = try zip(gathered, lengths).map { try $0.0.narrow(dim: 0, start: 0, length: Int($0.1)) }
            }
        }
    }

    /// Back to the declared starting values.
    public func reset() {
        for state in declared {
            if state.reduction == .cat { lists[state.name] = [] } else { values[state.name] = try? state.initial.clone() }
        }
        updateCount = 0
        computed = nil
        forwardCache = nil
    }

    /// Updates the state with a batch and returns the metric of that batch alone (torchmetrics'
    /// `forward`/`__call__`).
    @discardableResult
    public func forward(preds: Tensor, target: Tensor) throws -> Tensor {
        try forwarding { try update(preds: preds, target: target) }
    }

    /// Runs `update` on a fresh state, computes the batch value, then merges the batch state into
    /// the accumulated state through the declared reductions.
    func forwarding(_ update: () throws -> Void) throws -> Tensor {
        let savedValues = values, savedLists = lists, savedCount = updateCount
        reset()
        try update()
        let batchValue = try compute()
        let batchValues = values, batchLists = lists
        values = savedValues
        lists = savedLists
        updateCount = savedCount
        try merge(values: batchValues, lists: batchLists, otherCount: 1)
        forwardCache = batchValue
        return batchValue
    }

    /// Combines another metric's state into this one with each state's reduction (what a
    /// cross-process synchronisation does).
    public func merge(_ other: Metric) throws {
        guard type(of: other) == type(of: self), other.stateNames == stateNames else {
            throw LightningError.logging("cannot merge a \(other.typeName) into a \(typeName)")
        }
        try merge(values: other.values, lists: other.lists, otherCount: other.updateCount)
    }

    private func merge(values other: [String: Tensor], lists otherLists: [String: [Tensor]], otherCount: Int) throws {
        for state in declared {
            let name = state.name
            switch state.reduction {
            case .cat: lists[name]! += otherLists[name] ?? []
            case .sum: values[name] = try values[name]! + other[name]!
            case .max: values[name] = try values[name]!.maximum(other[name]!)
            case .min: values[name] = try values[name]!.minimum(other[name]!)
            case .mean:
                let a = Double(updateCount), b = Double(Swift.max(otherCount, 1))
                values[name] = updateCount == 0 ? other[name]! : try (values[name]! * a + other[name]! * b) / (a + b)
            }
        }
        updateCount += otherCount
        computed = nil
    }

    /// Subclasses call this at the end of each update.
    public func didUpdate() {
        updateCount += 1
        computed = nil
    }

    /// Moves the states to `device` (done by the first update, so a metric follows its inputs).
    func follow(_ device: Device) throws {
        for (name, value) in values where value.device != device { values[name] = try value.to(device) }
    }

    var typeName: String { String(describing: type(of: self)) }

    // MARK: Loggable

    /// The metric's current value; logging a metric through `log` goes through ``loggedMetric``.
    public var metricValue: MetricValue { get throws { .tensor(try forwardCache ?? compute()) } }
    public var loggedMetric: Metric? { self }
}
