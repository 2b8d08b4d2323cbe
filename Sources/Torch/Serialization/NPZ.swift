import Foundation

/// NumPy's `.npz` archives (`numpy.savez` / `numpy.savez_compressed` / `numpy.load`): a zip file
/// of `.npy` arrays, one per name.
///
/// ```swift
/// let arrays = try NPZ.load(contentsOf: URL(filePath: "data.npz"))
/// let x = arrays["x"]!
/// try NPZ.save(["x": x, "y": y], to: URL(filePath: "copy.npz"))
/// ```
///
/// Reads stored and deflate-compressed archives; writes stored (uncompressed) archives, as
/// `numpy.savez` does. See ``NPY`` for the supported dtypes.
public enum NPZ {
    /// Every array in the archive at `url`, keyed by name (the entry name without `.npy`).
    public static func load(contentsOf url: URL) throws(TorchError) -> [String: Tensor] {
        try load(from: MappedFile(url))
    }

    /// Every array in `.npz` bytes held in memory.
    public static func load(bytes: [UInt8]) throws(TorchError) -> [String: Tensor] {
        try load(from: MemoryBytes(bytes, name: ".npz data"))
    }

    static func load(from source: any ByteSource) throws(TorchError) -> [String: Tensor] {
        let zip = try ZipReader(source)
        var result: [String: Tensor] = [:]
        for entry in zip.entries where entry.name.hasSuffix(".npy") {
            let key = String(entry.name.dropLast(4))
            let what = "\(source.name) (\(entry.name))"
            if entry.method == 0 {
                let range = try zip.dataRange(of: entry)
                guard source.crc32(of: range) == entry.crc32 else {
                    throw TorchError.format(source.name, "corrupt .npz archive: the CRC-32 of \(entry.name) does not match its contents")
                }
                let slice = MemoryBytes(source.uncheckedBytes(in: range), name: what)
                result[key] = try NPY.decode(slice, name: what)
            } else {
                result[key] = try NPY.decode(MemoryBytes(try zip.contents(of: entry), name: what), name: what)
            }
        }
        return result
    }

    /// Writes `arrays` to `url` atomically as an uncompressed archive, entries in sorted name order.
    public static func save(_ arrays: [String: Tensor], to url: URL) throws(TorchError) {
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            var zip = ZipWriter(file, alignment: 1, layout: .plain)
            for name in arrays.keys.sorted() {
                try zip.add(name + ".npy", NPY.encode(arrays[name]!))
            }
            try zip.finish()
        }
    }
}
