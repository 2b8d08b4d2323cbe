import Foundation
import Testing
@testable import Torch

/// CUDA's caching-allocator statistics and cache release (`torch.cuda.memory_stats`,
/// `empty_cache`, `mem_get_info`), read through c10's device-allocator interface.
@Suite struct CUDAMemoryTests {
    /// The layout CTorch writes (PyTorch's `_cuda_memoryStats`: 9 metrics × 3 pools × 4 fields, 2
    /// oversize statistics × 4, 6 counters). The names themselves are compared with
    /// `torch.cuda.memory_stats` on a GPU, below.
    @Test func statisticsFollowCTorchsLayout() {
        let names = CUDA.memoryStatNames
        #expect(names.count == 122 && Set(names).count == 122)
        #expect(names.prefix(4) == ["allocation.all.current", "allocation.all.peak", "allocation.all.allocated", "allocation.all.freed"])
        #expect(names.contains("allocated_bytes.large_pool.peak") && names.contains("requested_bytes.small_pool.freed"))
        #expect(names.suffix(7) == ["oversize_segments.freed", "num_alloc_retries", "num_ooms", "num_sync_all_streams",
                                    "num_device_alloc", "num_device_free", "max_split_size"])
    }

    @Test func allocationsShowInTheStatisticsAndTheCacheIsReleased() throws {
        guard CUDA.isAvailable else {
            print("skipped: CUDA is not available (CUDA memory statistics need a GPU)")
            // Without a GPU the calls fail with a message instead of crashing.
            #expect(throws: TorchError.self) { _ = try CUDA.memoryInfo() }
            return
        }
        let before = try CUDA.memoryStats()["allocated_bytes.all.current"] ?? 0
        var tensor: Tensor? = try Tensor.zeros([1024, 1024]).to(.cuda(0))   // 4 MiB
        let stats = try CUDA.memoryStats()
        #expect(stats.count == 122)
        #expect(stats["allocated_bytes.all.current"]! >= before + 4 << 20)
        #expect(stats["reserved_bytes.all.current"]! >= stats["allocated_bytes.all.current"]!)
        _ = tensor
        tensor = nil
        try CUDA.synchronize()
        #expect(try CUDA.memoryStats()["allocated_bytes.all.current"]! == before)
        try CUDA.emptyCache()
        #expect(try CUDA.memoryStats()["reserved_bytes.all.current"]! < stats["reserved_bytes.all.current"]!)
        let info = try CUDA.memoryInfo()
        #expect(info.free > 0 && info.total >= info.free)

        // The same names as PyTorch's own torch.cuda.memory_stats on this GPU.
        let python = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_PYTHON"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/swiftlightning/pyenv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("skipped the comparison with PyTorch: no Python at \(python) (set SWIFTLIGHTNING_PYTHON)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import json, torch; t = torch.zeros(8, device='cuda'); print(json.dumps(sorted(torch.cuda.memory_stats(0))))"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let names = try #require(try JSONSerialization.jsonObject(with: data) as? [String])
        #expect(names == CUDA.memoryStatNames.sorted())
    }
}
