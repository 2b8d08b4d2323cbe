import Foundation

/// Reading and writing the safetensors format (Hugging Face): a JSON header and raw little-endian
/// tensor data, the format that `safetensors.torch.save_file` writes and model hubs use.
///
/// ```swift
/// let weights = try SafeTensors.load(contentsOf: URL(filePath: "model.safetensors"))
/// try SafeTensors.save(["w": w, "b": b], metadata: ["format": "pt"], to: URL(filePath: "out.safetensors"))
/// ```
///
/// Files are written as the reference library writes them (tensors ordered by dtype size and then by
/// name, each aligned, the header padded with spaces to 8 bytes), and atomically. For lazy access,
/// one tensor at a time, use ``SafeTensorsFile``.
public enum SafeTensors {
    /// Every tensor in the file at `url`, as new CPU tensors.
    public static func load(contentsOf url: URL) throws(TorchError) -> [String: Tensor] {
        try SafeTensorsFile(contentsOf: url).tensors()
    }

    /// Every tensor in safetensors bytes held in memory.
    public static func load(bytes: [UInt8]) throws(TorchError) -> [String: Tensor] {
        try SafeTensorsFile(bytes: bytes).tensors()
    }

    /// Writes `tensors` (from any device; they are copied to the host) and optional string metadata
    /// to `url`, atomically: a temporary file in the same folder, flushed, then renamed.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to url: URL) throws(TorchError) {
        let (header, order) = try plan(tensors, metadata: metadata)
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            try file.write(header)
            for name in order { try file.write(tensors[name]!.bytes()) }
        }
    }

    /// The safetensors bytes of `tensors` and metadata, as ``save(_:metadata:to:)`` writes them.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String]? = nil) throws(TorchError) -> [UInt8] {
        let (header, order) = try plan(tensors, metadata: metadata)
        var result = header
        for name in order { result.append(contentsOf: try tensors[name]!.bytes()) }
        return result
    }

    /// The header bytes and the order in which the tensors' data follows.
    private static func plan(_ tensors: [String: Tensor], metadata: [String: String]?) throws(TorchError) -> ([UInt8], [String]) {
        let order = tensors.keys.sorted { a, b in
            let (ra, rb) = (tensors[a]!.dtype.safeTensorsRank, tensors[b]!.dtype.safeTensorsRank)
            return ra != rb ? ra > rb : a < b
        }
        if order.contains("__metadata__") {
            throw TorchError("cannot save a tensor named '__metadata__' as safetensors: the name is reserved for metadata")
        }
        let entries = order.map { name in
            let tensor = tensors[name]!
            return (name: name, dtype: tensor.dtype, shape: tensor.shape, byteCount: tensor.numel * tensor.dtype.elementSize)
        }
        return (try SafeTensorsHeader.encode(entries, metadata: metadata), order)
    }
}
