import Foundation
import Testing
import Torch

// LR schedulers against PyTorch 2.11.0 (fixtures from Tools/parity/make_optim_fixtures.py): the same
// learning rates (and OneCycleLR momenta) after construction and each of 100 steps, the same
// state_dict(), resuming from PyTorch's state at step 50, and Swift export/import mid-run.

func twoGroupSGD() throws -> Optimizer {
    let first = try Tensor.zeros([2]).setRequiresGrad()
    let second = try Tensor.zeros([2]).setRequiresGrad()
    return try SGD([ParamGroup([first]), ParamGroup([second], options: ["lr": 0.01])], lr: 0.1, momentum: 0.9)
}

func oneGroupAdam() throws -> Optimizer {
    try Adam([Tensor.zeros([2]).setRequiresGrad()], lr: 0.001)
}

typealias SchedulerSetup = (optimizer: Optimizer, scheduler: any LearningRateScheduler)

/// The Swift scheduler of each fixture run, with the Python run's settings.
let schedulerFactories: [String: @Sendable () throws -> SchedulerSetup] = [
    "step": { let o = try twoGroupSGD(); return (o, try StepLR(o, stepSize: 7, gamma: 0.5)) },
    "multistep": { let o = try twoGroupSGD(); return (o, try MultiStepLR(o, milestones: [10, 30, 30, 60], gamma: 0.3)) },
    "exponential": { let o = try twoGroupSGD(); return (o, try ExponentialLR(o, gamma: 0.97)) },
    "polynomial": { let o = try twoGroupSGD(); return (o, try PolynomialLR(o, totalIters: 50, power: 2.0)) },
    "cosine": { let o = try twoGroupSGD(); return (o, try CosineAnnealingLR(o, tMax: 20, etaMin: 0.001)) },
    "warm_restarts": { let o = try twoGroupSGD(); return (o, try CosineAnnealingWarmRestarts(o, t0: 10, tMult: 2, etaMin: 1e-4)) },
    "warm_restarts_mult1": { let o = try twoGroupSGD(); return (o, try CosineAnnealingWarmRestarts(o, t0: 7)) },
    "onecycle": { let o = try twoGroupSGD(); return (o, try OneCycleLR(o, maxLR: [0.5, 0.05], totalSteps: 100)) },
    "onecycle_linear_three_phase_adam": {
        let o = try oneGroupAdam()
        return (o, try OneCycleLR(o, maxLR: 0.01, totalSteps: 100, pctStart: 0.25, annealStrategy: .linear, threePhase: true))
    },
    "linear": { let o = try twoGroupSGD(); return (o, try LinearLR(o, startFactor: 0.25, endFactor: 1.0, totalIters: 10)) },
    "constant": { let o = try twoGroupSGD(); return (o, try ConstantLR(o, factor: 0.5, totalIters: 8)) },
    "lambda": {
        let o = try twoGroupSGD()
        return (o, try LambdaLR(o, lrLambdas: [{ pow(0.95, Double($0)) }, { 1.0 / (1.0 + 0.1 * Double($0)) }]))
    },
    "multiplicative": { let o = try twoGroupSGD(); return (o, try MultiplicativeLR(o) { _ in 0.97 }) },
    "sequential_warmup_cosine": {
        let o = try twoGroupSGD()
        let warmup = try LinearLR(o, startFactor: 0.1, totalIters: 5)
        let cosine = try CosineAnnealingLR(o, tMax: 95)
        return (o, try SequentialLR(o, schedulers: [warmup, cosine], milestones: [5]))
    },
    "sequential_three": {
        let o = try twoGroupSGD()
        let schedulers: [LRScheduler] = [
            try ConstantLR(o, factor: 0.5, totalIters: 10), try ExponentialLR(o, gamma: 0.95), try StepLR(o, stepSize: 10, gamma: 0.5),
        ]
        return (o, try SequentialLR(o, schedulers: schedulers, milestones: [10, 40]))
    },
    "chained": {
        let o = try twoGroupSGD()
        return (o, try ChainedScheduler([try ConstantLR(o, factor: 0.1, totalIters: 5), try ExponentialLR(o, gamma: 0.98)]))
    },
    "swalr_cos": { let o = try twoGroupSGD(); return (o, try SWALR(o, swaLRs: [0.05, 0.005], annealEpochs: 5)) },
    "swalr_linear_no_anneal": { let o = try oneGroupAdam(); return (o, try SWALR(o, swaLR: 0.02, annealEpochs: 0, annealStrategy: .linear)) },
    "plateau_min_rel": {
        let o = try twoGroupSGD()
        return (o, try ReduceLROnPlateau(o, mode: .min, factor: 0.5, patience: 3, threshold: 1e-2, cooldown: 2, minLR: 1e-3))
    },
    "plateau_max_abs": {
        let o = try twoGroupSGD()
        return (o, try ReduceLROnPlateau(o, mode: .max, factor: 0.3, patience: 2, threshold: 0.01, thresholdMode: .abs, minLRs: [1e-3, 1e-4]))
    },
]

/// One step: the optimizer's (a no-op here, as in the Python run), then the scheduler's.
func stepBoth(_ setup: SchedulerSetup, metric: Double?) throws {
    try setup.optimizer.step()
    if let plateau = setup.scheduler as? ReduceLROnPlateau {
        try plateau.step(try #require(metric))
    } else {
        try #require(setup.scheduler as? LRScheduler).step()
    }
}

func rates(_ optimizer: Optimizer) -> [Double] { optimizer.paramGroups.map(\.lr) }

func momenta(_ optimizer: Optimizer) -> [Double] {
    optimizer.paramGroups.map { $0["betas"] != nil ? $0.betas.0 : $0.momentum }
}

/// LR sequences must agree to this relative error (they run the same double arithmetic).
let scheduleTolerance = 1e-12

@Suite("LR scheduler parity with PyTorch")
struct LRSchedulerParityTests {
    @Test("Every fixture scheduler has a Swift setup")
    func coverage() throws {
        #expect(Set(try OptimFixture.get().schedulers.map(\.name)) == Set(schedulerFactories.keys))
    }

    @Test("100 steps give PyTorch's learning rates and state_dict", arguments: OptimFixture.schedulerNames)
    func sequence(name: String) throws {
        let run = try OptimFixture.get().scheduler(name)
        let factory = try #require(schedulerFactories[name])
        let setup = try factory()
        var comparison = StateComparison()
        var lrs = [rates(setup.optimizer)], moms = [momenta(setup.optimizer)]
        for step in 0..<100 {
            try stepBoth(setup, metric: run.metrics?[step].value)
            lrs.append(rates(setup.optimizer))
            moms.append(momenta(setup.optimizer))
        }
        #expect(setup.scheduler.getLastLR() == lrs.last!)
        comparison.compareNumbers(lrs.flatMap { $0 }, run.lrs.flatMap { $0.map(\.value) }, rtol: scheduleTolerance, floor: 1e-300, at: "lrs")
        if let expected = run.momenta {
            comparison.compareNumbers(moms.flatMap { $0 }, expected.flatMap { $0.map(\.value) }, rtol: scheduleTolerance, floor: 1e-300, at: "momenta")
        }
        let sequenceError = comparison.maxRelativeError
        comparison.compare(.dict(setup.scheduler.stateDict()), run.final.scheduler, rtol: scheduleTolerance, floor: 1e-300, at: "state_dict")
        if let optimizerState = run.final.optimizer {
            comparison.compare(setup.optimizer.stateDict().value, optimizerState, rtol: scheduleTolerance, floor: 1e-300, at: "optimizer")
        }
        print("[scheduler parity] \(name): max relative error lrs \(sequenceError), state \(comparison.maxRelativeError)")
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("PyTorch's state after 50 steps, loaded into Swift, continues PyTorch's sequence", arguments: OptimFixture.schedulerNames)
    func resumeFromPyTorch(name: String) throws {
        let run = try OptimFixture.get().scheduler(name)
        let factory = try #require(schedulerFactories[name])
        let setup = try factory()
        // PyTorch's order: create the scheduler, then load the optimizer, then the scheduler.
        try setup.optimizer.loadStateDict(OptimizerState(run.checkpoint.optimizer.stateValue()))
        let saved = try #require(try run.checkpoint.scheduler.stateValue().dictValue)
        try setup.scheduler.loadStateDict(saved)
        var loaded = StateComparison()
        loaded.compare(.dict(setup.scheduler.stateDict()), run.checkpoint.scheduler, rtol: 0, floor: 1e-300, at: "loaded")
        #expect(loaded.problems.isEmpty, "\(name):\n\(loaded.problems.joined(separator: "\n"))")

        var lrs: [[Double]] = [], moms: [[Double]] = []
        for step in run.checkpoint.step..<100 {
            try stepBoth(setup, metric: run.metrics?[step].value)
            lrs.append(rates(setup.optimizer))
            moms.append(momenta(setup.optimizer))
        }
        var comparison = StateComparison()
        let expected = run.lrs[(run.checkpoint.step + 1)...].flatMap { $0.map(\.value) }
        comparison.compareNumbers(lrs.flatMap { $0 }, expected, rtol: scheduleTolerance, floor: 1e-300, at: "lrs")
        if let expectedMomenta = run.momenta {
            comparison.compareNumbers(moms.flatMap { $0 }, expectedMomenta[(run.checkpoint.step + 1)...].flatMap { $0.map(\.value) },
                                      rtol: scheduleTolerance, floor: 1e-300, at: "momenta")
        }
        comparison.compare(.dict(setup.scheduler.stateDict()), run.final.scheduler, rtol: scheduleTolerance, floor: 1e-300, at: "state_dict")
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("Export after 50 steps, import into a fresh scheduler: the sequence continues identically", arguments: OptimFixture.schedulerNames)
    func exportImportContinues(name: String) throws {
        let run = try OptimFixture.get().scheduler(name)
        let factory = try #require(schedulerFactories[name])
        let original = try factory()
        for step in 0..<50 { try stepBoth(original, metric: run.metrics?[step].value) }

        let resumed = try factory()
        try resumed.optimizer.loadStateDict(original.optimizer.stateDict())
        try resumed.scheduler.loadStateDict(original.scheduler.stateDict())
        #expect(resumed.scheduler.getLastLR() == original.scheduler.getLastLR())
        for step in 50..<100 {
            try stepBoth(original, metric: run.metrics?[step].value)
            try stepBoth(resumed, metric: run.metrics?[step].value)
            #expect(rates(resumed.optimizer) == rates(original.optimizer), "\(name): step \(step + 1)")
            #expect(momenta(resumed.optimizer) == momenta(original.optimizer), "\(name): step \(step + 1)")
        }
        var comparison = StateComparison()
        comparison.compare(.dict(resumed.scheduler.stateDict()), try Tagged(.dict(original.scheduler.stateDict())), rtol: 0, floor: 1e-300)
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }
}
