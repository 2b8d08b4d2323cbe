import Foundation

/// NumPy's `.npy` array files (`numpy.save` / `numpy.load`).
///
/// ```swift
/// let x = try NPY.load(contentsOf: URL(filePath: "features.npy"))
/// try NPY.save(x, to: URL(filePath: "copy.npy"))
/// ```
///
/// Reads float16/32/64, int8/16/32/64, uint8, bool and complex64/128 arrays in either byte order and
/// in C or Fortran order (the tensor is always row-major). NumPy's uint16 and uint32 widen to int32 and
/// int64 (torch has no wider unsigned types here); uint64 loads as int64 when every value fits.
/// Writes C-order, little-endian arrays byte-for-byte as `numpy.save` does.
public enum NPY {
    /// The array in the `.npy` file at `url`, as a new CPU tensor.
    public static func load(contentsOf url: URL) throws(TorchError) -> Tensor {
        try decode(MappedFile(url), name: url.path)
    }

    /// The array in `.npy` bytes held in memory.
    public static func load(bytes: [UInt8]) throws(TorchError) -> Tensor {
        try decode(MemoryBytes(bytes, name: ".npy data"), name: ".npy data")
    }

    /// Writes `tensor` (from any device) to `url` atomically.
    public static func save(_ tensor: Tensor, to url: URL) throws(TorchError) {
        let header = try header(for: tensor)
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            try file.write(header)
            try file.write(tensor.bytes())
        }
    }

    /// The `.npy` bytes of `tensor`.
    public static func encode(_ tensor: Tensor) throws(TorchError) -> [UInt8] {
        try header(for: tensor) + tensor.bytes()
    }

    private static func header(for tensor: Tensor) throws(TorchError) -> [UInt8] {
        let descr: String
        switch tensor.dtype {
        case .float16: descr = "<f2"
        case .float32: descr = "<f4"
        case .float64: descr = "<f8"
        case .int8: descr = "|i1"
        case .int16: descr = "<i2"
        case .int32: descr = "<i4"
        case .int64: descr = "<i8"
        case .uint8: descr = "|u1"
        case .bool: descr = "|b1"
        case .complex64: descr = "<c8"
        case .complex128: descr = "<c16"
        case .bfloat16, .complex32:
            throw TorchError("cannot save a \(tensor.dtype) tensor as .npy: NumPy has no such dtype; convert it first (for example to float32)")
        }
        return NPYHeader.encode(descr: descr, shape: tensor.shape)
    }

    /// Decodes the `.npy` data that starts at `base` in `source`.
    static func decode(_ source: any ByteSource, base: Int = 0, name: String) throws(TorchError) -> Tensor {
        let header = try NPYHeader(source, base: base, name: name)
        var count = 1
        for size in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TorchError.format(name, "malformed .npy header: the shape \(header.shape) is too large") }
            count = product
        }
        let elementSize = header.element.fileElementSize
        let byteCount = count * elementSize
        let range = header.dataStart..<header.dataStart + byteCount
        guard range.upperBound <= source.count else {
            throw TorchError.format(name, "truncated .npy data: shape \(header.shape) of '\(header.descr)' needs \(byteCount) bytes after the header but only \(max(0, source.count - header.dataStart)) remain")
        }
        let fortran = header.fortranOrder && header.shape.count > 1
        let shape = fortran ? [count] : header.shape
        let flat: Tensor
        switch header.element {
        case .direct(let dtype, bigEndian: false):
            flat = try source.uncheckedTensor(from: range, shape: shape, dtype: dtype)
        case .direct(let dtype, bigEndian: true):
            var bytes = source.uncheckedBytes(in: range)
            // Complex numbers swap each of their two parts.
            let width = dtype.isComplex ? dtype.elementSize / 2 : dtype.elementSize
            if width > 1 {
                for start in stride(from: 0, to: bytes.count, by: width) { bytes[start..<start + width].reverse() }
            }
            flat = try MemoryBytes(bytes, name: name).uncheckedTensor(from: 0..<bytes.count, shape: shape, dtype: dtype)
        case .unsigned(let size, let bigEndian):
            flat = try widen(source.uncheckedBytes(in: range), size: size, bigEndian: bigEndian, shape: shape, name: name)
        }
        if fortran {
            // Fortran order: element (i0, i1, …) sits at i0 + s0 * (i1 + s1 * (…)).
            var strides: [Int] = []
            var stride = 1
            for size in header.shape {
                strides.append(stride)
                stride *= size
            }
            let view = try TensorStorage.view(of: flat, shape: header.shape, strides: strides, offset: 0)
            let bytes = try view.bytes()
            return try MemoryBytes(bytes, name: name).uncheckedTensor(from: 0..<bytes.count, shape: header.shape, dtype: flat.dtype)
        }
        return flat
    }

    /// Unsigned 16/32/64-bit values as int32/int64 (uint64 only when every value fits).
    private static func widen(_ bytes: [UInt8], size: Int, bigEndian: Bool, shape: [Int], name: String) throws(TorchError) -> Tensor {
        let count = bytes.count / size
        var reader = ByteReader(bytes, name: name)
        if size == 2 {
            var values: [Int32] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(Int32(bigEndian ? try reader.readBigEndian(2, "a value") : try reader.readLittleEndian(2, "a value")))
            }
            return try Tensor(values, shape: shape)
        }
        var values: [Int64] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let value = bigEndian ? try reader.readBigEndian(size, "a value") : try reader.readLittleEndian(size, "a value")
            guard value <= UInt64(Int64.max) else {
                throw TorchError.format(name, "the uint64 value \(value) does not fit in int64, the widest integer dtype Torch has")
            }
            values.append(Int64(value))
        }
        return try Tensor(values, shape: shape)
    }
}
