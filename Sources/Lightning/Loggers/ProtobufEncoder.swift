import Foundation

/// A minimal protocol-buffer writer: just the wire types TensorBoard's event files need
/// (varints, 64-bit doubles, 32-bit floats, length-delimited strings, bytes and sub-messages).
/// Fields are written in the order they are added; a field left at its default is skipped by
/// the callers, as proto3 does.
struct ProtobufEncoder {
    private(set) var data = Data()

    enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            data.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        data.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    /// int32/int64/enum/bool fields (negative numbers as ten-byte two's complement, as protobuf does).
    mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ value: Data) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        data.append(value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Data(value.utf8)) }

    /// A sub-message, built by `body` into its own encoder.
    mutating func message(_ field: Int, _ body: (inout ProtobufEncoder) -> Void) {
        var inner = ProtobufEncoder()
        body(&inner)
        bytes(field, inner.data)
    }

    static func encode(_ body: (inout ProtobufEncoder) -> Void) -> Data {
        var encoder = ProtobufEncoder()
        body(&encoder)
        return encoder.data
    }
}
