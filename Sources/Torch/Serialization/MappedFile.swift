import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory: the one funnel through which the file formats touch
/// raw memory. Nothing outside this class sees a pointer; readers get copies of byte ranges or
/// tensors made from a range (a tensor copies its bytes, so it outlives the mapping).
final class MappedFile: ByteSource {
    let name: String
    let count: Int
    private let base: UnsafeMutableRawPointer?

    /// Maps the file at `url`. Throws a clear error when it is missing, a folder, or unreadable.
    init(_ url: URL) throws(TorchError) {
        let path = url.path
        name = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TorchError.system("open", path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TorchError.system("read the size of", path, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TorchError("cannot read \(path): it is not a regular file")
        }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
        } else {
            let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let address, address != MAP_FAILED else { throw TorchError.system("map", path, errno: errno) }
            base = address
        }
    }

    deinit {
        if let base { munmap(base, count) }
    }

    func uncheckedBytes(in range: Range<Int>) -> [UInt8] {
        guard let base, !range.isEmpty else { return [] }
        return Array(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    func crc32(of range: Range<Int>) -> UInt32 {
        guard let base, !range.isEmpty else { return CRC32.checksum([]) }
        let buffer = UnsafeBufferPointer(start: (base + range.lowerBound).assumingMemoryBound(to: UInt8.self), count: range.count)
        return withExtendedLifetime(self) { CRC32.checksum(buffer) }
    }

    func uncheckedTensor(from range: Range<Int>, shape: [Int], dtype: DType) throws(TorchError) -> Tensor {
        let buffer = UnsafeRawBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count)
        return try withExtendedLifetime(self) { () throws(TorchError) -> Tensor in
            try Tensor(bytes: buffer, shape: shape, dtype: dtype)
        }
    }
}
