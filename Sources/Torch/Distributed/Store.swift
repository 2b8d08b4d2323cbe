import CTorch
import Foundation

/// A key-value store that every process of a distributed run reaches: the rendezvous of c10d
/// (PyTorch's `torch.distributed.TCPStore`). Rank 0 hosts it; the others connect to it.
///
/// ```swift
/// let store = try Store.tcp(host: "127.0.0.1", port: 29500, worldSize: 2, isServer: rank == 0)
/// try store.set("ready/\(rank)", "yes")
/// let value = try store.string("ready/0")   // waits until rank 0 has set it
/// ```
///
/// A store may be used from several threads (c10d's client serialises its requests).
public final class Store: @unchecked Sendable {
    let handle: OpaquePointer

    private init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        ts_store_free(handle)
    }

    /// A TCPStore on `host:port`. The server listens there (and, with `waitForWorkers`, waits until
    /// `worldSize` processes have connected); clients keep trying to connect until `timeout`.
    /// A port that is taken, or a server that never appears, is an error that says so.
    public static func tcp(host: String, port: Int, worldSize: Int, isServer: Bool, waitForWorkers: Bool = true,
                           timeout: Duration = .seconds(300)) throws(TorchError) -> Store {
        var out: OpaquePointer?
        try check(ts_tcp_store_new(host, Int32(clamping: port), Int32(clamping: worldSize), isServer, waitForWorkers,
                                   timeout.milliseconds, &out))
        guard let out else { throw TorchError("libtorch returned no store") }
        return Store(owning: out)
    }

    /// A view of this store whose keys all start with `prefix/` (c10d's `PrefixStore`).
    public func prefixed(_ prefix: String) throws(TorchError) -> Store {
        var out: OpaquePointer?
        try check(ts_prefix_store_new(prefix, handle, &out))
        guard let out else { throw TorchError("libtorch returned no store") }
        return Store(owning: out)
    }

    /// Sets `key` to `value`.
    public func set(_ key: String, _ value: [UInt8]) throws(TorchError) {
        try value.withUnsafeBufferPointer { (buffer) throws(TorchError) in
            try check(ts_store_set(handle, key, buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, buffer.count))
        }
    }

    /// Sets `key` to the UTF-8 bytes of `value`.
    public func set(_ key: String, _ value: String) throws(TorchError) {
        try set(key, Array(value.utf8))
    }

    /// The value of `key`, waiting for it up to the store's timeout.
    public func bytes(_ key: String) throws(TorchError) -> [UInt8] {
        var value: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(ts_store_get(handle, key, &value, &length))
        guard let value else { return [] }
        defer { ts_bytes_free(value) }
        return Array(UnsafeBufferPointer(start: value, count: length))
    }

    /// The value of `key` as text, waiting for it up to the store's timeout.
    public func string(_ key: String) throws(TorchError) -> String {
        String(decoding: try bytes(key), as: UTF8.self)
    }

    /// Adds `delta` to the counter at `key` (0 when missing); returns the new value.
    @discardableResult
    public func add(_ key: String, _ delta: Int) throws(TorchError) -> Int {
        var out: Int64 = 0
        try check(ts_store_add(handle, key, Int64(delta), &out))
        return Int(out)
    }

    /// Whether every key exists now (without waiting).
    public func contains(_ keys: [String]) throws(TorchError) -> Bool {
        var out = false
        try withCStrings(keys) { (pointers, count) throws(TorchError) in
            try check(ts_store_check(handle, pointers, count, &out))
        }
        return out
    }

    /// How long `bytes(_:)` and `string(_:)` wait for a key.
    public func setTimeout(_ timeout: Duration) throws(TorchError) {
        try check(ts_store_set_timeout(handle, timeout.milliseconds))
    }
}

extension Duration {
    /// Whole milliseconds (at least 1 for a positive duration).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return ms == 0 && attoseconds > 0 ? 1 : ms
    }
}

/// Calls `body` with a C array of C strings that live for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    return try pointers.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
        try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(buffer.count))
    }
}
