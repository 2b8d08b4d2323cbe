import Foundation

/// TFRecord framing, the container of TensorBoard event files: each record is
/// `uint64 length, uint32 masked_crc32c(length), data, uint32 masked_crc32c(data)`, little-endian.
public enum TFRecord {
    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `bytes`.
    public static func crc32c<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC: rotated right by 15 bits plus 0xa282ead8.
    public static func maskedCRC32C<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = crc32c(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// One framed record.
    public static func frame(_ payload: Data) -> Data {
        var out = Data(capacity: payload.count + 16)
        let length = withUnsafeBytes(of: UInt64(payload.count).littleEndian) { Data($0) }
        out.append(length)
        withUnsafeBytes(of: maskedCRC32C(length).littleEndian) { out.append(contentsOf: $0) }
        out.append(payload)
        withUnsafeBytes(of: maskedCRC32C(payload).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }
}
