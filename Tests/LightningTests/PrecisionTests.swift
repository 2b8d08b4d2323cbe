import Foundation
import Testing
import Torch
@testable import Lightning

// Mixed precision in the Trainer: bf16-mixed autocast, 16-mixed loss scaling (GradScaler) wired as
// Lightning's MixedPrecision plugin, and the scaler's state in checkpoints.

/// y = x W^T + b with its own float32 weights; records the matmul dtype and loss of each step.
private final class AMPModule: Module, LightningModule {
    typealias Batch = Pair
    @Parameter var weight: Tensor
    @Parameter var bias: Tensor
    var matmulDtypes: [DType] = []
    var losses: [Float] = []
    var weightsPerStep: [[Float]] = []
    let lr: Double
    /// Steps its optimizer itself (manual optimization) instead of returning the loss.
    let manual: Bool
    var automaticOptimization: Bool { !manual }
    /// Halves the learning rate after every optimizer step (a step-interval StepLR); the rate of
    /// each training step is recorded.
    let halving: Bool
    var learningRates: [Double] = []

    init(lr: Double = 0.05, manual: Bool = false, halving: Bool = false) throws {
        // Deterministic values without the global generator (tests run in parallel).
        weight = try (Tensor.arange(end: 12, dtype: .float32) * 0.7).sin().reshape([3, 4]) * 0.5
        bias = try Tensor.zeros([3])
        self.lr = lr
        self.manual = manual
        self.halving = halving
        super.init()
    }

    func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        if let optimizer = trainer?.optimizers.first { learningRates.append(optimizer.paramGroups[0].lr) }
        let product = try batch.0.matmul(weight.t())
        matmulDtypes.append(product.dtype)
        let out = try product + bias
        let loss = try out.mseLoss(target: batch.1.to(dtype: out.dtype))
        losses.append(try loss.item(Float.self))
        if manual {
            let optimizer = optimizers()[0]
            try optimizer.zeroGrad()
            try manualBackward(loss)
            try optimizer.step()
        }
        return loss
    }
    func onTrainBatchEnd(_ outputs: StepOutputs, batch: Pair, batchIndex: Int) throws {
        weightsPerStep.append(try weight.detach().flatten().toArray(of: Float.self))
    }
    func configureOptimizers() throws -> OptimizerConfiguration {
        let optimizer = try SGD(parameters(), lr: lr, momentum: 0.9, foreach: true)
        guard halving else { return OptimizerConfiguration(optimizer) }
        return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 1, gamma: 0.5), interval: .step)
    }
}

/// Batches of a noisy linear target; `infAt` batches get an inf input (their gradients overflow).
private func batches(count: Int, infAt: Set<Int> = []) throws -> [Pair] {
    let trueWeight = try Tensor.arange(end: 12, dtype: .float32).cos().reshape([3, 4])
    return try (0..<count).map { i in
        let x = try (Tensor.arange(end: 32, dtype: .float32) * (0.37 + 0.11 * Double(i)) + Double(i)).sin().reshape([8, 4])
        let y = try x.matmul(trueWeight.t())
        if infAt.contains(i) { _ = try x.select(dim: 0, index: 1).fill_(value: Double.infinity) }
        return (x, y)
    }
}

private func makeTrainer(precision: PrecisionSetting, maxEpochs: Int = 1, clip: Double? = nil,
                         root: String? = nil) throws -> Trainer {
    try Trainer(accelerator: "cpu", precision: precision, logger: [], maxEpochs: maxEpochs, numSanityValSteps: 0,
                enableCheckpointing: root != nil, enableProgressBar: false, enableModelSummary: false,
                gradientClipVal: clip, defaultRootDir: root)
}

/// Records the loss the backward hooks see and whether the gradients are finite before each step.
private final class GradientRecorder: Callback {
    var backwardLosses: [Float] = []
    var gradientsFinite: [Bool] = []
    func onBeforeBackward(_ trainer: Trainer, _ module: any LightningModule, loss: Tensor) throws {
        backwardLosses.append(try loss.item(Float.self))
    }
    func onBeforeOptimizerStep(_ trainer: Trainer, _ module: any LightningModule, optimizer: Optimizer) throws {
        let finite = try module.parameters().allSatisfy { try $0.grad.map { try $0.isfinite().all().item(Bool.self) } ?? true }
        gradientsFinite.append(finite)
    }
}

@Suite("Precision plugins", .serialized)
struct PrecisionTests {
    @Test("bf16-mixed on the CPU: matmuls in bfloat16, weights float32, the loss decreases")
    func bf16Mixed() throws {
        let module = try AMPModule()
        let trainer = try makeTrainer(precision: .bfloat16Mixed, maxEpochs: 5)
        try trainer.fit(module, trainDataloaders: BatchList(try batches(count: 10)))
        #expect(trainer.precisionPlugin.scaler == nil)
        #expect(module.matmulDtypes.count == 50 && module.matmulDtypes.allSatisfy { $0 == .bfloat16 })
        #expect(module.weight.dtype == .float32)
        let first = module.losses.prefix(10).reduce(0, +), last = module.losses.suffix(10).reduce(0, +)
        #expect(last < first / 4, "losses \(module.losses)")
    }

    @Test("16-mixed on the CPU becomes bf16-mixed, as Lightning's accelerator connector")
    func float16MixedOnCPU() throws {
        let module = try AMPModule()
        let trainer = try makeTrainer(precision: .float16Mixed)
        try trainer.fit(module, trainDataloaders: BatchList(try batches(count: 2)))
        #expect(trainer.precisionPlugin.setting == .bfloat16Mixed)
        #expect(trainer.precisionPlugin.scaler == nil)
        #expect(module.matmulDtypes == [.bfloat16, .bfloat16])
    }

    @Test("true precisions convert the module and the inputs", arguments: [
        (PrecisionSetting.bfloat16, DType.bfloat16), (.float16, .float16), (.float64, .float64),
    ])
    func truePrecision(setting: PrecisionSetting, dtype: DType) throws {
        let module = try AMPModule()
        let trainer = try makeTrainer(precision: setting)
        try trainer.fit(module, trainDataloaders: BatchList(try batches(count: 2)))
        #expect(module.weight.dtype == dtype && module.bias.dtype == dtype)
        #expect(module.matmulDtypes == [dtype, dtype])
    }

    /// The steps of Lightning's 16-mixed automatic optimization written out by hand: autocast
    /// float16 forward, scale, backward, unscale_, clip, scaler.step, scaler.update.
    private func manualRun(_ data: [Pair], clip: Double?) throws -> (weights: [[Float]], scales: [Double]) {
        let module = try AMPModule()
        let optimizer = try SGD(module.parameters(), lr: 0.05, momentum: 0.9, foreach: true)
        let scaler = try GradScaler(device: .cpu, initScale: 1024, growthInterval: 3)
        var weights: [[Float]] = [], scales: [Double] = []
        for (i, batch) in data.enumerated() {
            let loss = try autocast(device: .cpu, dtype: .float16, cacheEnabled: false) {
                try module.trainingStep(batch, batchIndex: i)
            }
            try optimizer.zeroGrad()
            try scaler.scale(loss).backward()
            try scaler.unscale_(optimizer)
            if let clip { _ = try clipGradNorm_(module.parameters(), maxNorm: clip) }
            try scaler.step(optimizer)
            try scaler.update()
            weights.append(try module.weight.detach().flatten().toArray(of: Float.self))
            scales.append(try scaler.getScale())
        }
        return (weights, scales)
    }

    @Test("16-mixed with a scaler: float16 autocast, loss scaling, skipped inf steps, clipping on unscaled gradients",
          arguments: [nil, 0.5] as [Double?])
    func float16MixedWithScaler(clip: Double?) throws {
        let data = try batches(count: 8, infAt: [2, 5])
        let expected = try manualRun(data, clip: clip)
        let folder = try temporaryFolder("amp")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let module = try AMPModule()
        let trainer = try makeTrainer(precision: .float16Mixed, clip: clip, root: folder)
        let scaler = try GradScaler(device: .cpu, initScale: 1024, growthInterval: 3)
        trainer.precisionPluginOverride = PrecisionPlugin(float16MixedOn: .cpu, scaler: scaler)
        try trainer.fit(module, trainDataloaders: BatchList(data))
        #expect(module.matmulDtypes.allSatisfy { $0 == .float16 })
        #expect(module.weightsPerStep == expected.weights)
        #expect(module.weightsPerStep[2] == module.weightsPerStep[1], "the inf step is skipped")
        #expect(try scaler.getScale() == expected.scales.last)
        #expect(expected.scales == [1024, 1024, 512, 512, 512, 256, 256, 256])
        // Skipped optimizer steps still count as global steps, as in Lightning.
        #expect(trainer.globalStep == 8)

        // The scaler's state is saved under Lightning's plugin key and restored on resume.
        let path = try #require(listFiles(folder).first { $0.hasSuffix(".ckpt") }.map { folder + "/" + $0 })
        let checkpoint = try TorchCheckpointIO().load(from: path)
        let saved = try #require(checkpoint["MixedPrecision"])
        guard case .dict(let state) = StateValue(saved) else { Issue.record("not a dict"); return }
        #expect(Array(state.keys) == ["scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"])
        #expect(state["scale"]?.doubleValue == expected.scales.last)

        let resumed = try makeTrainer(precision: .float16Mixed, maxEpochs: 2, clip: clip)
        let resumedScaler = try GradScaler(device: .cpu)
        resumed.precisionPluginOverride = PrecisionPlugin(float16MixedOn: .cpu, scaler: resumedScaler)
        try resumed.fit(try AMPModule(), trainDataloaders: BatchList(data), ckptPath: path)
        #expect(resumedScaler.growthInterval == 3)
        #expect(resumed.globalStep == 16)
    }

    @Test("16-mixed: a step the scaler skips steps no step-interval scheduler (unlike Lightning, its issue #5558)")
    func skippedStepsDoNotStepSchedulers() throws {
        let module = try AMPModule(halving: true)
        let trainer = try makeTrainer(precision: .float16Mixed)
        let scaler = try GradScaler(device: .cpu, initScale: 1024, growthInterval: 3)
        trainer.precisionPluginOverride = PrecisionPlugin(float16MixedOn: .cpu, scaler: scaler)
        try trainer.fit(module, trainDataloaders: BatchList(try batches(count: 8, infAt: [2, 5])))
        // Batches 2 and 5 overflow: their optimizer steps are skipped, and so are their scheduler steps.
        let halvings = [0, 1, 2, 2, 3, 4, 4, 5]
        #expect(module.learningRates == halvings.map { 0.05 * pow(0.5, Double($0)) })
        #expect(trainer.optimizers[0].paramGroups[0].lr == 0.05 * pow(0.5, 6))
        #expect(trainer.globalStep == 8)
    }

    @Test("16-mixed under manual optimization: manualBackward scales the loss, step() unscales, steps through the scaler and updates it")
    func float16MixedManualOptimization() throws {
        let data = try batches(count: 8, infAt: [2, 5])
        let expected = try manualRun(data, clip: nil)
        let module = try AMPModule(manual: true)
        let recorder = GradientRecorder()
        let trainer = try Trainer(accelerator: "cpu", logger: [], callbacks: [recorder], maxEpochs: 1, numSanityValSteps: 0,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        let scaler = try GradScaler(device: .cpu, initScale: 1024, growthInterval: 3)
        trainer.precisionPluginOverride = PrecisionPlugin(float16MixedOn: .cpu, scaler: scaler)
        try trainer.fit(module, trainDataloaders: BatchList(data))
        #expect(module.matmulDtypes.allSatisfy { $0 == .float16 })
        #expect(module.weightsPerStep == expected.weights)
        #expect(try scaler.getScale() == expected.scales.last)
        // The backward hooks see the scaled loss; the pre-step hooks see unscaled gradients.
        #expect(recorder.backwardLosses.first == module.losses.first.map { $0 * 1024 })
        #expect(recorder.gradientsFinite == [true, true, false, true, true, false, true, true])
        #expect(trainer.globalStep == 8)
    }

    @Test("16-mixed on CUDA: float16 autocast with the default scaler")
    func float16MixedCUDA() throws {
        guard CUDA.isAvailable else {
            print("skipped: CUDA is not available (16-mixed on CUDA needs a GPU)")
            return
        }
        let module = try AMPModule()
        let trainer = try Trainer(accelerator: "gpu", precision: .float16Mixed, logger: [], maxEpochs: 3, numSanityValSteps: 0,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(module, trainDataloaders: BatchList(try batches(count: 10)))
        let scaler = try #require(trainer.precisionPlugin.scaler)
        #expect(module.matmulDtypes.allSatisfy { $0 == .float16 })
        #expect(module.weight.dtype == .float32)
        #expect(try scaler.getScale() == 65536)
        let first = module.losses.prefix(10).reduce(0, +), last = module.losses.suffix(10).reduce(0, +)
        #expect(last < first)
    }
}
