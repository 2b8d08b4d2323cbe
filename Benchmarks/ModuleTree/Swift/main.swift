// The cost of walking a module tree (`parameters()`, `namedModules()`, `train()`, `zeroGrad()`):
// the Swift half of Benchmarks/run-module-tree.sh, which runs it beside the Python half. Swift
// finds parameters and submodules by reflecting stored properties; PyTorch keeps them in
// dictionaries. Prints one JSON object: median microseconds per call.
import Foundation
import Torch

setNumThreads(2)
manualSeed(0)
let mlp = try Sequential(Linear(784, 128), ReLU(), Linear(128, 10))  // W1's model
let layer = try TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512, batchFirst: true)
let transformer = try TransformerEncoder(layer, numLayers: 6)

let cases: [(String, () throws -> Void)] = [
    ("parameters, MLP", { _ = mlp.parameters() }),
    ("parameters, transformer", { _ = transformer.parameters() }),
    ("named modules, transformer", { _ = transformer.namedModules() }),
    ("train(), transformer", { _ = transformer.train() }),
    ("zero grad, MLP", { try mlp.zeroGrad() }),
]

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

var results: [String: Double] = [:]
for (name, run) in cases {
    // As many calls as fit in about 0.1 s, measured 7 times; the median.
    for _ in 0..<20 { try run() }
    let probe = now()
    for _ in 0..<20 { try run() }
    let calls = max(20, Int(0.1e9 / (Double(now() - probe) / 20)))
    var samples: [Double] = []
    for _ in 0..<7 {
        let start = now()
        for _ in 0..<calls { try run() }
        samples.append(Double(now() - start) / Double(calls) / 1e3)
    }
    results[name] = samples.sorted()[3]
}
let json = try JSONSerialization.data(withJSONObject: ["torch": torchVersion, "us_per_call": results], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
