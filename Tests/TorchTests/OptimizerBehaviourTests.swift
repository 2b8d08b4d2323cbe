import Foundation
import Testing
import Torch

// Optimizer and scheduler behaviour that needs no PyTorch fixture: the implementation choice,
// parameter groups, zeroGrad, the closure form, gradient scaling with fused kernels, validation
// errors, the exported layout, and that nothing leaks.

@Suite("Optimizer behaviour")
struct OptimizerBehaviourTests {
    @Test("Default implementation: fused for SGD, Adam, AdamW, Adagrad on the CPU; foreach for RMSprop")
    func defaultImplementation() throws {
        let params = try OptimFixture.get().initialParameters()
        #expect(try SGD(params).implementation(forGroup: 0) == .fused)
        #expect(try Adam(params).implementation(forGroup: 0) == .fused)
        #expect(try AdamW(params).implementation(forGroup: 0) == .fused)
        #expect(try Adagrad(params).implementation(forGroup: 0) == .fused)
        #expect(try RMSprop(params).implementation(forGroup: 0) == .foreach)
        #expect(try Adam(params, foreach: true).implementation(forGroup: 0) == .foreach)
        #expect(try Adam(params, fused: false).implementation(forGroup: 0) == .foreach)
        #expect(try SGD(params, fused: true).implementation(forGroup: 0) == .fused)
    }

    @Test("The default implementation gives the fused kernel's results bit for bit")
    func defaultIsFused() throws {
        let first = try OptimFixture.get().initialParameters()
        let second = try OptimFixture.get().initialParameters()
        try train(try AdamW(first, lr: 0.01), first, steps: 10, maximize: false)
        try train(try AdamW(second, lr: 0.01, fused: true), second, steps: 10, maximize: false)
        for (a, b) in zip(first, second) { #expect(try a.detach().equal(b.detach())) }
    }

    @Test("Groups keep their own options; missing options take the defaults in PyTorch's key order")
    func paramGroups() throws {
        let params = try OptimFixture.get().initialParameters()
        let optimizer = try SGD([ParamGroup(Array(params[0...1]), options: ["lr": 0.5]), ParamGroup(Array(params[2...3]))],
                                lr: 0.1, momentum: 0.9)
        #expect(optimizer.paramGroups.map(\.lr) == [0.5, 0.1])
        #expect(optimizer.paramGroups[0].momentum == 0.9)
        let keys = optimizer.stateDict().paramGroups[1].keys.map(\.description)
        #expect(keys == ["'lr'", "'momentum'", "'dampening'", "'weight_decay'", "'nesterov'", "'maximize'", "'foreach'",
                         "'differentiable'", "'fused'", "'params'"])
        #expect(optimizer.stateDict().groupParameterIndices == [[0, 1], [2, 3]])
    }

    @Test("Groups of named parameters export param_names where PyTorch puts them, and load them back")
    func namedGroups() throws {
        let params = try OptimFixture.get().initialParameters()
        let optimizer = try SGD([ParamGroup(named: [("w1", params[0])], options: ["lr": 0.5]), ParamGroup(named: [("b1", params[1])])], lr: 0.1)
        let groups = optimizer.stateDict().paramGroups
        #expect(groups[0].keys.prefix(3).map(\.description) == ["'lr'", "'param_names'", "'momentum'"])
        #expect(groups[1].keys.prefix(2).map(\.description) == ["'param_names'", "'lr'"])
        #expect(groups[1]["param_names"]?.description == "['b1']")
        #expect(throws: TorchError("all optimizer param groups should be with/without names. cannot add param group without names to the optimizer")) {
            try optimizer.addParamGroup(ParamGroup([params[2]]))
        }
        let copy = try SGD([ParamGroup(named: [("x", params[0])]), ParamGroup(named: [("y", params[1])])], lr: 0.1)
        try copy.loadStateDict(optimizer.stateDict())
        #expect(copy.paramGroups.map(\.paramNames) == [["w1"], ["b1"]])
        #expect(copy.stateDict().paramGroups.map { $0.keys } == groups.map { $0.keys })
    }

    @Test("addParamGroup adds a group with the defaults; a parameter in two groups is an error")
    func addParamGroup() throws {
        let params = try OptimFixture.get().initialParameters()
        let optimizer = try Adam(Array(params[0...1]), lr: 0.01)
        try optimizer.addParamGroup(ParamGroup(Array(params[2...3]), options: ["lr": 0.001]))
        #expect(optimizer.paramGroups.count == 2)
        #expect(optimizer.paramGroups[1].lr == 0.001)
        #expect(optimizer.paramGroups[1].betas == (0.9, 0.999))
        #expect(throws: TorchError("some parameters appear in more than one parameter group")) {
            try optimizer.addParamGroup(ParamGroup([params[0]]))
        }
        // Both groups step.
        let before = try params.map { try $0.detach().clone() }
        try train(optimizer, params, steps: 1, maximize: false)
        for (a, b) in zip(params, before) { #expect(try !a.detach().equal(b)) }
    }

    @Test("Changing lr in paramGroups changes the next step; lr 0 leaves the parameters")
    func writableGroups() throws {
        let params = try OptimFixture.get().initialParameters()
        let optimizer = try SGD(params, lr: 0.1, momentum: 0.9)
        optimizer.paramGroups[0].lr = 0
        let before = try params.map { try $0.detach().clone() }
        try train(optimizer, params, steps: 2, maximize: false)
        for (a, b) in zip(params, before) { #expect(try a.detach().equal(b)) }
    }

    @Test("zeroGrad sets gradients to nil, or to zeros with setToNone: false")
    func zeroGrad() throws {
        let fixture = try OptimFixture.get()
        let params = try fixture.initialParameters()
        let (x, y) = try fixture.inputs()
        let optimizer = try SGD(params, lr: 0.1)
        try mlpLoss(params, x, y).backward()
        try optimizer.zeroGrad(setToNone: false)
        for parameter in params {
            let grad = try #require(parameter.grad)
            #expect(try grad.abs().sum().item(Double.self) == 0)
        }
        try optimizer.zeroGrad()
        #expect(params.allSatisfy { $0.grad == nil })
    }

    @Test("step(closure:) evaluates the loss with gradients on and steps")
    func closure() throws {
        let fixture = try OptimFixture.get()
        let params = try fixture.initialParameters()
        let (x, y) = try fixture.inputs()
        let optimizer = try SGD(params, lr: 0.1)
        let first = try noGrad {
            try optimizer.step {
                try optimizer.zeroGrad()
                let loss = try mlpLoss(params, x, y)
                try loss.backward()
                return try loss.item(Double.self)
            }
        }
        let second = try mlpLoss(params, x, y).item(Double.self)
        #expect(second < first)
    }

    @Test("Parameters without gradients are skipped and get no state")
    func partialGradients() throws {
        let fixture = try OptimFixture.get()
        let params = try fixture.initialParameters()
        let (x, y) = try fixture.inputs()
        let optimizer = try SGD(params, lr: 0.1, momentum: 0.9)
        let frozen = try params[0].detach().clone()
        try mlpLoss(params, x, y).backward()
        try params[0].setGrad(nil)
        try optimizer.step()
        #expect(try params[0].detach().equal(frozen))
        #expect(optimizer.state(for: params[0]) == nil)
        #expect(optimizer.state(for: params[1])?["momentum_buffer"] != nil)
        // The parameter joins later: its buffer starts from its gradient, the others continue.
        try optimizer.zeroGrad()
        try mlpLoss(params, x, y).backward()
        try optimizer.step()
        #expect(optimizer.state(for: params[0])?["momentum_buffer"] != nil)
    }

    @Test("Fused kernels unscale by gradScale and skip the step when foundInf is set")
    func gradScaling() throws {
        let fixture = try OptimFixture.get()
        let (x, y) = try fixture.inputs()
        let plain = try fixture.initialParameters(), scaled = try fixture.initialParameters()
        let a = try Adam(plain, lr: 0.01), b = try Adam(scaled, lr: 0.01)
        b.gradScale = try Tensor(scalar: Float(1024))
        b.foundInf = try Tensor(scalar: Float(0))
        try mlpLoss(plain, x, y).backward()
        try (mlpLoss(scaled, x, y) * 1024.0).backward()
        try a.step()
        try b.step()
        for (p, q) in zip(plain, scaled) { #expect(try p.detach().allclose(q.detach(), rtol: 1e-6, atol: 1e-9)) }

        let before = try scaled.map { try $0.detach().clone() }
        b.foundInf = try Tensor(scalar: Float(1))
        try b.zeroGrad()
        try (mlpLoss(scaled, x, y) * 1024.0).backward()
        try b.step()
        for (p, q) in zip(scaled, before) { #expect(try p.detach().equal(q)) }
        #expect(try b.state(for: scaled[0])?["step"]?.tensorValue?.item(Double.self) == 1)

        let foreach = try Adam(plain, foreach: true)
        foreach.gradScale = try Tensor(scalar: Float(2))
        #expect(throws: TorchError.self) { try foreach.step() }
    }

    @Test("Invalid options are errors with PyTorch's messages")
    func validation() throws {
        let params = try OptimFixture.get().initialParameters()
        #expect(throws: TorchError("optimizer got an empty parameter list")) { try SGD([Tensor](), lr: 0.1) }
        #expect(throws: TorchError("Invalid learning rate: -1.0")) { try SGD(params, lr: -1) }
        #expect(throws: TorchError("Nesterov momentum requires a momentum and zero dampening")) { try SGD(params, lr: 0.1, nesterov: true) }
        #expect(throws: TorchError("Invalid beta parameter at index 1: 1.0")) { try Adam(params, betas: (0.9, 1.0)) }
        #expect(throws: TorchError("`fused` and `foreach` cannot be `True` together.")) { try AdamW(params, foreach: true, fused: true) }
        #expect(throws: TorchError("can't optimize a non-leaf Tensor")) { try SGD([try params[0] * 2.0], lr: 0.1) }
        let integer = try Tensor([1, 2] as [Int64])
        let fused = try SGD([integer], lr: 0.1, fused: true)
        #expect(throws: TorchError.self) { try fused.implementation(forGroup: 0) }
    }

    @Test("Loading state with other groups is an error")
    func loadMismatch() throws {
        let params = try OptimFixture.get().initialParameters()
        let one = try SGD(params, lr: 0.1)
        let two = try SGD([ParamGroup(Array(params[0...1])), ParamGroup(Array(params[2...3]))], lr: 0.1)
        #expect(throws: TorchError("loaded state dict has a different number of parameter groups")) {
            try one.loadStateDict(two.stateDict())
        }
        let short = try SGD(Array(params[0...2]), lr: 0.1)
        #expect(throws: TorchError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")) {
            try one.loadStateDict(short.stateDict())
        }
    }

    @Test("The exported state converts to one dictionary value and back")
    func stateValueRoundTrip() throws {
        let params = try OptimFixture.get().initialParameters()
        let optimizer = try Adam(params, lr: 0.01, amsgrad: true)
        try train(optimizer, params, steps: 3, maximize: false)
        let value = optimizer.stateDict().value
        let map = try #require(value.dictValue)
        #expect(map.keys == ["state", "param_groups"])
        let step = try #require(map["state"]?.dictValue?[0]?.dictValue?["step"]?.tensorValue)
        #expect(step.dtype == .float32 && step.shape == [] && step.device == .cpu)
        #expect(try step.item(Double.self) == 3)
        let state = try #require(map["state"]?.dictValue?[0]?.dictValue)
        #expect(state.keys == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        #expect(map["param_groups"]?.arrayValue?.first?.dictValue?["betas"]?.description == "(0.9, 0.999)")
        let back = try OptimizerState(value)
        #expect(back.groupParameterIndices == [[0, 1, 2, 3]])
        #expect(back.state.keys.sorted() == [0, 1, 2, 3])
        #expect(value.description.hasPrefix("{'state': {0: {'step': tensor(shape: [], dtype: torch.float32, device: cpu)"))
    }

    @Test("Optimizers release every tensor they create")
    func noLeaks() throws {
        let fixture = try OptimFixture.get()
        let (x, y) = try fixture.inputs()
        let params = try fixture.initialParameters()
        let baseline = Tensor.threadBalance
        do {
            for make in [{ try SGD(params, lr: 0.1, momentum: 0.9) as Optimizer }, { try Adam(params, amsgrad: true) },
                         { try RMSprop(params, momentum: 0.5, centered: true) }, { try Adagrad(params, foreach: true) }] {
                let optimizer = try make()
                for _ in 0..<3 {
                    try optimizer.zeroGrad()
                    try mlpLoss(params, x, y).backward()
                    _ = try clipGradNorm_(params, maxNorm: 1.0)
                    try optimizer.step()
                }
                try optimizer.zeroGrad()
            }
        }
        #expect(Tensor.threadBalance == baseline)
    }
}

@Suite("Gradient clipping behaviour")
struct ClipGradBehaviourTests {
    @Test("errorIfNonfinite throws on an infinite gradient and leaves it")
    func nonfinite() throws {
        let parameter = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        try parameter.setGrad(try Tensor([1, Float.infinity, 3] as [Float]))
        #expect(throws: TorchError.self) { try clipGradNorm_([parameter], maxNorm: 1, errorIfNonfinite: true) }
        #expect(try parameter.grad!.toArray(of: Float.self) == [1, .infinity, 3])
    }

    @Test("Parameters without gradients are ignored; no gradients give a zero norm")
    func missingGradients() throws {
        let a = try Tensor([3, 4] as [Float]).setRequiresGrad()
        let b = try Tensor([1] as [Float]).setRequiresGrad()
        try a.setGrad(try Tensor([3, 4] as [Float]))
        let norm = try clipGradNorm_([a, b], maxNorm: 1)
        #expect(try norm.item(Double.self) == 5)
        #expect(try a.grad!.toArray(of: Float.self).map { ($0 * 1000).rounded() / 1000 } == [0.6, 0.8])
        #expect(b.grad == nil)
        #expect(try clipGradNorm_([b], maxNorm: 1).item(Double.self) == 0)
    }
}

@Suite("LR scheduler behaviour")
struct LRSchedulerBehaviourTests {
    @Test("Construction takes the first step and records initial_lr")
    func initialStep() throws {
        let optimizer = try twoGroupSGD()
        let scheduler = try LinearLR(optimizer, startFactor: 0.5, totalIters: 4)
        #expect(scheduler.lastEpoch == 0 && scheduler.stepCount == 1)
        #expect(scheduler.getLastLR() == [0.05, 0.005])
        #expect(optimizer.paramGroups.map { $0["initial_lr"]?.doubleValue } == [0.1, 0.01])
    }

    @Test("Resuming with lastEpoch needs initial_lr in every group")
    func resumeNeedsInitialLR() throws {
        let optimizer = try twoGroupSGD()
        #expect(throws: TorchError.self) { try StepLR(optimizer, stepSize: 3, lastEpoch: 5) }
    }

    @Test("OneCycleLR stops after totalSteps")
    func oneCycleEnd() throws {
        let optimizer = try twoGroupSGD()
        let scheduler = try OneCycleLR(optimizer, maxLR: 1.0, totalSteps: 3)
        for _ in 0..<3 { try scheduler.step() }
        #expect(throws: TorchError("Tried to step 4 times. The specified number of total steps is 3")) { try scheduler.step() }
    }

    @Test("Invalid settings are errors with PyTorch's messages")
    func validation() throws {
        let optimizer = try twoGroupSGD()
        #expect(throws: TorchError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")) {
            try LinearLR(optimizer, startFactor: 0)
        }
        #expect(throws: TorchError("Factor should be < 1.0.")) { try ReduceLROnPlateau(optimizer, factor: 1) }
        #expect(throws: TorchError("Expected 2 lr_lambdas, but got 1")) { try LambdaLR(optimizer, lrLambdas: [{ _ in 1 }]) }
        let other = try twoGroupSGD()
        let foreign = try ExponentialLR(other, gamma: 0.9)
        #expect(throws: TorchError.self) { try SequentialLR(optimizer, schedulers: [foreign], milestones: []) }
    }

    @Test("ReduceLROnPlateau takes a tensor metric")
    func plateauTensor() throws {
        let optimizer = try twoGroupSGD()
        let scheduler = try ReduceLROnPlateau(optimizer, patience: 0)
        try scheduler.step(try Tensor(scalar: Float(1)))
        try scheduler.step(try Tensor(scalar: Float(2)))
        #expect(scheduler.getLastLR().map { ($0 * 1e6).rounded() / 1e6 } == [0.01, 0.001])
    }

    @Test("CosineAnnealingWarmRestarts takes fractional epochs")
    func fractionalEpochs() throws {
        let optimizer = try twoGroupSGD()
        let scheduler = try CosineAnnealingWarmRestarts(optimizer, t0: 2, tMult: 2)
        try scheduler.step(epoch: 0.5)
        #expect(scheduler.tCur == 0.5 && scheduler.lastEpoch == 0)
        try scheduler.step(epoch: 2.5)
        #expect(scheduler.tCur == 0.5 && scheduler.tI == 4)
        #expect(abs(scheduler.getLastLR()[0] - 0.1 * (1 + cos(Double.pi * 0.5 / 4)) / 2) < 1e-15)
        #expect(scheduler.stateDict()["T_cur"]?.doubleValue == 0.5)
    }
}
