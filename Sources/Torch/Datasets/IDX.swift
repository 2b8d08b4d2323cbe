import Foundation

/// The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, …): a big-endian header
/// (two zero bytes, a type code, the number of dimensions, then each dimension as a 32-bit integer)
/// followed by the values in row-major order. Gzipped files (`.gz`) are detected by content.
///
/// ```swift
/// let images = try IDX.load(contentsOf: URL(filePath: "train-images-idx3-ubyte.gz"))  // [60000, 28, 28] uint8
/// ```
public enum IDX {
    /// The array in the IDX file at `url`, gunzipped when needed.
    public static func load(contentsOf url: URL) throws(TorchError) -> Tensor {
        try decode(CSVReader.contents(of: url), name: url.path)
    }

    /// The array in IDX bytes held in memory (not compressed).
    public static func decode(_ bytes: [UInt8], name: String = "IDX data") throws(TorchError) -> Tensor {
        var reader = ByteReader(bytes, name: name)
        let zero = try reader.readBigEndian(2, "the IDX magic number")
        let code = try reader.readByte("the IDX magic number")
        let rank = Int(try reader.readByte("the IDX magic number"))
        guard zero == 0 else {
            throw TorchError.format(name, "not an IDX file: the magic number must start with two zero bytes (is it still gzipped?)")
        }
        let dtype: DType
        switch code {
        case 0x08: dtype = .uint8
        case 0x09: dtype = .int8
        case 0x0B: dtype = .int16
        case 0x0C: dtype = .int32
        case 0x0D: dtype = .float32
        case 0x0E: dtype = .float64
        default: throw TorchError.format(name, "not an IDX file: unknown type code 0x\(String(code, radix: 16)) (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)")
        }
        var shape: [Int] = []
        for _ in 0..<rank { shape.append(Int(try reader.readBigEndian(4, "the IDX dimensions"))) }
        let count = shape.reduce(1, *)
        let byteCount = count * dtype.elementSize
        guard reader.remaining >= byteCount else {
            throw TorchError.format(name, "truncated IDX file: shape \(shape) of \(dtype) needs \(byteCount) bytes of data but only \(reader.remaining) follow the header")
        }
        guard reader.remaining == byteCount else {
            throw TorchError.format(name, "malformed IDX file: \(reader.remaining - byteCount) bytes follow the \(byteCount) bytes of data that shape \(shape) needs")
        }
        let width = dtype.elementSize
        guard width > 1 else {
            return try MemoryBytes(bytes, name: name).uncheckedTensor(from: reader.position..<bytes.count, shape: shape, dtype: dtype)
        }
        // IDX stores multi-byte values big-endian.
        var data = Array(bytes[reader.position...])
        for start in stride(from: 0, to: data.count, by: width) { data[start..<start + width].reverse() }
        return try MemoryBytes(data, name: name).uncheckedTensor(from: 0..<data.count, shape: shape, dtype: dtype)
    }
}
