import Foundation
import Testing
@testable import Torch

/// Inflate (RFC 1951), gzip (RFC 1952) and CRC-32 against streams written by Python's zlib and gzip.
@Suite struct DeflateTests {
    struct Summary: Decodable {
        let size: Int
        let crc32: UInt32
        let base64: String?
    }

    struct Fixture: Decodable {
        struct DeflateCase: Decodable { let deflate: String; let expected: Summary }
        struct GzipCase: Decodable { let gzip: String; let expected: Summary }
        struct ErrorCase: Decodable { let gzip: String?; let deflate: String?; let error: String }
        let deflate: [String: DeflateCase]
        let gzip: [String: GzipCase]
        let errors: [String: ErrorCase]
    }

    let fixture: Fixture

    init() throws {
        fixture = try IOFixtures.load("deflate.json")
    }

    func expectSummary(_ bytes: [UInt8], _ expected: Summary, _ name: String) {
        #expect(bytes.count == expected.size, "\(name): size")
        #expect(CRC32.checksum(bytes) == expected.crc32, "\(name): CRC-32")
        if let data = expected.base64 { #expect(bytes == base64(data), "\(name): bytes") }
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        var crc = CRC32()
        crc.update(Array("1234".utf8))
        crc.update(Array("56789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    /// Eight bytes at a time and the bytes left over agree with the one-byte-at-a-time definition,
    /// for every length and start offset of a short buffer and for any split into updates.
    @Test func crc32EveryLengthAndOffset() {
        func bytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        let data = (0..<80).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ ($0 >> 3) &* 29 &+ 11) }
        for start in 0..<9 {
            for end in start...data.count {
                #expect(CRC32.checksum(data[start..<end]) == bytewise(data[start..<end]), "bytes \(start)..<\(end)")
            }
        }
        var split = CRC32()
        let cuts = [0, 3, 11, 12, 27, 64, 80]
        for (from, to) in zip(cuts, cuts.dropFirst()) { split.update(data[from..<to]) }
        #expect(split.value == bytewise(data[...]))
    }

    @Test func inflatesEveryZlibStrategy() throws {
        #expect(fixture.deflate.count >= 25)
        for (name, testCase) in fixture.deflate.sorted(by: { $0.key < $1.key }) {
            let input = base64(testCase.deflate)
            let (bytes, end) = try Inflater.inflate(input, name: name)
            expectSummary(bytes, testCase.expected, name)
            #expect(end == input.count, "\(name): the stream ends at the last byte")
        }
    }

    @Test func gunzipsFiles() throws {
        for (name, testCase) in fixture.gzip {
            expectSummary(try Gzip.decompress(base64(testCase.gzip), name: name), testCase.expected, name)
        }
    }

    @Test func reportsCorruptAndTruncatedStreams() {
        for (name, testCase) in fixture.errors {
            expectError(testCase.error) {
                if let gzip = testCase.gzip {
                    _ = try Gzip.decompress(base64(gzip), name: name)
                } else {
                    _ = try Inflater.inflate(base64(testCase.deflate!), name: name)
                }
            }
        }
    }

    /// Every prefix of a stream and many corrupted copies either decode or throw; none crashes.
    @Test func survivesDamagedInput() throws {
        let stream = base64(fixture.deflate["mixed_best"]!.deflate)
        for length in stride(from: 0, to: stream.count, by: max(1, stream.count / 300)) {
            #expect(throws: TorchError.self) { _ = try Inflater.inflate(Array(stream[..<length]), name: "prefix") }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var damaged = stream
            for _ in 0..<3 { damaged[Int.random(in: 0..<damaged.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator) }
            _ = try? Inflater.inflate(damaged, name: "damaged")
        }
        let gzip = base64(fixture.gzip["text"]!.gzip)
        for length in stride(from: 0, to: gzip.count, by: max(1, gzip.count / 200)) {
            #expect(throws: TorchError.self) { _ = try Gzip.decompress(Array(gzip[..<length]), name: "prefix") }
        }
    }
}
