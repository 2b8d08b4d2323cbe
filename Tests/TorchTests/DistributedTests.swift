import Foundation
import Synchronization
import Testing
import Torch

// c10d through CTorch: the TCP store, Gloo collectives and DDP's Reducer. The ranks run as threads
// of this process (each with its own store client and Gloo process group over loopback), which is
// how c10d's own tests exercise a group without spawning processes.

/// Runs `body` once per rank on its own thread and returns the results in rank order; the first
/// error of any rank is rethrown.
func runRanks<T: Sendable>(_ size: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let results = RankResults<T>()
    let group = DispatchGroup()
    for rank in 0..<size {
        group.enter()
        let thread = Thread {
            let result = Result { try body(rank) }
            results.lock.withLock { results.values[rank] = result }
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    group.wait()
    return try (0..<size).map { try results.values[$0]!.get() }
}

final class RankResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Int: Result<T, any Error>] = [:]
}

/// Lets threads go on only once all `count` have arrived, released together (they spin, so that none
/// lags behind a wake-up): for tests whose calls must meet.
final class StartingLine: Sendable {
    private let arrived = Atomic<Int>(0)
    private let count: Int

    init(_ count: Int) { self.count = count }

    func arrive() {
        arrived.add(1, ordering: .sequentiallyConsistent)
        while arrived.load(ordering: .sequentiallyConsistent) < count {}
    }
}

/// A store and Gloo group for `rank` of `size` on a port shared by the ranks.
func makeGroup(rank: Int, size: Int, port: Int, timeout: Duration = .seconds(60)) throws -> ProcessGroup {
    let store = try Store.tcp(host: "127.0.0.1", port: port, worldSize: size, isServer: rank == 0, timeout: .seconds(30))
    return try ProcessGroup.gloo(store: store, rank: rank, size: size, timeout: timeout, hostname: "127.0.0.1")
}

/// A 4→3→2 network with weights set from `offset` (so ranks can start apart).
func smallNetwork(offset: Double) throws -> Sequential {
    let network = try Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
    try noGrad {
        for (index, parameter) in network.parameters().enumerated() {
            let values = try Tensor.arange(start: 0, end: Double(parameter.numel), dtype: .float32)
            try parameter.copy_(src: try ((values * 0.37 + Double(index) + offset).sin() * 0.5).reshape(parameter.shape))
        }
    }
    return network
}

func batch(rank: Int) throws -> (Tensor, Tensor) {
    let x = try ((Tensor.arange(start: 0, end: 24, dtype: .float32) + Double(rank * 24)) * 0.11).cos().reshape([6, 4])
    let y = try ((Tensor.arange(start: 0, end: 12, dtype: .float32) + Double(rank * 12)) * 0.7).sin().reshape([6, 2])
    return (x, y)
}

@Suite("Distributed (c10d, Gloo)", .serialized)
struct DistributedTests {
    @Test func collectivesCombineTheRanks() throws {
        let port = try findFreePort()
        let results = try runRanks(2) { rank -> [[Float]] in
            let group = try makeGroup(rank: rank, size: 2, port: port)
            #expect(group.rank == rank && group.size == 2)
            let sum = try Tensor([Float(rank + 1), 10])
            try group.allReduce(sum)
            let mean = try Tensor([Float(rank + 1)])
            try group.allReduce(mean, op: .mean)
            let maximum = try Tensor([Float(rank * 5)])
            try group.allReduce(maximum, op: .max)
            let broadcast = try Tensor([Float(rank + 7), Float(rank)])
            try group.broadcast(broadcast, from: 1)
            let gathered = try group.allGather(try Tensor([Float(rank), Float(rank * 2)]))
            try group.barrier()
            let text = try group.broadcast(rank == 0 ? "checkpoint-epoch=3.ckpt" : "", from: 0)
            #expect(text == "checkpoint-epoch=3.ckpt")
            return [try sum.toArray(), try mean.toArray(), try maximum.toArray(), try broadcast.toArray()]
                + (try gathered.map { try $0.toArray(of: Float.self) })
        }
        for values in results {
            #expect(values == [[3, 20], [1.5], [5], [8, 1], [0, 0], [1, 2]])
        }
    }

    @Test func extremesAgreementAndShapeChecksAcrossRanks() throws {
        let port = try findFreePort()
        let results = try runRanks(2) { rank -> [String] in
            let group = try makeGroup(rank: rank, size: 2, port: port, timeout: .seconds(30))
            var outcomes: [String] = []
            // Same shape and dtype: passes, and the collective that follows works.
            let same = try Tensor.ones([2, 3])
            try group.requireSameShape(same, for: "allReduce")
            try group.allReduce(same)
            outcomes.append("\(try same.toArray(of: Float.self).reduce(0, +))")
            #expect(try group.extremes([Int64(rank), Int64(10 - rank), -7]) == [0...1, 9...10, -7 ... -7])
            #expect(try group.allRanksAgree(on: "same") && !(try group.allRanksAgree(on: "rank \(rank)")))
            // Rank 1 passes 4 values, rank 0 3 (Gloo would abort the process); then another dtype.
            for tensor in [try Tensor.ones([rank == 0 ? 3 : 4]), try Tensor.ones([3], dtype: rank == 0 ? .float32 : .float64)] {
                do {
                    try group.requireSameShape(tensor, for: "allGather")
                    outcomes.append("passed")
                } catch {
                    outcomes.append("\(error)")
                }
            }
            return outcomes
        }
        #expect(results[0][0] == "12.0" && results[1][0] == "12.0")
        #expect(results[0][1] == "allGather: the ranks passed tensors of different shapes or dtypes (rank 0: [3], torch.float32); pass the same shape and dtype on every rank (pad variable-size data to a common size first)")
        #expect(results[1][1].hasPrefix("allGather: the ranks passed tensors of different shapes or dtypes (rank 1: [4], torch.float32)"))
        #expect(results[0][2].contains("(rank 0: [3], torch.float32)") && results[1][2].contains("(rank 1: [3], torch.float64)"))
    }

    @Test func ddpAveragesGradientsLikeOneProcessWithTheCombinedBatch() throws {
        // One process, the batches of both ranks together (mean loss over 12 samples).
        let reference = try smallNetwork(offset: 0)
        let (x0, y0) = try batch(rank: 0)
        let (x1, y1) = try batch(rank: 1)
        let loss = try Functional.mseLoss(try reference(Tensor.cat([x0, x1])), try Tensor.cat([y0, y1]))
        try loss.backward()
        let expected = try reference.parameters().map { try $0.grad!.toArray(of: Float.self) }
        let expectedWeights = try reference.parameters().map { try $0.toArray(of: Float.self) }

        let port = try findFreePort()
        let results = try runRanks(2) { rank -> [[Float]] in
            let group = try makeGroup(rank: rank, size: 2, port: port)
            // Rank 1 starts from other weights: DDP must replace them with rank 0's.
            let network = try smallNetwork(offset: Double(rank))
            let ddp = try DistributedDataParallel(network, processGroup: group)
            let (x, y) = try batch(rank: rank)
            for _ in 0..<2 {  // the second iteration runs on the rebuilt buckets
                try network.zeroGrad()
                try ddp.prepareForForward()
                let loss = try Functional.mseLoss(try network(x), y)
                try ddp.prepareForBackward([loss])
                try loss.backward()
            }
            return try network.parameters().flatMap { [try $0.toArray(of: Float.self), try $0.grad!.toArray(of: Float.self)] }
        }
        for values in results {
            for (index, grad) in expected.enumerated() {
                #expect(values[2 * index] == expectedWeights[index])
                for (a, b) in zip(values[2 * index + 1], grad) { #expect(abs(a - b) < 1e-6) }
            }
        }
        #expect(results[0] == results[1])
    }

    @Test func noSyncAccumulatesLocallyUntilTheSynchronisedBackward() throws {
        let port = try findFreePort()
        let results = try runRanks(2) { rank -> [[Float]] in
            let group = try makeGroup(rank: rank, size: 2, port: port)
            let network = try smallNetwork(offset: 0)
            let ddp = try DistributedDataParallel(network, processGroup: group)
            let (x, y) = try batch(rank: rank)
            let first = try ddp.noSync {
                try ddp.prepareForForward()
                let loss = try Functional.mseLoss(try network(x), y)
                try ddp.prepareForBackward([loss])
                try loss.backward()
                return try network.parameters().map { try $0.grad!.toArray(of: Float.self) }
            }
            try ddp.prepareForForward()
            let loss = try Functional.mseLoss(try network(x * 0.5), y)
            try ddp.prepareForBackward([loss])
            try loss.backward()
            return first + (try network.parameters().map { try $0.grad!.toArray(of: Float.self) })
        }
        // Local gradients after the first batch differ between the ranks (no sync)…
        #expect(results[0][0] != results[1][0])
        // …and after the second, both hold the average of the two ranks' accumulated sums.
        #expect(results[0].suffix(4) == results[1].suffix(4))
        let reference = try smallNetwork(offset: 0)
        for rank in 0..<2 {
            let (x, y) = try batch(rank: rank)
            try Functional.mseLoss(try reference(x), y).backward()
            try Functional.mseLoss(try reference(x * 0.5), y).backward()
        }
        for (index, parameter) in reference.parameters().enumerated() {
            let expected = try (parameter.grad! / 2).toArray(of: Float.self)
            for (a, b) in zip(results[0][4 + index], expected) { #expect(abs(a - b) < 1e-6) }
        }
    }

    @Test func modelsThatDifferAcrossRanksAreRejected() throws {
        let port = try findFreePort()
        let messages = try runRanks(2) { rank -> String in
            let group = try makeGroup(rank: rank, size: 2, port: port)
            let network = rank == 0 ? try Sequential(Linear(4, 3)) : try Sequential(Linear(4, 5))
            do {
                _ = try DistributedDataParallel(network, processGroup: group)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(messages[0].contains("the model differs across ranks (rank 1 differs from rank 0)"), "\(messages[0])")
        #expect(messages[1].contains("rank 1 has 0.weight:[5, 4]"), "\(messages[1])")
    }

    /// libtorch 2.11's flight recorder adds a group to a shared map at the group's first collective
    /// without holding its lock; two groups of one process whose first collectives met corrupted the
    /// map and crashed the process (a segfault in `_Rb_tree_insert_and_rebalance`, seen in CI). Without
    /// the fix (`ProcessGroup.gloo` makes the first collective itself, serialized) this crashed within
    /// a few rounds.
    @Test func groupsWhoseFirstCollectivesMeetInOneProcess() throws {
        for _ in 0..<30 {
            let port = try findFreePort()
            let line = StartingLine(2)
            let sums = try runRanks(2) { rank -> [Float] in
                let group = try makeGroup(rank: rank, size: 2, port: port)
                let value = try Tensor([Float(rank + 1)])
                line.arrive()
                try group.allReduce(value)
                return try value.toArray()
            }
            #expect(sums == [[3], [3]])
        }
    }

    @Test func aPeerThatNeverArrivesTimesOut() throws {
        let port = try findFreePort()
        let results = try runRanks(2) { rank -> String in
            let group = try makeGroup(rank: rank, size: 2, port: port, timeout: .milliseconds(800))
            guard rank == 0 else {
                Thread.sleep(forTimeInterval: 2.5)  // never joins the all-reduce
                return ""
            }
            let start = Date()
            do {
                try group.allReduce(try Tensor([Float(1)]))
                return "no error"
            } catch {
                return "\(Date().timeIntervalSince(start) < 2.4) \(error)"
            }
        }
        #expect(results[0].hasPrefix("true "), "\(results[0])")
        #expect(results[0].lowercased().contains("timed out"), "\(results[0])")
    }

    @Test func aTakenPortIsAClearError() throws {
        let port = try findFreePort()
        let first = try Store.tcp(host: "127.0.0.1", port: port, worldSize: 1, isServer: true, timeout: .seconds(5))
        #expect(throws: TorchError.self) {
            _ = try Store.tcp(host: "127.0.0.1", port: port, worldSize: 1, isServer: true, timeout: .seconds(5))
        }
        do {
            _ = try Store.tcp(host: "127.0.0.1", port: port, worldSize: 1, isServer: true, timeout: .seconds(5))
        } catch {
            #expect("\(error)".contains("\(port)"), "\(error)")
        }
        try first.set("k", "v")
        #expect(try first.string("k") == "v")
        #expect(try first.add("n", 2) == 2)
        #expect(try first.contains(["k", "n"]))
        #expect(try !first.contains(["missing"]))
    }
}
