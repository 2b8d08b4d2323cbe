import Foundation
import Testing
@testable import Torch

/// The zip reader and writer on their own (the .pt and .npz tests use them with Python's files).
@Suite struct ZipTests {
    @Test func roundTripsAlignedEntries() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("test.zip")
        let entries: [(String, [UInt8])] = [("a/data.pkl", Array("pickle".utf8)), ("a/ünïcode", [1, 2, 3]), ("a/empty", []),
                                            ("a/big", (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) })]
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            var zip = ZipWriter(file)
            for (name, bytes) in entries { try zip.add(name, bytes) }
            try zip.finish()
        }
        let reader = try ZipReader(MappedFile(url))
        #expect(reader.entries.map(\.name) == entries.map(\.0))
        for (name, bytes) in entries {
            let entry = try #require(reader.entry(named: name))
            #expect(try reader.contents(of: entry) == bytes)
            #expect(try reader.dataRange(of: entry).lowerBound % 64 == 0, "\(name) is aligned")
        }
        #expect(try folder.contents() == ["test.zip"], "no temporary file is left behind")
    }

    @Test func refusesNonZipData() {
        expectError("no end-of-central-directory record") { _ = try ZipReader(MemoryBytes(Array(repeating: 7, count: 100), name: "x")) }
        expectError("too short") { _ = try ZipReader(MemoryBytes([1, 2, 3], name: "x")) }
    }
}
