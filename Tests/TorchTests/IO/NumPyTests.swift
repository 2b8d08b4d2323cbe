import Foundation
import Testing
@testable import Torch

/// `.npy` and `.npz` against files written by NumPy.
@Suite struct NumPyTests {
    struct Fixture: Decodable {
        struct NPYCase: Decodable {
            let file: String
            let expected: ExpectedTensor?
            let same_bytes_when_written: Bool?
            let error: String?
        }
        struct NPZCase: Decodable {
            let file: String
            let expected: [String: ExpectedTensor]
        }
        let npy: [String: NPYCase]
        let npz: [String: NPZCase]
    }

    let fixture: Fixture

    init() throws {
        fixture = try IOFixtures.load("numpy.json")
    }

    @Test func readsEveryDtypeOrderAndByteOrder() throws {
        for (name, testCase) in fixture.npy.sorted(by: { $0.key < $1.key }) {
            guard let expected = testCase.expected else { continue }
            let tensor = try NPY.load(bytes: base64(testCase.file))
            expectTensor(tensor, expected, name)
        }
    }

    @Test func writesNumPysExactBytes() throws {
        var checked = 0
        for (name, testCase) in fixture.npy where testCase.same_bytes_when_written == true {
            let bytes = base64(testCase.file)
            #expect(try NPY.encode(NPY.load(bytes: bytes)) == bytes, "\(name)")
            checked += 1
        }
        #expect(checked >= 12)
    }

    @Test func roundTripsThroughFiles() throws {
        let folder = try TemporaryFolder()
        let tensor = try Tensor((0..<24).map { Double($0) / 3 }, shape: [2, 3, 4])
        try NPY.save(tensor, to: folder.file("x.npy"))
        let back = try NPY.load(contentsOf: folder.file("x.npy"))
        #expect(back.shape == [2, 3, 4])
        #expect(try back.toArray(of: Double.self) == tensor.toArray(of: Double.self))
        expectError("NumPy has no such dtype") { try NPY.save(try tensor.to(dtype: .bfloat16), to: folder.file("y.npy")) }
        #expect(try folder.contents() == ["x.npy"])
    }

    @Test func refusesUnsupportedAndDamagedArrays() throws {
        for (_, testCase) in fixture.npy {
            guard let error = testCase.error else { continue }
            expectError(error) { _ = try NPY.load(bytes: base64(testCase.file)) }
        }
        let good = base64(fixture.npy["f4"]!.file)
        expectError("truncated .npy data", "needs 48 bytes") { _ = try NPY.load(bytes: Array(good.dropLast(4))) }
        expectError("truncated .npy") { _ = try NPY.load(bytes: Array(good.prefix(40))) }
        expectError("not a .npy file") { _ = try NPY.load(bytes: Array("hello, world".utf8)) }
    }

    @Test func readsStoredAndCompressedArchives() throws {
        for (name, testCase) in fixture.npz {
            let arrays = try NPZ.load(bytes: base64(testCase.file))
            #expect(Set(arrays.keys) == Set(testCase.expected.keys), "\(name)")
            for (key, expected) in testCase.expected { expectTensor(arrays[key]!, expected, "\(name).\(key)") }
        }
    }

    @Test func roundTripsArchives() throws {
        let folder = try TemporaryFolder()
        let arrays: [String: Tensor] = ["a": try Tensor([1, 2, 3] as [Int32]), "b/c": try Tensor([[true], [false]])]
        try NPZ.save(arrays, to: folder.file("data.npz"))
        let back = try NPZ.load(contentsOf: folder.file("data.npz"))
        #expect(Set(back.keys) == ["a", "b/c"])
        #expect(try back["a"]!.toArray(of: Int32.self) == [1, 2, 3])
        #expect(back["b/c"]!.shape == [2, 1])
    }
}
