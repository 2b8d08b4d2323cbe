/// Random access to the bytes of a file or of a buffer in memory, read by the format parsers.
///
/// Parsers ask for copies of small ranges (headers, records) and make tensors straight from a range,
/// so no raw pointer leaves the source. Ranges are checked here: a range past the end is a thrown
/// "truncated" error, never a crash.
protocol ByteSource {
    /// The number of bytes.
    var count: Int { get }
    /// What the bytes are, for error messages (a file path, or a name).
    var name: String { get }
    /// A copy of the bytes in `range`, which the caller has checked lies inside `0..<count`.
    func uncheckedBytes(in range: Range<Int>) -> [UInt8]
    /// A new CPU tensor holding a copy of the bytes in `range`, which the caller has checked.
    func uncheckedTensor(from range: Range<Int>, shape: [Int], dtype: DType) throws(TorchError) -> Tensor
    /// The CRC-32 of the bytes in `range`, which the caller has checked.
    func crc32(of range: Range<Int>) -> UInt32
}

extension ByteSource {
    /// A copy of the bytes in `range`; `what` names the part being read for the error message.
    func bytes(in range: Range<Int>, what: @autoclosure () -> String) throws(TorchError) -> [UInt8] {
        try checkRange(range, what: what())
        return uncheckedBytes(in: range)
    }

    /// A new CPU tensor from the little-endian, row-major bytes in `range`.
    func tensor(from range: Range<Int>, shape: [Int], dtype: DType, what: @autoclosure () -> String) throws(TorchError) -> Tensor {
        try checkRange(range, what: what())
        return try uncheckedTensor(from: range, shape: shape, dtype: dtype)
    }

    /// Throws a "truncated" error unless `range` lies inside the source.
    func checkRange(_ range: Range<Int>, what: @autoclosure () -> String) throws(TorchError) {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw TorchError.format(name, "truncated: \(what()) needs bytes \(range.lowerBound)..<\(range.upperBound) but the data holds \(count) bytes")
        }
    }
}

/// Bytes held in memory.
struct MemoryBytes: ByteSource {
    let storage: [UInt8]
    let name: String

    init(_ storage: [UInt8], name: String) {
        self.storage = storage
        self.name = name
    }

    var count: Int { storage.count }

    func uncheckedBytes(in range: Range<Int>) -> [UInt8] { Array(storage[range]) }

    func crc32(of range: Range<Int>) -> UInt32 { CRC32.checksum(storage[range]) }

    func uncheckedTensor(from range: Range<Int>, shape: [Int], dtype: DType) throws(TorchError) -> Tensor {
        let result = storage[range].withUnsafeBytes { buffer in
            Result { () throws(TorchError) in try Tensor(bytes: buffer, shape: shape, dtype: dtype) }
        }
        return try result.get()
    }
}
