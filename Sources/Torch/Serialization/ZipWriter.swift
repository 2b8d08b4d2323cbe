/// Writes an uncompressed zip archive the way PyTorch's `PyTorchStreamWriter` does: every entry is
/// stored, and its data starts on a multiple of `alignment` bytes (padding goes into an extra field
/// named "FB"), so a reader can map tensor data in place. Large archives get zip64 records.
struct ZipWriter {
    private struct Record {
        let name: [UInt8]
        let crc32: UInt32
        let size: Int
        let localHeaderOffset: Int
    }

    private let file: AtomicFileWriter
    private let alignment: Int
    private var records: [Record] = []

    init(_ file: AtomicFileWriter, alignment: Int = 64) {
        self.file = file
        self.alignment = alignment
    }

    /// Appends a stored entry.
    mutating func add(_ name: String, _ bytes: [UInt8]) throws(TorchError) {
        let nameBytes = Array(name.utf8)
        let offset = file.offset
        let crc = CRC32.checksum(bytes)
        let needsZip64 = bytes.count >= 0xFFFF_FFFF
        var extra: [UInt8] = []
        if needsZip64 {
            extra.appendLittleEndian(UInt16(0x0001))
            extra.appendLittleEndian(UInt16(16))
            extra.appendLittleEndian(UInt64(bytes.count))
            extra.appendLittleEndian(UInt64(bytes.count))
        }
        // Padding so the data starts on a multiple of `alignment` (none at all for alignment 1).
        if alignment > 1 {
            let unpadded = offset + 30 + nameBytes.count + extra.count + 4
            let padding = (alignment - unpadded % alignment) % alignment
            extra.append(contentsOf: Array("FB".utf8))
            extra.appendLittleEndian(UInt16(padding))
            extra.append(contentsOf: repeatElement(UInt8(ascii: "Z"), count: padding))
        }

        var header: [UInt8] = []
        header.appendLittleEndian(UInt32(0x0403_4B50))
        header.appendLittleEndian(UInt16(needsZip64 ? 45 : 20))  // version needed
        header.appendLittleEndian(ZipWriter.flags(nameBytes))
        header.appendLittleEndian(UInt16(0))  // stored
        header.appendLittleEndian(ZipWriter.dosTime)
        header.appendLittleEndian(ZipWriter.dosDate)
        header.appendLittleEndian(crc)
        header.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(bytes.count))
        header.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(bytes.count))
        header.appendLittleEndian(UInt16(nameBytes.count))
        header.appendLittleEndian(UInt16(extra.count))
        header.append(contentsOf: nameBytes)
        header.append(contentsOf: extra)
        try file.write(header)
        try file.write(bytes)
        records.append(Record(name: nameBytes, crc32: crc, size: bytes.count, localHeaderOffset: offset))
    }

    /// Writes the central directory and the end records. The archive is complete after this call.
    func finish() throws(TorchError) {
        let directoryOffset = file.offset
        var directory: [UInt8] = []
        for record in records {
            let largeSize = record.size >= 0xFFFF_FFFF
            let largeOffset = record.localHeaderOffset >= 0xFFFF_FFFF
            var extra: [UInt8] = []
            if largeSize || largeOffset {
                extra.appendLittleEndian(UInt16(0x0001))
                extra.appendLittleEndian(UInt16((largeSize ? 16 : 0) + (largeOffset ? 8 : 0)))
                if largeSize {
                    extra.appendLittleEndian(UInt64(record.size))
                    extra.appendLittleEndian(UInt64(record.size))
                }
                if largeOffset { extra.appendLittleEndian(UInt64(record.localHeaderOffset)) }
            }
            directory.appendLittleEndian(UInt32(0x0201_4B50))
            directory.appendLittleEndian(UInt16(largeSize || largeOffset ? 45 : 20))  // version made by
            directory.appendLittleEndian(UInt16(largeSize || largeOffset ? 45 : 20))  // version needed
            directory.appendLittleEndian(ZipWriter.flags(record.name))
            directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(ZipWriter.dosTime)
            directory.appendLittleEndian(ZipWriter.dosDate)
            directory.appendLittleEndian(record.crc32)
            directory.appendLittleEndian(largeSize ? UInt32.max : UInt32(record.size))
            directory.appendLittleEndian(largeSize ? UInt32.max : UInt32(record.size))
            directory.appendLittleEndian(UInt16(record.name.count))
            directory.appendLittleEndian(UInt16(extra.count))
            directory.appendLittleEndian(UInt16(0))  // comment
            directory.appendLittleEndian(UInt16(0))  // disk
            directory.appendLittleEndian(UInt16(0))  // internal attributes
            directory.appendLittleEndian(UInt32(0))  // external attributes
            directory.appendLittleEndian(largeOffset ? UInt32.max : UInt32(record.localHeaderOffset))
            directory.append(contentsOf: record.name)
            directory.append(contentsOf: extra)
        }
        try file.write(directory)

        var end: [UInt8] = []
        let needsZip64 = records.count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || directory.count >= 0xFFFF_FFFF
        if needsZip64 {
            let zip64Offset = directoryOffset + directory.count
            end.appendLittleEndian(UInt32(0x0606_4B50))
            end.appendLittleEndian(UInt64(44))  // size of the rest of this record
            end.appendLittleEndian(UInt16(45))
            end.appendLittleEndian(UInt16(45))
            end.appendLittleEndian(UInt32(0))  // this disk
            end.appendLittleEndian(UInt32(0))  // disk with the directory
            end.appendLittleEndian(UInt64(records.count))
            end.appendLittleEndian(UInt64(records.count))
            end.appendLittleEndian(UInt64(directory.count))
            end.appendLittleEndian(UInt64(directoryOffset))
            end.appendLittleEndian(UInt32(0x0706_4B50))  // locator
            end.appendLittleEndian(UInt32(0))
            end.appendLittleEndian(UInt64(zip64Offset))
            end.appendLittleEndian(UInt32(1))
        }
        end.appendLittleEndian(UInt32(0x0605_4B50))
        end.appendLittleEndian(UInt16(0))
        end.appendLittleEndian(UInt16(0))
        end.appendLittleEndian(UInt16(needsZip64 ? 0xFFFF : records.count))
        end.appendLittleEndian(UInt16(needsZip64 ? 0xFFFF : records.count))
        end.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(directory.count))
        end.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(directoryOffset))
        end.appendLittleEndian(UInt16(0))  // comment
        try file.write(end)
    }

    /// Bit 11 (names are UTF-8) when a name is not plain ASCII.
    private static func flags(_ name: [UInt8]) -> UInt16 {
        name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
    }

    // A fixed timestamp, 1980-01-01 00:00, so the same tensors always give the same bytes.
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = 1 << 5 | 1
}
