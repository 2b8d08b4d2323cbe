import Foundation
import Testing
@testable import Torch

/// safetensors against files written by the reference library (Python `safetensors`), and round
/// trips through Swift.
@Suite struct SafeTensorsTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let file: String
            let metadata: [String: String]
            let expected: [String: ExpectedTensor]
        }
        let cases: [String: Case]
    }

    let fixture: Fixture.Case

    init() throws {
        fixture = try IOFixtures.load("safetensors.json", as: Fixture.self).cases["all_dtypes"]!
    }

    @Test func readsEveryDtypeFromPython() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write(base64(fixture.file), to: "python.safetensors")
        let tensors = try SafeTensors.load(contentsOf: url)
        #expect(Set(tensors.keys) == Set(fixture.expected.keys))
        for (name, expected) in fixture.expected { expectTensor(tensors[name]!, expected, name) }
        #expect(try SafeTensorsFile(contentsOf: url).metadata == fixture.metadata)
    }

    @Test func writesTheReferenceLibrarysBytes() throws {
        let python = base64(fixture.file)
        let tensors = try SafeTensors.load(bytes: python)
        #expect(try SafeTensors.encode(tensors, metadata: fixture.metadata) == python)
    }

    @Test func opensLazily() throws {
        let file = try SafeTensorsFile(bytes: base64(fixture.file))
        #expect(file.names.count == fixture.expected.count)
        // File order: larger dtypes first, then by name, as the reference library writes.
        #expect(file.names.prefix(2) == ["i64", "f64"])
        let info = try #require(file.info(for: "f32"))
        #expect(info.dtype == .float32)
        #expect(info.shape == [2, 3])
        #expect(info.byteRange.count == 24)
        expectTensor(try file.tensor(named: "u8"), fixture.expected["u8"]!, "u8")
        expectError("has no tensor named 'missing'") { _ = try file.tensor(named: "missing") }
    }

    @Test func roundTripsAtomically() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("model.safetensors")
        let tensors: [String: Tensor] = [
            "weight": try Tensor((0..<12).map { Float($0) / 7 }, shape: [3, 4]),
            "bias": try Tensor([-1.5, 2.5] as [Double]),
            "mask": try Tensor([true, false, true]),
            "ids": try Tensor([Int64.min, 0, Int64.max]),
            "scalar": try Tensor(scalar: 2 as Int32),
            "empty": try Tensor([Float](), shape: [0, 5]),
        ]
        try SafeTensors.save(tensors, metadata: ["format": "pt", "note": "quote \" and \\ and ✓"], to: url)
        // Overwriting replaces the file whole.
        try SafeTensors.save(tensors, metadata: ["format": "pt", "note": "quote \" and \\ and ✓"], to: url)
        #expect(try folder.contents() == ["model.safetensors"])
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt", "note": "quote \" and \\ and ✓"])
        let loaded = try file.tensors()
        for (name, tensor) in tensors {
            let back = try #require(loaded[name])
            #expect(back.dtype == tensor.dtype, "\(name)")
            #expect(back.shape == tensor.shape, "\(name)")
            #expect(try back.bytes() == tensor.bytes(), "\(name)")
        }
        expectError("reserved") { try SafeTensors.save(["__metadata__": tensors["bias"]!], to: folder.file("x.safetensors")) }
    }

    @Test func refusesMalformedFiles() throws {
        func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.appendLittleEndian(UInt64(header.utf8.count))
            return bytes + Array(header.utf8) + data
        }
        expectError("not valid JSON") { _ = try SafeTensorsFile(bytes: file("{not json")) }
        expectError("does not start with '{'") { _ = try SafeTensorsFile(bytes: file("[1]")) }
        expectError("fewer than the 8-byte header length") { _ = try SafeTensorsFile(bytes: [1, 2]) }
        expectError("exceeds the limit") { _ = try SafeTensorsFile(bytes: [0, 0, 0, 0, 1, 0, 0, 0] + Array(repeating: 0, count: 8)) }
        expectError("the header length is 100 bytes") { _ = try SafeTensorsFile(bytes: [100, 0, 0, 0, 0, 0, 0, 0, 0x7B]) }
        expectError("unknown dtype 'F7'") {
            _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        expectError("F8_E4M3", "cannot load") {
            _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, data: [0]))
        }
        expectError("need 8 bytes", "span 4") {
            _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        expectError("truncated", "describes 8 bytes", "holds 4") {
            _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]))
        }
        expectError("offsets must be contiguous") {
            _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#, data: [0, 0, 0]))
        }
        expectError("'a' is not an object") { _ = try SafeTensorsFile(bytes: file(#"{"a":{"dtype":"U8","shape":"x"}}"#)) }
        expectError("__metadata__ must be an object of strings") { _ = try SafeTensorsFile(bytes: file(#"{"__metadata__":{"a":1}}"#)) }
    }

    @Test(.enabled(if: hasRealData("all-MiniLM-L6-v2/model.safetensors"), "the MiniLM model is not fetched; run Scripts/fetch-data.sh"))
    func readsThePretrainedMiniLM() throws {
        let url = DatasetFolder.default.appending(path: "all-MiniLM-L6-v2/model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.count == 104)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.info(for: "embeddings.word_embeddings.weight")?.shape == [30522, 384])
        #expect(file.info(for: "encoder.layer.5.intermediate.dense.weight")?.shape == [1536, 384])
        let elementCounts: [Int] = file.tensorInfos.map { $0.shape.reduce(1, *) }
        #expect(elementCounts.reduce(0, +) == 22_713_728)
        let positions = try file.tensor(named: "embeddings.position_ids")
        #expect(positions.dtype == .int64)
        #expect(positions.shape == [1, 512])
        #expect(try positions.toArray(of: Int64.self) == Array(0..<512))
        let norm: [Float] = try file.tensor(named: "embeddings.LayerNorm.weight").toArray()
        #expect(norm.count == 384)
        #expect(norm.allSatisfy { $0.isFinite })
    }
}
