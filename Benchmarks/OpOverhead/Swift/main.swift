// Per-operation overhead of Torch for Swift on small tensors: the Swift half of the op-overhead
// benchmark (Benchmarks/run-op-overhead.sh runs it beside the Python half). Prints one JSON object.
import Foundation
import Torch

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 20000
let repeats = 7

setNumThreads(2)
manualSeed(0)
let a = try Tensor.randn([4, 4])
let b = try Tensor.randn([4, 4])
let v = try Tensor.randn([16])

// `OpOverheadBenchmark N add`: only N additions, no warm-up or timing, for instruction counting
// under callgrind: `valgrind --tool=callgrind OpOverheadBenchmark 11000 add` minus the same with
// 1000, divided by 10,000 (strip the binary's debug information first: valgrind 3.19 cannot read
// Swift's DWARF 5; see Benchmarks/README.md).
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "add" {
    for _ in 0..<iterations { _ = try a.add(b) }
    exit(0)
}

let cases: [(String, () throws -> Tensor)] = [
    ("add 4x4", { try a.add(b) }),
    ("matmul 4x4", { try a.matmul(b) }),
    ("relu 16", { try v.relu() }),
    ("sum 4x4", { try a.sum() }),
    ("mul scalar 4x4", { try a.mul(2.0) }),
]

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

var results: [String: Double] = [:]
for (name, op) in cases {
    for _ in 0..<1000 { _ = try op() }
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<iterations { _ = try op() }
        samples.append(Double(now() - start) / Double(iterations))
    }
    results[name] = samples.sorted()[repeats / 2]
}
let json = try JSONSerialization.data(withJSONObject: ["torch": torchVersion, "ns_per_op": results], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
