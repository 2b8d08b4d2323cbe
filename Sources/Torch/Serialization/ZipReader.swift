/// Reads a zip archive (PKWARE APPNOTE): the container of PyTorch's `.pt` files and NumPy's `.npz`
/// files. Entries may be stored or deflate-compressed; zip64 archives are read too.
///
/// Every offset and size is checked against the source, so a truncated or corrupt archive is a thrown
/// error naming the archive and the entry.
struct ZipReader {
    /// One file in the archive, as the central directory describes it.
    struct Entry {
        let name: String
        /// 0 = stored, 8 = deflate.
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let source: any ByteSource
    /// The entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    init(_ source: any ByteSource) throws(TorchError) {
        self.source = source
        let (count, directoryOffset, directorySize) = try ZipReader.endOfCentralDirectory(source)
        try source.checkRange(directoryOffset..<directoryOffset + directorySize, what: "the zip central directory")
        var reader = ByteReader(source.uncheckedBytes(in: directoryOffset..<directoryOffset + directorySize), name: source.name)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            entries.append(try ZipReader.centralEntry(&reader, source: source))
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() { index[entry.name] = i }
        self.index = index
    }

    /// The entry with this exact name.
    func entry(named name: String) -> Entry? {
        index[name].map { entries[$0] }
    }

    /// Where an entry's (possibly compressed) bytes lie in the source.
    func dataRange(of entry: Entry) throws(TorchError) -> Range<Int> {
        let offset = entry.localHeaderOffset
        var header = ByteReader(try source.bytes(in: offset..<offset + 30, what: "the zip local header of \(entry.name)"), name: source.name)
        guard try header.readUInt32("a local header") == 0x0403_4B50 else {
            throw TorchError.format(source.name, "corrupt zip archive: the local header of \(entry.name) has a bad signature")
        }
        header.position = 26
        let nameLength = Int(try header.readUInt16("a local header"))
        let extraLength = Int(try header.readUInt16("a local header"))
        let start = offset + 30 + nameLength + extraLength
        let range = start..<start + entry.compressedSize
        try source.checkRange(range, what: "the data of \(entry.name)")
        return range
    }

    /// The decompressed bytes of an entry, with its CRC-32 checked.
    func contents(of entry: Entry) throws(TorchError) -> [UInt8] {
        let raw = source.uncheckedBytes(in: try dataRange(of: entry))
        let bytes: [UInt8]
        switch entry.method {
        case 0:
            bytes = raw
        case 8:
            bytes = try Inflater.inflate(raw, sizeHint: entry.uncompressedSize, name: "\(source.name) (\(entry.name))").bytes
        default:
            throw TorchError.format(source.name, "the zip entry \(entry.name) uses compression method \(entry.method); only stored (0) and deflate (8) are supported")
        }
        guard bytes.count == entry.uncompressedSize else {
            throw TorchError.format(source.name, "corrupt zip archive: \(entry.name) holds \(bytes.count) bytes but its directory entry says \(entry.uncompressedSize)")
        }
        guard CRC32.checksum(bytes) == entry.crc32 else {
            throw TorchError.format(source.name, "corrupt zip archive: the CRC-32 of \(entry.name) does not match its contents")
        }
        return bytes
    }

    /// A tensor made from an entry's bytes (copied straight from the source when it is stored).
    func tensor(of entry: Entry, shape: [Int], dtype: DType) throws(TorchError) -> Tensor {
        guard entry.method == 0 else {
            return try MemoryBytes(contents(of: entry), name: source.name)
                .tensor(from: 0..<entry.uncompressedSize, shape: shape, dtype: dtype, what: entry.name)
        }
        let range = try dataRange(of: entry)
        guard source.crc32(of: range) == entry.crc32 else {
            throw TorchError.format(source.name, "corrupt zip archive: the CRC-32 of \(entry.name) does not match its contents")
        }
        return try source.uncheckedTensor(from: range, shape: shape, dtype: dtype)
    }

    // MARK: Directory records

    /// Finds the end-of-central-directory record (and its zip64 form): entry count, directory offset
    /// and size.
    private static func endOfCentralDirectory(_ source: any ByteSource) throws(TorchError) -> (Int, Int, Int) {
        guard source.count >= 22 else {
            throw TorchError.format(source.name, source.count == 0 ? "the file is empty" : "not a zip archive: the file is too short (\(source.count) bytes)")
        }
        // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
        let searchStart = max(0, source.count - 22 - 65535)
        let tail = source.uncheckedBytes(in: searchStart..<source.count)
        var found: Int?
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06 {
                found = i
                break
            }
            i -= 1
        }
        guard let found else {
            throw TorchError.format(source.name, "not a zip archive, or a truncated one: no end-of-central-directory record")
        }
        var record = ByteReader(tail, name: source.name, position: found + 10)
        var count = Int(try record.readUInt16("the end-of-central-directory record"))
        var size = Int(try record.readUInt32("the end-of-central-directory record"))
        var offset = Int(try record.readUInt32("the end-of-central-directory record"))
        let recordOffset = searchStart + found
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF, recordOffset >= 20 {
            // A zip64 locator sits just before the record and points at the zip64 record.
            var locator = ByteReader(source.uncheckedBytes(in: recordOffset - 20..<recordOffset), name: source.name)
            if try locator.readUInt32("the zip64 locator") == 0x0706_4B50 {
                locator.position = 8
                let zip64Offset = Int(clamping: try locator.readUInt64("the zip64 locator"))
                var zip64 = ByteReader(try source.bytes(in: zip64Offset..<zip64Offset + 56, what: "the zip64 end-of-central-directory record"), name: source.name)
                guard try zip64.readUInt32("the zip64 record") == 0x0606_4B50 else {
                    throw TorchError.format(source.name, "corrupt zip archive: the zip64 end-of-central-directory record has a bad signature")
                }
                zip64.position = 32
                count = Int(clamping: try zip64.readUInt64("the zip64 record"))
                size = Int(clamping: try zip64.readUInt64("the zip64 record"))
                offset = Int(clamping: try zip64.readUInt64("the zip64 record"))
            }
        }
        guard offset <= source.count, size <= source.count - offset else {
            throw TorchError.format(source.name, "truncated zip archive: the central directory (\(size) bytes at offset \(offset)) lies past the end of the file (\(source.count) bytes)")
        }
        return (count, offset, size)
    }

    private static func centralEntry(_ reader: inout ByteReader, source: any ByteSource) throws(TorchError) -> Entry {
        let what = "a zip central directory entry"
        guard try reader.readUInt32(what) == 0x0201_4B50 else {
            throw TorchError.format(source.name, "corrupt zip archive: a central directory entry has a bad signature")
        }
        try reader.skip(4, what)  // versions
        let flags = try reader.readUInt16(what)
        let method = try reader.readUInt16(what)
        try reader.skip(4, what)  // time, date
        let crc = try reader.readUInt32(what)
        var compressed = UInt64(try reader.readUInt32(what))
        var uncompressed = UInt64(try reader.readUInt32(what))
        let nameLength = Int(try reader.readUInt16(what))
        let extraLength = Int(try reader.readUInt16(what))
        let commentLength = Int(try reader.readUInt16(what))
        try reader.skip(8, what)  // disk, attributes
        var offset = UInt64(try reader.readUInt32(what))
        let nameBytes = try reader.readBytes(nameLength, what)
        let name = String(decoding: nameBytes, as: UTF8.self)
        var extra = ByteReader(try reader.readBytes(extraLength, what), name: source.name)
        try reader.skip(commentLength, what)
        guard flags & 1 == 0 else {
            throw TorchError.format(source.name, "the zip entry \(name) is encrypted, which Torch cannot read")
        }
        // The zip64 extra field holds, in this order, each field that overflowed 32 bits.
        while extra.remaining >= 4 {
            let id = try extra.readUInt16(what)
            let size = Int(try extra.readUInt16(what))
            guard id == 0x0001 else {
                try extra.skip(min(size, extra.remaining), what)
                continue
            }
            var field = ByteReader(try extra.readBytes(size, "the zip64 extra field of \(name)"), name: source.name)
            if uncompressed == 0xFFFF_FFFF { uncompressed = try field.readUInt64("the zip64 extra field of \(name)") }
            if compressed == 0xFFFF_FFFF { compressed = try field.readUInt64("the zip64 extra field of \(name)") }
            if offset == 0xFFFF_FFFF { offset = try field.readUInt64("the zip64 extra field of \(name)") }
        }
        guard compressed < UInt64(source.count), offset < UInt64(source.count), uncompressed < UInt64(Int.max) else {
            throw TorchError.format(source.name, "truncated or corrupt zip archive: the entry \(name) lies past the end of the file")
        }
        return Entry(name: name, method: method, crc32: crc, compressedSize: Int(compressed),
                     uncompressedSize: Int(uncompressed), localHeaderOffset: Int(offset))
    }
}
