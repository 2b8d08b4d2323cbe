/// Throughput over a rolling window of updates (Lightning Fabric's `Throughput`): batches, samples,
/// items and FLOPs per second, per device and (with several processes) for the whole run.
///
/// ```swift
/// var throughput = try Throughput(windowSize: 50)
/// let start = Date()
/// for (i, batch) in batches.enumerated() {
///     try train(batch)
///     try throughput.update(time: Date().timeIntervalSince(start), batches: i + 1, samples: (i + 1) * 64)
/// }
/// print(throughput.compute())   // ["time": …, "batches": …, "samples": …, "device/samples_per_sec": …]
/// ```
///
/// `compute()` reports the totals at once and the rates once `windowSize` updates have been seen.
public struct Throughput: Sendable {
    /// Theoretical FLOP/s of one device (for `device/mfu`), or nil.
    public let availableFlops: Double?
    public let worldSize: Int
    public let windowSize: Int
    public let separator: String
    private(set) var times: [Double] = []
    private(set) var batches: [Int] = []
    private(set) var samples: [Int] = []
    private(set) var lengths: [Int] = []
    private(set) var flops: [Double] = []

    public init(availableFlops: Double? = nil, worldSize: Int = 1, windowSize: Int = 100, separator: String = "/") throws {
        guard worldSize > 0 else { throw LightningError.configuration("Throughput needs worldSize > 0, got \(worldSize)") }
        guard windowSize > 1 else { throw LightningError.configuration("Throughput needs windowSize > 1, got \(windowSize)") }
        self.availableFlops = availableFlops
        self.worldSize = worldSize
        self.windowSize = windowSize
        self.separator = separator
    }

    /// Records the totals so far on this device: elapsed seconds, batches, samples and optionally
    /// items (for example tokens) and the FLOPs since the last update. Totals must increase.
    public mutating func update(time: Double, batches: Int, samples: Int, lengths: Int? = nil, flops: Double? = nil) throws {
        try Self.append(time, to: &times, window: windowSize, "time")
        guard samples >= batches else {
            throw LightningError.configuration("Expected samples (\(samples)) to be greater or equal than batches (\(batches))")
        }
        try Self.append(batches, to: &self.batches, window: windowSize, "batches")
        try Self.append(samples, to: &self.samples, window: windowSize, "samples")
        if let lengths {
            guard lengths >= samples else {
                throw LightningError.configuration("Expected lengths (\(lengths)) to be greater or equal than samples (\(samples))")
            }
            try Self.append(lengths, to: &self.lengths, window: windowSize, "lengths")
            guard self.lengths.count == self.samples.count else {
                throw LightningError.configuration("If lengths are passed (\(self.lengths.count)), there needs to be the same number of samples (\(self.samples.count))")
            }
        }
        if let flops {
            // Every device is assumed to do the same work.
            self.flops.append(flops * Double(worldSize))
            if self.flops.count > windowSize { self.flops.removeFirst() }
        }
    }

    private static func append<T: Comparable>(_ value: T, to window: inout [T], window size: Int, _ name: String) throws {
        if let last = window.last, last >= value {
            throw LightningError.configuration("Expected the value to increase, last: \(last), current: \(value) (\(name))")
        }
        window.append(value)
        if window.count > size { window.removeFirst() }
    }

    /// The metrics now, in Lightning's names and order.
    public func compute() -> [(name: String, value: Double)] {
        guard let time = times.last, let batchCount = batches.last, let sampleCount = samples.last else { return [] }
        var metrics: [(name: String, value: Double)] = [("time", time), ("batches", Double(batchCount)), ("samples", Double(sampleCount))]
        if let length = lengths.last { metrics.append(("lengths", Double(length))) }
        let global = worldSize > 1
        let world = Double(worldSize)
        if times.count == windowSize {
            let elapsed = times[times.count - 1] - times[0]
            let deviceSamples = Double(samples[samples.count - 1] - samples[0]) / elapsed
            let deviceBatches = Double(batches[batches.count - 1] - batches[0]) / elapsed
            metrics.append(("device\(separator)batches_per_sec", deviceBatches))
            metrics.append(("device\(separator)samples_per_sec", deviceSamples))
            if global {
                metrics.append(("batches_per_sec", deviceBatches * world))
                metrics.append(("samples_per_sec", deviceSamples * world))
            }
            if lengths.count == windowSize {
                let deviceItems = Double(lengths[lengths.count - 1] - lengths[0]) / elapsed
                metrics.append(("device\(separator)items_per_sec", deviceItems))
                if global { metrics.append(("items_per_sec", deviceItems * world)) }
            }
        }
        if flops.count == windowSize {
            // As Lightning: the FLOPs of all updates after the window's first.
            let elapsedFlops = flops.reduce(0, +) - flops[0]
            let flopsPerSecond = elapsedFlops / (times[times.count - 1] - times[0])
            let deviceFlops = flopsPerSecond / world
            if global { metrics.append(("flops_per_sec", flopsPerSecond)) }
            metrics.append(("device\(separator)flops_per_sec", deviceFlops))
            if let availableFlops, availableFlops != 0 { metrics.append(("device\(separator)mfu", deviceFlops / availableFlops)) }
        }
        return metrics
    }

    /// Forgets every update.
    public mutating func reset() {
        times = []
        batches = []
        samples = []
        lengths = []
        flops = []
    }

    /// The elapsed time of the latest update.
    var lastTime: Double? { times.last }
}
