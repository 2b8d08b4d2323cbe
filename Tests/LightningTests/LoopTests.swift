import Foundation
import Lightning
import Testing
import Torch

/// 42 Trainer configurations recorded with Lightning 2.6.6 (Fixtures/loops.json): limits,
/// overfitBatches, fastDevRun, valCheckInterval, checkValEveryNEpoch, max/min epochs and steps,
/// maxTime (on a fake clock the steps advance), stop requests, accumulation, clipping, reloading
/// loaders, training loaders of unknown length. Each must run the same training steps (with how
/// far the loader had been read and `isLastBatch` at each), optimizer steps, validations and
/// loader calls, end with the same counters and weights, and report the same numbers at train start.
@Suite("Loops match Lightning 2.6.6")
struct LoopTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("loops")
    static var caseIDs: [String] { (fixture["cases"] as! [[String: Any]]).map { $0["id"] as! String } }

    static func fixtureCase(_ id: String) -> [String: Any] {
        (fixture["cases"] as! [[String: Any]]).first { $0["id"] as! String == id }!
    }

    /// Training batches that count the samples read (Lightning reads one batch ahead only when the
    /// epoch's length is unknown); `sized: false` hides the length, as an iterable dataset does.
    struct CountingBatches: BatchLoader {
        let batches: [Pair]
        let sized: Bool
        let module: LoopModule
        var batchCount: Int? { sized ? batches.count : nil }

        func makeBatchIterator(epoch: Int, skipping: Int) throws -> any BatchIterator<Pair> {
            Iterator(batches: batches[min(skipping, batches.count)...], module: module)
        }

        struct Iterator: BatchIterator {
            var batches: ArraySlice<Pair>
            let module: LoopModule
            mutating func next() throws -> Pair? {
                guard let batch = batches.popFirst() else { return nil }
                module.samplesRead += batch.0.shape[0]
                return batch
            }
        }
    }

    /// The recording module of tools/lightning-reference/loops.py: Linear(2,1), MSE, SGD(lr 0.1),
    /// its own loaders, and a record of everything the fixture lists.
    final class LoopModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        @Parameter var bias: Tensor
        let train: [Pair]
        let val: [Pair]
        let stopAt: (Int, Int)?
        let skipEpochAt: Int?
        let clock = FakeClock()
        let trainTick: Double
        let valTick: Double
        let unsized: Bool
        var samplesRead = 0
        var trainSteps: [String] = []
        var optimizerSteps: [String] = []
        var validationRuns: [String] = []
        var currentValidation: (sanity: Bool, epoch: Int, step: Int, indices: [Int], first: [[Float]])?
        var dataloaderCalls: [String] = []
        var atTrainStart: [String: Any] = [:]
        var numbers: [[String: Any]] = []
        var clipping: [[String: Any]] = []

        init(settings: [String: Any], data: [String: Any]) throws {
            weight = try Tensor(data.matrix("init_weight").map { $0.map(Float.init) })
            bias = try Tensor(data.numbers("init_bias").map(Float.init))
            func cycle(_ xs: [[Double]], _ ys: [[Double]], _ n: Int) throws -> [Pair] {
                let count = n
                return try stride(from: 0, to: count, by: 2).map { start in
                    let rows = (start..<min(start + 2, count)).map { $0 % xs.count }
                    return (try Tensor(rows.map { xs[$0].map(Float.init) }), try Tensor(rows.map { ys[$0].map(Float.init) }))
                }
            }
            train = try cycle(data.matrix("train_x"), data.matrix("train_y"), settings["n_train"] as? Int ?? 8)
            val = try cycle(data.matrix("val_x"), data.matrix("val_y"), settings["n_val"] as? Int ?? 4)
            stopAt = (settings["stop_at"] as? [Int]).map { ($0[0], $0[1]) }
            skipEpochAt = settings["skip_epoch_at"] as? Int
            trainTick = (settings["train_tick"] as? NSNumber)?.doubleValue ?? 0
            valTick = (settings["val_tick"] as? NSNumber)?.doubleValue ?? 0
            unsized = settings["unsized"] as? Bool ?? false
            super.init()
        }

        func first(_ tensor: Tensor) throws -> [Float] { try tensor[0].toArray() }

        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            trainSteps.append("\(currentEpoch)/\(batchIndex)/\(globalStep)/\(try first(batch.0))/\(batch.0.shape[0])/\(samplesRead)/\(trainer!.isLastBatch)")
            if let stopAt, stopAt == (currentEpoch, batchIndex) { trainer?.shouldStop = true }
            clock.now += trainTick
            return try batch.0.linear(weight: weight, bias: bias).mseLoss(target: batch.1)
        }
        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try batch.0.linear(weight: weight, bias: bias).mseLoss(target: batch.1)
            try log("val_loss", loss)
            currentValidation?.indices.append(batchIndex)
            currentValidation?.first.append(try first(batch.0))
            clock.now += valTick
            return loss
        }
        func onValidationStart() throws {
            currentValidation = (trainer!.stage == .sanityChecking, currentEpoch, globalStep, [], [])
        }
        func onValidationEnd() throws {
            let v = currentValidation!
            validationRuns.append("\(v.sanity)/\(v.epoch)/\(v.step)/\(v.indices)/\(v.first)")
        }
        func onTrainBatchStart(_ batch: Pair, batchIndex: Int) throws -> Int? {
            if batchIndex == skipEpochAt {
                trainSteps.append("\(currentEpoch)/\(batchIndex)/-1")
                return -1
            }
            return nil
        }
        func onTrainBatchEnd(_ outputs: StepOutputs, batch: Pair, batchIndex: Int) throws {
            numbers.append(["epoch": currentEpoch, "batch_idx": batchIndex, "global_step": globalStep,
                            "outputs_loss": try outputs.loss!.item(Double.self),
                            "weight": try weight.toArray(of: Double.self), "bias": try bias.item(Double.self)])
        }
        func optimizerStep(epoch: Int, batchIndex: Int, optimizer: Optimizer, closure: () throws -> Tensor?) throws {
            optimizerSteps.append("\(epoch)/\(batchIndex)/\(globalStep)")
            try optimizer.step(closure: closure)
        }
        func configureGradientClipping(_ optimizer: Optimizer, clipValue: Double?, algorithm: GradientClipAlgorithm?) throws {
            func grads() throws -> (grads: [[Double]], norm: Double) {
                let gs = [weight.grad!, bias.grad!]
                let norm = try Tensor.stack(gs.map { try $0.norm() }).norm().item(Double.self)
                return (try gs.map { try $0.toArray(of: Double.self) }, norm)
            }
            let before = try grads()
            try clipGradients(optimizer, clipValue: clipValue, algorithm: algorithm)
            let after = try grads()
            clipping.append(["before": before, "after": after])
        }
        func onTrainStart() throws {
            let t = trainer!
            atTrainStart = ["estimated_stepping_batches": t.estimatedSteppingBatches, "num_training_batches": t.numTrainingBatches.map(String.init) ?? "inf",
                            "num_val_batches": t.numValBatches, "num_sanity_val_batches": t.numSanityValBatches]
        }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
        func trainDataloader() throws -> (any BatchLoader<Pair>)? {
            dataloaderCalls.append("train_dataloader(epoch=\(currentEpoch))")
            return CountingBatches(batches: train, sized: !unsized, module: self)
        }
        func valDataloader() throws -> (any BatchLoader<Pair>)? {
            dataloaderCalls.append("val_dataloader(epoch=\(currentEpoch),sanity=\(trainer?.stage == .sanityChecking ? "True" : "False"))")
            return BatchList(val)
        }
    }

    static func configuration(_ settings: [String: Any]) -> TrainerConfiguration {
        var c = TrainerConfiguration()
        c.loggers = []
        c.enableCheckpointing = false
        c.enableProgressBar = false
        c.enableModelSummary = false
        func limit(_ value: Any) -> BatchLimit {
            if let n = value as? Int { return .count(n) }
            return .fraction((value as! NSNumber).doubleValue)
        }
        // JSON integers and floats both arrive as NSNumber; the text tells them apart ("2" vs "0.5").
        func isInt(_ value: Any) -> Bool { !"\(value)".contains(".") && !"\(value)".contains("e") }
        for (key, value) in settings {
            switch key {
            case "max_epochs": c.maxEpochs = value as? Int
            case "min_epochs": c.minEpochs = value as? Int
            case "max_steps": c.maxSteps = value as! Int
            case "min_steps": c.minSteps = value as? Int
            case "limit_train_batches": c.limitTrainBatches = isInt(value) ? .count(value as! Int) : limit(value)
            case "limit_val_batches": c.limitValBatches = isInt(value) ? .count(value as! Int) : limit(value)
            case "overfit_batches": c.overfitBatches = isInt(value) ? .count(value as! Int) : limit(value)
            case "num_sanity_val_steps": c.numSanityValSteps = value as! Int
            case "fast_dev_run": c.fastDevRun = (value as? Bool) == true ? 1 : (value as? Int ?? 0)
            case "val_check_interval":
                if let duration = value as? [String: Any] {  // a timedelta's keyword arguments
                    c.valCheckInterval = .seconds((duration["seconds"] as! NSNumber).doubleValue)
                } else {
                    c.valCheckInterval = isInt(value) ? .batches(value as! Int) : .fraction((value as! NSNumber).doubleValue)
                }
            case "check_val_every_n_epoch": c.checkValEveryNEpoch = value as? Int
            case "accumulate_grad_batches": c.accumulateGradBatches = value as! Int
            case "gradient_clip_val": c.gradientClipVal = (value as! NSNumber).doubleValue
            case "gradient_clip_algorithm": c.gradientClipAlgorithm = GradientClipAlgorithm(rawValue: value as! String)
            case "reload_dataloaders_every_n_epochs": c.reloadDataloadersEveryNEpochs = value as! Int
            case "max_time": c.maxTime = ((value as! [String: Any])["seconds"] as! NSNumber).doubleValue
            default: Issue.record("unknown trainer setting \(key)")
            }
        }
        return c
    }

    @Test(arguments: caseIDs)
    func configuration(_ id: String) throws {
        let expected = Self.fixtureCase(id)
        let module = try LoopModule(settings: expected.object("module"), data: Self.fixture.object("data"))
        let trainer = try Trainer(Self.configuration(expected.object("trainer")))
        do {
            try Trainer.$monotonicClock.withValue({ [clock = module.clock] in clock.now }) { try trainer.fit(module) }
        } catch {
            guard let failure = expected["error"] as? [String: Any] else {
                Issue.record("\(id): fit threw \(error) but Lightning did not")
                return
            }
            #expect("\(error)" == failure["message"] as! String)
            return
        }
        #expect(expected["error"] is NSNull, "\(id): Lightning raised \(expected["error"]!) but Swift did not")

        let steps = (expected["train_steps"] as! [[String: Any]]).map { s -> String in
            if s["returned_minus_one"] != nil { return "\(s["epoch"]!)/\(s["batch_idx"]!)/-1" }
            let first = (s["first_x"] as! [NSNumber]).map { Float($0.doubleValue) }
            return "\(s["epoch"]!)/\(s["batch_idx"]!)/\(s["global_step"]!)/\(first)/\(s["batch_size"]!)/\(s["samples_read"]!)/\(s["is_last_batch"] as! Bool)"
        }
        #expect(module.trainSteps == steps)
        let optimizerSteps = (expected["optimizer_steps"] as! [[String: Any]]).map { "\($0["epoch"]!)/\($0["batch_idx"]!)/\($0["global_step_before"]!)" }
        #expect(module.optimizerSteps == optimizerSteps)
        let validations = (expected["validation_runs"] as! [[String: Any]]).map { v -> String in
            let first = (v["first_x"] as! [[NSNumber]]).map { $0.map { Float($0.doubleValue) } }
            return "\(v["sanity"] as! Bool)/\(v["epoch"]!)/\(v["global_step"]!)/\(v["batch_idxs"] as! [Int])/\(first)"
        }
        #expect(module.validationRuns == validations)
        #expect(module.dataloaderCalls == expected.strings("dataloader_calls"))

        let final = expected.object("final")
        #expect(trainer.currentEpoch == final["current_epoch"] as! Int)
        #expect(trainer.globalStep == final["global_step"] as! Int)
        #expect(trainer.shouldStop == final["should_stop"] as! Bool)
        let weight = try module.weight.toArray(of: Double.self)
        for (a, b) in zip(weight, final.numbers("weight")) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(id): weight \(weight)") }
        #expect(abs(try module.bias.item(Double.self) - (final["bias"] as! Double)) <= 1e-6)

        if let start = expected["at_train_start"] as? [String: Any] {
        #expect(module.atTrainStart["estimated_stepping_batches"] as? Int == start["estimated_stepping_batches"] as? Int)
        #expect(module.atTrainStart["num_training_batches"] as? String == "\(start["num_training_batches"]!)")  // nil is Lightning's inf
        #expect(module.atTrainStart["num_val_batches"] as? [Int] == start["num_val_batches"] as? [Int])
        #expect(module.atTrainStart["num_sanity_val_batches"] as? [Int] == start["num_sanity_val_batches"] as? [Int])
        }

        if let timer = expected["timer"] as? [String: Any] {
            #expect(trainer.callbacks.map { "\(type(of: $0))" } == timer.strings("callbacks"))
            let elapsed = timer.object("time_elapsed")
            let mine = try #require(trainer.callbacks.first { $0 is Lightning.Timer } as? Lightning.Timer)
            #expect(abs(mine.timeElapsed(.training) - (elapsed["train"] as! Double)) <= 1e-9)
            #expect(abs(mine.timeElapsed(.validating) - (elapsed["validate"] as! Double)) <= 1e-9)
        }

        if let numbers = expected["numbers"] as? [[String: Any]] {
            #expect(module.numbers.count == numbers.count)
            for (mine, theirs) in zip(module.numbers, numbers) {
                #expect(abs((mine["outputs_loss"] as! Double) - (theirs["outputs_loss"] as! Double)) <= 1e-6)
                for (a, b) in zip(mine["weight"] as! [Double], theirs.numbers("weight")) { #expect(abs(a - b) <= 1e-6) }
            }
        }
        if let clipping = expected["clipping"] as? [[String: Any]] {
            #expect(module.clipping.count == clipping.count)
            for (mine, theirs) in zip(module.clipping, clipping) {
                let after = mine["after"] as! (grads: [[Double]], norm: Double)
                let theirsAfter = theirs.object("after")
                #expect(abs(after.norm - (theirsAfter["total_norm"] as! Double)) <= 1e-6)
                for (a, b) in zip(after.grads.flatMap { $0 }, (theirsAfter["grads"] as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }) {
                    #expect(abs(a - b) <= 1e-6)
                }
            }
        }
    }
}
