import Foundation
import Testing
@testable import Torch

@Suite("torch.save format: files written by Python")
struct PTPythonFileTests {
    static let names = ["state_dict", "adam", "lightning", "dtypes", "views", "values", "protocol4", "parameter"]

    @Test func fixturesAreFromTheExpectedVersions() throws {
        let files = try PTPythonFiles.shared.get()
        #expect(files.torch.hasPrefix("2.11.0"))
        #expect(files.lightning == "2.6.6")
        #expect(Set(files.files.keys) == Set(PTPythonFileTests.names))
    }

    @Test(arguments: PTPythonFileTests.names)
    func loadsWhatPythonSaved(_ name: String) throws {
        let file = try PTPythonFiles.file(name)
        let value = try PTBytes.decode(file.data)
        #expect(file.expected.mismatch(value) == nil, "\(file.expected.mismatch(value) ?? "")")
        // Tensors that shared memory in Python share it here: a write through one shows in the other.
        for (index, pair) in file.shares.enumerated() {
            let a = try #require(value[pair[0]]?.tensorValue), b = try #require(value[pair[1]]?.tensorValue)
            let before = try b.bytes()
            _ = try a.fill_(value: 100 + index)
            #expect(try b.bytes() != before, "\(pair[0]) and \(pair[1]) should share memory")
        }
    }

    @Test(arguments: PTPythonFileTests.names)
    func savingAgainGivesTheSameValue(_ name: String) throws {
        let value = try PTBytes.decode(try PTPythonFiles.file(name).data)
        let again = try PTBytes.decode(try PTBytes.encode(value))
        #expect(try PTTree(again) == PTTree(value))
    }

    /// ZipWriter lays records out as PyTorch's writer does (data descriptors, "FB" padding, zip64
    /// end records), so `torch.load(mmap=True)` can predict where each storage starts.
    @Test(arguments: PTPythonFileTests.names)
    func rewritingPythonsRecordsGivesTheSameBytes(_ name: String) throws {
        let data = try PTPythonFiles.file(name).data
        let rewritten = try PTBytes.zip(try PTBytes.records(data))
        #expect(rewritten == data, "\(name): \(rewritten.count) bytes, Python wrote \(data.count)")
    }

    @Test func stateDictLoadsInOrderWithoutMetadata() throws {
        let state = try StateDict(PTBytes.decode(try PTPythonFiles.file("state_dict").data))
        #expect(state.keys == [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "3.weight", "3.bias",
        ])
        #expect(state["1.num_batches_tracked"]?.dtype == .int64)
        #expect(state["1.num_batches_tracked"]?.shape == [])
        #expect(try state["1.num_batches_tracked"]?.item(Int.self) == 1)
    }

    @Test func adamStateKeepsIntegerKeysAndTuples() throws {
        let state = try PTBytes.decode(try PTPythonFiles.file("adam").data)
        let perParameter = try #require(state["state"]?.dictValue)
        #expect(perParameter.map(\.key.intValue) == [0, 1, 2, 3])
        #expect(try state["state"]?[intKey: 0]?["step"]?.tensorValue?.item(Float.self) == 2)
        let group = try #require(state["param_groups"]?.arrayValue?.first)
        guard case .tuple(let betas) = group["betas"] else { Issue.record("betas is not a tuple"); return }
        #expect(betas.map(\.doubleValue) == [0.8, 0.95])
        #expect(group["params"]?.arrayValue?.map(\.intValue) == [0, 1, 2, 3])
        #expect(group["foreach"]?.isNone == true)
    }

    @Test func lightningCheckpointHasItsKeys() throws {
        let checkpoint = try PTBytes.decode(try PTPythonFiles.file("lightning").data)
        let keys = try #require(checkpoint.dictValue).compactMap(\.key.stringValue)
        for key in ["epoch", "global_step", "pytorch-lightning_version", "state_dict", "loops", "callbacks", "optimizer_states",
                    "lr_schedulers", "hparams_name", "hyper_parameters"] {
            #expect(keys.contains(key), "\(key)")
        }
        #expect(checkpoint["pytorch-lightning_version"]?.stringValue == "2.6.6")
        #expect(checkpoint["hyper_parameters"]?["lr"]?.doubleValue == 0.01)
        let state = try StateDict(try #require(checkpoint["state_dict"]))
        #expect(state.keys == ["net.weight", "net.bias", "out.weight", "out.bias"])
    }

    @Test func refusesWhatItCannotRepresent() throws {
        let errors = try PTPythonFiles.shared.get().errors
        #expect(errors.count == 6)
        for (name, file) in errors.sorted(by: { $0.key < $1.key }) {
            let error = try #require(throws: TorchError.self, "\(name)") { try PTBytes.decode(file.data) }
            #expect(error.message.contains(file.message), "\(name): \(error.message)")
        }
    }
}
