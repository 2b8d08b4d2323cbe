/// Writes a ``PickleValue`` as a protocol-2 pickle, the way Python's `torch.save` does: tensors become
/// `torch._utils._rebuild_tensor_v2` calls on storages referenced by persistent ids, so the result
/// opens with `torch.load(weights_only=True)`.
///
/// Tensors that share memory share one storage record (with their own offset and strides), as in
/// Python. The storages to write beside the pickle are in ``storages``.
struct Pickler {
    /// A storage to write as the record `data/<key>`.
    struct Storage {
        let key: String
        /// Any tensor over the storage (its whole storage is written).
        let tensor: Tensor
        let byteCount: Int
    }

    private(set) var bytes: [UInt8] = [PickleOpcode.proto.rawValue, 2]
    private(set) var storages: [Storage] = []
    private var storageKeys: [UInt64: (key: String, dtype: DType)] = [:]
    private var memo: [String: Int] = [:]

    /// Appends `value` and the STOP opcode.
    mutating func serialize(_ value: PickleValue) throws(TorchError) {
        try write(value, depth: 0)
        emit(.stop)
    }

    private mutating func emit(_ opcode: PickleOpcode) { bytes.append(opcode.rawValue) }

    private mutating func write(_ value: PickleValue, depth: Int) throws(TorchError) {
        guard depth < 1000 else { throw TorchError("cannot save a value nested more than 1000 containers deep") }
        switch value {
        case .none: emit(.none)
        case .bool(let v): emit(v ? .newTrue : .newFalse)
        case .int(let v): writeInt(v)
        case .double(let v):
            emit(.binFloat)
            bytes.appendBigEndian(v.bitPattern)
        case .string(let v): writeString(v)
        case .bytes(let v):
            // Protocol 2 has no bytes opcode; Python writes _codecs.encode(latin-1 text, 'latin1').
            writeGlobal("_codecs", "encode")
            writeString(String(String.UnicodeScalarView(v.map { Unicode.Scalar($0) })))
            writeString("latin1")
            emit(.tuple2)
            emit(.reduce)
        case .tensor(let tensor): try writeTensor(tensor)
        case .list(let elements):
            emit(.emptyList)
            for chunk in stride(from: 0, to: elements.count, by: 1000) {
                emit(.mark)
                for element in elements[chunk..<min(chunk + 1000, elements.count)] { try write(element, depth: depth + 1) }
                emit(.appends)
            }
        case .tuple(let elements):
            switch elements.count {
            case 0: emit(.emptyTuple)
            case 1...3:
                for element in elements { try write(element, depth: depth + 1) }
                emit([.tuple1, .tuple2, .tuple3][elements.count - 1])
            default:
                emit(.mark)
                for element in elements { try write(element, depth: depth + 1) }
                emit(.tuple)
            }
        case .dict(let entries):
            emit(.emptyDict)
            for chunk in stride(from: 0, to: entries.count, by: 1000) {
                emit(.mark)
                for entry in entries[chunk..<min(chunk + 1000, entries.count)] {
                    try write(entry.key, depth: depth + 1)
                    try write(entry.value, depth: depth + 1)
                }
                emit(.setItems)
            }
        }
    }

    private mutating func writeInt(_ value: Int) {
        switch value {
        case 0...0xFF:
            emit(.binInt1)
            bytes.append(UInt8(value))
        case 0...0xFFFF:
            emit(.binInt2)
            bytes.appendLittleEndian(UInt16(value))
        case Int(Int32.min)...Int(Int32.max):
            emit(.binInt)
            bytes.appendLittleEndian(Int32(value))
        default:
            // LONG1: the shortest two's-complement little-endian form.
            var encoded: [UInt8] = []
            var rest = value
            repeat {
                encoded.append(UInt8(truncatingIfNeeded: rest))
                rest >>= 8
            } while !((rest == 0 && encoded.last! < 0x80) || (rest == -1 && encoded.last! >= 0x80))
            emit(.long1)
            bytes.append(UInt8(encoded.count))
            bytes.append(contentsOf: encoded)
        }
    }

    private mutating func writeString(_ value: String) {
        let utf8 = Array(value.utf8)
        emit(.binUnicode)
        bytes.appendLittleEndian(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// GLOBAL, memoized so that each class name is written once and fetched afterwards.
    private mutating func writeGlobal(_ module: String, _ name: String) {
        let key = module + "\n" + name
        if let index = memo[key] {
            writeGet(index)
            return
        }
        emit(.global)
        bytes.append(contentsOf: Array((key + "\n").utf8))
        let index = memo.count
        memo[key] = index
        if index < 256 {
            emit(.binPut)
            bytes.append(UInt8(index))
        } else {
            emit(.longBinPut)
            bytes.appendLittleEndian(UInt32(index))
        }
    }

    private mutating func writeGet(_ index: Int) {
        if index < 256 {
            emit(.binGet)
            bytes.append(UInt8(index))
        } else {
            emit(.longBinGet)
            bytes.appendLittleEndian(UInt32(index))
        }
    }

    private mutating func writeTensor(_ tensor: Tensor) throws(TorchError) {
        let dtype = tensor.dtype
        guard let storageName = dtype.torchStorageName else {
            throw TorchError("cannot save a tensor of dtype \(dtype) in PyTorch's format")
        }
        let (identity, byteCount) = try TensorStorage.info(of: tensor)
        let key: String
        if identity != 0, let known = storageKeys[identity] {
            guard known.dtype == dtype else {
                throw TorchError("cannot save tensors of dtypes \(known.dtype) and \(dtype) that share memory (as PyTorch cannot); clone one of them first")
            }
            key = known.key
        } else {
            key = String(storages.count)
            if identity != 0 { storageKeys[identity] = (key, dtype) }
            storages.append(Storage(key: key, tensor: tensor, byteCount: byteCount))
        }

        writeGlobal("torch._utils", "_rebuild_tensor_v2")
        emit(.mark)
        // The persistent id: ('storage', torch.<Type>Storage, key, location, element count).
        emit(.mark)
        writeString("storage")
        writeGlobal("torch", storageName)
        writeString(key)
        writeString(tensor.device.description)
        writeInt(byteCount / dtype.elementSize)
        emit(.tuple)
        emit(.binPersistentID)
        writeInt(tensor.storageOffset)
        try write(.tuple(tensor.shape.map { .int($0) }), depth: 0)
        try write(.tuple(tensor.strides.map { .int($0) }), depth: 0)
        emit(TensorStorage.requiresGrad(tensor) ? .newTrue : .newFalse)
        writeGlobal("collections", "OrderedDict")
        emit(.emptyTuple)
        emit(.reduce)
        emit(.tuple)
        emit(.reduce)
    }
}
