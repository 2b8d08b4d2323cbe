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

    private mutating func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        let table = CRC32.table
        var crc = state
        table.withUnsafeBufferPointer { table in
            for i in 0..<buffer.count {
                crc = table[Int((crc ^ UInt32(buffer[i])) & 0xFF)] ^ (crc >> 8)
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

    private static let table: [UInt32] = (0..<256).map { (n: Int) -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
