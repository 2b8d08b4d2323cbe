import Foundation
import Lightning
import Testing
import Torch

/// The metrics against torchmetrics 1.9.0 (Fixtures/metrics.json, made by
/// Tools/parity/make_metric_fixtures.py): each case updates with the same two batches and compares
/// compute().
@Suite("Metrics match torchmetrics")
struct MetricsParityTests {
    nonisolated(unsafe) static let fixture = try! ReferenceFixtures.load("metrics")
    static var cases: [[String: Any]] { fixture["cases"] as! [[String: Any]] }
    static var names: [String] { cases.map { $0["name"] as! String } }

    static func tensor(_ spec: [String: Any]) throws -> Tensor {
        let shape = spec["shape"] as! [Int]
        let values = (spec["values"] as! [NSNumber])
        if spec["dtype"] as! String == "int" { return try Tensor(values.map(\.intValue), shape: shape) }
        return try Tensor(values.map(\.floatValue), shape: shape)
    }

    static func task(_ settings: [String: Any]) -> ClassificationTask {
        switch settings["task"] as? String {
        case "multiclass": .multiclass(numClasses: settings["num_classes"] as! Int)
        case "multilabel": .multilabel(numLabels: settings["num_labels"] as! Int)
        default: .binary
        }
    }

    static func metric(_ kind: String, _ settings: [String: Any]) throws -> Metric {
        let task = task(settings)
        let average = (settings["average"] as? String).flatMap(ClassAverage.init(rawValue:)) ?? .micro
        let threshold = settings["threshold"] as? Double ?? 0.5
        let topK = settings["top_k"] as? Int ?? 1
        switch kind {
        case "accuracy": return try Accuracy(task: task, average: average, threshold: threshold, topK: topK)
        case "precision": return try Precision(task: task, average: average, threshold: threshold)
        case "recall": return try Recall(task: task, average: average, threshold: threshold)
        case "f1": return try F1Score(task: task, average: average, threshold: threshold)
        case "auroc": return try AUROC(task: task, average: (settings["average"] as? String).flatMap(ClassAverage.init(rawValue:)) ?? .macro)
        case "confusion_matrix":
            return try ConfusionMatrix(task: task, normalize: (settings["normalize"] as? String).flatMap(ConfusionMatrix.Normalization.init(rawValue:)))
        case "mse": return try MeanSquaredError(squared: settings["squared"] as? Bool ?? true)
        case "mae": return MeanAbsoluteError()
        case "mean": return MeanMetric()
        case "sum": return SumMetric()
        case "max": return MaxMetric()
        case "min": return MinMetric()
        default: fatalError("unknown metric kind \(kind)")
        }
    }

    static func flatten(_ value: Any) -> [Double] {
        if let number = value as? NSNumber { return [number.doubleValue] }
        return (value as! [Any]).flatMap(flatten)
    }

    @Test("compute() after two updates", arguments: names)
    func parity(_ name: String) throws {
        let spec = Self.cases.first { $0["name"] as! String == name }!
        let settings = spec["settings"] as! [String: Any]
        let metric = try Self.metric(spec["kind"] as! String, settings)
        for batch in spec["batches"] as! [[[String: Any]]] {
            let inputs = try batch.map(Self.tensor)
            if let aggregate = metric as? AggregationMetric {
                if let mean = aggregate as? MeanMetric, inputs.count == 2 {
                    try mean.update(inputs[0], weight: inputs[1])
                } else {
                    try aggregate.update(inputs[0])
                }
            } else {
                try metric.update(preds: inputs[0], target: inputs[1])
            }
        }
        let got = try metric.compute().toArray(of: Double.self)
        let expected = Self.flatten(spec["expected"]!)
        #expect(got.count == expected.count, "\(name): \(got) vs \(expected)")
        for (g, e) in zip(got, expected) {
            #expect(abs(g - e) <= 1e-6 + 1e-5 * abs(e), "\(name): \(got) vs \(expected)")
        }
    }
}

@Suite("Metric life cycle")
struct MetricLifeCycleTests {
    @Test func forwardReturnsTheBatchValueAndAccumulates() throws {
        let accuracy = try Accuracy(task: .binary)
        let first = try accuracy.forward(preds: Tensor([Float(0.9), 0.1, 0.8, 0.2]), target: Tensor([1, 0, 0, 0]))
        #expect(try first.item(Double.self) == 0.75)
        let second = try accuracy.forward(preds: Tensor([Float(0.9), 0.9]), target: Tensor([1, 1]))
        #expect(try second.item(Double.self) == 1)
        #expect(try accuracy.compute().item(Double.self) == Double(Float(5.0 / 6.0)))
        #expect(accuracy.updateCount == 2)
        accuracy.reset()
        #expect(try accuracy.state("tp").toArray(of: Int.self) == [0])
        #expect(accuracy.updateCount == 0)
    }

    @Test func statesDeclareTheirReductions() throws {
        #expect(try Accuracy(task: .multiclass(numClasses: 3)).stateReductions == ["tp": .sum, "fp": .sum, "tn": .sum, "fn": .sum])
        #expect(try AUROC(task: .binary).stateReductions == ["preds": .cat, "target": .cat])
        #expect(MaxMetric().stateReductions == ["max_value": .max])
    }

    @Test func mergingTwoStatesEqualsOneMetricOverAllBatches() throws {
        let a = try F1Score(task: .multiclass(numClasses: 3), average: .macro)
        let b = try F1Score(task: .multiclass(numClasses: 3), average: .macro)
        let all = try F1Score(task: .multiclass(numClasses: 3), average: .macro)
        let p1 = try Tensor([0, 1, 2, 2]), t1 = try Tensor([0, 2, 2, 1])
        let p2 = try Tensor([1, 1, 0]), t2 = try Tensor([1, 0, 0])
        try a.update(preds: p1, target: t1)
        try b.update(preds: p2, target: t2)
        try all.update(preds: p1, target: t1)
        try all.update(preds: p2, target: t2)
        try a.merge(b)
        #expect(try a.compute().item(Double.self) == all.compute().item(Double.self))

        let roc1 = try AUROC(task: .binary), roc2 = try AUROC(task: .binary), rocAll = try AUROC(task: .binary)
        try roc1.update(preds: Tensor([Float(0.1), 0.7]), target: Tensor([0, 1]))
        try roc2.update(preds: Tensor([Float(0.6), 0.3]), target: Tensor([0, 1]))
        try rocAll.update(preds: Tensor([Float(0.1), 0.7, 0.6, 0.3]), target: Tensor([0, 1, 0, 1]))
        try roc1.merge(roc2)
        #expect(try roc1.compute().item(Double.self) == rocAll.compute().item(Double.self))
    }

    @Test func computeIsCachedUntilTheNextUpdate() throws {
        let mean = MeanMetric()
        try mean.update(2)
        let first = try mean.compute()
        #expect(try mean.compute() === first)
        try mean.update(4)
        #expect(try mean.compute().item(Double.self) == 3)
    }

    @Test func badSettingsAreRejected() throws {
        #expect(throws: LightningError.self) { try Accuracy(task: .binary, topK: 2) }
        #expect(throws: LightningError.self) { try Accuracy(task: .multiclass(numClasses: 3), topK: 4) }
        #expect(throws: LightningError.self) { try AUROC(task: .multilabel(numLabels: 2)) }
        let accuracy = try Accuracy(task: .multiclass(numClasses: 3))
        #expect(throws: LightningError.self) { try accuracy.update(preds: Tensor([0, 5]), target: Tensor([0, 1])) }
    }
}

/// Logging a Metric object: the epoch value is compute() over the epoch, and the metric is reset
/// after each epoch (Lightning's behaviour for torchmetrics objects).
@Suite("Logging metric objects")
struct MetricLoggingTests {
    final class ClassifierModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight = try! Tensor([[Float(0.5), -0.25]])
        let trainMAE = MeanAbsoluteError()
        let valMSE = try! MeanSquaredError()
        let valMax = MaxMetric()
        var computedAtEpochEnd: [Double] = []
        var batches: [Pair] = []

        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let out = try batch.0.linear(weight: weight)
            try trainMAE.forward(preds: out, target: batch.1)
            try log("train_mae", trainMAE, onStep: true, onEpoch: true)
            return try out.mseLoss(target: batch.1)
        }

        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let out = try batch.0.linear(weight: weight)
            try valMSE.update(preds: out, target: batch.1)
            try valMax.update(out)
            try log("val_mse", valMSE)
            try log("val_max", valMax)
            return try out.mseLoss(target: batch.1)
        }

        func onValidationEpochEnd() throws {
            computedAtEpochEnd.append(try valMSE.compute().item(Double.self))
        }

        func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.0)) }
        func trainDataloader() throws -> (any BatchLoader<Pair>)? { BatchList(batches) }
        func valDataloader() throws -> (any BatchLoader<Pair>)? { BatchList(batches) }
    }

    @Test func epochValueIsComputeAndMetricsResetAfterTheEpoch() throws {
        let module = ClassifierModule()
        module.batches = [
            (try Tensor([[Float(1), 2], [3, 4]]), try Tensor([[Float(0)], [1]])),
            (try Tensor([[Float(-1), 0], [2, 2], [0, 1]]), try Tensor([[Float(1)], [0], [2]])),
        ]
        let trainer = try Trainer(logger: [], maxEpochs: 2, numSanityValSteps: 0, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(module)

        // The expected values, from one metric over all of an epoch's batches.
        let mse = try MeanSquaredError(), mae = MeanAbsoluteError(), max = MaxMetric()
        for (x, y) in module.batches {
            let out = try x.linear(weight: module.weight)
            try mse.update(preds: out, target: y)
            try mae.update(preds: out, target: y)
            try max.update(out)
        }
        let metrics = trainer.callbackMetrics
        #expect(metrics["val_mse"] == (try mse.compute().item(Double.self)))
        #expect(metrics["val_max"] == (try max.compute().item(Double.self)))
        #expect(metrics["train_mae_epoch"] == (try mae.compute().item(Double.self)))
        // The step value is the batch's forward value (the last batch).
        let last = module.batches[1]
        let lastMAE = MeanAbsoluteError()
        try lastMAE.update(preds: try last.0.linear(weight: module.weight), target: last.1)
        #expect(metrics["train_mae_step"] == (try lastMAE.compute().item(Double.self)))
        // The same value both epochs: each epoch starts from a reset metric.
        #expect(module.computedAtEpochEnd.count == 2)
        #expect(module.computedAtEpochEnd.allSatisfy { $0 == (try? mse.compute().item(Double.self)) })
        #expect(module.valMSE.updateCount == 0)
        #expect(module.trainMAE.updateCount == 0)
    }

    @Test func aMetricAndAPlainValueUnderOneNameAreRefused() throws {
        final class Mixed: Module, LightningModule {
            typealias Batch = Pair
            @Parameter var weight = try! Tensor([[Float(1)]])
            let mean = MeanMetric()
            func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
                let loss = try batch.0.linear(weight: weight).sum()
                try mean.update(loss)
                if batchIndex == 0 { try log("x", mean) } else { try log("x", loss) }
                return loss
            }
            func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.0)) }
            func trainDataloader() throws -> (any BatchLoader<Pair>)? {
                BatchList([(try Tensor([[Float(1)]]), try Tensor([[Float(1)]])), (try Tensor([[Float(2)]]), try Tensor([[Float(1)]]))])
            }
        }
        let trainer = try Trainer(logger: [], maxEpochs: 1, enableCheckpointing: false, enableProgressBar: false,
                                  enableModelSummary: false)
        #expect(throws: LightningError.self) { try trainer.fit(Mixed()) }
    }
}
