import Foundation
import Lightning
import Torch

/// A CheckpointIO that keeps checkpoints in memory and writes a marker file for each (so file
/// names, version counters and folder listings behave as on disk), recording `io.*` events as the
/// reference's RecordingIO.
final class MarkerCheckpointIO: CheckpointIO {
    var saved: [String: Checkpoint] = [:]
    let log: EventLog?

    init(log: EventLog? = nil) { self.log = log }

    func save(_ checkpoint: Checkpoint, to path: String) throws {
        log?.record("io", "save_checkpoint", [("file", (path as NSString).lastPathComponent)])
        saved[path] = checkpoint
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data("checkpoint".utf8)) else {
            throw LightningError.checkpoint("could not write the marker file \(path)")
        }
    }

    func load(from path: String) throws -> Checkpoint {
        log?.record("io", "load_checkpoint", [("file", (path as NSString).lastPathComponent)])
        guard let checkpoint = saved[path] else { throw LightningError.checkpoint("no checkpoint saved at \(path)") }
        return checkpoint
    }

    func remove(_ path: String) throws {
        log?.record("io", "remove_checkpoint", [("file", (path as NSString).lastPathComponent)])
        saved[path] = nil
        try FileManager.default.removeItem(atPath: path)
    }
}

/// The reference scripts' data: standard train/val samples in batches.
func standardBatches(_ fixture: [String: Any], batchSize: Int) throws -> (train: [Pair], val: [Pair]) {
    func batches(_ x: [[Double]], _ y: [[Double]]) throws -> [Pair] {
        try stride(from: 0, to: x.count, by: batchSize).map { start in
            let end = min(start + batchSize, x.count)
            return (try Tensor(x[start..<end].map { $0.map(Float.init) }), try Tensor(y[start..<end].map { $0.map(Float.init) }))
        }
    }
    return (try batches(fixture.matrix("train_x"), fixture.matrix("train_y")),
            try batches(fixture.matrix("val_x"), fixture.matrix("val_y")))
}

/// Linear(2, 1) with the reference weights, MSE loss and SGD(lr 0.1); what it logs is scripted by
/// closures (the reference's ScriptedModule and SeqModule).
final class ScriptedModule: Module, LightningModule {
    typealias Batch = Pair
    @Parameter var weight: Tensor
    @Parameter var bias: Tensor
    /// Called in every validation step and at every training epoch end.
    var logInValidationStep: (ScriptedModule) throws -> Void = { _ in }
    var logAtTrainEpochEnd: (ScriptedModule) throws -> Void = { _ in }
    /// Called at the start of every training step.
    var onTrainingStep: () -> Void = {}
    /// Validation runs finished (sanity checks included, as the reference counts them).
    var validationRuns = 0

    init(data: [String: Any]) throws {
        weight = try Tensor(data.matrix("init_weight").map { $0.map(Float.init) })
        bias = try Tensor(data.numbers("init_bias").map(Float.init))
        super.init()
    }

    func forward(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }
    func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        onTrainingStep()
        return try forward(batch.0).mseLoss(target: batch.1)
    }
    func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
        try logInValidationStep(self)
        return try forward(batch.0).mseLoss(target: batch.1)
    }
    func onValidationEpochEnd() throws { validationRuns += 1 }
    func onTrainEpochEnd() throws { try logAtTrainEpochEnd(self) }
    func configureOptimizers() throws -> OptimizerConfiguration { OptimizerConfiguration(try SGD(parameters(), lr: 0.1)) }
}

/// A fixture number: JSON numbers, "nan"/"inf"/"-inf", or null (nil).
///
/// Foundation's JSONSerialization on Linux rounds some doubles it parses (0.8999999761581421 reads
/// back as 0.8999999761581424) while keeping the text, so numbers are re-read from their text.
func fixtureDouble(_ value: Any?) -> Double? {
    switch value {
    case let n as NSNumber: Double(n.stringValue) ?? n.doubleValue
    case let s as String: ["nan": .nan, "inf": .infinity, "-inf": -.infinity][s]
    default: nil
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Exactly parsed numbers (see ``fixtureDouble(_:)``).
    func exactNumbers(_ key: String) -> [Double] { (self[key] as! [Any]).map { fixtureDouble($0)! } }
}

/// A score as the tests compare it: "None" or Python's repr.
func scoreText(_ value: Double?) -> String { value.map(scoreRepr) ?? "None" }

func scoreRepr(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return "\(value)"
}

/// Python's `repr` of a float for the fixture's score fields ("None" for null).
func fixtureScoreText(_ value: Any?) -> String { fixtureDouble(value).map(scoreRepr) ?? "None" }

/// A fresh empty folder for one test.
func temporaryFolder(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("swiftlightning-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}

/// The files under `folder`, relative to it and sorted; a symbolic link as `name -> target`
/// (the reference's `list_files`).
func listFiles(_ folder: String) -> [String] {
    let manager = FileManager.default
    guard let enumerator = manager.enumerator(atPath: folder) else { return [] }
    var out: [String] = []
    let root = URL(fileURLWithPath: folder).standardizedFileURL.path
    for case let relative as String in enumerator {
        let path = (folder as NSString).appendingPathComponent(relative)
        if let destination = try? manager.destinationOfSymbolicLink(atPath: path) {
            let target = URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: (path as NSString).deletingLastPathComponent, isDirectory: true))
                .standardizedFileURL.path
            let shown = target.hasPrefix(root + "/") ? String(target.dropFirst(root.count + 1)) : target
            out.append("\(relative) -> \(shown)")
            continue
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(relative) }
    }
    return out.sorted()
}
