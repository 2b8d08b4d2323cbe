import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the bytes go to a temporary file in the destination's folder, which is
/// flushed to disk (`fsync`) and then renamed over the destination, so a reader or a crash sees
/// either the old file or the whole new one, never a torn file.
///
/// Writes are buffered; ``commit()`` finishes the file, and dropping the writer without committing
/// removes the temporary file.
final class AtomicFileWriter {
    let destination: URL
    private let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 20
    /// The number of bytes written so far (the offset of the next byte).
    private(set) var offset = 0

    init(_ destination: URL) throws(TorchError) {
        self.destination = destination
        let folder = destination.deletingLastPathComponent().path
        let name = destination.lastPathComponent
        var attempt = 0
        while true {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let path = folder + "/." + name + ".tmp-" + suffix
            let opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if opened >= 0 {
                fd = opened
                temporaryPath = path
                break
            }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt > 16 {
                throw TorchError.system("create a temporary file in", folder, errno: code)
            }
        }
        buffer.reserveCapacity(Self.bufferLimit)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    /// Appends bytes.
    func write(_ bytes: some Collection<UInt8>) throws(TorchError) {
        if buffer.count + bytes.count > Self.bufferLimit { try flushBuffer() }
        if bytes.count >= Self.bufferLimit {
            try writeAll(Array(bytes))
        } else {
            buffer.append(contentsOf: bytes)
        }
        offset += bytes.count
    }

    /// Appends `count` zero bytes.
    func writeZeros(_ count: Int) throws(TorchError) {
        try write(repeatElement(0 as UInt8, count: count))
    }

    /// Flushes, syncs and renames the file over the destination, then syncs the folder.
    func commit() throws(TorchError) {
        try flushBuffer()
        guard fsync(fd) == 0 else { throw TorchError.system("flush", temporaryPath, errno: errno) }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw TorchError.system("close", temporaryPath, errno: code)
        }
        guard rename(temporaryPath, destination.path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw TorchError.system("rename a temporary file to", destination.path, errno: code)
        }
        // Make the rename itself durable.
        let folder = open(destination.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    private func flushBuffer() throws(TorchError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws(TorchError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in systemWrite(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TorchError.system("write", temporaryPath, errno: errno)
            }
            done += n
        }
    }
}

extension AtomicFileWriter {
    /// Writes a file atomically with `body`, which appends its bytes to the writer.
    static func write(to url: URL, _ body: (AtomicFileWriter) throws(TorchError) -> Void) throws(TorchError) {
        let writer = try AtomicFileWriter(url)
        try body(writer)
        try writer.commit()
    }
}

/// POSIX `write`, named apart from ``AtomicFileWriter/write(_:)``.
private func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
