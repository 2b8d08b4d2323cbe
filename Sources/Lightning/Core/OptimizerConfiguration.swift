import Torch

/// When a learning-rate scheduler steps under automatic optimization.
public enum SchedulerInterval: String, Sendable {
    /// After every real optimizer step (not on accumulation-only batches).
    case step
    /// At the end of every training epoch.
    case epoch
}

/// A scheduler with Lightning's settings (`LRSchedulerConfig`): interval, frequency, the metric a
/// plateau scheduler watches, and the name LearningRateMonitor shows.
///
/// ```swift
/// func configureOptimizers() throws -> OptimizerConfiguration {
///     let optimizer = try Adam(parameters(), lr: 1e-3)
///     return OptimizerConfiguration(optimizer, scheduler: .init(try ReduceLROnPlateau(optimizer), monitor: "val_loss"))
/// }
/// ```
public struct LRSchedulerConfiguration {
    public var scheduler: any LearningRateScheduler
    public var interval: SchedulerInterval
    /// Step every `frequency` intervals.
    public var frequency: Int
    /// The logged metric passed to a plateau scheduler; required for `ReduceLROnPlateau`.
    public var monitor: String?
    /// With a missing monitor: throw (true) or warn and skip the step (false).
    public var strict: Bool
    /// The name LearningRateMonitor logs under (default `lr-<Optimizer>`).
    public var name: String?

    public init(_ scheduler: any LearningRateScheduler, interval: SchedulerInterval = .epoch, frequency: Int = 1,
                monitor: String? = nil, strict: Bool = true, name: String? = nil) {
        self.scheduler = scheduler
        self.interval = interval
        self.frequency = frequency
        self.monitor = monitor
        self.strict = strict
        self.name = name
    }

    /// True for schedulers that step on a metric (ReduceLROnPlateau).
    public var isPlateau: Bool { scheduler is ReduceLROnPlateau }
}

/// What `configureOptimizers()` returns: Lightning's shapes (an optimizer; optimizers and
/// schedulers; a dictionary with a monitor) as one value.
public struct OptimizerConfiguration {
    public var optimizers: [Optimizer]
    public var schedulers: [LRSchedulerConfiguration]

    /// No optimizer: Lightning warns and trains nothing (useful for evaluation-only modules).
    public static var none: OptimizerConfiguration { OptimizerConfiguration(optimizers: [], schedulers: []) }

    public init(optimizers: [Optimizer], schedulers: [LRSchedulerConfiguration] = []) {
        self.optimizers = optimizers
        self.schedulers = schedulers
    }

    /// One optimizer with an optional scheduler configuration.
    public init(_ optimizer: Optimizer, scheduler: LRSchedulerConfiguration? = nil) {
        self.init(optimizers: [optimizer], schedulers: scheduler.map { [$0] } ?? [])
    }

    /// One optimizer and a scheduler with Lightning's defaults (interval epoch, frequency 1).
    public init(_ optimizer: Optimizer, scheduler: any LearningRateScheduler, interval: SchedulerInterval = .epoch,
                monitor: String? = nil) {
        self.init(optimizer, scheduler: LRSchedulerConfiguration(scheduler, interval: interval, monitor: monitor))
    }
}

/// A value `configureOptimizers()` may return: an `Optimizer` or an ``OptimizerConfiguration``.
public protocol OptimizerConfigurationConvertible {
    var optimizerConfiguration: OptimizerConfiguration { get }
}

extension Optimizer: OptimizerConfigurationConvertible {
    public var optimizerConfiguration: OptimizerConfiguration { OptimizerConfiguration(self) }
}

extension OptimizerConfiguration: OptimizerConfigurationConvertible {
    public var optimizerConfiguration: OptimizerConfiguration { self }
}
