import Foundation
import Testing
@testable import Torch

/// SplitMix64: reproducible pseudo-random numbers without the global generator.
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite("torch.save format: mutated files never crash")
struct PTFuzzTests {
    /// Mutations per file; SWIFTLIGHTNING_FUZZ_ITERATIONS raises it for a longer run by hand.
    private static let iterations = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 250
    private static let seed = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_FUZZ_SEED"].flatMap { UInt64($0) } ?? 42

    /// Loading either succeeds or throws a TorchError; anything else (a crash, another error) fails.
    private func loadsOrFails(_ data: Data) -> Bool {
        do {
            _ = try PTBytes.decode(data)
            return true
        } catch {
            return false
        }
    }

    private func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix) {
        let position = random.below(bytes.count)
        switch random.below(4) {
        case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 1: bytes[position] ^= 1 << UInt8(random.below(8))
        case 2: for i in position..<min(position + 4, bytes.count) { bytes[i] = 0xFF }
        default: for i in position..<min(position + 8, bytes.count) { bytes[i] = 0 }
        }
    }

    @Test(arguments: ["state_dict", "views"])
    func mutatedArchives(_ name: String) throws {
        let original = [UInt8](try PTPythonFiles.file(name).data)
        var random = SplitMix(state: PTFuzzTests.seed)
        var loaded = 0
        for _ in 0..<PTFuzzTests.iterations {
            var bytes = original
            for _ in 0..<(1 + random.below(3)) { mutate(&bytes, &random) }
            if loadsOrFails(Data(bytes)) { loaded += 1 }
        }
        // Most mutations hit tensor data or padding and are caught by the CRC-32 or harmless.
        #expect(loaded < PTFuzzTests.iterations)
    }

    @Test(arguments: ["adam", "values", "protocol4", "views"])
    func mutatedPickles(_ name: String) throws {
        let records = try PTBytes.records(try PTPythonFiles.file(name).data)
        var random = SplitMix(state: PTFuzzTests.seed &+ 1)
        for _ in 0..<PTFuzzTests.iterations {
            var mutated: [(String, [UInt8])] = []
            for (recordName, bytes) in records {
                var bytes = bytes
                if recordName.hasSuffix("data.pkl") {
                    for _ in 0..<(1 + random.below(3)) { mutate(&bytes, &random) }
                    if random.below(4) == 0 { bytes = Array(bytes.prefix(random.below(bytes.count))) }
                }
                mutated.append((recordName, bytes))
            }
            _ = loadsOrFails(try PTBytes.zip(mutated))
        }
    }
}
