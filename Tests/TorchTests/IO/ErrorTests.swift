import Foundation
import Testing
@testable import Torch

/// Damaged input is a thrown error with a clear message, never a crash: one test per kind of damage.
@Suite struct ErrorTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    @Test func malformedSafeTensorsHeader() throws {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(12))
        bytes += Array("{\"a\": [1, 2".utf8) + [0, 0]
        let url = try folder.write(bytes, to: "bad.safetensors")
        expectError(url.path, "malformed safetensors header", "not valid JSON") { _ = try SafeTensors.load(contentsOf: url) }
    }

    @Test func truncatedNPY() throws {
        let whole = try NPY.encode(Tensor((0..<10).map { Float($0) }))
        let url = try folder.write(Array(whole.dropLast(8)), to: "cut.npy")
        expectError(url.path, "truncated .npy data", "shape [10] of '<f4' needs 40 bytes", "only 32 remain") { _ = try NPY.load(contentsOf: url) }
    }

    @Test func csvRowWithTheWrongColumnCount() throws {
        let url = try folder.write(Array("id,name,score\n1,ada,3\n2,bob\n".utf8), to: "scores.csv")
        expectError(url.path, "row 3 (line 3) has 2 fields, but the header has 3") { _ = try CSVReader(hasHeader: true).read(contentsOf: url) }
        // Row numbers count records; line numbers count lines, which quoted newlines make differ.
        expectError("row 3 (line 4) has 1 field, but row 1 has 2") { _ = try CSVReader().parse("a,b\n\"multi\nline\",2\n3\n") }
    }

    @Test func truncatedGzip() throws {
        let text = Array(String(repeating: "all work and no play makes jack a dull boy. ", count: 200).utf8)
        var gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x01]
        gzip.appendLittleEndian(UInt16(text.count))
        gzip.appendLittleEndian(~UInt16(text.count))
        gzip += text
        gzip.appendLittleEndian(CRC32.checksum(text))
        gzip.appendLittleEndian(UInt32(text.count))
        #expect(try Gzip.decompress(gzip) == text)
        let url = try folder.write(Array(gzip.prefix(gzip.count / 2)), to: "cut.csv.gz")
        expectError(url.path, "truncated") { _ = try Gzip.decompress(contentsOf: url) }
        expectError(url.path, "truncated") { _ = try CSVReader().read(contentsOf: url) }
    }

    @Test func missingFile() throws {
        let url = folder.file("nowhere.pt")
        for load in [{ _ = try TorchSerialization.load(contentsOf: url) }, { _ = try SafeTensors.load(contentsOf: url) },
                     { _ = try NPY.load(contentsOf: url) }, { _ = try NPZ.load(contentsOf: url) },
                     { _ = try IDX.load(contentsOf: url) }, { _ = try CSVReader().read(contentsOf: url) }] as [() throws -> Void] {
            expectError("cannot open \(url.path): No such file or directory") { try load() }
        }
        expectError("cannot read \(folder.url.path)", "not a regular file") { _ = try SafeTensors.load(contentsOf: folder.url) }
        expectError("cannot create a temporary file in", "No such file or directory") {
            try SafeTensors.save([:], to: folder.file("missing-folder/x.safetensors"))
        }
    }

    @Test func corruptPT() throws {
        let url = folder.file("model.pt")
        try TorchSerialization.save(["weight": try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])], to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        let zip = try ZipReader(MemoryBytes(bytes, name: "model.pt"))
        let pickle = try zip.dataRange(of: zip.entry(named: "archive/data.pkl")!)
        let storage = try zip.dataRange(of: zip.entry(named: "archive/data/0")!)

        bytes[pickle.lowerBound + 5] ^= 0xFF
        let damagedPickle = try folder.write(bytes, to: "damaged-pickle.pt")
        expectError(damagedPickle.path, "corrupt zip archive: the CRC-32 of archive/data.pkl does not match") { _ = try TorchSerialization.load(contentsOf: damagedPickle) }
        bytes[pickle.lowerBound + 5] ^= 0xFF

        bytes[storage.lowerBound] ^= 0x01
        let damagedData = try folder.write(bytes, to: "damaged-data.pt")
        expectError("the CRC-32 of archive/data/0 does not match") { _ = try TorchSerialization.load(contentsOf: damagedData) }

        let truncated = try folder.write(Array(bytes.prefix(bytes.count - 30)), to: "truncated.pt")
        expectError(truncated.path, "no end-of-central-directory record") { _ = try TorchSerialization.load(contentsOf: truncated) }
        let text = try folder.write(Array("not a checkpoint".utf8), to: "text.pt")
        expectError("not a PyTorch file") { _ = try TorchSerialization.load(contentsOf: text) }

        // A pickle that is valid zip-wise but malformed inside.
        let badPickle = folder.file("bad-pickle.pt")
        try AtomicFileWriter.write(to: badPickle) { (file) throws(TorchError) in
            var zip = ZipWriter(file)
            try zip.add("archive/data.pkl", [0x80, 0x02, 0x7D, 0x28, 0x58, 0xFF, 0xFF, 0, 0])
            try zip.finish()
        }
        expectError("truncated", "a string needs") { _ = try TorchSerialization.load(contentsOf: badPickle) }
    }
}
