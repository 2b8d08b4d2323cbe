import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one TensorBoard event file, `events.out.tfevents.<time>.<host>.<pid>.<n>`, as
/// TensorBoard's `EventFileWriter` does: the first record is the `file_version = "brain.Event:2"`
/// event; later events are queued and appended, whole records at a time, when `maxQueue` are
/// waiting or on ``flush()``, so a reader never sees half a record unless the process dies
/// mid-write.
final class EventFileWriter {
    let path: String
    private let maxQueue: Int
    private var pending = Data()
    private var pendingCount = 0
    private var handle: FileHandle?

    /// Creates `folder` if needed and the event file in it, and writes the file-version event.
    init(folder: String, maxQueue: Int = 10) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let now = Date().timeIntervalSince1970
        let seconds = String(Int(now))
        let stamp = String(repeating: "0", count: Swift.max(0, 10 - seconds.count)) + seconds
        let name = "events.out.tfevents.\(stamp).\(Self.hostName()).\(getpid()).\(Self.uid.next())"
        path = (folder as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw LightningError.logging("cannot create the TensorBoard event file \(path); check that the folder is writable")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        self.maxQueue = Swift.max(maxQueue, 1)
        add(TensorBoardProtos.event(wallTime: now, fileVersion: "brain.Event:2",
                                    sourceWriter: "tensorboard.summary.writer.event_file_writer"))
        try flush()
    }

    /// Queues a serialized `Event`.
    func add(_ event: Data) {
        pending.append(TFRecord.frame(event))
        pendingCount += 1
    }

    /// Queues an event and writes the queue when it is full.
    func write(_ event: Data) throws {
        add(event)
        if pendingCount >= maxQueue { try flush() }
    }

    /// Appends the queued records to the file in one write.
    func flush() throws {
        guard !pending.isEmpty else { return }
        guard let handle else { throw LightningError.logging("the TensorBoard event file \(path) is closed") }
        try handle.seekToEnd()
        try handle.write(contentsOf: pending)
        try handle.synchronize()
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
    }

    func close() throws {
        try flush()
        try handle?.close()
        handle = nil
    }

    deinit { try? close() }

    /// `socket.gethostname()`.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The per-process file counter TensorBoard appends to the name (`_global_uid`).
    private static let uid = Counter()

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            defer { value += 1 }
            return value
        }
    }
}
