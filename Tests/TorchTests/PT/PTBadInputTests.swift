import Foundation
import Testing
@testable import Torch

/// Damaged and hostile `.pt` files and pickles: each is a thrown TorchError that says what is wrong,
/// never a crash, a hang or an allocation the size of the claimed data.
@Suite("torch.save format: damaged and hostile files")
struct PTBadInputTests {
    private var python: Data {
        get throws { try PTPythonFiles.file("state_dict").data }
    }

    /// A copy of a Python file with its records changed by `edit` (return nil to drop a record).
    private func rebuilt(_ data: Data, _ edit: (String, [UInt8]) -> (String, [UInt8])?) throws -> Data {
        try PTBytes.zip(try PTBytes.records(data).compactMap { edit($0.0, $0.1) })
    }

    private func loadError(_ data: Data) throws -> TorchError {
        try #require(throws: TorchError.self) { try PTBytes.decode(data) }
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    // MARK: Archives

    @Test func truncatedFile() throws {
        let data = try python
        for length in [0, 1, 4, 30, data.count / 2, data.count - 23, data.count - 1] {
            let error = try loadError(data.prefix(length))
            #expect(error.message.contains("truncated") || error.message.contains("not a PyTorch file") || error.message.contains("not a zip") || error.message.contains("empty"),
                    "\(length): \(error.message)")
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let data = try PTBytes.encode(["w": .tensor(try Tensor([1, 2, 3] as [Float])), "n": 7])
        for length in 0..<data.count {
            #expect(throws: TorchError.self, "cut at \(length)") { try PTBytes.decode(data.prefix(length)) }
        }
    }

    @Test func corruptPickle() throws {
        let garbled = try rebuilt(try python) { name, bytes in
            guard name.hasSuffix("data.pkl") else { return (name, bytes) }
            var bytes = bytes
            bytes[2] = 0xFF  // the first opcode after PROTO
            return (name, bytes)
        }
        #expect(try loadError(garbled).message.contains("corrupt pickle data"))
        let cut = try rebuilt(try python) { name, bytes in (name, name.hasSuffix("data.pkl") ? Array(bytes.prefix(bytes.count / 2)) : bytes) }
        #expect(try loadError(cut).message.contains("pickle"))
    }

    @Test func disallowedGlobal() throws {
        // Swap the OrderedDict global for os.system.
        let hostile = try rebuilt(try python) { name, bytes in
            guard name.hasSuffix("data.pkl") else { return (name, bytes) }
            let text = Array("collections\nOrderedDict\n".utf8)
            let evil = Array("os\nsystem\n".utf8)
            var result: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index...].starts(with: text) {
                    result += evil
                    index += text.count
                } else {
                    result.append(bytes[index])
                    index += 1
                }
            }
            return (name, result)
        }
        let error = try loadError(hostile)
        #expect(error.message.contains("os.system"), "\(error.message)")
    }

    @Test func missingDataRecord() throws {
        let incomplete = try rebuilt(try python) { name, bytes in name.hasSuffix("/data/3") ? nil : (name, bytes) }
        let error = try loadError(incomplete)
        #expect(error.message.contains("data/3 is missing"), "\(error.message)")
    }

    @Test func shortDataRecord() throws {
        let short = try rebuilt(try python) { name, bytes in (name, name.hasSuffix("/data/0") ? Array(bytes.dropLast(4)) : bytes) }
        let error = try loadError(short)
        #expect(error.message.contains("data/0 holds"), "\(error.message)")
    }

    @Test func damagedDataFailsItsChecksum() throws {
        var data = [UInt8](try python)
        let zip = try ZipReader(MemoryBytes(data, name: "x"))
        let range = try zip.dataRange(of: try #require(zip.entries.first { $0.name.hasSuffix("/data/0") }))
        data[range.lowerBound] ^= 0x40
        #expect(try loadError(Data(data)).message.contains("CRC-32"))
    }

    @Test func badSignaturesAreErrors() throws {
        let bytes = [UInt8](try PTBytes.encode(["w": .tensor(try Tensor([1, 2] as [Float]))]))
        let directory = Int(UInt32(bytes[bytes.count - 6]) | UInt32(bytes[bytes.count - 5]) << 8
            | UInt32(bytes[bytes.count - 4]) << 16 | UInt32(bytes[bytes.count - 3]) << 24)
        var damaged = bytes
        damaged[directory] ^= 0xFF
        #expect(try loadError(Data(damaged)).message.contains("bad signature"))
        let zip = try ZipReader(MemoryBytes(bytes, name: "x"))
        let entry = try #require(zip.entry(named: "archive/data/0"))
        damaged = bytes
        damaged[entry.localHeaderOffset + 1] ^= 0xFF
        #expect(try loadError(Data(damaged)).message.contains("bad signature"))
    }

    @Test func encryptedEntriesAreRefused() throws {
        let bytes = [UInt8](try PTBytes.encode(["w": .tensor(try Tensor([1, 2] as [Float]))]))
        let directory = Int(UInt32(bytes[bytes.count - 6]) | UInt32(bytes[bytes.count - 5]) << 8)
        var encrypted = bytes
        encrypted[directory + 8] |= 1
        #expect(try loadError(Data(encrypted)).message.contains("encrypted"))
    }

    @Test func notATorchFile() throws {
        #expect(try loadError(Data("hello".utf8)).message.contains("not a PyTorch file"))
        let noPickle = try rebuilt(try python) { name, bytes in name.hasSuffix("data.pkl") ? nil : (name, bytes) }
        #expect(try loadError(noPickle).message.contains("data.pkl"))
        let script = try rebuilt(try python) { name, bytes in
            name.hasSuffix("data.pkl") ? (name.replacingOccurrences(of: "data.pkl", with: "constants.pkl"), bytes) : (name, bytes)
        }
        #expect(try loadError(script).message.contains("TorchScript"))
    }

    @Test func missingAndUnreadablePaths() throws {
        let folder = try TemporaryFolder()
        let missing = try #require(throws: TorchError.self) { try TorchSerialization.load(contentsOf: folder.file("none.pt")) }
        #expect(missing.message.contains("none.pt"))
        #expect(throws: TorchError.self) { try TorchSerialization.load(contentsOf: folder.url) }
        let empty = folder.file("empty.pt")
        try Data().write(to: empty)
        let emptyError = try #require(throws: TorchError.self) { try TorchSerialization.load(contentsOf: empty) }
        #expect(emptyError.message.contains("empty.pt"))
    }

    // MARK: Pickles

    @Test func memoizedContainersShowTheirFinalContents() throws {
        // l = []; [l, l] after l.append(1): the second is a BINGET of the first.
        let value = try PTBytes.unpickle(hex("80025d7100285d71014b0161680165") + [0x2E])
        #expect(try PTTree(value) == PTTree([[1], [1]]))
    }

    @Test func aListThatContainsItselfIsAnError() throws {
        // l = []; l.append(l): EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP
        let error = try #require(throws: TorchError.self) { try PTBytes.unpickle(hex("80025d71006800") + [0x61, 0x2E]) }
        #expect(error.message.contains("holds itself"), "\(error.message)")
        // d = {}; d['d'] = d
        let dict = try #require(throws: TorchError.self) { try PTBytes.unpickle(hex("80027d710058010000006468007300") .dropLast() + [0x2E]) }
        #expect(dict.message.contains("holds itself"), "\(dict.message)")
    }

    @Test func deepNestingFailsCleanly() throws {
        func tuples(_ depth: Int) -> [UInt8] { [0x80, 2, 0x4E] + [UInt8](repeating: 0x85, count: depth) + [0x2E] }
        func lists(_ depth: Int) -> [UInt8] {
            [0x80, 2] + [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
        }
        // What Swift itself saves (up to 1000 deep) loads back.
        var nested: PickleValue = 1
        for _ in 0..<999 { nested = [nested] }
        #expect(try PTTree(PTBytes.unpickle(PTBytes.pickle(nested))) == PTTree(nested))
        _ = try PTBytes.unpickle(tuples(900))
        _ = try PTBytes.unpickle(lists(900))
        // Far deeper structures: an error, not a stack overflow.
        for bytes in [tuples(1002), lists(1002), tuples(100_000), lists(100_000)] {
            let error = try #require(throws: TorchError.self) { try PTBytes.unpickle(bytes) }
            #expect(error.message.contains("deep"), "\(error.message)")
        }
    }

    @Test func exponentialSharingIsRefused() throws {
        // t0 = (None, None); t(k+1) = (tk, tk) through the memo: 2^60 values once expanded.
        var bytes: [UInt8] = [0x80, 2, 0x4E, 0x4E, 0x86, 0x71, 0]
        for k in 0..<60 { bytes += [0x68, UInt8(k), 0x68, UInt8(k), 0x86, 0x71, UInt8(k + 1)] }
        bytes.append(0x2E)
        let error = try #require(throws: TorchError.self) { try PTBytes.unpickle(bytes) }
        #expect(error.message.contains("shared"), "\(error.message)")
        // The same with lists (filled after memoizing) and dictionaries.
        var lists: [UInt8] = [0x80, 2, 0x5D, 0x71, 0]
        for k in 0..<60 { lists += [0x5D, 0x28, 0x68, UInt8(k), 0x68, UInt8(k), 0x65, 0x71, UInt8(k + 1)] }
        lists.append(0x2E)
        #expect(throws: TorchError.self) { try PTBytes.unpickle(lists) }
    }

    @Test func hugeIntegersAreRefused() throws {
        // LONG1 of 2**70 and -2**70; LONG4 claiming 2 GiB of digits.
        let error = try #require(throws: TorchError.self) { try PTBytes.unpickle([0x80, 2, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x2E]) }
        #expect(error.message.contains("wider than 64 bits"), "\(error.message)")
        #expect(throws: TorchError.self) { try PTBytes.unpickle([0x80, 2, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0xC0, 0x2E]) }
        #expect(throws: TorchError.self) { try PTBytes.unpickle([0x80, 2, 0x8B, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E]) }
        // Lengths past the data: strings, bytes, 8-byte lengths.
        for bytes: [UInt8] in [[0x80, 2, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E], [0x80, 4, 0x8D] + [UInt8](repeating: 0xFF, count: 8) + [0x2E],
                               [0x80, 4, 0x8E] + [UInt8](repeating: 0xFF, count: 8) + [0x2E], [0x80, 2, 0x42, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]] {
            #expect(throws: TorchError.self) { try PTBytes.unpickle(bytes) }
        }
        // Integers up to 64 bits, however wide their encoding, load.
        #expect(try PTBytes.unpickle([0x80, 2, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x2E]).intValue == Int.min)
        #expect(try PTBytes.unpickle(PTBytes.pickle(.int(Int.max))).intValue == Int.max)
    }

    @Test func everyPickleTruncationIsAnError() throws {
        let bytes = try PTBytes.pickle(["a": [1, 2.5, "text", .tuple([nil, true])], "b": .int(1 << 50), "c": .bytes([1, 2])])
        for length in 0..<(bytes.count - 1) {
            #expect(throws: TorchError.self, "cut at \(length)") { try PTBytes.unpickle(Array(bytes[..<length])) }
        }
    }

    @Test func corruptPicklesAreErrors() throws {
        let cases: [[UInt8]] = [
            [0x80, 2, 0xFF, 0x2E],  // unknown opcode
            [0x80, 2, 0x85, 0x2E],  // TUPLE1 on an empty stack
            [0x80, 2, 0x74, 0x2E],  // TUPLE without MARK
            [0x80, 2, 0x68, 5, 0x2E],  // BINGET of nothing
            [0x80, 2, 0x4B, 1, 0x4B, 2, 0x61, 0x2E],  // APPEND to an int
            [0x80, 2, 0x5D, 0x4B, 1, 0x4B, 2, 0x73, 0x2E],  // SETITEM on a list
            [0x80, 2, 0x4E],  // no STOP
            [0x80, 2, 0x28, 0x69] + Array("os\nsystem\n".utf8) + [0x2E],  // INST
            [0x80, 2, 0x4E, 0x28, 0x30, 0x2E],  // POP below the MARK
        ]
        for bytes in cases {
            #expect(throws: TorchError.self, "\(bytes)") { try PTBytes.unpickle(bytes) }
        }
    }

    @Test func disallowedGlobalsNameTheGlobal() throws {
        for (module, name) in [("os", "system"), ("builtins", "eval"), ("__builtin__", "getattr"), ("torch", "load"), ("posix", "system")] {
            let bytes = [0x80, 2, 0x63] + Array("\(module)\n\(name)\n".utf8) + [0x29, 0x52, 0x2E]
            let error = try #require(throws: TorchError.self) { try PTBytes.unpickle(bytes) }
            #expect(error.message.contains("\(module).\(name)"), "\(error.message)")
        }
        // STACK_GLOBAL (protocol 4), alone and called.
        let stacked: [UInt8] = [0x80, 4, 0x8C, 2] + Array("os".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93]
        for tail: [UInt8] in [[0x2E], [0x29, 0x52, 0x2E], [0x29, 0x81, 0x2E]] {
            let error = try #require(throws: TorchError.self) { try PTBytes.unpickle(stacked + tail) }
            #expect(error.message.contains("os.system"), "\(error.message)")
        }
    }
}
