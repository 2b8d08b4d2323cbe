/// A DEFLATE decoder (RFC 1951): the decompressor behind gzip files (``Gzip``) and compressed `.npz`
/// entries. Written in Swift so the package needs no zlib.
///
/// Malformed or truncated input is a thrown error naming `name`, never a crash. The hot loop works
/// on raw buffers (every index is checked by hand) because debug builds of array code decode at only
/// a few MB/s; nothing unsafe leaves this file.
struct Inflater: ~Copyable {
    private let input: UnsafeBufferPointer<UInt8>
    private let name: String
    /// The next input byte to load into the bit buffer.
    private var position: Int
    /// Bits not yet consumed, the next one in bit 0.
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private var output: OutputBuffer

    /// Decompresses the DEFLATE stream that starts at `start` in `input`.
    ///
    /// - Returns: the decompressed bytes, and the offset just past the end of the stream (where a
    ///   gzip trailer begins).
    static func inflate(_ input: [UInt8], from start: Int = 0, sizeHint: Int = 0, name: String) throws(TorchError) -> (bytes: [UInt8], end: Int) {
        let result = input.withUnsafeBufferPointer { buffer in
            Result { () throws(TorchError) -> (bytes: [UInt8], end: Int) in
                var inflater = Inflater(input: buffer, name: name, position: start, sizeHint: sizeHint)
                try inflater.run()
                // Whole bytes still in the bit buffer were read ahead and belong to what follows.
                return (inflater.output.array(), inflater.position - inflater.bitCount / 8)
            }
        }
        return try result.get()
    }

    private init(input: UnsafeBufferPointer<UInt8>, name: String, position: Int, sizeHint: Int) {
        self.input = input
        self.name = name
        self.position = position
        self.output = OutputBuffer(capacity: max(sizeHint, 1024))
    }

    private mutating func run() throws(TorchError) {
        var isFinal = false
        while !isFinal {
            isFinal = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try compressedBlock(literals: HuffmanTable.fixedLiterals(), distances: HuffmanTable.fixedDistances())
            case 2: try dynamicBlock()
            default: throw invalid("a block has the reserved type 3")
            }
        }
    }

    // MARK: Bits

    private mutating func refill() {
        while bitCount <= 56 && position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    private mutating func bits(_ count: Int) throws(TorchError) -> Int {
        if bitCount < count {
            refill()
            guard bitCount >= count else { throw truncated() }
        }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    private func truncated() -> TorchError {
        TorchError.format(name, "truncated compressed data: the DEFLATE stream ends early")
    }

    private func invalid(_ what: String) -> TorchError {
        TorchError.format(name, "corrupt compressed data: \(what)")
    }

    // MARK: Blocks

    private mutating func storedBlock() throws(TorchError) {
        // Drop the bits up to the byte boundary, then give back the whole bytes read ahead.
        bitBuffer = 0
        position -= bitCount / 8
        bitCount = 0
        guard position + 4 <= input.count else { throw truncated() }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw invalid("a stored block's length does not match its complement") }
        position += 4
        guard position + length <= input.count else { throw truncated() }
        output.append(UnsafeBufferPointer(rebasing: input[position..<position + length]))
        position += length
    }

    private mutating func compressedBlock(literals: borrowing HuffmanTable, distances: borrowing HuffmanTable) throws(TorchError) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < Inflater.lengthBase.count else { throw invalid("the length code \(symbol) is out of range") }
                let length = Inflater.lengthBase[index] + (try bits(Inflater.lengthExtra[index]))
                let code = try decode(distances)
                guard code < Inflater.distanceBase.count else { throw invalid("the distance code \(code) is out of range") }
                let distance = Inflater.distanceBase[code] + (try bits(Inflater.distanceExtra[code]))
                guard distance <= output.count else {
                    throw invalid("a back-reference reaches \(distance) bytes back but only \(output.count) have been produced")
                }
                output.copyBack(distance: distance, length: length)
            }
        }
    }

    /// Reads a dynamic block's code tables, then decodes the block.
    private mutating func dynamicBlock() throws(TorchError) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw invalid("a dynamic block declares \(literalCount) literal/length and \(distanceCount) distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[Inflater.codeLengthOrder[i]] = UInt8(try bits(3))
        }
        guard let codeLengthTable = HuffmanTable(lengths: codeLengthLengths) else {
            throw invalid("the code-length code is over-subscribed")
        }
        var lengths: [UInt8] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthTable)
            switch symbol {
            case 0...15:
                lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else { throw invalid("a repeat code comes before any code length") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
            case 17:
                lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
            default:
                lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw invalid("code lengths run past the declared count") }
        guard lengths[256] != 0 else { throw invalid("the end-of-block code has no length") }
        guard let literals = HuffmanTable(lengths: Array(lengths[0..<literalCount])) else {
            throw invalid("the literal/length code is over-subscribed")
        }
        guard let distances = HuffmanTable(lengths: Array(lengths[literalCount...])) else {
            throw invalid("the distance code is over-subscribed")
        }
        try compressedBlock(literals: literals, distances: distances)
    }

    /// Reads one symbol of `table`.
    private mutating func decode(_ table: borrowing HuffmanTable) throws(TorchError) -> Int {
        if bitCount < 15 { refill() }
        let entry = table.fast(bitBuffer)
        if entry != 0 {
            let length = Int(entry & 15)
            guard length <= bitCount else { throw truncated() }
            bitBuffer >>= UInt64(length)
            bitCount -= length
            return Int(entry >> 4)
        }
        // A code longer than the fast table covers (or an unused code): walk the canonical code.
        var code = 0
        var first = 0
        var index = 0
        for length in 1...15 {
            guard length <= bitCount else { throw truncated() }
            code |= Int((bitBuffer >> UInt64(length - 1)) & 1)
            let count = table.count(ofLength: length)
            if code - first < count {
                guard let symbol = table.symbol(at: index + code - first) else { break }
                bitBuffer >>= UInt64(length)
                bitCount -= length
                return symbol
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw invalid("a bit sequence matches no Huffman code")
    }

    // MARK: Constants

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}

/// A canonical Huffman code (RFC 1951 §3.2.2) ready for decoding: a lookup table for codes of up to
/// ``fastBits`` bits, and the code counts and sorted symbols for the longer ones. It lives in one raw
/// allocation, so passing it to the decoder costs no reference counting.
struct HuffmanTable: ~Copyable {
    static let fastBits = 10
    static let fastMask = (1 << fastBits) - 1
    private static let fastCount = 1 << fastBits

    /// `fastCount` entries indexed by the next `fastBits` input bits (`symbol << 4 | length`, or 0
    /// for a longer code), then 16 code counts per length, then the symbols in canonical order.
    private let storage: UnsafeMutablePointer<UInt16>
    private let symbolCount: Int

    /// Builds the code from each symbol's code length (0 = unused). Returns nil for an
    /// over-subscribed set of lengths; an incomplete set is allowed (unused codes fail to decode).
    init?(lengths: [UInt8]) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...15 {
            left = left << 1 - counts[length]
            if left < 0 { return nil }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [UInt16](repeating: 0, count: offsets[15] + counts[15])
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[Int(length)]] = UInt16(symbol)
            offsets[Int(length)] += 1
        }
        // Fill the fast table: walk the codes in canonical order, reversing each (DEFLATE sends a
        // Huffman code's most significant bit first, into the low end of the bit buffer).
        var fast = [UInt16](repeating: 0, count: HuffmanTable.fastCount)
        var code = 0
        var index = 0
        for length in 1...15 {
            for _ in 0..<counts[length] {
                if length <= HuffmanTable.fastBits {
                    var reversed = 0
                    for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                    let entry = symbols[index] << 4 | UInt16(length)
                    var slot = reversed
                    while slot < fast.count {
                        fast[slot] = entry
                        slot += 1 << length
                    }
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
        symbolCount = symbols.count
        storage = .allocate(capacity: HuffmanTable.fastCount + 16 + symbols.count)
        storage.initialize(from: fast, count: HuffmanTable.fastCount)
        storage.advanced(by: HuffmanTable.fastCount).initialize(from: counts.map { UInt16($0) }, count: 16)
        storage.advanced(by: HuffmanTable.fastCount + 16).initialize(from: symbols, count: symbols.count)
    }

    deinit { storage.deallocate() }

    /// The fast-table entry for the next bits (`bits` is masked here).
    func fast(_ bits: UInt64) -> UInt16 { storage[Int(bits & UInt64(HuffmanTable.fastMask))] }

    /// The number of codes of `length` bits (1...15).
    func count(ofLength length: Int) -> Int { Int(storage[HuffmanTable.fastCount + length]) }

    /// The symbol at canonical position `index`, or nil past the end.
    func symbol(at index: Int) -> Int? {
        index >= 0 && index < symbolCount ? Int(storage[HuffmanTable.fastCount + 16 + index]) : nil
    }

    /// The fixed literal/length code of block type 1.
    static func fixedLiterals() -> HuffmanTable {
        HuffmanTable(lengths: [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
            + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8))!
    }

    /// The fixed distance code of block type 1.
    static func fixedDistances() -> HuffmanTable {
        HuffmanTable(lengths: [UInt8](repeating: 5, count: 30))!
    }
}

/// The decoder's growing output in raw memory: appends and overlapping back-copies.
struct OutputBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    mutating func append(_ byte: UInt8) {
        if count == capacity { reserve(1) }
        base[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    /// Appends `length` bytes copied from `distance` bytes back, one by one so that an overlapping
    /// copy repeats the pattern (`distance` was checked against ``count``).
    mutating func copyBack(distance: Int, length: Int) {
        precondition(distance >= 1 && distance <= count)
        reserve(length)
        var source = count - distance
        for target in count..<count + length {
            base[target] = base[source]
            source += 1
        }
        count += length
    }

    func array() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
