import Foundation

/// The header of a NumPy `.npy` array: the magic string, a version, and a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` giving the element type, the memory
/// order and the shape.
struct NPYHeader {
    /// How the file's elements map onto a tensor dtype.
    enum Element {
        /// Bytes of this dtype, in little- or big-endian order.
        case direct(DType, bigEndian: Bool)
        /// Unsigned integers of `size` bytes, widened to a signed dtype that holds them all.
        case unsigned(size: Int, bigEndian: Bool)

        var fileElementSize: Int {
            switch self {
            case .direct(let dtype, _): dtype.elementSize
            case .unsigned(let size, _): size
            }
        }
    }

    let element: Element
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]
    /// The offset of the first data byte.
    let dataStart: Int

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Parses the header at the start of `bytes` (at least the first few hundred bytes of a file).
    init(_ source: any ByteSource, base: Int = 0, name: String) throws(TorchError) {
        func bad(_ problem: String) -> TorchError { TorchError.format(name, "malformed .npy header: \(problem)") }
        let available = source.count - base
        guard available >= 10 else {
            throw TorchError.format(name, available <= 0 ? "the .npy data is empty" : "truncated .npy file: \(available) bytes is shorter than the header")
        }
        var reader = ByteReader(source.uncheckedBytes(in: base..<base + 10), name: name)
        guard try reader.readBytes(6, "the .npy magic") == NPYHeader.magic else {
            throw TorchError.format(name, "not a .npy file (it does not start with \\x93NUMPY)")
        }
        let major = try reader.readByte("the .npy version")
        _ = try reader.readByte("the .npy version")
        let length: Int
        let prefix: Int
        switch major {
        case 1:
            length = Int(try reader.readUInt16("the .npy header length"))
            prefix = 10
        case 2, 3:
            let wide = try source.bytes(in: base + 8..<base + 12, what: "the .npy header length")
            length = Int(wide[0]) | Int(wide[1]) << 8 | Int(wide[2]) << 16 | Int(wide[3]) << 24
            prefix = 12
        default:
            throw TorchError.format(name, "unsupported .npy format version \(major)")
        }
        guard prefix + length <= available else {
            throw TorchError.format(name, "truncated .npy file: the header needs \(prefix + length) bytes but the data holds \(available)")
        }
        let text = String(decoding: source.uncheckedBytes(in: base + prefix..<base + prefix + length), as: UTF8.self)
        var parser = PythonLiteralParser(text)
        guard let fields = try? parser.parseDict() else { throw bad("'\(text.trimmingCharacters(in: .whitespacesAndNewlines))' is not a Python dict literal") }
        guard case .string(let descr)? = fields["descr"] else {
            if fields["descr"] != nil { throw TorchError.format(name, "structured .npy arrays (record dtypes) are not supported") }
            throw bad("it has no 'descr'")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw bad("it has no 'fortran_order'") }
        guard case .tuple(let shape)? = fields["shape"], shape.allSatisfy({ $0 >= 0 }) else { throw bad("it has no valid 'shape'") }
        self.descr = descr
        self.fortranOrder = fortran
        self.shape = shape
        self.element = try NPYHeader.element(descr, name: name)
        self.dataStart = base + prefix + length
    }

    private static func element(_ descr: String, name: String) throws(TorchError) -> Element {
        let characters = Array(descr)
        guard characters.count >= 3 else { throw TorchError.format(name, "the .npy dtype '\(descr)' is not supported") }
        let bigEndian = characters[0] == ">"
        let code = String(characters[1...])
        let dtype: DType? = switch code {
        case "f2": .float16
        case "f4": .float32
        case "f8": .float64
        case "i1": .int8
        case "i2": .int16
        case "i4": .int32
        case "i8": .int64
        case "u1": .uint8
        case "b1": .bool
        case "c8": .complex64
        case "c16": .complex128
        default: nil
        }
        if let dtype, "<>|=".contains(characters[0]) { return .direct(dtype, bigEndian: bigEndian) }
        if ["u2", "u4", "u8"].contains(code), "<>|=".contains(characters[0]) {
            return .unsigned(size: Int(String(code.dropFirst()))!, bigEndian: bigEndian)
        }
        throw TorchError.format(name, "the .npy dtype '\(descr)' is not supported (supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool, complex64/128)")
    }

    /// The header bytes NumPy writes for a C-order array (format 1.0, or 2.0 for huge headers):
    /// the dict in sorted key order, room to grow the first dimension, padded to 64 bytes.
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first { header += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        var version: UInt8 = 1
        var lengthSize = 2
        var total = header.utf8.count + 1
        var padding = 64 - (8 + lengthSize + total) % 64
        if total + padding > 0xFFFF {
            version = 2
            lengthSize = 4
            total = header.utf8.count + 1
            padding = 64 - (8 + lengthSize + total) % 64
        }
        var result = magic + [version, 0]
        if lengthSize == 2 { result.appendLittleEndian(UInt16(total + padding)) } else { result.appendLittleEndian(UInt32(total + padding)) }
        result.append(contentsOf: Array(header.utf8))
        result.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        result.append(UInt8(ascii: "\n"))
        return result
    }
}

/// Parses the small Python literals of a `.npy` header: a dict of strings, booleans and integer
/// tuples.
struct PythonLiteralParser {
    enum Value {
        case string(String)
        case bool(Bool)
        case int(Int)
        case tuple([Int])
        case other
    }

    struct Failure: Error {}

    private let characters: [Character]
    private var position = 0

    init(_ text: String) {
        characters = Array(text)
    }

    mutating func parseDict() throws(Failure) -> [String: Value] {
        skipSpace()
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" {
                position += 1
                return result
            }
            guard case .string(let key) = try value() else { throw Failure() }
            skipSpace()
            try expect(":")
            result[key] = try value()
            skipSpace()
            if peek() == "," { position += 1 }
        }
    }

    private mutating func value() throws(Failure) -> Value {
        skipSpace()
        guard let c = peek() else { throw Failure() }
        switch c {
        case "'", "\"":
            position += 1
            var text = ""
            while let d = peek(), d != c {
                text.append(d)
                position += 1
            }
            try expect(c)
            return .string(text)
        case "(":
            position += 1
            var items: [Int] = []
            while true {
                skipSpace()
                if peek() == ")" {
                    position += 1
                    return .tuple(items)
                }
                guard case .int(let n) = try value() else { throw Failure() }
                items.append(n)
                skipSpace()
                if peek() == "," { position += 1 }
            }
        case "[", "{":
            // A structured dtype's list; skip it with its nesting.
            var depth = 0
            repeat {
                guard let d = peek() else { throw Failure() }
                if d == "[" || d == "{" || d == "(" { depth += 1 }
                if d == "]" || d == "}" || d == ")" { depth -= 1 }
                position += 1
            } while depth > 0
            return .other
        default:
            var word = ""
            while let d = peek(), d.isLetter || d.isNumber || d == "-" || d == "_" {
                word.append(d)
                position += 1
            }
            if word == "True" { return .bool(true) }
            if word == "False" { return .bool(false) }
            if word.hasSuffix("L") { word.removeLast() }  // Python 2 long: 3L
            guard let n = Int(word) else { throw Failure() }
            return .int(n)
        }
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c.isWhitespace { position += 1 }
    }

    private mutating func expect(_ c: Character) throws(Failure) {
        guard peek() == c else { throw Failure() }
        position += 1
    }
}
