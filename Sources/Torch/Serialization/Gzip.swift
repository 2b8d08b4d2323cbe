import Foundation

/// gzip (RFC 1952) decompression, as in `gunzip`: the format of `.gz` data-set files.
///
/// ```swift
/// let csv = try Gzip.decompress(contentsOf: URL(filePath: "digits.csv.gz"))
/// ```
public enum Gzip {
    /// True when `bytes` start with the gzip magic number (1F 8B).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of gzip data. Concatenated members are joined, as `gunzip` does.
    /// Each member's CRC-32 and length are checked.
    ///
    /// - Parameters:
    ///   - bytes: the compressed data.
    ///   - name: what the data is, for error messages (a file path).
    public static func decompress(_ bytes: [UInt8], name: String = "gzip data") throws(TorchError) -> [UInt8] {
        var result: [UInt8] = []
        var reader = ByteReader(bytes, name: name)
        repeat {
            try member(&reader, into: &result)
            // Some tools pad a file with zeros after the last member; anything else is an error.
            if reader.bytes[reader.position...].allSatisfy({ $0 == 0 }) { break }
        } while true
        return result
    }

    /// The decompressed contents of a gzip file.
    public static func decompress(contentsOf url: URL) throws(TorchError) -> [UInt8] {
        let file = try MappedFile(url)
        return try decompress(file.uncheckedBytes(in: 0..<file.count), name: url.path)
    }

    private static func member(_ reader: inout ByteReader, into result: inout [UInt8]) throws(TorchError) {
        let name = reader.name
        guard reader.remaining >= 2, reader.bytes[reader.position] == 0x1F, reader.bytes[reader.position + 1] == 0x8B else {
            throw TorchError.format(name, reader.position == 0
                ? "not gzip data (it does not start with the bytes 1F 8B)"
                : "unexpected bytes after the gzip data at offset \(reader.position)")
        }
        reader.position += 2
        let method = try reader.readByte("the gzip header")
        guard method == 8 else { throw TorchError.format(name, "unsupported gzip compression method \(method) (only 8, deflate, exists)") }
        let flags = try reader.readByte("the gzip header")
        guard flags & 0xE0 == 0 else { throw TorchError.format(name, "corrupt gzip header: reserved flag bits are set") }
        try reader.skip(6, "the gzip header")  // modification time, extra flags, operating system
        if flags & 0x04 != 0 {  // FEXTRA
            let length = Int(try reader.readUInt16("the gzip extra field length"))
            try reader.skip(length, "the gzip extra field")
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while try reader.readByte(flag == 0x08 ? "the gzip file name" : "the gzip comment") != 0 {}
        }
        if flags & 0x02 != 0 { try reader.skip(2, "the gzip header checksum") }  // FHCRC

        let (bytes, end) = try Inflater.inflate(reader.bytes, from: reader.position, sizeHint: sizeHint(reader.bytes), name: name)
        reader.position = end
        let crc = try reader.readUInt32("the gzip trailer (CRC-32)")
        let size = try reader.readUInt32("the gzip trailer (length)")
        guard crc == CRC32.checksum(bytes) else {
            throw TorchError.format(name, "corrupt gzip data: the CRC-32 does not match the decompressed bytes")
        }
        guard size == UInt32(truncatingIfNeeded: bytes.count) else {
            throw TorchError.format(name, "corrupt gzip data: the trailer says \(size) bytes but \(bytes.count) were decompressed")
        }
        result.append(contentsOf: bytes)
    }

    /// The last member's size from the trailer (modulo 2^32), a hint for the output capacity.
    private static func sizeHint(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 4 else { return 0 }
        let n = bytes.count
        return Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
    }
}
