import Foundation
import Testing
@testable import Torch

// The CPU caching allocator (CPUMemoryCache): freed blocks are reused by size, the limit holds,
// and turning it off or emptying it gives the memory back. The cache is process-wide and other
// suites run beside these, so each test uses byte sizes no other test uses and counts the idle
// blocks of those sizes; the suite runs one test at a time and restores the settings.

@Suite(.serialized)
struct CPUMemoryCacheTests {
    /// Runs `body` with the cache on and at `limit`, then restores the settings. The default is far
    /// above what the suites running beside keep idle: at 64 MiB, their freed blocks (a model of
    /// 17 MB in ModelSummaryTests) could fill the cache so that a test's own free was not kept.
    func withCache(limit: Int = 1 << 30, _ body: () throws -> Void) rethrows {
        let saved = CPUMemoryCache.statistics
        defer {
            CPUMemoryCache.limit = saved.limit
            CPUMemoryCache.isEnabled = saved.isEnabled
        }
        CPUMemoryCache.isEnabled = true
        CPUMemoryCache.limit = limit
        try body()
    }

    /// A 1-D uint8 tensor of `bytes` bytes.
    func block(_ bytes: Int) throws -> Tensor { try Tensor.zeros([bytes], dtype: .uint8) }

    @Test func isOnByDefault() {
        // Unless the environment turned it off for this process.
        let expected = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_CPU_MEMORY_CACHE"] != "0"
        #expect(CPUMemoryCache.statistics.isEnabled == expected)
        #expect(CPUMemoryCache.statistics.limit > 0)
    }

    @Test func aFreedBlockServesTheNextTensorOfItsSize() throws {
        try withCache {
            let size = 1_234_567 * 4
            var tensor: Tensor? = try Tensor.zeros([1_234_567])  // float32
            #expect(CPUMemoryCache.idleBlocks(forSize: size) == 0)
            tensor = nil
            #expect(CPUMemoryCache.idleBlocks(forSize: size) == 1)
            let hitsBefore = CPUMemoryCache.statistics.hits
            tensor = try Tensor.ones([1_234_567])
            #expect(CPUMemoryCache.idleBlocks(forSize: size) == 0)
            #expect(CPUMemoryCache.statistics.hits > hitsBefore)
            // The reused block holds the new tensor's values.
            #expect(try tensor!.sum().item(Double.self) == 1_234_567)
        }
    }

    @Test func nearbySizesShareABlock() throws {
        try withCache {
            // 100,003 and 100,103 bytes both round up to 100,352 (a multiple of 512).
            var tensor: Tensor? = try block(100_003)
            tensor = nil
            #expect(CPUMemoryCache.idleBlocks(forSize: 100_103) == 1)
            tensor = try block(100_103)
            #expect(CPUMemoryCache.idleBlocks(forSize: 100_003) == 0)
            _ = tensor
        }
    }

    @Test func smallTensorsAreNotCached() throws {
        try withCache {
            // 12,345 bytes, under 16 KiB: its size class (12,800) would hold it if it were cached.
            var tensor: Tensor? = try block(12_345)
            tensor = nil
            #expect(CPUMemoryCache.idleBlocks(forSize: 12_345) == 0)
            _ = tensor
        }
    }

    @Test func theLimitBoundsTheIdleBytes() throws {
        try withCache(limit: 512 << 10) {
            var big: Tensor? = try block(1_111_111)  // over the limit
            big = nil
            #expect(CPUMemoryCache.idleBlocks(forSize: 1_111_111) == 0)
            #expect(CPUMemoryCache.statistics.cachedBytes <= 512 << 10)
            _ = big
        }
    }

    @Test func loweringTheLimitAndEmptyingFreeIdleBlocks() throws {
        try withCache {
            var large: [Tensor]? = try (0..<2).map { _ in try block(3_333_333) }
            var small: [Tensor]? = try (0..<2).map { _ in try block(222_221) }
            (large, small) = (nil, nil)
            #expect(CPUMemoryCache.idleBlocks(forSize: 3_333_333) == 2)
            #expect(CPUMemoryCache.idleBlocks(forSize: 222_221) == 2)
            // Lowering the limit frees the largest blocks first.
            CPUMemoryCache.limit = 2 << 20
            #expect(CPUMemoryCache.statistics.cachedBytes <= 2 << 20)
            #expect(CPUMemoryCache.idleBlocks(forSize: 3_333_333) == 0)
            CPUMemoryCache.empty()
            #expect(CPUMemoryCache.idleBlocks(forSize: 222_221) == 0)
            _ = (large, small)
        }
    }

    @Test func turnedOffItKeepsNothing() throws {
        try withCache {
            var inUse: Tensor? = try block(4_444_441)
            CPUMemoryCache.isEnabled = false
            inUse = nil  // allocated while on, freed while off: returned to the system
            var tensor: Tensor? = try block(4_444_441)
            tensor = nil
            #expect(!CPUMemoryCache.statistics.isEnabled)
            #expect(CPUMemoryCache.statistics.cachedBytes == 0)
            #expect(CPUMemoryCache.idleBlocks(forSize: 4_444_441) == 0)
            _ = (inUse, tensor)
        }
    }
}
