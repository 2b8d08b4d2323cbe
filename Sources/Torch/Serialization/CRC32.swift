/// The CRC-32 checksum of zip and gzip (ISO-HDLC: polynomial 0xEDB88320 reflected, initial and final
/// XOR 0xFFFFFFFF).
///
/// ```swift
/// var crc = CRC32()
/// crc.update([0x61, 0x62, 0x63])
/// crc.value  // 0x352441C2
/// ```
struct CRC32 {
    private var state: UInt32 = 0xFFFF_FFFF

    /// The checksum of the bytes seen so far.
    var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// Adds bytes to the checksum.
    mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update($0) }
        if handled == nil { update(Array(bytes)) }
    }

    /// Slicing-by-8 (Intel's method, as zlib's portable path): eight bytes per step through eight
    /// tables, so the table lookups of a step do not wait on each other; the bytes that do not
    /// fill a step go one by one. About four times the speed of one table lookup per byte.
    private mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        var crc = state
        CRC32.tables.withUnsafeBufferPointer { t in
            var i = 0
            let whole = buffer.count & ~7
            while i < whole {
                let low = crc ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8 | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24)
                let high = UInt32(buffer[i + 4]) | UInt32(buffer[i + 5]) << 8 | UInt32(buffer[i + 6]) << 16 | UInt32(buffer[i + 7]) << 24
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            while i < buffer.count {
                crc = t[Int((crc ^ UInt32(buffer[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        state = crc
    }

    /// The checksum of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Eight tables of 256 entries: the first is the byte-wise table; table k gives the CRC of a
    /// byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = tables[(k - 1) * 256 + n]
                tables[k * 256 + n] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()
}
