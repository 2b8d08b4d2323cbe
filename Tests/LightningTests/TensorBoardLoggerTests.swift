import Foundation
import Lightning
import Testing
import Torch

/// TensorBoardLogger's event files, read back by TensorBoard's own reader
/// (`Tools/fixtures/read_tensorboard.py`: EventFileLoader + EventAccumulator) and by a Swift
/// TFRecord parser that checks every CRC.
@Suite("TensorBoardLogger")
struct TensorBoardLoggerTests {
    // MARK: Reading back

    /// What TensorBoard read from `logDir`.
    static func readWithTensorBoard(_ logDir: String) throws -> [String: Any] {
        try LivePython.readJSON("read_tensorboard.py", [logDir])
    }

    /// Scalars as `tag: [(step, value)]`.
    static func scalars(_ read: [String: Any]) -> [String: [(step: Int, value: Double)]] {
        (read["scalars"] as! [String: [[NSNumber]]]).mapValues { $0.map { (step: $0[0].intValue, value: fixtureDouble($0[1])!) } }
    }

    static let hyperparameters: Hyperparameters = [
        "lr": 0.1, "hidden": 4, "name": "ref", "flags": [1, 2], "on": true, "x": nil, "s": ["a", "b"],
    ]

    // MARK: Direct logging

    func logDirectly(_ folder: String) throws -> TensorBoardLogger {
        let logger = TensorBoardLogger(saveDir: folder)
        try logger.logHyperparams(Self.hyperparameters)
        try logger.logMetrics([("loss", 0.5), ("epoch", 0)], step: 3)
        for step in 4..<30 { try logger.logMetrics([("loss", 1 / Double(step)), ("acc", Double(step) * 0.01)], step: step) }
        try logger.finalize(status: "success")
        return logger
    }

    @Test("folders, file name and hparams.yaml as Lightning's")
    func layout() throws {
        let folder = try temporaryFolder("tb-layout")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = try logDirectly(folder)
        #expect(logger.version == "version_0")
        #expect(logger.logDir == folder + "/lightning_logs/version_0")
        let files = try FileManager.default.contentsOfDirectory(atPath: logger.logDir!).sorted()
        #expect(files.count == 2)
        // events.out.tfevents.<10-digit time>.<host>.<pid>.<n>
        let parts = files[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count >= 7 && parts[..<3] == ["events", "out", "tfevents"], "\(files[0])")
        #expect(parts[3].count == 10 && Int(parts[3]) != nil, "\(files[0])")
        #expect(parts[parts.count - 2] == String(getpid()) && Int(parts[parts.count - 1]) != nil, "\(files[0])")
        #expect(files[1] == "hparams.yaml")
        // Lightning 2.6.6 wrote this for the same hyperparameters, except that PyYAML quotes the
        // key 'on' (a YAML 1.1 boolean).
        let yaml = try String(contentsOfFile: logger.logDir! + "/hparams.yaml", encoding: .utf8)
        #expect(yaml == "flags:\n- 1\n- 2\nhidden: 4\nlr: 0.1\nname: ref\non: true\ns:\n- a\n- b\nx: null\n")

        let second = TensorBoardLogger(saveDir: folder)
        try second.logMetrics([("a", 1)], step: 0)
        #expect(second.version == "version_1")
        try second.finalize(status: "success")
    }

    @Test("TensorBoard reads back scalars and the hparams plugin data",
          .enabled(if: LivePython.isAvailable, LivePython.missing))
    func readBackDirect() throws {
        let folder = try temporaryFolder("tb-read")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = try logDirectly(folder)
        let read = try Self.readWithTensorBoard(logger.logDir!)
        #expect(read["file_versions"] as! [String] == ["brain.Event:2"])
        #expect(read["source_writers"] as! [String] == ["tensorboard.summary.writer.event_file_writer"])
        // file version + hp_metric + 3 hparams summaries + 2 + 26 × 2 scalars
        #expect(read["event_counts"] as! [Int] == [1 + 1 + 3 + 2 + 52])

        let scalars = Self.scalars(read)
        #expect(Set(scalars.keys) == ["hp_metric", "loss", "epoch", "acc"])
        #expect(scalars["hp_metric"]!.map(\.step) == [0] && scalars["hp_metric"]!.map(\.value) == [-1])
        #expect(scalars["epoch"]!.map(\.step) == [3] && scalars["epoch"]!.map(\.value) == [0])
        #expect(scalars["loss"]!.map(\.step) == Array(3..<30))
        #expect(scalars["loss"]!.map(\.value) == [0.5] + (4..<30).map { Double(Float(1 / Double($0))) })
        #expect(scalars["acc"]!.map(\.value) == (4..<30).map { Double(Float(Double($0) * 0.01)) })

        // What Lightning 2.6.6's TensorBoardLogger.log_hyperparams wrote for the same dict (read
        // with this script): booleans count as numbers, None and lists as their str().
        let hparams = read["hparams"] as! [String: [String: Any]]
        let experiment = hparams["_hparams_/experiment"]!["experiment"] as! [String: Any]
        let infos = (experiment["hparam_infos"] as! [[String: String]]).map { "\($0["name"]!):\($0["type"]!)" }
        #expect(infos == ["lr:DATA_TYPE_FLOAT64", "hidden:DATA_TYPE_FLOAT64", "name:DATA_TYPE_STRING",
                          "flags:DATA_TYPE_STRING", "on:DATA_TYPE_FLOAT64", "x:DATA_TYPE_STRING", "s:DATA_TYPE_STRING"])
        let metricTags = (experiment["metric_infos"] as! [[String: [String: String]]]).map { $0["name"]!["tag"]! }
        #expect(metricTags == ["hp_metric"])
        let start = (hparams["_hparams_/session_start_info"]!["session_start_info"] as! [String: Any])["hparams"] as! [String: Any]
        #expect(start.mapValues { "\($0)" } == ["lr": "0.1", "hidden": "4.0", "name": "ref", "flags": "[1, 2]", "on": "1.0",
                                                "x": "None", "s": "['a', 'b']"])
        let end = hparams["_hparams_/session_end_info"]!["session_end_info"] as! [String: String]
        #expect(end == ["status": "STATUS_SUCCESS"])
    }

    @Test("logging after finalize opens a second event file that TensorBoard reads too",
          .enabled(if: LivePython.isAvailable, LivePython.missing))
    func reopenAfterFinalize() throws {
        let folder = try temporaryFolder("tb-reopen")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = TensorBoardLogger(saveDir: folder, version: "run-a", defaultHpMetric: false, prefix: "p")
        try logger.logHyperparams(["lr": 0.5])
        try logger.logMetrics([("m", 1)], step: 1)
        try logger.finalize(status: "success")
        let first = logger.logDir!
        try logger.logMetrics([("m", 2)], step: 2)
        try logger.save()
        #expect(logger.logDir == folder + "/lightning_logs/run-a")
        let read = try Self.readWithTensorBoard(first)
        #expect((read["files"] as! [String]).count == 2)
        #expect(read["file_versions"] as! [String] == ["brain.Event:2", "brain.Event:2"])
        let scalars = Self.scalars(read)
        #expect(Set(scalars.keys) == ["p-m"])
        #expect(scalars["p-m"]!.map(\.step) == [1, 2] && scalars["p-m"]!.map(\.value) == [1, 2])
        #expect((read["hparams"] as! [String: Any]).isEmpty, "no hparams summaries without metrics")
        #expect(try String(contentsOfFile: first + "/hparams.yaml", encoding: .utf8) == "lr: 0.5\n")
    }

    // MARK: Through the Trainer

    final class TinyModule: Module, LightningModule {
        typealias Batch = Pair
        @Parameter var weight: Tensor
        init() {
            weight = try! Tensor([[0.5, -0.25]] as [[Float]])
            super.init()
        }
        var hyperparameters: Hyperparameters { ["lr": 0.1, "hidden": 2] }
        func trainingStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try batch.0.linear(weight: weight).mseLoss(target: batch.1)
            try log("train_loss", loss, onStep: true, onEpoch: true)
            try log("a", 0.25 * Double(1 + batchIndex) + Double(currentEpoch))
            return loss
        }
        func validationStep(_ batch: Pair, batchIndex: Int) throws -> Tensor {
            let loss = try batch.0.linear(weight: weight).mseLoss(target: batch.1)
            try log("val_loss", loss)
            return loss
        }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    static func batches(_ count: Int) throws -> BatchList<Pair> {
        BatchList(try (0..<count).map { i in
            let x = Float(i)
            return (try Tensor([[x, 1], [1, -x]] as [[Float]]), try Tensor([[x], [2]] as [[Float]]))
        })
    }

    /// A fit with a CSVLogger beside the TensorBoardLogger: every CSV cell must be a TensorBoard
    /// scalar at the row's step, with the value rounded to float32.
    @Test("Trainer.fit logs the same metrics as CSVLogger, and TensorBoard reads them",
          .enabled(if: LivePython.isAvailable, LivePython.missing))
    func throughTrainer() throws {
        let folder = try temporaryFolder("tb-fit")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tensorboard = TensorBoardLogger(saveDir: folder, name: "tb")
        let csv = CSVLogger(saveDir: folder, name: "csv")
        let trainer = try Trainer(logger: [tensorboard, csv], maxEpochs: 2, logEveryNSteps: 1,
                                  enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(TinyModule(), trainDataloaders: try Self.batches(4), valDataloaders: [try Self.batches(2)])
        #expect(tensorboard.logDir == folder + "/tb/version_0")
        #expect(try String(contentsOfFile: tensorboard.logDir! + "/hparams.yaml", encoding: .utf8) == "hidden: 2\nlr: 0.1\n")

        let lines = try String(contentsOfFile: csv.metricsFile, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        var expected: [String: [(step: Int, value: Double)]] = ["hp_metric": [(0, -1)]]
        for row in lines.dropFirst() {
            let step = Int(row[header.firstIndex(of: "step")!])!
            for (column, cell) in zip(header, row) where column != "step" && !cell.isEmpty {
                expected[column, default: []].append((step, Double(Float(Double(cell)!))))
            }
        }
        let scalars = Self.scalars(try Self.readWithTensorBoard(tensorboard.logDir!))
        #expect(Set(scalars.keys) == Set(expected.keys))
        #expect(Set(scalars.keys).isSuperset(of: ["train_loss_step", "train_loss_epoch", "a", "val_loss", "epoch"]))
        for (tag, points) in expected {
            let mine = scalars[tag] ?? []
            #expect(mine.map(\.step) == points.map(\.step), "\(tag) steps")
            #expect(mine.map(\.value) == points.map(\.value), "\(tag) values")
        }
    }

    // MARK: Swift-only framing check

    @Test("CRC-32C known answers")
    func crc() {
        #expect(TFRecord.crc32c(Array("123456789".utf8)) == 0xE306_9283)
        #expect(TFRecord.crc32c([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(TFRecord.crc32c([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    @Test("every record's length and data CRCs check; the first event is brain.Event:2")
    func framing() throws {
        let folder = try temporaryFolder("tb-frame")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = try logDirectly(folder)
        let eventFile = try FileManager.default.contentsOfDirectory(atPath: logger.logDir!).first { $0.hasPrefix("events.out.tfevents.") }!
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: logger.logDir! + "/" + eventFile)))
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            try #require(offset + 12 <= bytes.count, "truncated header at \(offset)")
            let length = Int(u64(offset))
            #expect(u32(offset + 8) == TFRecord.maskedCRC32C(bytes[offset..<offset + 8]), "length CRC at \(offset)")
            try #require(offset + 12 + length + 4 <= bytes.count, "truncated record at \(offset)")
            let payload = Array(bytes[offset + 12..<offset + 12 + length])
            #expect(u32(offset + 12 + length) == TFRecord.maskedCRC32C(payload), "data CRC at \(offset)")
            records.append(payload)
            offset += 16 + length
        }
        #expect(offset == bytes.count)
        #expect(records.count == 59)
        // Event: wall_time (field 1, fixed64) then file_version (field 3, length-delimited).
        let first = records[0]
        #expect(first[0] == 0x09)
        let wallTime = Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(first[1 + $1]) << (8 * $1) })
        #expect(abs(wallTime - Date().timeIntervalSince1970) < 3600)
        #expect(first[9] == 0x1A && first[10] == 13 && String(decoding: first[11..<24], as: UTF8.self) == "brain.Event:2")
    }
}
