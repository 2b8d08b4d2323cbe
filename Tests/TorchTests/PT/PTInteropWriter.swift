import Foundation
import Testing
@testable import Torch

/// Writes `.pt` files from Swift for Scripts/pt-interop-live.sh, which loads them in Python with
/// `torch.load(weights_only=True)` and compares them with `manifest.json`. Does nothing unless the
/// environment variable SWIFTLIGHTNING_PT_OUT names the folder to write to.
@Suite("torch.save format: files for Python (live interop)")
struct PTInteropWriter {
    struct Manifest: Encodable {
        struct File: Encodable {
            var name: String
            var kind: String
            var expected: PTTree
            var shares: [[String]]
        }

        var files: [File] = []
    }

    @Test func writeFilesForPython() throws {
        guard let folder = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_PT_OUT"], !folder.isEmpty else { return }
        let out = URL(fileURLWithPath: folder, isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var manifest = Manifest()
        func add(_ name: String, _ kind: String, _ value: PickleValue, shares: [[String]] = []) throws {
            let url = out.appendingPathComponent(name)
            try TorchSerialization.save(value, to: url)
            manifest.files.append(.init(name: name, kind: kind, expected: try PTTree(value), shares: shares))
        }

        // Every value kind.
        let values: PickleValue = [
            "none": nil, "bools": [true, false], "ints": [0, 255, 256, 65535, 65536, -1, .int(Int.max), .int(Int.min), .int(1 << 40)],
            "floats": [0.1, -0.0, 1e300, .double(.infinity), .double(-.infinity), .double(.nan)],
            "strings": ["", "héllo", "日本語 😀", .string(String(repeating: "x", count: 1000))],
            "tuple": .tuple([1, .tuple([]), .tuple([2, 3]), .tuple([1, 2, 3, 4])]),
            "int keys": .dict([(.int(0), "zero"), (.int(-1), "minus one"), (.int(1 << 40), "big")]),
            "tuple key": .dict([(.tuple([1, "a"]), "value")]),
            "long list": .list((0..<1500).map { .int($0) }),
            "big dict": .dict((0..<1200).map { (.string("k\($0)"), .double(Double($0) / 8)) }),
            "nested": ["a": [["b": [.tensor(try Tensor([1, 2] as [Float]))]]]],
        ]
        try add("values.pt", "values", values)

        // Every dtype, with awkward values.
        var dtypes: [(key: PickleValue, value: PickleValue)] = []
        for dtype in DType.allCases where dtype.torchStorageName != nil {
            let count = 6 * dtype.elementSize
            var bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 7) }
            if dtype == .bool { bytes = bytes.map { $0 & 1 } }
            let tensor = try bytes.withUnsafeBytes { try Tensor(bytes: $0, shape: [2, 3], dtype: dtype) }
            dtypes.append((.string(String(dtype.description.dropFirst(6))), .tensor(tensor)))
        }
        dtypes.append(("scalar", .tensor(try Tensor(scalar: -3.25 as Double))))
        dtypes.append(("empty", .tensor(try Tensor.zeros([0, 5], dtype: .int16))))
        try add("dtypes.pt", "values", .dict(dtypes))

        // Views sharing storage, non-contiguous tensors.
        let base = try Tensor.arange(end: 24, dtype: .float32).view([4, 6])
        let other = try Tensor.arange(end: 10, dtype: .int64)
        try add("views.pt", "values", [
            "base": .tensor(base), "row": .tensor(try base[2]), "column": .tensor(try base[TensorIndex.all, 5]),
            "transposed": .tensor(try base.t()), "strided": .tensor(try base[stride(from: 1, to: 4, by: 2), stride(from: 0, to: 6, by: 3)]),
            "tail": .tensor(try other[7...]), "expanded": .tensor(try other[3..<4].expand([2, 3])),
        ], shares: [["row", "base"], ["column", "base"], ["transposed", "base"], ["strided", "base"], ["expanded", "tail"]])

        // A state dict Python loads into nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).
        let state = StateDict([
            ("0.weight", try Tensor.randn([4, 3])), ("0.bias", try Tensor.randn([4])),
            ("1.weight", try Tensor.randn([2, 4])), ("1.bias", try Tensor.randn([2])),
        ])
        try TorchSerialization.save(state.pickleValue, to: out.appendingPathComponent("state_dict.pt"))
        manifest.files.append(.init(name: "state_dict.pt", kind: "state_dict", expected: try PTTree(state.pickleValue), shares: []))

        // A Lightning checkpoint of the fixture's Tiny module (hidden 4), loadable with
        // Tiny.load_from_checkpoint.
        let model = StateDict([
            ("net.weight", try Tensor.randn([4, 3])), ("net.bias", try Tensor.randn([4])),
            ("out.weight", try Tensor.randn([1, 4])), ("out.bias", try Tensor.randn([1])),
        ])
        var adamState: [(key: PickleValue, value: PickleValue)] = []
        for (index, (_, tensor)) in model.enumerated() {
            adamState.append((.int(index), [
                "step": .tensor(try Tensor(scalar: 4 as Float)), "exp_avg": .tensor(try Tensor.zeros(tensor.shape)),
                "exp_avg_sq": .tensor(try Tensor.ones(tensor.shape)),
            ]))
        }
        let checkpoint: PickleValue = [
            "epoch": 1, "global_step": 4, "pytorch-lightning_version": "2.6.6",
            "state_dict": model.pickleValue,
            "loops": ["fit_loop": ["state_dict": [:], "epoch_progress": ["total": ["ready": 2, "completed": 2]]]],
            "callbacks": ["ModelCheckpoint{'monitor': 'val_loss'}": ["best_model_score": .tensor(try Tensor(scalar: 0.5 as Float)), "best_model_path": "best.ckpt", "dirpath": nil]],
            "optimizer_states": [[
                "state": .dict(adamState),
                "param_groups": [["lr": 0.0025, "betas": .tuple([0.9, 0.999]), "eps": 1e-8, "weight_decay": 0, "amsgrad": false,
                                  "maximize": false, "foreach": nil, "capturable": false, "differentiable": false, "fused": nil,
                                  "decoupled_weight_decay": false, "initial_lr": 0.01, "params": [0, 1, 2, 3]]],
            ]],
            "lr_schedulers": [["step_size": 1, "gamma": 0.5, "base_lrs": [0.01], "last_epoch": 2, "_step_count": 3, "_last_lr": [0.0025]]],
            "hparams_name": "kwargs", "hyper_parameters": ["hidden": 4, "lr": 0.01, "name": "tiny"],
        ]
        try add("epoch=1-step=4.ckpt", "lightning", checkpoint)

        // Bytes, and a file big enough for several storages at large offsets.
        try add("bytes.pt", "values", ["bytes": .bytes([0, 1, 127, 128, 255]), "empty": .bytes([]),
                                       "big": .tensor(try Tensor.randn([300, 700])), "small": .tensor(try Tensor.ones([3], dtype: .int32))])

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(manifest).write(to: out.appendingPathComponent("manifest.json"))
    }
}
