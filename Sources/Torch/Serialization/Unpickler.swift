/// Reads a Python pickle (protocols 0–5) into a ``PickleValue``: the subset of pickle that tensors
/// and plain containers use, which is what `torch.load(weights_only=True)` accepts too.
///
/// Only a fixed list of Python callables is understood (tensor and parameter rebuilding, OrderedDict,
/// TorchScript's typed lists, `_codecs.encode` for bytes, `torch.Size`, `torch.device`); any other
/// class is a thrown error naming it. Nothing is ever executed.
struct Unpickler {
    /// Loads the storage `key` holding `count` elements of `dtype`, saved from device `location`.
    typealias StorageLoader = (_ key: String, _ dtype: DType, _ count: Int, _ location: String) throws(TorchError) -> Tensor

    private var reader: ByteReader
    private var stack: [PickleNode] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleNode] = [:]
    private var storages: [String: Tensor] = [:]
    private let loadStorage: StorageLoader

    init(_ bytes: [UInt8], name: String, loadStorage: @escaping StorageLoader) {
        reader = ByteReader(bytes, name: name)
        self.loadStorage = loadStorage
    }

    private var name: String { reader.name }

    private func corrupt(_ problem: String) -> TorchError {
        TorchError.format(name, "corrupt pickle data: \(problem)")
    }

    /// Runs the pickle to its STOP opcode and returns the value it built.
    mutating func load() throws(TorchError) -> PickleValue {
        // Hostile pickles can nest containers 100,000 deep; take them apart without recursion.
        defer { dismantle() }
        while true {
            let offset = reader.position
            guard !reader.isAtEnd else { throw TorchError.format(name, "truncated pickle data: it ends without a STOP opcode") }
            let byte = reader.bytes[reader.position]
            reader.position += 1
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw corrupt("unknown opcode 0x\(String(byte, radix: 16)) at offset \(offset)")
            }
            if opcode == .stop {
                guard let last = stack.indices.last, last >= (marks.last ?? 0) else {
                    throw corrupt("the stack is empty at offset \(reader.position)")
                }
                // A budget of values to produce stops memo references that double at every level
                // (2^60 values from a few hundred bytes). The result stays on the stack (no local
                // holds it), so that `dismantle` releases it iteratively: a deep chain released
                // by a local would recurse once per level and overflow the stack.
                var budget = 1_000_000 + 16 * reader.bytes.count
                return try stack[last].resolve(name: name, budget: &budget)
            }
            try execute(opcode, at: offset)
        }
    }

    /// Releases every node iteratively (the default release of a deep chain recurses and can
    /// overflow the stack), and breaks cycles of containers that hold themselves.
    private mutating func dismantle() {
        var work: [PickleNode] = stack + Array(memo.values)
        stack = []
        memo = [:]
        // Every node came from an opcode, so a walk longer than the pickle is revisiting tuples shared
        // through the memo (which release normally: sharing keeps them shallow).
        var steps = 2 * reader.bytes.count + 16
        while steps > 0, let node = work.popLast() {
            steps -= 1
            switch node {
            case .tuple(let items): work.append(contentsOf: items)
            case .list(let box):
                work.append(contentsOf: box.items)
                box.items = []
            case .dict(let box):
                work.append(contentsOf: box.keys)
                work.append(contentsOf: box.values)
                box.removeAll()
            default: break
            }
        }
    }

    // MARK: Stack

    private mutating func pop() throws(TorchError) -> PickleNode {
        guard let top = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw corrupt("the stack is empty at offset \(reader.position)")
        }
        return top
    }

    private mutating func popToMark() throws(TorchError) -> [PickleNode] {
        guard let mark = marks.popLast() else { throw corrupt("an opcode needs a MARK but there is none (offset \(reader.position))") }
        guard mark <= stack.count else { throw corrupt("the MARK stack is inconsistent") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func top() throws(TorchError) -> PickleNode {
        guard let top = stack.last else { throw corrupt("the stack is empty at offset \(reader.position)") }
        return top
    }

    private mutating func line(_ what: String) throws(TorchError) -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try reader.readByte(what)
            if byte == 0x0A { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Opcodes

    private mutating func execute(_ opcode: PickleOpcode, at offset: Int) throws(TorchError) {
        switch opcode {
        case .proto:
            let version = try reader.readByte("the protocol version")
            guard version <= 5 else { throw corrupt("unsupported pickle protocol \(version)") }
        case .frame:
            try reader.skip(8, "a frame length")
        case .mark:
            marks.append(stack.count)
        case .pop:
            _ = try pop()
        case .popMark:
            _ = try popToMark()
        case .dup:
            stack.append(try top())

        case .none: stack.append(.value(.none))
        case .newTrue: stack.append(.value(.bool(true)))
        case .newFalse: stack.append(.value(.bool(false)))
        case .binInt:
            stack.append(.value(.int(Int(Int32(bitPattern: try reader.readUInt32("an integer"))))))
        case .binInt1:
            stack.append(.value(.int(Int(try reader.readByte("an integer")))))
        case .binInt2:
            stack.append(.value(.int(Int(try reader.readUInt16("an integer")))))
        case .long1:
            let count = Int(try reader.readByte("a long integer length"))
            stack.append(.value(.int(try longInteger(count))))
        case .long4:
            let count = Int(Int32(bitPattern: try reader.readUInt32("a long integer length")))
            guard count >= 0 else { throw corrupt("a negative integer length") }
            stack.append(.value(.int(try longInteger(count))))
        case .int:
            let text = try line("an integer")
            switch text {
            case "00": stack.append(.value(.bool(false)))
            case "01": stack.append(.value(.bool(true)))
            default:
                guard let value = Int(text) else { throw corrupt("'\(text)' is not an integer") }
                stack.append(.value(.int(value)))
            }
        case .long:
            var text = try line("an integer")
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int(text) else { throw corrupt("the integer \(text) does not fit in 64 bits") }
            stack.append(.value(.int(value)))
        case .binFloat:
            stack.append(.value(.double(Double(bitPattern: try reader.readBigEndian(8, "a float")))))
        case .float:
            let text = try line("a float")
            guard let value = Double(text) else { throw corrupt("'\(text)' is not a float") }
            stack.append(.value(.double(value)))

        case .binUnicode:
            try pushString(Int(try reader.readUInt32("a string length")))
        case .shortBinUnicode:
            try pushString(Int(try reader.readByte("a string length")))
        case .binUnicode8:
            try pushString(Int(clamping: try reader.readUInt64("a string length")))
        case .binString:
            let count = Int(Int32(bitPattern: try reader.readUInt32("a string length")))
            stack.append(.value(.string(latin1(try reader.readBytes(count, "a string")))))
        case .shortBinString:
            let count = Int(try reader.readByte("a string length"))
            stack.append(.value(.string(latin1(try reader.readBytes(count, "a string")))))
        case .binBytes:
            stack.append(.value(.bytes(try reader.readBytes(Int(try reader.readUInt32("a bytes length")), "bytes"))))
        case .shortBinBytes:
            stack.append(.value(.bytes(try reader.readBytes(Int(try reader.readByte("a bytes length")), "bytes"))))
        case .binBytes8, .byteArray8:
            stack.append(.value(.bytes(try reader.readBytes(Int(clamping: try reader.readUInt64("a bytes length")), "bytes"))))

        case .emptyList: stack.append(.list(PickleNode.ListBox()))
        case .emptyDict: stack.append(.dict(PickleNode.DictBox()))
        case .emptyTuple: stack.append(.tuple([]))
        case .list: stack.append(.list(PickleNode.ListBox(try popToMark())))
        case .tuple: stack.append(.tuple(try popToMark()))
        case .tuple1:
            let a = try pop()
            stack.append(.tuple([a]))
        case .tuple2:
            let b = try pop()
            let a = try pop()
            stack.append(.tuple([a, b]))
        case .tuple3:
            let c = try pop()
            let b = try pop()
            let a = try pop()
            stack.append(.tuple([a, b, c]))
        case .dict:
            let items = try popToMark()
            let box = PickleNode.DictBox()
            try setItems(items, into: box)
            stack.append(.dict(box))
        case .append:
            let item = try pop()
            guard case .list(let box) = try top() else { throw corrupt("APPEND on something that is not a list") }
            box.items.append(item)
        case .appends:
            let items = try popToMark()
            guard case .list(let box) = try top() else { throw corrupt("APPENDS on something that is not a list") }
            box.items.append(contentsOf: items)
        case .setItem:
            let value = try pop()
            let key = try pop()
            guard case .dict(let box) = try top() else { throw corrupt("SETITEM on something that is not a dictionary") }
            box.set(key, value)
        case .setItems:
            let items = try popToMark()
            guard case .dict(let box) = try top() else { throw corrupt("SETITEMS on something that is not a dictionary") }
            try setItems(items, into: box)

        case .binPut:
            memo[Int(try reader.readByte("a memo index"))] = try top()
        case .longBinPut:
            memo[Int(try reader.readUInt32("a memo index"))] = try top()
        case .put:
            let text = try line("a memo index")
            guard let index = Int(text) else { throw corrupt("'\(text)' is not a memo index") }
            memo[index] = try top()
        case .memoize:
            memo[memo.count] = try top()
        case .binGet:
            try pushMemo(Int(try reader.readByte("a memo index")))
        case .longBinGet:
            try pushMemo(Int(try reader.readUInt32("a memo index")))
        case .get:
            let text = try line("a memo index")
            guard let index = Int(text) else { throw corrupt("'\(text)' is not a memo index") }
            try pushMemo(index)

        case .global:
            let module = try line("a class name")
            let attribute = try line("a class name")
            stack.append(.global(module: module, name: attribute))
        case .stackGlobal:
            let attribute = try pop()
            let module = try pop()
            guard case .value(.string(let m)) = module, case .value(.string(let a)) = attribute else {
                throw corrupt("STACK_GLOBAL needs two strings")
            }
            stack.append(.global(module: m, name: a))
        case .reduce:
            let arguments = try pop()
            let callable = try pop()
            guard case .tuple(let args) = arguments else { throw corrupt("REDUCE needs a tuple of arguments") }
            stack.append(try call(callable, args))
        case .newObj:
            let arguments = try pop()
            let type = try pop()
            guard case .tuple(let args) = arguments else { throw corrupt("NEWOBJ needs a tuple of arguments") }
            stack.append(try newObject(type, args))
        case .build:
            let state = try pop()
            try build(try top(), state: state)
        case .binPersistentID:
            let id = try pop()
            stack.append(try persistentLoad(id))

        // Sets load as lists (a PickleValue has no set), in the order the pickle lists them.
        case .emptySet: stack.append(.list(PickleNode.ListBox()))
        case .addItems:
            let items = try popToMark()
            guard case .list(let box) = try top() else { throw corrupt("ADDITEMS on something that is not a set") }
            box.items.append(contentsOf: items)
        case .frozenSet: stack.append(.list(PickleNode.ListBox(try popToMark())))

        case .persistentID, .inst, .obj, .ext1, .ext2, .ext4, .newObjEx,
             .nextBuffer, .readOnlyBuffer, .string, .unicode:
            throw TorchError.format(name, "the pickle uses the opcode \(opcode) (at offset \(offset)), which Torch does not support; only tensors and plain containers (dict, list, tuple, numbers, strings) can be loaded")
        case .stop:
            break
        }
    }

    /// Protocols 0–2 name Python 3's `builtins` as `__builtin__` (pickle's compatibility mapping).
    private static func python3Module(_ module: String) -> String {
        module == "__builtin__" ? "builtins" : module
    }

    private mutating func pushString(_ count: Int) throws(TorchError) {
        stack.append(.value(.string(String(decoding: try reader.readBytes(count, "a string"), as: UTF8.self))))
    }

    private mutating func pushMemo(_ index: Int) throws(TorchError) {
        guard let node = memo[index] else { throw corrupt("the memo has no entry \(index)") }
        stack.append(node)
    }

    private func setItems(_ items: [PickleNode], into box: PickleNode.DictBox) throws(TorchError) {
        guard items.count % 2 == 0 else { throw corrupt("SETITEMS with an odd number of items") }
        for i in stride(from: 0, to: items.count, by: 2) { box.set(items[i], items[i + 1]) }
    }

    /// A two's-complement little-endian integer of `count` bytes.
    private mutating func longInteger(_ count: Int) throws(TorchError) -> Int {
        let bytes = try reader.readBytes(count, "a long integer")
        guard count <= 8 else {
            // Accept wider encodings whose extra bytes are only sign extension.
            let sign: UInt8 = (bytes.last ?? 0) >= 0x80 ? 0xFF : 0
            guard bytes[8...].allSatisfy({ $0 == sign }), (bytes[7] >= 0x80) == (sign == 0xFF) else {
                throw TorchError.format(name, "the pickle holds an integer wider than 64 bits, which Torch cannot represent")
            }
            return try longIntegerValue(Array(bytes[0..<8]))
        }
        return try longIntegerValue(bytes)
    }

    private func longIntegerValue(_ bytes: [UInt8]) throws(TorchError) -> Int {
        guard !bytes.isEmpty else { return 0 }
        var value: UInt64 = 0
        for (i, byte) in bytes.enumerated() { value |= UInt64(byte) << UInt64(8 * i) }
        if bytes.count < 8, bytes.last! >= 0x80 { value |= UInt64.max << UInt64(8 * bytes.count) }
        return Int(Int64(bitPattern: value))
    }

    private func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    // MARK: Objects

    private mutating func persistentLoad(_ id: PickleNode) throws(TorchError) -> PickleNode {
        guard case .tuple(let parts) = id, parts.count >= 5, case .value(.string("storage")) = parts[0] else {
            throw corrupt("a persistent id is not a ('storage', type, key, location, size) tuple")
        }
        guard case .global(_, let typeName) = parts[1], let dtype = DType(torchStorageName: typeName) else {
            throw TorchError.format(name, "the file holds a storage of an unsupported type (\(parts[1]))")
        }
        let key: String
        switch parts[2] {
        case .value(.string(let s)): key = s
        case .value(.int(let i)): key = String(i)
        default: throw corrupt("a storage key is not a string")
        }
        guard case .value(.string(let location)) = parts[3], case .value(.int(let count)) = parts[4], count >= 0 else {
            throw corrupt("a storage's location or size is malformed")
        }
        if let cached = storages[key] { return .storage(cached) }
        let storage = try loadStorage(key, dtype, count, location)
        storages[key] = storage
        return .storage(storage)
    }

    /// REDUCE: calls one of the known Python callables.
    private mutating func call(_ callable: PickleNode, _ args: [PickleNode]) throws(TorchError) -> PickleNode {
        guard case .global(let module, let function) = callable else {
            throw corrupt("REDUCE calls something that is not a class or function")
        }
        func argument(_ i: Int) throws(TorchError) -> PickleNode {
            guard i < args.count else { throw corrupt("\(module).\(function) needs at least \(i + 1) arguments, got \(args.count)") }
            return args[i]
        }
        switch (Unpickler.python3Module(module), function) {
        case ("collections", "OrderedDict"):
            let box = PickleNode.DictBox()
            if let first = args.first {
                guard case .list(let pairs) = first else { throw corrupt("OrderedDict's argument is not a list of pairs") }
                for pair in pairs.items {
                    guard case .tuple(let kv) = pair, kv.count == 2 else { throw corrupt("OrderedDict's argument is not a list of pairs") }
                    box.set(kv[0], kv[1])
                }
            }
            return .dict(box)
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return .value(.tensor(try rebuildTensor(args, function: function)))
        case ("torch._utils", "_rebuild_tensor_v3"):
            // (storage, offset, size, stride, requires_grad, hooks, dtype, metadata): dtypes without a
            // legacy storage class, over an UntypedStorage of bytes.
            guard case .global(_, let dtypeName) = try argument(6) else { throw corrupt("_rebuild_tensor_v3 needs a dtype") }
            guard let dtype = DType.allCases.first(where: { $0.torchAttributeName == dtypeName }) else {
                let storageName = dtypeName.hasPrefix("uint") ? "UInt" + dtypeName.dropFirst(4) + "Storage" : dtypeName
                throw TorchError.format(name, "the file holds a tensor of dtype torch.\(dtypeName) (\(storageName)), which Torch does not support")
            }
            guard case .storage(let bytes) = args[0], bytes.dtype == .uint8 else { throw corrupt("_rebuild_tensor_v3's first argument is not an untyped storage") }
            var rest = args
            rest[0] = .storage(try bytes.view(dtype: dtype))
            rest.remove(at: 6)
            return .value(.tensor(try rebuildTensor(rest, function: function)))
        case ("torch.serialization", "_get_layout"):
            var layout = "unknown"
            if case .value(.string(let text))? = args.first { layout = text }
            throw TorchError.format(name, "the file holds a sparse or other non-strided tensor (layout \(layout)), which Torch cannot load; save it with .to_dense() in Python")
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard case .value(.tensor(let tensor)) = try argument(0) else { throw corrupt("\(function) needs a tensor") }
            if case .value(.bool(true)) = try argument(1) { try TensorStorage.setRequiresGrad(tensor, true) }
            return .value(.tensor(tensor))
        case ("torch._tensor", "_rebuild_from_type_v2"):
            guard case .tuple(let innerArgs) = try argument(2) else { throw corrupt("_rebuild_from_type_v2 needs an argument tuple") }
            return try call(try argument(0), innerArgs)
        case ("torch.jit._pickle", "build_intlist"), ("torch.jit._pickle", "build_doublelist"),
             ("torch.jit._pickle", "build_boollist"), ("torch.jit._pickle", "build_tensorlist"),
             ("torch.jit._pickle", "build_genericlist"):
            guard case .list(let box) = try argument(0) else { throw corrupt("\(function) needs a list") }
            return .list(PickleNode.ListBox(box.items))
        case ("torch.jit._pickle", "restore_type_tag"):
            return try argument(0)
        case ("torch", "Size"):
            switch try argument(0) {
            case .tuple(let items): return .tuple(items)
            case .list(let box): return .tuple(box.items)
            default: throw corrupt("torch.Size needs a tuple")
            }
        case ("torch", "device"):
            guard case .value(.string(let type)) = try argument(0) else { throw corrupt("torch.device needs a string") }
            if args.count > 1, case .value(.int(let index)) = args[1] { return .value(.string("\(type):\(index)")) }
            return .value(.string(type))
        case ("_codecs", "encode"):
            guard case .value(.string(let text)) = try argument(0) else { throw corrupt("_codecs.encode needs a string") }
            // Python pickles bytes as encode(bytes.decode('latin1'), 'latin1') in protocol 2.
            return .value(.bytes(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }))
        case ("builtins", "set"), ("builtins", "frozenset"):
            // Sets load as lists.
            guard let first = args.first else { return .list(PickleNode.ListBox()) }
            switch first {
            case .list(let box): return .list(PickleNode.ListBox(box.items))
            case .tuple(let items): return .list(PickleNode.ListBox(items))
            default: throw corrupt("\(function) needs a list of items")
            }
        case ("collections", "Counter"):
            // A Counter loads as the dictionary of its counts.
            let box = PickleNode.DictBox()
            if let first = args.first {
                guard case .dict(let counts) = first else { throw corrupt("Counter's argument is not a dictionary") }
                for (key, value) in zip(counts.keys, counts.values) { box.set(key, value) }
            }
            return .dict(box)
        case ("builtins", "bytearray"), ("builtins", "bytes"):
            guard let first = args.first else { return .value(.bytes([])) }
            if case .value(.bytes(let bytes)) = first { return .value(.bytes(bytes)) }
            if case .list(let box) = first {
                var bytes: [UInt8] = []
                for item in box.items {
                    guard case .value(.int(let v)) = item, (0...255).contains(v) else { throw corrupt("\(function) needs byte values") }
                    bytes.append(UInt8(v))
                }
                return .value(.bytes(bytes))
            }
            throw corrupt("\(function) has an unsupported argument")
        default:
            throw unsupportedClass(module, function)
        }
    }

    /// NEWOBJ: `cls.__new__(cls, *args)`; only dictionary subclasses (Lightning's AttributeDict).
    private func newObject(_ type: PickleNode, _ args: [PickleNode]) throws(TorchError) -> PickleNode {
        guard case .global(let module, let typeName) = type else { throw corrupt("NEWOBJ on something that is not a class") }
        if typeName == "AttributeDict" || (module == "collections" && (typeName == "OrderedDict" || typeName == "Counter")) {
            return .dict(PickleNode.DictBox())
        }
        throw unsupportedClass(module, typeName)
    }

    /// BUILD: sets an object's state. Dictionaries' instance attributes (an OrderedDict's
    /// `_metadata`) have no place in a ``PickleValue`` and are dropped.
    private func build(_ object: PickleNode, state: PickleNode) throws(TorchError) {
        switch object {
        case .dict, .value(.tensor): return
        default: throw corrupt("BUILD on an object that Torch cannot rebuild")
        }
    }

    private func unsupportedClass(_ module: String, _ name: String) -> TorchError {
        let python3 = Unpickler.python3Module(module)
        let written = python3 == module ? "" : " (written \(module).\(name))"
        var message = "the pickle holds an object of the Python class \(python3).\(name)\(written), which Torch cannot rebuild; only tensors and plain containers (dict, list, tuple, numbers, strings, None) can be loaded"
        if module.hasPrefix("__torch__") {
            message += ". This looks like a TorchScript archive: load it with torch.jit.load in Python"
        } else {
            message += ". Save a state_dict (or plain containers of tensors) instead of Python objects"
        }
        return TorchError.format(self.name, message)
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)`.
    private func rebuildTensor(_ args: [PickleNode], function: String) throws(TorchError) -> Tensor {
        guard args.count >= 4 else { throw corrupt("\(function) needs at least 4 arguments, got \(args.count)") }
        guard case .storage(let storage) = args[0] else { throw corrupt("\(function)'s first argument is not a storage") }
        guard case .value(.int(let offset)) = args[1] else { throw corrupt("\(function)'s storage offset is not an integer") }
        let shape = try integers(args[2], "size")
        let strides = try integers(args[3], "stride")
        let tensor: Tensor
        do {
            tensor = try TensorStorage.view(of: storage, shape: shape, strides: strides, offset: offset)
        } catch {
            throw corrupt("a tensor does not fit its storage: \(error.message)")
        }
        var result = tensor
        // The metadata of a conjugate or negative view (`{'conj': True}`, `{'neg': True}`): the
        // storage holds the values before conjugation or negation. The loaded tensor holds the
        // values themselves (a copy, so it no longer shares memory with the storage).
        if args.count > 6, case .dict(let metadata) = args[6] {
            for (key, value) in zip(metadata.keys, metadata.values) {
                guard case .value(.string(let flag)) = key, case .value(.bool(true)) = value else { continue }
                switch flag {
                case "conj": result = try result.conjPhysical()
                case "neg": result = try result.neg()
                default: break
                }
            }
        }
        if args.count > 4, case .value(.bool(true)) = args[4] { try TensorStorage.setRequiresGrad(result, true) }
        return result
    }

    private func integers(_ node: PickleNode, _ what: String) throws(TorchError) -> [Int] {
        let items: [PickleNode]
        switch node {
        case .tuple(let t): items = t
        case .list(let box): items = box.items
        default: throw corrupt("a tensor's \(what) is not a tuple")
        }
        var result: [Int] = []
        for item in items {
            guard case .value(.int(let value)) = item else { throw corrupt("a tensor's \(what) holds a non-integer") }
            result.append(value)
        }
        return result
    }
}
