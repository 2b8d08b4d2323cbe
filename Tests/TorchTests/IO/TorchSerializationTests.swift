import Foundation
import Testing
@testable import Torch

/// PyTorch's format against files written by Python's `torch.save`, and Swift round trips.
@Suite struct TorchSerializationTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let file: String
            let expected: ExpectedValue?
            let shared: [[String]]?
            let error: String?
        }
        let cases: [String: Case]
    }

    let cases: [String: Fixture.Case]
    let folder: TemporaryFolder

    init() throws {
        cases = try IOFixtures.load("pytorch.json", as: Fixture.self).cases
        folder = try TemporaryFolder()
    }

    func pythonFile(_ name: String) throws -> URL {
        try folder.write(base64(cases[name]!.file), to: name + ".pt")
    }

    @Test(arguments: ["state_dict", "optimizer", "checkpoint", "typed_lists"])
    func readsPythonFiles(_ name: String) throws {
        let value = try TorchSerialization.load(contentsOf: pythonFile(name))
        expectValue(value, cases[name]!.expected!, name)
    }

    /// The fixture comparison itself notices differences (so the tests above cannot pass vacuously).
    @Test func comparisonCatchesDifferences() throws {
        withKnownIssue { expectValue(.int(1), .int(2)) }
        withKnownIssue { expectValue(.list([1]), .list([.int(1), .int(2)])) }
        withKnownIssue { expectValue(.string("a"), .none) }
        let tensor = try Tensor([1, 2] as [Float])
        withKnownIssue { expectTensor(tensor, ExpectedTensor(dtype: "float32", shape: [2], values: [.real(1), .real(3)], requires_grad: nil), "t") }
        withKnownIssue { expectTensor(tensor, ExpectedTensor(dtype: "float64", shape: [2], values: [.real(1), .real(2)], requires_grad: nil), "t") }
        expectTensor(tensor, ExpectedTensor(dtype: "float32", shape: [2], values: [.integer(1), .real(2)], requires_grad: false), "t")
    }

    @Test func readsAStateDictAsTensors() throws {
        let tensors = try TorchSerialization.loadTensors(contentsOf: pythonFile("state_dict"))
        #expect(tensors.keys.sorted() == ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight", "3.bias", "3.weight"])
        #expect(tensors["1.num_batches_tracked"]?.dtype == .int64)
        expectError("does not hold a dictionary of tensors") { _ = try TorchSerialization.loadTensors(contentsOf: pythonFile("optimizer")) }
    }

    @Test func keepsPythonsSharedStorage() throws {
        let value = try TorchSerialization.load(contentsOf: pythonFile("checkpoint"))
        let tensors = try #require(value["tensors"])
        for pair in cases["checkpoint"]!.shared! {
            let a = try #require(tensors[pair[0]]?.tensorValue)
            let b = try #require(tensors[pair[1]]?.tensorValue)
            #expect(try TensorStorage.info(of: a).identity == TensorStorage.info(of: b).identity, "\(pair) share memory")
        }
        let transposed = try #require(tensors["transposed"]?.tensorValue)
        #expect(transposed.strides == [1, 4])
        #expect(try transposed.toArray(of: Float.self) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        #expect(try #require(tensors["column"]?.tensorValue).storageOffset == 2)
        #expect(TensorStorage.requiresGrad(try #require(tensors["param"]?.tensorValue)))
    }

    @Test func resavesPythonFilesUnchanged() throws {
        for name in ["state_dict", "optimizer", "checkpoint"] {
            let value = try TorchSerialization.load(contentsOf: pythonFile(name))
            let url = folder.file("resaved-\(name).pt")
            try TorchSerialization.save(value, to: url)
            expectValue(try TorchSerialization.load(contentsOf: url), cases[name]!.expected!, "resaved \(name)")
        }
    }

    @Test func roundTripsEveryKindOfValue() throws {
        let base = try Tensor((0..<12).map { Float($0) }, shape: [3, 4])
        let row = try TensorStorage.view(of: base, shape: [4], strides: [1], offset: 4)
        let value: PickleValue = [
            "none": nil, "true": true, "false": false,
            "ints": [0, 1, 255, 256, 65535, 65536, -1, .int(Int(Int32.min)), .int(Int(Int32.max) + 1), .int(Int.min), .int(Int.max)],
            "floats": [0.0, -0.0, 1.5, .double(.pi), .double(.infinity), .double(-.greatestFiniteMagnitude)],
            "string": "ünïcode ✓ with 'quotes'", "empty string": "",
            "bytes": .bytes([0, 1, 127, 128, 255]),
            "tuple": .tuple([1, .tuple([]), .tuple(["one"]), .tuple([1, 2, 3, 4])]),
            "list": [[], [[]], .dict([(String, PickleValue)]())],
            7: "an int key", .tuple([1, 2]): "a tuple key",
            "tensors": .dict([
                ("base", .tensor(base)), ("row", .tensor(row)), ("same", .tensor(base)),
                ("i64", .tensor(try Tensor([Int64.min, Int64.max]))), ("bool", .tensor(try Tensor([true, false]))),
                ("u8", .tensor(try Tensor([0, 255] as [UInt8]))), ("scalar", .tensor(try Tensor(scalar: 2.5))),
                ("bf16", .tensor(try Tensor([1.5, -2] as [Float]).to(dtype: .bfloat16))),
                ("empty", .tensor(try Tensor([Float](), shape: [2, 0]))),
            ]),
            "many": .list((0..<2500).map { .int($0) }),
        ]
        let url = folder.file("value.pt")
        try TorchSerialization.save(value, to: url)
        let loaded = try TorchSerialization.load(contentsOf: url)
        #expect(loaded.description == value.description)
        let tensors = try #require(loaded["tensors"])
        for name in ["base", "row", "same", "i64", "bool", "u8", "scalar", "bf16", "empty"] {
            let original = try #require(value["tensors"]?[name]?.tensorValue)
            let back = try #require(tensors[name]?.tensorValue)
            #expect(back.dtype == original.dtype, "\(name)")
            #expect(back.shape == original.shape, "\(name)")
            #expect(try back.bytes() == original.bytes(), "\(name)")
        }
        let loadedBase = try #require(tensors["base"]?.tensorValue)
        for name in ["row", "same"] {
            #expect(try TensorStorage.info(of: #require(tensors[name]?.tensorValue)).identity == TensorStorage.info(of: loadedBase).identity)
        }
        #expect(try folder.contents() == ["value.pt"])
    }

    @Test func writesAlignedStoragesAndPythonsRecords() throws {
        let url = folder.file("state.pt")
        try TorchSerialization.save(["w": try Tensor([1, 2, 3] as [Float]), "b": try Tensor([4] as [Float])], to: url)
        let zip = try ZipReader(MappedFile(url))
        #expect(zip.entries.map(\.name) == ["archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
                                            "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version",
                                            "archive/.data/serialization_id"])
        for entry in zip.entries where entry.name.contains("/data/") {
            #expect(try zip.dataRange(of: entry).lowerBound % 64 == 0)
        }
        #expect(try zip.contents(of: zip.entry(named: "archive/version")!) == Array("3\n".utf8))
    }

    @Test func refusesPythonObjectsAndLegacyFiles() throws {
        for name in ["module_object", "legacy_format"] {
            expectError(cases[name]!.error!) { _ = try TorchSerialization.load(contentsOf: pythonFile(name)) }
        }
    }

    @Test func refusesDamagedFiles() throws {
        let bytes = base64(cases["checkpoint"]!.file)
        for length in [0, 3, 30, bytes.count / 2, bytes.count - 10] {
            let url = try folder.write(Array(bytes[..<length]), to: "cut.pt")
            #expect(throws: TorchError.self) { _ = try TorchSerialization.load(contentsOf: url) }
        }
        // Flipping bytes anywhere is caught (bad records, CRC-32 mismatches, malformed pickles).
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            var damaged = bytes
            damaged[Int.random(in: 0..<damaged.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            let url = try folder.write(damaged, to: "flipped.pt")
            _ = try? TorchSerialization.load(contentsOf: url)
        }
    }
}
