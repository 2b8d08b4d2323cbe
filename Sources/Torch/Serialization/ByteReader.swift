/// A cursor over bytes in memory that reads little- and big-endian integers and floats. Every read
/// is bounds-checked and a read past the end throws a "truncated" error naming what was being read.
struct ByteReader {
    let bytes: [UInt8]
    /// What the bytes are (a file path or a record name), for error messages.
    let name: String
    /// The offset of the next byte to read.
    var position: Int

    init(_ bytes: [UInt8], name: String, position: Int = 0) {
        self.bytes = bytes
        self.name = name
        self.position = position
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws(TorchError) {
        guard count >= 0, count <= remaining else {
            throw TorchError.format(name, "truncated: \(what()) needs \(count) bytes at offset \(position) but only \(max(remaining, 0)) remain")
        }
    }

    mutating func readByte(_ what: @autoclosure () -> String) throws(TorchError) -> UInt8 {
        try require(1, what())
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(TorchError) -> [UInt8] {
        try require(count, what())
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(TorchError) {
        try require(count, what())
        position += count
    }

    /// An unsigned integer of `width` bytes, little-endian.
    mutating func readLittleEndian(_ width: Int, _ what: @autoclosure () -> String) throws(TorchError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[position + i]) }
        position += width
        return value
    }

    /// An unsigned integer of `width` bytes, big-endian.
    mutating func readBigEndian(_ width: Int, _ what: @autoclosure () -> String) throws(TorchError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for i in 0..<width { value = value << 8 | UInt64(bytes[position + i]) }
        position += width
        return value
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws(TorchError) -> UInt16 {
        UInt16(try readLittleEndian(2, what()))
    }

    mutating func readUInt32(_ what: @autoclosure () -> String) throws(TorchError) -> UInt32 {
        UInt32(try readLittleEndian(4, what()))
    }

    mutating func readUInt64(_ what: @autoclosure () -> String) throws(TorchError) -> UInt64 {
        try readLittleEndian(8, what())
    }
}

/// Appends little-endian integers to a byte array (the writing side of ``ByteReader``).
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
