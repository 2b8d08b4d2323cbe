import Foundation
import Testing
import Torch

// Optimizers and gradient clipping against PyTorch 2.11.0 (fixtures from
// Tools/parity/make_optim_fixtures.py): 100 training steps of a small MLP give the same parameters
// and the same state_dict(); PyTorch's state at step 50 loaded into a Swift optimizer finishes the
// run the same way; Swift's own export and import continue a run exactly.

/// The Swift optimizer of each fixture run, with the options of the Python run (the same `fused` /
/// `foreach` choice, so the exported param_groups match too).
let optimizerFactories: [String: @Sendable ([Tensor]) throws -> Optimizer] = [
    "sgd_fused": { try SGD($0, lr: 0.1, fused: true) },
    "sgd_momentum_fused": { try SGD($0, lr: 0.05, momentum: 0.9, fused: true) },
    "sgd_nesterov_wd_fused": { try SGD($0, lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true, fused: true) },
    "sgd_dampening_maximize_fused": {
        try SGD($0, lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 1e-3, maximize: true, fused: true)
    },
    "sgd_momentum_foreach": { try SGD($0, lr: 0.05, momentum: 0.9, foreach: true) },
    "sgd_nesterov_wd_maximize_foreach": {
        try SGD($0, lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true, maximize: true, foreach: true)
    },
    "adam_fused": { try Adam($0, lr: 0.01, fused: true) },
    "adam_amsgrad_wd_fused": { try Adam($0, lr: 0.01, betas: (0.8, 0.99), weightDecay: 0.01, amsgrad: true, fused: true) },
    "adam_maximize_fused": { try Adam($0, lr: 0.01, maximize: true, fused: true) },
    "adam_foreach": { try Adam($0, lr: 0.01, foreach: true) },
    "adam_amsgrad_wd_maximize_foreach": { try Adam($0, lr: 0.01, weightDecay: 0.01, amsgrad: true, maximize: true, foreach: true) },
    "adamw_fused": { try AdamW($0, lr: 0.01, weightDecay: 0.05, fused: true) },
    "adamw_amsgrad_fused": { try AdamW($0, lr: 0.01, betas: (0.85, 0.995), eps: 1e-6, amsgrad: true, fused: true) },
    "adamw_foreach": { try AdamW($0, lr: 0.01, weightDecay: 0.05, foreach: true) },
    "adamw_amsgrad_foreach": { try AdamW($0, lr: 0.01, amsgrad: true, foreach: true) },
    "rmsprop_foreach": { try RMSprop($0, lr: 0.01, foreach: true) },
    "rmsprop_centered_momentum_wd_foreach": {
        try RMSprop($0, lr: 0.005, alpha: 0.95, eps: 1e-6, weightDecay: 1e-3, momentum: 0.5, centered: true, foreach: true)
    },
    "rmsprop_momentum_maximize_foreach": { try RMSprop($0, lr: 0.005, momentum: 0.9, maximize: true, foreach: true) },
    "adagrad_fused": { try Adagrad($0, lr: 0.1, fused: true) },
    "adagrad_decay_init_wd_fused": {
        try Adagrad($0, lr: 0.1, lrDecay: 0.01, weightDecay: 1e-3, initialAccumulatorValue: 0.1, eps: 1e-8, fused: true)
    },
    "adagrad_foreach": { try Adagrad($0, lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, foreach: true) },
    "adagrad_wd_maximize_foreach": { try Adagrad($0, lr: 0.1, weightDecay: 1e-3, maximize: true, foreach: true) },
]

/// Parameters agree with PyTorch within this relative error (the brief's bound); the denominator
/// has a floor of 1e-6 so that elements near zero compare absolutely.
let parameterTolerance = 1e-6
let relativeFloor = 1e-6

/// Runs `steps` training steps (zeroGrad, forward, backward of the loss or, with maximize, of its
/// negative, step).
func train(_ optimizer: Optimizer, _ params: [Tensor], steps: Int, maximize: Bool) throws {
    let (x, y) = try OptimFixture.get().inputs()
    for _ in 0..<steps {
        try optimizer.zeroGrad()
        let loss = try mlpLoss(params, x, y)
        try (maximize ? loss.neg() : loss).backward()
        try optimizer.step()
    }
}

func isMaximize(_ name: String) -> Bool { name.contains("maximize") }

@Suite("Optimizer parity with PyTorch")
struct OptimParityTests {
    @Test("The optim fixture loads")
    func fixtureLoads() throws {
        let fixture = try OptimFixture.get()
        #expect(fixture.torch.hasPrefix("2.11.0"))
        #expect(Set(fixture.optimizers.map(\.name)) == Set(optimizerFactories.keys))
    }

    @Test("100 steps give PyTorch's parameters and state_dict", arguments: OptimFixture.optimizerNames)
    func hundredSteps(name: String) throws {
        let fixture = try OptimFixture.get()
        let run = try fixture.optimizer(name)
        let factory = try #require(optimizerFactories[name])
        let params = try fixture.initialParameters()
        let optimizer = try factory(params)
        #expect(String(describing: type(of: optimizer)) == run.className)
        try train(optimizer, params, steps: run.steps, maximize: isMaximize(name))

        var comparison = StateComparison()
        for (index, (parameter, expected)) in zip(params, run.final.params).enumerated() {
            comparison.compareTensor(parameter, try expected.tensor, rtol: parameterTolerance, floor: relativeFloor, at: "param \(index)")
        }
        let parameterError = comparison.maxRelativeError
        comparison.compare(optimizer.stateDict().value, run.final.stateDict, rtol: parameterTolerance, floor: relativeFloor, at: "state_dict")
        print("[optim parity] \(name): max relative error params \(parameterError), state \(comparison.maxRelativeError)")
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("PyTorch's state after 50 steps, loaded into Swift, finishes the run as PyTorch", arguments: OptimFixture.resumedOptimizerNames)
    func resumeFromPyTorch(name: String) throws {
        let fixture = try OptimFixture.get()
        let run = try fixture.optimizer(name)
        let checkpoint = try #require(run.checkpoint)
        let factory = try #require(optimizerFactories[name])
        let params = try checkpoint.params.map { try $0.tensor.makeTensor().setRequiresGrad() }
        let optimizer = try factory(params)
        try optimizer.loadStateDict(OptimizerState(checkpoint.stateDict.stateValue()))
        // The loaded state matches what PyTorch saved.
        var loaded = StateComparison()
        loaded.compare(optimizer.stateDict().value, checkpoint.stateDict, rtol: 0, floor: relativeFloor, at: "loaded")
        #expect(loaded.problems.isEmpty, "\(name):\n\(loaded.problems.joined(separator: "\n"))")

        try train(optimizer, params, steps: run.steps - 50, maximize: isMaximize(name))
        var comparison = StateComparison()
        for (index, (parameter, expected)) in zip(params, run.final.params).enumerated() {
            comparison.compareTensor(parameter, try expected.tensor, rtol: parameterTolerance, floor: relativeFloor, at: "param \(index)")
        }
        comparison.compare(optimizer.stateDict().value, run.final.stateDict, rtol: parameterTolerance, floor: relativeFloor, at: "state_dict")
        print("[optim resume] \(name): max relative error \(comparison.maxRelativeError)")
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("Export after 50 steps, import into a fresh optimizer: the next 50 steps are identical", arguments: OptimFixture.optimizerNames)
    func exportImportContinues(name: String) throws {
        let fixture = try OptimFixture.get()
        let factory = try #require(optimizerFactories[name])
        let params = try fixture.initialParameters()
        let optimizer = try factory(params)
        try train(optimizer, params, steps: 50, maximize: isMaximize(name))

        let copies = try params.map { try $0.detach().clone().setRequiresGrad() }
        let resumed = try factory(copies)
        let exported = optimizer.stateDict()
        try resumed.loadStateDict(exported)
        // Loading copies the buffers: the two optimizers share nothing.
        for (number, entries) in resumed.stateDict().state {
            for (key, value) in entries {
                if let tensor = value.tensorValue, let original = exported.state[number]?[key]?.tensorValue {
                    #expect(!tensor.isSame(as: original), "\(name): state[\(number)][\(key)] aliases the exported tensor")
                }
            }
        }
        try train(optimizer, params, steps: 50, maximize: isMaximize(name))
        try train(resumed, copies, steps: 50, maximize: isMaximize(name))
        for (index, (a, b)) in zip(params, copies).enumerated() {
            #expect(try a.detach().equal(b.detach()), "\(name): parameter \(index) differs after resuming")
        }
        var comparison = StateComparison()
        comparison.compare(resumed.stateDict().value, try Tagged(optimizer.stateDict().value), rtol: 0, floor: relativeFloor)
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("Gradients of the fixture MLP equal PyTorch's")
    func gradients() throws {
        let fixture = try OptimFixture.get()
        let params = try fixture.initialParameters()
        let (x, y) = try fixture.inputs()
        try mlpLoss(params, x, y).backward()
        var comparison = StateComparison()
        for (index, (parameter, expected)) in zip(params, fixture.clip.grads).enumerated() {
            comparison.compareTensor(try #require(parameter.grad), try expected.tensor, rtol: 1e-6, floor: relativeFloor, at: "grad \(index)")
        }
        print("[optim parity] MLP gradients: max relative error \(comparison.maxRelativeError)")
        #expect(comparison.problems.isEmpty, "\(comparison.problems.joined(separator: "\n"))")
    }

    @Test("clipGradNorm_ and clipGradValue_ equal torch.nn.utils", arguments: ["norm2", "norm2_loop", "norm_inf", "norm1", "norm2_unclipped", "value"])
    func clipping(name: String) throws {
        let fixture = try OptimFixture.get()
        let item = try #require(fixture.clip.cases.first { $0.name == name })
        let params = try fixture.initialParameters()
        for (parameter, grad) in zip(params, fixture.clip.grads) { try parameter.setGrad(grad.tensor.makeTensor()) }
        var comparison = StateComparison()
        if item.kind == "norm" {
            let total = try clipGradNorm_(
                params, maxNorm: try #require(item.maxNorm).value, normType: try #require(item.normType).value,
                foreach: item.foreach)
            comparison.compareTensor(total, try #require(item.totalNorm).tensor, rtol: 1e-6, floor: relativeFloor, at: "total norm")
        } else {
            try clipGradValue_(params, clipValue: try #require(item.clipValue).value)
        }
        for (index, (parameter, expected)) in zip(params, item.clipped).enumerated() {
            comparison.compareTensor(try #require(parameter.grad), try expected.tensor, rtol: 1e-6, floor: relativeFloor, at: "grad \(index)")
        }
        print("[clip parity] \(name): max relative error \(comparison.maxRelativeError)")
        #expect(comparison.problems.isEmpty, "\(name):\n\(comparison.problems.joined(separator: "\n"))")
    }
}

extension Tagged {
    /// A Swift state value in the tagged form (to compare two Swift states with the same helper).
    init(_ value: StateValue) throws {
        switch value {
        case .none: self = .none
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(v)
        case .double(let v): self = .double(v)
        case .string(let v): self = .string(v)
        case .list(let v): self = .list(try v.map(Tagged.init))
        case .tuple(let v): self = .tuple(try v.map(Tagged.init))
        case .dict(let map):
            self = .dict(try map.map { entry in
                let key: Tagged = switch entry.key {
                case .int(let i): .int(i)
                case .string(let s): .string(s)
                }
                return Pair(key: key, value: try Tagged(entry.value))
            })
        case .tensor(let t):
            let name = t.dtype.description.replacingOccurrences(of: "torch.", with: "")
            self = .tensor(TaggedTensor(dtype: name, shape: t.shape, device: t.device.description,
                                        data: try t.detach().to(dtype: .float64).toArray(of: Double.self)))
        }
    }
}

extension TaggedTensor {
    init(dtype: String, shape: [Int], device: String, data: [Double]) {
        self.dtype = dtype
        self.shape = shape
        self.device = device
        self.data = data
    }
}
