import Foundation
import Lightning
import Testing
import Torch

/// The tuners and training-schedule callbacks against Lightning 2.6.6
/// (Tests/LightningTests/Fixtures/tuning.json, made by Tools/lightning-reference/tuning.py):
/// GradientAccumulationScheduler, Tuner.lrFind / LearningRateFinder, Tuner.scaleBatchSize /
/// BatchSizeFinder, StochasticWeightAveraging and BasePredictionWriter.
@Suite("Tuners and schedule callbacks match Lightning 2.6.6", .serialized)
struct TuningTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("tuning")
    static var data: [String: Any] { fixture.object("data") }
    static func reference(_ id: String) -> [String: Any] { fixture.object("cases").object(id) }

    /// x, y rows of the fixture.
    struct Samples: Dataset {
        let x: [[Double]]
        let y: [[Double]]
        var count: Int { x.count }
        subscript(index: Int) -> Pair {
            get throws { (try Tensor(x[index].map(Float.init)), try Tensor(y[index].map(Float.init))) }
        }
    }

    static func samples(_ n: Int = 32) -> Samples {
        Samples(x: Array(data.matrix("x").prefix(n)), y: Array(data.matrix("y").prefix(n)))
    }

    static func loader(_ samples: Samples, batchSize: Int, shuffle: Bool = false, generator: Generator? = nil) throws -> DataLoader<Pair> {
        try DataLoader(samples, batchSize: batchSize, shuffle: shuffle, generator: generator)
    }

    /// Lightning's TuneModule: Linear(2,1) or Linear-BatchNorm-ReLU-Linear, SGD(lr), mse.
    final class TuneModule<Net: Module & UnaryLayer>: Torch.Module, LightningModule {
        typealias Batch = Pair
        let net: Net
        var lr = 0.1
        var batchSize = 4
        let stepScheduler: Bool
        var optimizerSteps: [[Int]] = []
        var trainDataloaderBatchSizes: [Int] = []
        var epochLRs: [Double] = []
        var trainStarts = 0
        var trainEnds = 0
        var trainSteps = 0
        /// The validation, test and predict loaders read `batchSize` too, over all 32 samples
        /// (Lightning's `eval_batch_size=True`), and what they did is recorded.
        var evalReadsBatchSize = false
        var evalDataloaderBatchSizes: [String] = []
        var evalSteps: [[String]] = []
        var evalStarts = 0

        init(_ net: Net, stepScheduler: Bool = false) {
            self.net = net
            self.stepScheduler = stepScheduler
            super.init()
        }

        func forward(_ x: Tensor) throws -> Tensor { try net.forward(x) }

        func trainDataloader() throws -> (any BatchLoader<Pair>)? {
            trainDataloaderBatchSizes.append(batchSize)
            return try TuningTests.loader(TuningTests.samples(), batchSize: batchSize)
        }

        func valDataloader() throws -> (any BatchLoader<Pair>)? {
            if evalReadsBatchSize { return try evalLoader("val") }
            return try TuningTests.loader(TuningTests.samples(8), batchSize: 4)
        }
        func testDataloader() throws -> (any BatchLoader<Pair>)? { evalReadsBatchSize ? try evalLoader("test") : nil }
        func predictDataloader() throws -> (any BatchLoader<Pair>)? { evalReadsBatchSize ? try evalLoader("predict") : nil }

        func evalLoader(_ stage: String) throws -> DataLoader<Pair> {
            evalDataloaderBatchSizes.append("\(stage) \(batchSize)")
            return try TuningTests.loader(TuningTests.samples(), batchSize: batchSize)
        }
        func recordEvalStep(_ stage: String, _ batch: Pair, _ batchIndex: Int) {
            if evalReadsBatchSize { evalSteps.append([stage, "\(batchIndex)", "\(batch.0.shape[0])"]) }
        }
        func onValidationStart() throws { if evalReadsBatchSize { evalStarts += 1 } }
        func onTestStart() throws { if evalReadsBatchSize { evalStarts += 1 } }
        func onPredictStart() throws { if evalReadsBatchSize { evalStarts += 1 } }

        func onTrainStart() throws { trainStarts += 1 }
        func onTrainEnd() throws { trainEnds += 1 }
        func onTrainEpochStart() throws { epochLRs.append(trainer!.optimizers[0].paramGroups[0].lr) }

        /// The mean squared error of `batch`, logged as `name`.
        func loss(_ batch: Pair, loggedAs name: String) throws -> Tensor {
            let loss = try forward(batch.0).mseLoss(target: batch.1)
            try log(name, loss)
            return loss
        }

        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            trainSteps += 1
            return try loss(batch, loggedAs: "train_loss")
        }

        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            recordEvalStep("val", batch, batchIndex)
            return try loss(batch, loggedAs: "val_loss")
        }
        func testStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            recordEvalStep("test", batch, batchIndex)
            return try loss(batch, loggedAs: "test_loss")
        }

        func predictStep(_ batch: Pair, batchIndex: Int, dataloaderIndex: Int) throws -> Tensor {
            recordEvalStep("predict", batch, batchIndex)
            return try forward(batch.0)
        }

        func optimizerStep(epoch: Int, batchIndex: Int, optimizer: Optimizer, closure: () throws -> Tensor?) throws {
            optimizerSteps.append([epoch, batchIndex])
            try optimizer.step(closure: closure)
        }

        func configureOptimizers() throws -> OptimizerConfiguration {
            let optimizer = try SGD(parameters(), lr: lr)
            guard stepScheduler else { return OptimizerConfiguration(optimizer) }
            return OptimizerConfiguration(optimizer, scheduler: try StepLR(optimizer, stepSize: 1, gamma: 0.5))
        }

        var weights: [String: [Float]] {
            get throws { Dictionary(uniqueKeysWithValues: try stateDict().map { ($0.key, try $0.value.to(dtype: .float32).flatten().toArray(of: Float.self)) }) }
        }
    }

    static func linearModule() throws -> TuneModule<Linear> {
        let layer = try Linear(inFeatures: 2, outFeatures: 1)
        try noGrad {
            try layer.weight.copy_(src: Tensor([[Float(0.5), -0.25]]))
            try layer.bias!.copy_(src: Tensor([Float(0.1)]))
        }
        return TuneModule(layer)
    }

    static func batchNormModule() throws -> TuneModule<Sequential> {
        let first = try Linear(inFeatures: 2, outFeatures: 4)
        let last = try Linear(inFeatures: 4, outFeatures: 1)
        try noGrad {
            try first.weight.copy_(src: Tensor(data.matrix("bn_w1").map { $0.map(Float.init) }))
            try first.bias!.copy_(src: Tensor(data.numbers("bn_b1").map(Float.init)))
            try last.weight.copy_(src: Tensor(data.matrix("bn_w2").map { $0.map(Float.init) }))
            try last.bias!.copy_(src: Tensor(data.numbers("bn_b2").map(Float.init)))
        }
        return TuneModule(Sequential(first, try BatchNorm1d(4), ReLU(), last))
    }

    static func trainer(maxEpochs: Int? = nil, maxSteps: Int = -1, limitValBatches: BatchLimit? = nil, callbacks: [any Callback] = []) throws -> Trainer {
        try Trainer(accelerator: "cpu", logger: [], callbacks: callbacks, maxEpochs: maxEpochs, maxSteps: maxSteps, limitValBatches: limitValBatches,
                    enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false,
                    defaultRootDir: FileManager.default.temporaryDirectory.appendingPathComponent("tuning-\(UUID().uuidString)").path)
    }

    /// Equal within `relative` of the larger of |expected| and 1 (absolute near zero).
    static func expectClose(_ actual: [Double], _ expected: [Double], relative: Double, _ what: String) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, Lightning \(expected.count)")
        for (index, (a, e)) in zip(actual, expected).enumerated() where !(a.isNaN && e.isNaN) {
            #expect(abs(a - e) <= relative * max(abs(e), 1), "\(what)[\(index)]: \(a) vs Lightning \(e)")
        }
    }

    static func expectWeights(_ actual: [String: [Float]], _ expected: [String: Any], tolerance: Double, _ what: String) {
        for (key, value) in expected {
            let reference = numbers(value)
            guard let mine = actual[key] else {
                Issue.record("\(what): no \(key)")
                continue
            }
            expectClose(mine.map(Double.init), reference, relative: tolerance, "\(what) \(key)")
        }
    }

    /// A fixture number read exactly (see `fixtureDouble`).
    static func number(_ value: Any?) -> Double { fixtureDouble(value)! }

    static func numbers(_ value: Any?) -> [Double] { (value as! [Any]).map(number) }

    /// The counters every case records.
    static func expectRecord<Net>(_ model: TuneModule<Net>, _ reference: [String: Any], checkSteps: Bool = true) {
        if checkSteps { #expect(model.optimizerSteps == reference["optimizer_steps"] as! [[Int]]) }
        #expect(model.trainDataloaderBatchSizes == reference["train_dataloader_batch_sizes"] as! [Int])
        #expect(model.trainStarts == reference["train_start"] as! Int)
        #expect(model.trainEnds == reference["train_end"] as! Int)
        #expect(model.epochLRs == numbers(reference["epoch_lrs"]), "lr at each epoch start")
    }

    // MARK: GradientAccumulationScheduler

    @Test func gradientAccumulationScheduler() throws {
        let reference = Self.reference("gas")
        let model = try Self.linearModule()
        let trainer = try Self.trainer(maxEpochs: 3, limitValBatches: .count(0),
                                       callbacks: [try GradientAccumulationScheduler(scheduling: [1: 3, 2: 8])])
        try trainer.fit(model)
        Self.expectRecord(model, reference)
        #expect(model.trainSteps == reference["train_steps"] as! Int)
        #expect(trainer.globalStep == reference["global_step"] as! Int)
        #expect(trainer.accumulateGradBatches == reference["accumulate_grad_batches"] as! Int)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 1e-6, "weights")
    }

    @Test func gradientAccumulationSchedulerRejectsBadSettings() throws {
        #expect(throws: LightningError.self) { try GradientAccumulationScheduler(scheduling: [:]) }
        #expect(throws: LightningError.self) { try GradientAccumulationScheduler(scheduling: [-1: 2]) }
        #expect(throws: LightningError.self) { try GradientAccumulationScheduler(scheduling: [2: 0]) }
        let trainer = try Trainer(accelerator: "cpu", logger: [], callbacks: [try GradientAccumulationScheduler(scheduling: [1: 2])],
                                  maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false, accumulateGradBatches: 2)
        #expect { try trainer.fit(try Self.linearModule()) } throws: { "\($0)".contains("You have set `accumulateGradBatches` and are using the `GradientAccumulationScheduler`") }
        #expect(try GradientAccumulationScheduler(scheduling: [4: 2, 8: 4]).accumulateGradBatches(forEpoch: 7) == 2)
    }

    // MARK: Learning-rate finder

    @Test(arguments: ["lr_find_exponential", "lr_find_linear", "lr_find_diverging"])
    func lrFind(_ id: String) throws {
        let reference = Self.reference(id)
        let arguments = reference.object("tuner_args")
        let model = try Self.linearModule()
        let trainer = try Self.trainer(maxEpochs: 5)
        let finder = try #require(try Tuner(trainer).lrFind(
            model, minLR: Self.number(arguments["min_lr"]), maxLR: Self.number(arguments["max_lr"]),
            numTraining: arguments["num_training"] as! Int,
            mode: LRFinder.Mode(rawValue: arguments["mode"] as? String ?? "exponential")!, attribute: \.lr))
        Self.expectRecord(model, reference)
        #expect(finder.lrs == Self.numbers(reference["lrs"]), "rates")
        Self.expectClose(finder.losses, Self.numbers(reference["losses"]), relative: 1e-5, "smoothed losses")
        #expect(finder.suggestion() == Self.number(reference["suggestion"]))
        #expect(model.lr == Self.number(reference["model_lr"]))
        // The search leaves no trace: weights, counters.
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 0, "weights after the search")
        #expect(trainer.globalStep == 0 && trainer.currentEpoch == 0)
    }

    @Test func learningRateFinderBeforeFit() throws {
        let reference = Self.reference("lr_finder_fit")
        let model = try Self.linearModule()
        let finder = LearningRateFinder(minLR: 1e-3, maxLR: 1, numTrainingSteps: 20, attribute: \TuneModule<Linear>.lr)
        let trainer = try Self.trainer(maxEpochs: 2, callbacks: [finder])
        try trainer.fit(model)
        Self.expectRecord(model, reference)
        let result = try #require(finder.optimalLR)
        #expect(result.lrs == Self.numbers(reference["lrs"]), "rates")
        #expect(result.suggestion() == Self.number(reference["suggestion"]))
        #expect(model.lr == Self.number(reference["model_lr"]))
        #expect(trainer.globalStep == reference["global_step"] as! Int)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 1e-6, "weights after fit")
        #expect(try FileManager.default.contentsOfDirectory(atPath: trainer.defaultRootDir).filter { $0.hasPrefix(".lr_find") }.isEmpty)
    }

    @Test func suggestionFollowsPythonSlicing() {
        var finder = LRFinder(mode: .linear, minLR: 0, maxLR: 1, numTraining: 5)
        finder.lrs = [0.1, 0.2, 0.3, 0.4, 0.5]
        finder.losses = [1, 0.9, 0.5, .nan, 0.45]
        #expect(finder.suggestion(skipBegin: 0, skipEnd: 0) == nil)     // [0:-0] is empty
        #expect(finder.suggestion(skipBegin: 0, skipEnd: 1) == 0.3)     // NaN dropped; gradients -1, -2.5, -4
        #expect(finder.suggestion(skipBegin: 3, skipEnd: 1) == nil)     // one point left
    }

    // MARK: Batch-size finder

    @Test(arguments: ["bsf_power", "bsf_binsearch", "bsf_max_val"])
    func scaleBatchSize(_ id: String) throws {
        let reference = Self.reference(id)
        let arguments = reference.object("tuner_args")
        let model = try Self.linearModule()
        let trainer = try Self.trainer(maxEpochs: 1)
        let found = try Tuner(trainer).scaleBatchSize(
            model, batchSize: \.batchSize, mode: BatchSizeFinder.Mode(rawValue: arguments["mode"] as! String)!,
            stepsPerTrial: arguments["steps_per_trial"] as! Int, initVal: arguments["init_val"] as! Int,
            maxVal: arguments["max_val"] as? Int ?? 8192)
        Self.expectRecord(model, reference)
        #expect(found == reference["found"] as? Int)
        #expect(model.batchSize == reference["model_batch_size"] as! Int)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 0, "weights after the search")
        #expect(trainer.globalStep == 0)
    }

    @Test func batchSizeFinderBeforeFit() throws {
        let reference = Self.reference("bsf_fit")
        let model = try Self.linearModule()
        let finder = BatchSizeFinder(stepsPerTrial: 2, initVal: 4, batchSize: \.batchSize, of: model)
        let trainer = try Self.trainer(maxEpochs: 1, callbacks: [finder])
        try trainer.fit(model)
        Self.expectRecord(model, reference)
        #expect(finder.optimalBatchSize == reference["found"] as? Int)
        #expect(trainer.globalStep == reference["global_step"] as! Int)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 1e-6, "weights after fit")
    }

    /// The search in validate, test or predict against Lightning's record: the loader sizes asked
    /// for (Lightning asks again on every `setup_data`; compared without repeats), every evaluation
    /// step's batch size, the start hooks, the size found. Lightning runs each predict trial over the
    /// whole data set (it sets no `limit_predict_batches`); here a predict trial runs
    /// `stepsPerTrial` batches as the other trials, so its record is Lightning's trials cut there.
    static func expectEvaluationSearch<Net>(_ model: TuneModule<Net>, _ reference: [String: Any], stepsPerTrial: Int,
                                            lastRunIsTrial: Bool) {
        let sizes = (reference["eval_dataloader_batch_sizes"] as! [[Any]]).map { "\($0[0]) \($0[1])" }
        func withoutRepeats(_ list: [String]) -> [String] { list.enumerated().filter { $0.offset == 0 || list[$0.offset - 1] != $0.element }.map(\.element) }
        #expect(withoutRepeats(model.evalDataloaderBatchSizes) == withoutRepeats(sizes))
        var runs: [[[String]]] = []
        for step in reference["eval_steps"] as! [[Any]] {
            let entry = step.map { "\($0)" }
            if entry[1] == "0" { runs.append([]) }
            runs[runs.count - 1].append(entry)
        }
        let trials = lastRunIsTrial ? runs.count : runs.count - 1
        let expected = runs.enumerated().flatMap { index, run in
            index < trials && run[0][0] == "predict" ? Array(run.prefix(stepsPerTrial)) : run
        }
        #expect(model.evalSteps == expected)
        #expect(model.evalStarts == reference["eval_starts"] as! Int)
        #expect(model.batchSize == reference["model_batch_size"] as! Int)
        #expect(model.trainSteps == 0 && model.optimizerSteps.isEmpty)
    }

    /// A recorded evaluation search: the reference, its arguments (under `key`), a module whose
    /// evaluation loaders read `batchSize`, and the steps per trial.
    static func evaluationSearch(_ id: String, arguments key: String) throws
        -> (reference: [String: Any], arguments: [String: Any], model: TuneModule<Linear>, steps: Int) {
        let reference = Self.reference(id)
        let arguments = reference.object(key)
        let model = try Self.linearModule()
        model.evalReadsBatchSize = true
        return (reference, arguments, model, arguments["steps_per_trial"] as! Int)
    }

    @Test(arguments: ["bsf_validate_power", "bsf_test_binsearch", "bsf_predict_max_val"])
    func scaleBatchSizeInEvaluation(_ id: String) throws {
        let (reference, arguments, model, steps) = try Self.evaluationSearch(id, arguments: "tuner_args")
        let trainer = try Self.trainer(maxEpochs: 1)
        let found = try Tuner(trainer).scaleBatchSize(
            model, batchSize: \.batchSize, method: Stage(rawValue: arguments["method"] as! String)!,
            mode: BatchSizeFinder.Mode(rawValue: arguments["mode"] as! String)!, stepsPerTrial: steps,
            initVal: arguments["init_val"] as! Int, maxVal: arguments["max_val"] as? Int ?? 8192)
        #expect(found == reference["found"] as? Int)
        Self.expectEvaluationSearch(model, reference, stepsPerTrial: steps, lastRunIsTrial: true)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 0, "weights after the search")
    }

    @Test(arguments: ["bsf_validate_callback", "bsf_test_callback", "bsf_predict_callback"])
    func batchSizeFinderInEvaluation(_ id: String) throws {
        let (reference, arguments, model, steps) = try Self.evaluationSearch(id, arguments: "finder_args")
        let finder = BatchSizeFinder(mode: (arguments["mode"] as? String).flatMap(BatchSizeFinder.Mode.init) ?? .power,
                                     stepsPerTrial: steps, initVal: arguments["init_val"] as! Int,
                                     maxVal: arguments["max_val"] as? Int ?? 8192, batchSize: \.batchSize, of: model)
        let trainer = try Self.trainer(maxEpochs: 1, callbacks: [finder])
        // The search, then the whole run with the size found.
        switch arguments["method"] as! String {
        case "validate":
            let results = try trainer.validate(model, verbose: false)
            #expect(abs(results[0]["val_loss"]! - (reference["results"] as! [[String: Double]])[0]["val_loss"]!) < 1e-6)
        case "test":
            let results = try trainer.test(model, verbose: false)
            #expect(abs(results[0]["test_loss"]! - (reference["results"] as! [[String: Double]])[0]["test_loss"]!) < 1e-6)
        default:
            let predictions = try trainer.predict(model).first!.map { try $0.flatten().toArray(of: Double.self) }
            let expected = (reference["predictions"] as! [[Double]])
            #expect(predictions.count == expected.count)
            for (mine, theirs) in zip(predictions, expected) {
                #expect(mine.count == theirs.count && zip(mine, theirs).allSatisfy { abs($0 - $1) < 1e-6 })
            }
        }
        #expect(finder.optimalBatchSize == reference["found"] as? Int)
        Self.expectEvaluationSearch(model, reference, stepsPerTrial: steps, lastRunIsTrial: false)
    }

    @Test func batchSizeFinderRefusesLoadersPassedToFit() throws {
        let model = try Self.linearModule()
        let finder = BatchSizeFinder(batchSize: \.batchSize, of: model)
        let trainer = try Self.trainer(maxEpochs: 1, callbacks: [finder])
        #expect {
            try trainer.fit(model, trainDataloaders: try Self.loader(Self.samples(), batchSize: 4))
        } throws: { "\($0)".contains("cannot be used with dataloaders passed directly to `fit`") }
    }

    // MARK: Stochastic weight averaging

    @Test func stochasticWeightAveragingWithBatchNorm() throws {
        let reference = Self.reference("swa_bn")
        let model = try Self.batchNormModule()
        let swa = try StochasticWeightAveraging(swaLRs: 0.05, swaEpochStart: 2, annealingEpochs: 2)
        let trainer = try Self.trainer(maxEpochs: 5, limitValBatches: .count(0), callbacks: [swa])
        try trainer.fit(model)
        // Lightning takes one more optimizer step at the end of the batch-norm epoch (with the last
        // epoch's gradients); here that epoch only runs forward passes.
        let lightningSteps = reference["optimizer_steps"] as! [[Int]]
        #expect(model.optimizerSteps == Array(lightningSteps.dropLast()))
        Self.expectRecord(model, reference, checkSteps: false)
        #expect(model.trainSteps == reference["train_steps"] as! Int)
        #expect(trainer.currentEpoch == reference["current_epoch"] as! Int)
        let state = try #require(swa.stateDict())
        #expect(state["n_averaged"]?.intValue == reference["n_averaged"] as? Int)
        #expect(state["latest_update_epoch"]?.intValue == reference["latest_update_epoch"] as? Int)
        let scheduler = reference.object("scheduler_state")
        #expect(state["scheduler_state"]?["last_epoch"]?.intValue == scheduler["last_epoch"] as? Int)
        #expect(state["scheduler_state"]?["_step_count"]?.intValue == scheduler["_step_count"] as? Int)
        let average = try StateDict(try #require(state["average_model_state"]))
        let averageWeights = try Dictionary(uniqueKeysWithValues: average.map { ($0.key, try $0.value.to(dtype: .float32).flatten().toArray(of: Float.self)) })
        Self.expectWeights(averageWeights, reference.object("average_model_state"), tolerance: 1e-5, "averaged model")
        // The model ends with the averaged parameters, and batch-norm statistics recomputed for them
        // (Lightning's: its extra step comes after the last forward pass).
        let weights = try model.weights
        for key in ["net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.3.weight", "net.3.bias"] {
            #expect(weights[key] == averageWeights[key], "\(key) is the average")
        }
        let lightningWeights = reference.object("weights")
        Self.expectWeights(weights, ["net.1.running_mean": lightningWeights["net.1.running_mean"]!,
                                     "net.1.running_var": lightningWeights["net.1.running_var"]!,
                                     "net.1.num_batches_tracked": lightningWeights["net.1.num_batches_tracked"]!],
                           tolerance: 1e-5, "batch-norm statistics")
        let batchNorm = try #require(model.net.modules().compactMap { $0 as? BatchNorm1d }.first)
        #expect(batchNorm.momentum == 0.1, "momentum put back after the batch-norm epoch")
    }

    @Test func stochasticWeightAveragingSwapsTheScheduler() throws {
        let reference = Self.reference("swa_linear_scheduler")
        let model = TuneModule(try Self.linearModule().net, stepScheduler: true)
        let swa = try StochasticWeightAveraging(swaLRs: 0.02, swaEpochStart: 0.6, annealingEpochs: 1, annealingStrategy: .linear)
        let trainer = try Self.trainer(maxEpochs: 5, limitValBatches: .count(0), callbacks: [swa])
        try trainer.fit(model)
        Self.expectRecord(model, reference)
        #expect(swa.numAveraged == reference["n_averaged"] as? Int)
        Self.expectWeights(try model.weights, reference.object("weights"), tolerance: 1e-6, "weights")
        let scheduler = reference.object("scheduler_state")
        let state = try #require(swa.stateDict())
        #expect(state["scheduler_state"]?["last_epoch"]?.intValue == scheduler["last_epoch"] as? Int)
        #expect(state["scheduler_state"]?["_anneal_strategy"]?.stringValue == "linear")
    }

    /// A deliberate difference from Lightning: with `maxSteps` and no epoch limit (`maxEpochs` -1), a
    /// fit that stops before `swaEpochStart` keeps its trained weights. Lightning copies in its
    /// average model, which holds the weights from before training.
    @Test func stochasticWeightAveragingThatNeverStartedLeavesTheWeights() throws {
        let plain = try Self.linearModule()
        try Self.trainer(maxSteps: 2, limitValBatches: .count(0)).fit(plain)
        let model = try Self.linearModule()
        let initial = try model.weights
        let swa = try StochasticWeightAveraging(swaLRs: 0.05, swaEpochStart: 3)
        let trainer = try Self.trainer(maxSteps: 2, limitValBatches: .count(0), callbacks: [swa])
        try trainer.fit(model)
        #expect(trainer.maxEpochs == -1 && trainer.globalStep == 2 && swa.numAveraged == nil)
        #expect(try model.weights == plain.weights, "the trained weights")
        #expect(try model.weights != initial)
    }

    // MARK: Throughput

    @Test func throughputArithmetic() throws {
        let expected = Self.reference("throughput")["computed"] as! [[[Any]]]
        var throughput = try Throughput(availableFlops: 100, worldSize: 2, windowSize: 3)
        for (index, time) in [0.5, 1.0, 1.75, 2.5].enumerated() {
            try throughput.update(time: time, batches: index + 1, samples: 4 * (index + 1), lengths: 40 * (index + 1), flops: 10)
            let computed = throughput.compute()
            #expect(computed.map(\.name) == expected[index].map { $0[0] as! String })
            Self.expectClose(computed.map(\.value), expected[index].map { Self.number($0[1]) }, relative: 1e-15, "update \(index)")
        }
        #expect(throws: LightningError.self) { try throughput.update(time: 2.4, batches: 5, samples: 20) }
    }

    @Test func throughputMonitorLogsAsLightning() throws {
        let expected = Self.reference("throughput_monitor")["calls"] as! [[String: Any]]
        let model = try Self.linearModule()
        let logger = RecordingLogger()
        let monitor = try ThroughputMonitor(batchSize: { (batch: Pair) in batch.0.shape[0] }, windowSize: 3)
        let trainer = try Trainer(accelerator: "cpu", logger: [logger], callbacks: [monitor], maxEpochs: 2, logEveryNSteps: 2,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(model)
        try trainer.test(model, dataloaders: [try Self.loader(Self.samples(12), batchSize: 4)], verbose: false)
        _ = try trainer.predict(model, dataloaders: [try Self.loader(Self.samples(12), batchSize: 4)], returnPredictions: false)
        #expect(logger.calls.count == expected.count)
        for (index, (mine, theirs)) in zip(logger.calls, expected).enumerated() {
            #expect(mine.step == theirs["step"] as! Int, "call \(index)")
            #expect(mine.names == theirs["names"] as! [String], "call \(index)")
            let counts = (theirs["counts"] as! [String: Any]).mapValues(Self.number)
            #expect(mine.values.filter { counts[$0.key] != nil } == counts, "call \(index)")
        }
    }

    // MARK: Device statistics

    @Test func deviceStatsMonitorLogsCUDAMemoryStats() throws {
        guard CUDA.isAvailable else {
            print("skipped: CUDA is not available (the CUDA statistics of DeviceStatsMonitor need a GPU)")
            return
        }
        let logger = RecordingLogger()
        let trainer = try Trainer(accelerator: "gpu", devices: .count(1), logger: [logger], callbacks: [DeviceStatsMonitor()],
                                  maxEpochs: 1, limitValBatches: .count(0), logEveryNSteps: 2, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(try Self.linearModule())
        let stats = logger.calls.filter { $0.names.first?.hasPrefix("DeviceStatsMonitor.") == true }
        #expect(stats.map(\.step) == [1, 1, 3, 3, 5, 5, 7, 7])
        // torch.cuda.memory_stats's 122 names, sorted, after the hook's prefix; the model's weights are on the GPU.
        #expect(stats[0].names.count == 122 && stats[0].names == stats[0].names.sorted())
        let allocated = try #require(stats[1].values["DeviceStatsMonitor.on_train_batch_end/allocated_bytes.all.current"])
        #expect(allocated > 0)
        #expect(!stats[0].names.contains { $0.hasSuffix("cpu_percent") }, "CPU statistics only with cpuStats: true")
    }

    @Test func deviceStatsMonitorLogsCPUStats() throws {
        let logger = RecordingLogger()
        let trainer = try Trainer(accelerator: "cpu", logger: [logger], callbacks: [DeviceStatsMonitor()], maxEpochs: 1,
                                  limitValBatches: .count(0), logEveryNSteps: 2, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(try Self.linearModule())
        let stats = logger.calls.filter { $0.names.first?.hasPrefix("DeviceStatsMonitor.") == true }
        // Every other step (logEveryNSteps 2), before and after the batch, at the steps taken so far.
        #expect(stats.map(\.step) == [1, 1, 3, 3, 5, 5, 7, 7])
        #expect(stats[0].names == ["DeviceStatsMonitor.on_train_batch_start/cpu_vm_percent", "DeviceStatsMonitor.on_train_batch_start/cpu_percent",
                                   "DeviceStatsMonitor.on_train_batch_start/cpu_swap_percent"])
        #expect(stats[1].names.first == "DeviceStatsMonitor.on_train_batch_end/cpu_vm_percent")
        // Memory use as procps's `free` reports it (total − available), within what changes meanwhile.
        let free = Process()
        free.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        free.arguments = ["free", "-b"]
        let pipe = Pipe()
        free.standardOutput = pipe
        try free.run()
        free.waitUntilExit()
        let line = try #require(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").first { $0.hasPrefix("Mem:") })
        let columns = line.split(separator: " ").compactMap { Double($0) }
        let expected = (columns[0] - columns[5]) / columns[0] * 100
        let logged = try #require(stats.last?.values["DeviceStatsMonitor.on_train_batch_end/cpu_vm_percent"])
        #expect(abs(logged - expected) < 5, "cpu_vm_percent \(logged), free says \(expected)")
        let cpu = try #require(stats.last?.values["DeviceStatsMonitor.on_train_batch_end/cpu_percent"])
        #expect((0...100).contains(cpu))
    }

    @Test func deviceStatsMonitorNeedsALogger() throws {
        let trainer = try Self.trainer(maxEpochs: 1, callbacks: [DeviceStatsMonitor()])
        #expect(throws: LightningError.self) { try trainer.fit(try Self.linearModule()) }
    }

    // MARK: Prediction writer

    final class Writer: BasePredictionWriter<Tensor> {
        var calls: [[String: Any]] = []

        override func writeOnBatchEnd(_ trainer: Trainer, _ module: any LightningModule, prediction: Tensor, batchIndices: [Int]?,
                                      batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {
            calls.append(["kind": "batch", "batch_idx": batchIndex, "dataloader_idx": dataloaderIndex,
                          "batch_indices": batchIndices ?? [], "prediction": try prediction.flatten().toArray(of: Float.self)])
        }

        override func writeOnEpochEnd(_ trainer: Trainer, _ module: any LightningModule, predictions: [[Tensor]],
                                      batchIndices: [[[Int]]]) throws {
            calls.append(["kind": "epoch", "batch_indices": batchIndices,
                          "predictions": try predictions[0].map { try $0.flatten().toArray(of: Float.self) }])
        }
    }

    @Test(arguments: ["writer_batch", "writer_both_shuffled"])
    func predictionWriter(_ id: String) throws {
        let reference = Self.reference(id)
        let interval = BasePredictionWriter<Tensor>.WriteInterval(rawValue: reference["interval"] as! String)!
        let shuffle = reference["shuffle"] as! Bool
        let writer = Writer(writeInterval: interval)
        let trainer = try Self.trainer(callbacks: [writer])
        let loader = try Self.loader(Self.samples(12), batchSize: 5, shuffle: shuffle, generator: shuffle ? try Generator(seed: 7) : nil)
        let returned = try trainer.predict(try Self.linearModule(), dataloaders: [loader], returnPredictions: false)
        #expect(returned.isEmpty)
        let expected = reference["calls"] as! [[String: Any]]
        #expect(writer.calls.count == expected.count)
        for (mine, theirs) in zip(writer.calls, expected) {
            #expect(mine["kind"] as! String == theirs["kind"] as! String)
            if theirs["kind"] as! String == "batch" {
                #expect(mine["batch_idx"] as! Int == theirs["batch_idx"] as! Int)
                #expect(mine["batch_indices"] as! [Int] == theirs["batch_indices"] as! [Int])
                Self.expectClose((mine["prediction"] as! [Float]).map(Double.init), Self.numbers(theirs["prediction"]), relative: 1e-6, "prediction")
            } else {
                #expect(mine["batch_indices"] as! [[[Int]]] == theirs["batch_indices"] as! [[[Int]]])
                let predictions = (mine["predictions"] as! [[Float]]).flatMap { $0 }.map(Double.init)
                Self.expectClose(predictions, (theirs["predictions"] as! [Any]).flatMap { Self.numbers($0) }, relative: 1e-6, "predictions")
            }
        }
    }

    @Test func predictionWriterOfTheWrongTypeSaysSo() throws {
        final class IntWriter: BasePredictionWriter<Int> {
            override func writeOnBatchEnd(_ trainer: Trainer, _ module: any LightningModule, prediction: Int, batchIndices: [Int]?,
                                          batch: Any, batchIndex: Int, dataloaderIndex: Int) throws {}
        }
        let trainer = try Self.trainer(callbacks: [IntWriter()])
        #expect {
            _ = try trainer.predict(try Self.linearModule(), dataloaders: [try Self.loader(Self.samples(4), batchSize: 2)])
        } throws: { error in
            "\(error)".contains("predictStep returned Tensor")
        }
    }
}
