// The child process of FabricTests: one rank of a two-process Fabric run on Gloo (loopback). Each
// rank trains a small MLP on its half of a fixed batch with SGD, exercises the collectives and a
// checkpoint round trip, and writes what it saw to <folder>/rank<R>.json.
//
//   FabricChild <folder> <steps> [--fail-rank R | --uneven-gather]
//
// With --fail-rank, rank R throws inside `fabric.launch { }` and the other rank, waiting in a
// barrier, must stop with an error that names rank R. With --uneven-gather, rank r gathers 3 + r
// values: both ranks must stop with an error saying the shapes differ (Gloo would abort).
//
// Started with LOCAL_RANK set, it joins the run; started without, rank 0 launches rank 1 itself.
import Foundation
import Lightning
import TestModels
import Torch

let arguments = CommandLine.arguments
guard arguments.count >= 3, let steps = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: FabricChild <folder> <steps>\n".utf8))
    exit(2)
}
let folder = arguments[1]
let failRank = arguments.firstIndex(of: "--fail-rank").flatMap { Int(arguments[$0 + 1]) }

struct DeliberateFailure: Error, CustomStringConvertible {
    var description: String { "deliberate failure for the test" }
}

if failRank != nil || arguments.contains("--uneven-gather") {
    do {
        try Fabric(accelerator: "cpu", strategy: "ddp", devices: 2).launch { fabric in
            if fabric.globalRank == failRank { throw DeliberateFailure() }
            if failRank == nil { _ = try fabric.allGather(Tensor.ones([3 + fabric.globalRank])) }
            try fabric.barrier()
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("FabricChild failed: \(error)\n".utf8))
        exit(1)
    }
}

do {
    let fabric = try Fabric(accelerator: "cpu", strategy: "ddp", devices: 2)
    try fabric.launch()
    let rank = fabric.globalRank
    let (x, y) = try regressionData(count: 8)
    let share = 8 / fabric.worldSize
    let xs = try x.narrow(dim: 0, start: rank * share, length: share)
    let ys = try y.narrow(dim: 0, start: rank * share, length: share)

    let net = FixedMLP()
    let (model, optimizer) = try fabric.setup(net, SGD(net.parameters(), lr: 0.1))
    for _ in 0..<steps {
        try optimizer.zeroGrad()
        let loss = try model(xs).mseLoss(target: ys)
        try fabric.backward(loss)
        try optimizer.step()
    }

    let reduced = try fabric.allReduce(Tensor([Float(rank + 1), Float(10 * rank)]))
    let summed = try fabric.allReduce(Double(rank + 1), reduceOp: .sum)
    let gathered = try fabric.allGather(Tensor([Float(rank), Float(rank) + 0.5]))
    let text = try fabric.broadcast("hello from rank \(rank)")
    let codable = try fabric.broadcast(rank == 0 ? [3, 1, 4] : [], src: 0)
    try fabric.rankZeroFirst { () throws -> Void in }

    let checkpoint = folder + "/checkpoint.pt"
    try fabric.save(checkpoint, state: ["model": .model(model), "optimizer": .optimizer(optimizer), "step": .value(.int(steps))])
    let fresh = FixedMLP()
    var state: [String: FabricState] = ["model": .module(fresh), "step": 0]
    _ = try fabric.load(checkpoint, state: &state, strict: false)
    let matches = try zip(fresh.parameters(), net.parameters()).allSatisfy { try $0.toArray(of: Float.self) == $1.toArray(of: Float.self) }

    // setupDataloaders gives each rank its share (a DistributedSampler replaces the sequential one).
    let indexLoader = try fabric.setupDataloaders(DataLoader(TensorDataset(Tensor((0..<8).map { Float($0) })), batchSize: 2))
    var sampleIndices: [Float] = []
    try indexLoader.forEach { batch in sampleIndices += try batch[0].toArray(of: Float.self) }

    var weights: [String: [Float]] = [:]
    for (name, tensor) in net.stateDict() { weights[name] = try tensor.toArray(of: Float.self) }
    let report = FabricChildReport(rank: rank, worldSize: fabric.worldSize, weights: weights,
                        allReduceMean: try reduced.toArray(of: Float.self), allReduceSum: summed,
                        allGather: try gathered.flatten().toArray(of: Float.self), allGatherShape: gathered.shape,
                        broadcastString: text, broadcastCodable: codable, loadedMatches: matches,
                        loadedStep: state["step"]?.value?.intValue ?? -1, sampleIndices: sampleIndices)
    try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: folder + "/rank\(rank).json"))
    try fabric.barrier()
    exit(0)
} catch {
    FileHandle.standardError.write(Data("FabricChild failed: \(error)\n".utf8))
    exit(1)
}
