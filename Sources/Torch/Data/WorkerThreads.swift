import CTorch
import Foundation

// Thread plumbing for DataLoader workers, kept in one place.
//
// Workers are plain threads (libtorch's grad mode and autocast state are per OS thread, so Swift
// concurrency's thread hopping would be wrong here). Each pool below is `@unchecked Sendable`:
// every mutable field is read and written only while holding the pool's `NSCondition`, and the
// non-Sendable values (the dataset, tensors inside batches) are touched by one thread at a time:
// the dataset through its documented thread-safe subscript, and each batch by the worker that made
// it until it is stored under the lock, then by the consumer that takes it out.

/// Starts a detached worker thread running `body`.
func startWorkerThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        ts_set_current_thread_name(name)
        // PyTorch's workers run torch.set_num_threads(1); here that is per thread, so the
        // caller's thread keeps its intra-op parallelism.
        ts_set_thread_intraop_threads(1)
        body()
    }
    thread.stackSize = 8 << 20
    thread.start()
}

extension NSCondition {
    /// Waits for a signal; with a deadline, returns false when it passed first.
    func wait(deadline: Date?) -> Bool {
        guard let deadline else {
            wait()
            return true
        }
        return wait(until: deadline)
    }
}

/// What a fetch needs to know besides the indices.
struct BatchContext: Sendable {
    var epoch: Int
    var baseSeed: UInt64
    var batchIndex: Int
    var worker: Int?
    var numWorkers: Int

    /// The WorkerInfo of sample `position` within batch `batchIndex` of the epoch (map-style).
    func workerInfo(sample position: Int) -> WorkerInfo {
        info(sampleSeed: mixSeed(mixSeed(mixSeed(baseSeed, epoch), batchIndex), position))
    }

    /// The WorkerInfo of the `position`-th sample of this worker's pass (iterable datasets).
    func streamWorkerInfo(sample position: Int) -> WorkerInfo {
        info(sampleSeed: mixSeed(mixSeed(mixSeed(baseSeed, epoch), -1 - (worker ?? 0)), position))
    }

    private func info(sampleSeed: UInt64) -> WorkerInfo {
        let id = worker ?? 0
        return WorkerInfo(id: id, numWorkers: numWorkers, seed: baseSeed &+ UInt64(id), sampleSeed: sampleSeed)
    }
}

/// Map-style batches fetched by a fixed set of worker threads, handed to the consumer in plan order.
///
/// Any idle worker claims the next batch of the plan, as long as fewer than `window`
/// (`prefetchFactor * numWorkers`) batches are claimed and not yet taken by the consumer; finished
/// batches wait in `results` until their turn. A pool serves one epoch at a time (``begin``);
/// persistent workers keep the pool between epochs, and a stale batch from an abandoned epoch
/// (older `generation`) is dropped.
final class MapWorkerPool<Batch>: @unchecked Sendable {
    typealias Fetch = ([Int], BatchContext) throws(DataLoaderError) -> Batch

    private let condition = NSCondition()
    private let fetch: Fetch
    private let numWorkers: Int
    private let window: Int
    private let timeout: Double?

    private var generation = 0
    private var plan: [[Int]] = []
    private var epoch = 0
    private var baseSeed: UInt64 = 0
    private var nextToClaim = 0
    private var nextToYield = 0
    private var results: [Int: Result<Batch, DataLoaderError>] = [:]
    private var stopping = false
    private var liveWorkers = 0

    init(numWorkers: Int, prefetchFactor: Int, timeout: Double?, fetch: @escaping Fetch) {
        self.fetch = fetch
        self.numWorkers = numWorkers
        self.window = max(1, prefetchFactor * numWorkers)
        self.timeout = timeout
        liveWorkers = numWorkers
        for id in 0..<numWorkers {
            startWorkerThread(name: "DataLoader w\(id)") { [self] in workerLoop(id: id) }
        }
    }

    /// Starts serving `plan` from batch `start` on; returns the epoch's generation number.
    func begin(plan: [[Int]], start: Int, epoch: Int, baseSeed: UInt64) -> Int {
        condition.lock()
        generation += 1
        self.plan = plan
        self.epoch = epoch
        self.baseSeed = baseSeed
        nextToClaim = start
        nextToYield = start
        let stale = results
        results = [:]
        let current = generation
        condition.broadcast()
        condition.unlock()
        _ = stale  // released outside the lock
        return current
    }

    /// Abandons epoch `generation` if it is still the current one: workers go idle, batches in
    /// flight are dropped.
    func cancel(generation: Int) {
        condition.lock()
        let isCurrent = generation == self.generation
        condition.unlock()
        if isCurrent { _ = begin(plan: [], start: 0, epoch: epoch, baseSeed: baseSeed) }
    }

    /// The next batch of epoch `generation` in plan order; nil after the last, or when a newer
    /// epoch has replaced it (persistent workers).
    func next(generation: Int) throws(DataLoaderError) -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        guard generation == self.generation, nextToYield < plan.count else { return nil }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while results[nextToYield] == nil {
            if generation != self.generation { return nil }
            if !condition.wait(deadline: deadline) {
                throw DataLoaderError(stage: .timeout, batchIndex: nextToYield, indices: plan[nextToYield], underlying: TorchError("DataLoader timed out after \(timeout ?? 0) seconds waiting for batch \(nextToYield)"))
            }
        }
        let result = results.removeValue(forKey: nextToYield)!
        nextToYield += 1
        condition.broadcast()
        return try result.get()
    }

    /// Stops the workers. With `wait`, returns once every one has exited (a batch being read is
    /// finished first); without (after a timeout, when a read may never return), a worker still
    /// reading exits as soon as that read returns.
    func shutdown(wait: Bool = true) {
        condition.lock()
        stopping = true
        condition.broadcast()
        while wait && liveWorkers > 0 { condition.wait() }
        let stale = results
        results = [:]
        condition.unlock()
        _ = stale
    }

    /// Worker threads still running (0 after ``shutdown()``).
    var runningWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return liveWorkers
    }

    private func workerLoop(id: Int) {
        condition.lock()
        while true {
            while !stopping && !(nextToClaim < plan.count && nextToClaim < nextToYield + window) {
                condition.wait()
            }
            if stopping { break }
            let index = nextToClaim
            nextToClaim += 1
            let claimed = generation
            let indices = plan[index]
            let context = BatchContext(epoch: epoch, baseSeed: baseSeed, batchIndex: index, worker: id, numWorkers: numWorkers)
            condition.unlock()

            let result = Result { () throws(DataLoaderError) -> Batch in try fetch(indices, context) }

            condition.lock()
            // A batch of an abandoned epoch (older generation) is dropped.
            if claimed == generation {
                results[index] = result
                condition.broadcast()
            }
        }
        liveWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }
}

/// Batches of an iterable dataset: each worker thread runs its own pass over the dataset and makes
/// whole batches, and the consumer takes them round-robin (worker 0, 1, …, 0, 1, …), skipping
/// workers whose pass has ended, as PyTorch's DataLoader does.
final class StreamWorkerPool<Batch>: @unchecked Sendable {
    /// Starts worker `id`'s pass; returns its batch source (called only on that worker's thread).
    typealias MakeStream = (_ worker: Int) throws(DataLoaderError) -> () throws(DataLoaderError) -> Batch?

    private let condition = NSCondition()
    private let makeStream: MakeStream
    private let capacity: Int
    private let timeout: Double?
    private var queues: [[Result<Batch, DataLoaderError>]]
    private var finished: [Bool]
    private var active: [Int]
    private var cursor = 0
    private var stopping = false
    private var liveWorkers: Int

    init(numWorkers: Int, prefetchFactor: Int, timeout: Double?, makeStream: @escaping MakeStream) {
        self.makeStream = makeStream
        capacity = max(1, prefetchFactor)
        self.timeout = timeout
        queues = Array(repeating: [], count: numWorkers)
        finished = Array(repeating: false, count: numWorkers)
        active = Array(0..<numWorkers)
        liveWorkers = numWorkers
        for id in 0..<numWorkers {
            startWorkerThread(name: "DataLoader w\(id)") { [self] in workerLoop(id: id) }
        }
    }

    func next() throws(DataLoaderError) -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while !active.isEmpty {
            let worker = active[cursor]
            if !queues[worker].isEmpty {
                let result = queues[worker].removeFirst()
                cursor = (cursor + 1) % active.count
                condition.broadcast()
                return try result.get()
            }
            if finished[worker] {
                active.remove(at: cursor)
                if cursor >= active.count { cursor = 0 }
                continue
            }
            if !condition.wait(deadline: deadline) {
                throw DataLoaderError(stage: .timeout, worker: worker, underlying: TorchError("DataLoader timed out after \(timeout ?? 0) seconds waiting for worker \(worker)"))
            }
        }
        return nil
    }

    /// Stops the workers (see ``MapWorkerPool/shutdown(wait:)``).
    func shutdown(wait: Bool = true) {
        condition.lock()
        stopping = true
        condition.broadcast()
        while wait && liveWorkers > 0 { condition.wait() }
        let stale = queues
        queues = queues.map { _ in [] }
        condition.unlock()
        _ = stale
    }

    var runningWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return liveWorkers
    }

    private func workerLoop(id: Int) {
        defer {
            condition.lock()
            finished[id] = true
            liveWorkers -= 1
            condition.broadcast()
            condition.unlock()
        }
        let stream: () throws(DataLoaderError) -> Batch?
        do {
            stream = try makeStream(id)
        } catch {
            condition.lock()
            queues[id].append(.failure(error))
            condition.unlock()
            return
        }
        while true {
            condition.lock()
            while !stopping && queues[id].count >= capacity { condition.wait() }
            let stop = stopping
            condition.unlock()
            if stop { return }

            let result = Result { () throws(DataLoaderError) -> Batch? in try stream() }

            condition.lock()
            defer { condition.unlock() }
            switch result {
            case .success(let batch?):
                queues[id].append(.success(batch))
                condition.broadcast()
            case .success(nil):
                return
            case .failure(let error):
                queues[id].append(.failure(error))
                return
            }
        }
    }
}
