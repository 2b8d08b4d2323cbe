import Foundation

/// A minimal reader of safetensors files (an 8-byte little-endian header length, a JSON header,
/// raw little-endian data), for loading BERT checkpoints.
/// TODO: replace with the Serialization layer's safetensors reader once it is merged.
enum SafeTensorsReader {
    /// The tensors of `url`, in file order.
    static func read(_ url: URL) throws(TorchError) -> StateDict {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw TorchError("cannot read \(url.path): \(error.localizedDescription)")
        }
        func fail(_ message: String) -> TorchError { TorchError("\(url.path) is not a valid safetensors file: \(message)") }
        guard data.count >= 8 else { throw fail("it is shorter than 8 bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw fail("the header length \(headerLength) exceeds the file") }
        let start = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<start)) as? [String: Any] else {
                throw fail("the header is not a JSON object")
            }
            header = object
        } catch let error as TorchError { throw error } catch { throw fail("the header is not JSON: \(error)") }

        var entries: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let code = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("the entry \(name) lacks dtype, shape or data_offsets")
            }
            guard let dtype = dtypes[code] else { throw fail("the dtype \(code) of \(name) is not supported") }
            let range = (start + offsets[0])..<(start + offsets[1])
            guard offsets[0] <= offsets[1], range.upperBound <= data.count,
                  range.count == shape.reduce(1, *) * dtype.elementSize else {
                throw fail("the data of \(name) does not match its shape \(shape) and dtype \(code)")
            }
            entries.append((name, dtype, shape, range))
        }
        entries.sort { $0.range.lowerBound < $1.range.lowerBound }
        var state = StateDict()
        for entry in entries {
            let result = data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                Result { () throws(TorchError) in
                    try Tensor(bytes: UnsafeRawBufferPointer(rebasing: buffer[entry.range]), shape: entry.shape, dtype: entry.dtype)
                }
            }
            state[entry.name] = try result.get()
        }
        return state
    }

    private static let dtypes: [String: DType] = [
        "F64": .float64, "F32": .float32, "F16": .float16, "BF16": .bfloat16,
        "I64": .int64, "I32": .int32, "I16": .int16, "I8": .int8, "U8": .uint8, "BOOL": .bool,
    ]
}
