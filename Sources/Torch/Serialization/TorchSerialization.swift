import Foundation

/// PyTorch's own file format, the one `torch.save` and `torch.load` use: a zip archive holding a
/// pickle of the value and one record per tensor storage.
///
/// ```swift
/// // Python: torch.save(model.state_dict(), "model.pt")
/// let stateDict = try TorchSerialization.loadTensors(contentsOf: URL(filePath: "model.pt"))
///
/// // A checkpoint that Python opens with torch.load("ckpt.pt", weights_only=True)
/// try TorchSerialization.save(["epoch": 3, "state_dict": PickleValue(tensors: stateDict)], to: URL(filePath: "ckpt.pt"))
/// ```
///
/// Values are ``PickleValue`` trees: tensors, dictionaries (any keys, order kept), lists, tuples,
/// integers, floats, booleans, strings, bytes and None. Files from Python that hold other Python
/// objects (a whole `nn.Module`, a NumPy array) are refused with an error naming the class, as
/// `weights_only=True` refuses them. Tensors load onto the CPU, whatever device they were saved from;
/// tensors that shared memory when saved share it again after loading.
public enum TorchSerialization {
    /// Writes `value` to `url` atomically (a temporary file in the same folder, flushed, renamed).
    /// Tensors on any device are copied to the host for writing; the file records their device, as
    /// `torch.save` does.
    public static func save(_ value: PickleValue, to url: URL) throws(TorchError) {
        var pickler = Pickler()
        try pickler.serialize(value)
        let prefix = "archive/"
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            var zip = ZipWriter(file)
            try zip.add(prefix + "data.pkl", pickler.bytes)
            try zip.add(prefix + ".format_version", Array("1".utf8))
            try zip.add(prefix + ".storage_alignment", Array("64".utf8))
            try zip.add(prefix + "byteorder", Array("little".utf8))
            for storage in pickler.storages {
                try zip.add(prefix + "data/" + storage.key, TensorStorage.bytes(of: storage.tensor, byteCount: storage.byteCount))
            }
            try zip.add(prefix + "version", Array("3\n".utf8))
            try zip.add(prefix + ".data/serialization_id", Array(zip.serializationID.utf8))
            try zip.finish()
        }
    }

    /// Writes a dictionary of tensors (a `state_dict`), in sorted key order.
    public static func save(_ tensors: [String: Tensor], to url: URL) throws(TorchError) {
        try save(PickleValue(tensors: tensors), to: url)
    }

    /// Reads the value stored in the file at `url`.
    public static func load(contentsOf url: URL) throws(TorchError) -> PickleValue {
        try load(from: MappedFile(url))
    }

    /// Reads a file that holds a dictionary of tensors with string keys (a `state_dict`).
    public static func loadTensors(contentsOf url: URL) throws(TorchError) -> [String: Tensor] {
        let value = try load(contentsOf: url)
        guard let tensors = value.tensorDictionary else {
            throw TorchError.format(url.path, "does not hold a dictionary of tensors with string keys; use TorchSerialization.load(contentsOf:) to read other values")
        }
        return tensors
    }

    static func load(from source: any ByteSource) throws(TorchError) -> PickleValue {
        let name = source.name
        let head = source.uncheckedBytes(in: 0..<min(4, source.count))
        guard head == [0x50, 0x4B, 0x03, 0x04] else {
            if head.first == PickleOpcode.proto.rawValue {
                throw TorchError.format(name, "this is PyTorch's legacy (pre-1.6) file format, which Torch cannot read; re-save it in Python with a current torch.save")
            }
            throw TorchError.format(name, source.count == 0 ? "the file is empty" : "not a PyTorch file (torch.save writes a zip archive, and this is not one)")
        }
        let zip = try ZipReader(source)
        guard let pickle = zip.entries.first(where: { $0.name.hasSuffix("data.pkl") && $0.name.split(separator: "/").count == 2 }) else {
            if zip.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") || $0.name.contains("/code/") }) {
                throw TorchError.format(name, "this is a TorchScript archive (torch.jit.save), not a torch.save file")
            }
            throw TorchError.format(name, "not a PyTorch file: the zip archive has no data.pkl record")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: try zip.contents(of: order), as: UTF8.self)
            guard text == "little" else {
                throw TorchError.format(name, "the tensors are stored \(text)-endian; Torch reads only little-endian files")
            }
        }
        var unpickler = Unpickler(try zip.contents(of: pickle), name: name) { (key, dtype, count, _) throws(TorchError) -> Tensor in
            guard let entry = zip.entry(named: prefix + "data/" + key) else {
                throw TorchError.format(name, "corrupt PyTorch file: the storage record data/\(key) is missing")
            }
            guard entry.uncompressedSize == count * dtype.elementSize else {
                throw TorchError.format(name, "corrupt PyTorch file: the storage data/\(key) holds \(entry.uncompressedSize) bytes but \(count) elements of \(dtype) need \(count * dtype.elementSize)")
            }
            return try zip.tensor(of: entry, shape: [count], dtype: dtype)
        }
        return try unpickler.load()
    }
}
