import Foundation

/// The parsed and validated header of a safetensors file: each tensor's dtype, shape and byte range,
/// and the free-form string metadata.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON, then the tensor data. The checks
/// follow the reference library: known dtypes, byte ranges that match the shapes and tile the data
/// exactly (no gaps, no overlaps, nothing left over).
struct SafeTensorsHeader {
    /// The largest header the reference library accepts.
    static let maximumLength = 100_000_000

    /// The tensors in file order (by data offset).
    let tensors: [SafeTensorsFile.TensorInfo]
    let metadata: [String: String]
    /// Where the data section starts in the file.
    let dataStart: Int

    /// Reads the header from `source`.
    init(_ source: any ByteSource) throws(TorchError) {
        let name = source.name
        guard source.count >= 8 else {
            throw TorchError.format(name, "not a safetensors file: it holds \(source.count) bytes, fewer than the 8-byte header length")
        }
        var prefix = ByteReader(source.uncheckedBytes(in: 0..<8), name: name)
        let declared = try prefix.readUInt64("the header length")
        guard declared <= UInt64(SafeTensorsHeader.maximumLength) else {
            throw TorchError.format(name, "malformed safetensors header: its declared length \(declared) exceeds the limit of \(SafeTensorsHeader.maximumLength) bytes (is this a safetensors file?)")
        }
        let length = Int(declared)
        guard 8 + length <= source.count else {
            throw TorchError.format(name, "malformed or truncated safetensors file: the header length is \(length) bytes but the file holds only \(source.count - 8) after the length")
        }
        let text = source.uncheckedBytes(in: 8..<8 + length)
        guard text.first == UInt8(ascii: "{") else {
            throw TorchError.format(name, "malformed safetensors header: it does not start with '{'")
        }
        guard String(data: Data(text), encoding: .utf8) != nil else {
            throw TorchError.format(name, "malformed safetensors header: it is not valid UTF-8")
        }
        let entries: [String: HeaderEntry]
        do {
            entries = try JSONDecoder().decode([String: HeaderEntry].self, from: Data(text))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw TorchError.format(name, "malformed safetensors header: it is not valid JSON")
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw TorchError.format(name, "malformed safetensors header: the JSON is not an object")
        } catch {
            let key = SafeTensorsHeader.firstKey(of: error) ?? "?"
            throw TorchError.format(name, key == "__metadata__"
                ? "malformed safetensors header: __metadata__ must be an object of strings"
                : "malformed safetensors header: the entry '\(key)' is not an object with a dtype string, a shape list of integers and two data_offsets integers")
        }

        var metadata: [String: String] = [:]
        var tensors: [SafeTensorsFile.TensorInfo] = []
        for (key, entry) in entries {
            switch entry {
            case .metadata(let map) where key == "__metadata__":
                metadata = map
            case .metadata:
                throw TorchError.format(name, "malformed safetensors header: the entry '\(key)' is not an object with a dtype string, a shape list of integers and two data_offsets integers")
            case .tensor(let fields):
                guard key != "__metadata__" else {
                    throw TorchError.format(name, "malformed safetensors header: __metadata__ must be an object of strings")
                }
                tensors.append(try SafeTensorsHeader.tensorInfo(key, fields, file: name))
            }
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }

        // The byte ranges must tile the data section exactly.
        let dataLength = source.count - 8 - length
        var end = 0
        for info in tensors {
            guard info.byteRange.lowerBound == end else {
                throw TorchError.format(name, "malformed safetensors header: the data of '\(info.name)' starts at byte \(info.byteRange.lowerBound) but the previous tensor ends at \(end) (offsets must be contiguous)")
            }
            end = info.byteRange.upperBound
        }
        guard end == dataLength else {
            throw TorchError.format(name, end > dataLength
                ? "truncated safetensors file: the header describes \(end) bytes of tensor data but the file holds \(dataLength)"
                : "malformed safetensors file: the header describes \(end) bytes of tensor data but the file holds \(dataLength)")
        }
        self.tensors = tensors
        self.metadata = metadata
        self.dataStart = 8 + length
    }

    /// One value of the header object: a tensor's description, or the metadata map.
    private enum HeaderEntry: Decodable {
        case tensor(TensorFields)
        case metadata([String: String])

        init(from decoder: any Decoder) throws {
            if let fields = try? TensorFields(from: decoder) {
                self = .tensor(fields)
            } else {
                self = .metadata(try [String: String](from: decoder))
            }
        }
    }

    private struct TensorFields: Decodable {
        let dtype: String
        let shape: [Int]
        // swiftlint:disable:next identifier_name
        let data_offsets: [Int]
    }

    /// The header key that a decoding error is about.
    private static func firstKey(of error: any Error) -> String? {
        let path: [any CodingKey]
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        default:
            return nil
        }
        return path.first?.stringValue
    }

    private static func tensorInfo(_ key: String, _ fields: TensorFields, file: String) throws(TorchError) -> SafeTensorsFile.TensorInfo {
        func bad(_ problem: String) -> TorchError {
            TorchError.format(file, "malformed safetensors header: the entry '\(key)' \(problem)")
        }
        let dtypeName = fields.dtype
        guard let dtype = DType(safeTensorsName: dtypeName) else {
            let known = ["F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "U16", "U32", "U64", "C64"]
            throw known.contains(dtypeName)
                ? TorchError.format(file, "the tensor '\(key)' has dtype \(dtypeName), which Torch cannot load (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)")
                : bad("has an unknown dtype '\(dtypeName)'")
        }
        let shape = fields.shape
        guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("has a negative size in its shape \(shape)") }
        let offsets = fields.data_offsets
        guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw bad("has data_offsets \(offsets), which are not two increasing non-negative integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        var count = dtype.elementSize
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw bad("has a shape too large to address") }
            count = product
        }
        guard end - begin == count else {
            throw bad("has shape \(shape) and dtype \(dtypeName), which need \(count) bytes, but its data_offsets [\(begin), \(end)] span \(end - begin)")
        }
        return SafeTensorsFile.TensorInfo(name: key, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    // MARK: Writing

    /// The header bytes (length prefix and JSON padded with spaces to a multiple of 8) for tensors
    /// laid out in `order`, as the reference library writes them.
    static func encode(_ order: [(name: String, dtype: DType, shape: [Int], byteCount: Int)], metadata: [String: String]?) throws(TorchError) -> [UInt8] {
        var json = "{"
        var first = true
        if let metadata, !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { JSONText.string($0) + ":" + JSONText.string(metadata[$0]!) }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for entry in order {
            guard let dtypeName = entry.dtype.safeTensorsName else {
                throw TorchError("cannot save '\(entry.name)' as safetensors: the format has no \(entry.dtype) type")
            }
            if !first { json += "," }
            first = false
            json += JSONText.string(entry.name) + ":{\"dtype\":\"\(dtypeName)\",\"shape\":["
            json += entry.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(offset + entry.byteCount)]}"
            offset += entry.byteCount
        }
        json += "}"
        var text = Array(json.utf8)
        text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - text.count % 8) % 8))
        var result: [UInt8] = []
        result.reserveCapacity(8 + text.count)
        result.appendLittleEndian(UInt64(text.count))
        result.append(contentsOf: text)
        return result
    }
}
