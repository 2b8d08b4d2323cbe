// DataLoader throughput in Swift: the Swift half of Benchmarks/run-dataloader.sh (the Python half is
// Benchmarks/DataLoader/dataloader.py, with the same data, transform and settings). Prints one JSON
// object: samples per second for each workload and worker count (median over the measured epochs).
//
// Usage: DataLoaderBenchmark [samples] [epochs] [workers,...]
import Foundation
import Torch

let arguments = CommandLine.arguments
let sampleCount = arguments.count > 1 ? Int(arguments[1])! : 1024
let epochs = arguments.count > 2 ? Int(arguments[2])! : 3
let workerCounts = arguments.count > 3 ? arguments[3].split(separator: ",").map { Int($0)! } : [0, 1, 2]
let batchSize = 32

setNumThreads(2)
manualSeed(0)
let images = try Tensor.randn([sampleCount, 3, 64, 64])
let w1 = try Tensor.randn([8, 3, 3, 3]) * 0.2
let b1 = try Tensor.randn([8]) * 0.1
let w2 = try Tensor.randn([3, 8, 3, 3]) * 0.2
let b2 = try Tensor.randn([3]) * 0.1

/// The images, each passed through a CPU-heavy transform when `heavy` (two 3×3 convolutions with
/// a ReLU, then per-channel normalisation), or returned as they are (the loader's own overhead).
struct Images: Dataset {
    var images, w1, b1, w2, b2: Tensor
    var heavy: Bool
    var count: Int { images.shape[0] }

    subscript(index: Int) -> Tensor {
        get throws {
            let image = try images.select(dim: 0, index: index)
            guard heavy else { return image }
            var x = try image.unsqueeze(dim: 0)
            x = try x.conv2d(weight: w1, bias: b1, padding: [1, 1]).relu()
            x = try x.conv2d(weight: w2, bias: b2, padding: [1, 1]).squeeze(dim: 0)
            let mean = try x.mean(dim: [1, 2], keepdim: true)
            let std = try x.std(dim: [1, 2], keepdim: true)
            return try (x - mean) / (std + 1e-5)
        }
    }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

var rates: [String: Double] = [:]
var checksums: [String: Double] = [:]
for (workload, heavy) in [("transform", true), ("no transform", false)] {
    for workers in workerCounts {
        let loader = try DataLoader(Images(images: images, w1: w1, b1: b1, w2: w2, b2: b2, heavy: heavy), batchSize: batchSize, shuffle: true, numWorkers: workers, generator: Generator(seed: 0))
        var perEpoch: [Double] = []
        var checksum = 0.0
        for epoch in 0...epochs {  // epoch 0 warms up
            checksum = 0
            let start = now()
            try loader.forEach { batch in checksum += try batch.sum(dtype: .float64).item(Double.self) }
            let seconds = Double(now() - start) / 1e9
            if epoch > 0 { perEpoch.append(Double(sampleCount) / seconds) }
        }
        let key = "\(workload), \(workers) workers"
        rates[key] = perEpoch.sorted()[perEpoch.count / 2]
        checksums[key] = checksum
    }
}
let json = try JSONSerialization.data(withJSONObject: ["torch": torchVersion, "samples_per_s": rates, "checksum": checksums], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
