// The stored properties of a module class that reflection looks at, found once per class: the
// funnel through which module reflection reads them (raw memory at the runtime's field offsets).
// `Mirror` did the same work on every call and made walking a module tree 10–25× slower than
// PyTorch's dictionaries (Benchmarks/run-module-tree.sh).
@_spi(Reflection) import Swift
import SwiftShims  // _FieldReflectionMetadata
import Synchronization

// The Swift runtime's field records, as the standard library's `_forEachField` reads them; that
// function does not say which fields are weak or unowned, which must not be read as strong.
@_silgen_name("swift_reflectionMirror_recursiveCount")
private func recursiveFieldCount(_ type: Any.Type) -> Int
@_silgen_name("swift_reflectionMirror_recursiveChildMetadata")
private func recursiveField(_ type: Any.Type, index: Int, fieldMetadata: UnsafeMutablePointer<_FieldReflectionMetadata>) -> Any.Type
@_silgen_name("swift_reflectionMirror_recursiveChildOffset")
private func recursiveFieldOffset(_ type: Any.Type, index: Int) -> Int
@_silgen_name("swift_getMetadataKind")
private func metadataKind(_ type: Any.Type) -> UInt

/// One stored property of a `Module` subclass that can hold parameters, buffers or submodules,
/// with the code that reads it, typed for the property's static type (made once per class).
///
/// Sendable: a reader captures only the property's offset, its key and its static type, and is
/// never changed after the plan is made (the compiler cannot see that a captured metatype is safe).
struct ModuleField: @unchecked Sendable {
    typealias Reader = (_ module: Module, _ contents: inout ModuleContents) -> Void

    /// Adds what the property of `module` holds to `contents`.
    let read: Reader
}

/// Arrays and dictionaries, which may hold submodules (`[Linear]`, `[String: Module]`).
private protocol ReflectedCollection {}
extension Array: ReflectedCollection {}
extension Dictionary: ReflectedCollection {}

enum ModuleFields {
    private static let plans = Mutex<[ObjectIdentifier: [ModuleField]]>([:])

    /// The fields of `moduleType` that reflection reads, superclass fields first, in declaration
    /// order; `Module`'s own fields and those that cannot hold a module or a tensor (numbers,
    /// strings, closures, weak and unowned references, other classes, plain structs and tuples)
    /// are left out.
    static func fields(of moduleType: Module.Type) -> [ModuleField] {
        let id = ObjectIdentifier(moduleType)
        if let plan = plans.withLock({ $0[id] }) { return plan }
        let plan = makePlan(moduleType)
        plans.withLock { $0[id] = plan }
        return plan
    }

    /// The property of `module` at `offset`, whose static type is `T`.
    private static func load<T>(_: T.Type, at offset: Int, in module: Module) -> T {
        UnsafeRawPointer(Unmanaged.passUnretained(module).toOpaque()).load(fromByteOffset: offset, as: T.self)
    }

    /// The stored fields of `type`, superclass fields first (the runtime's recursive order): name,
    /// offset, type, and whether the reference is strong (false for `weak` and `unowned`).
    private static func storedFields(of type: Any.Type) -> [(name: String, offset: Int, type: Any.Type, isStrong: Bool)] {
        (0..<recursiveFieldCount(type)).map { index in
            var metadata = _FieldReflectionMetadata()
            let fieldType = recursiveField(type, index: index, fieldMetadata: &metadata)
            defer { metadata.freeFunc?(metadata.name) }
            return (metadata.name.map { String(cString: $0) } ?? "", recursiveFieldOffset(type, index: index), fieldType,
                    metadata.isStrong)
        }
    }

    private static let baseOffsets = Set(storedFields(of: Module.self).map(\.offset))

    private static func makePlan(_ moduleType: Module.Type) -> [ModuleField] {
        storedFields(of: moduleType).compactMap { field in
            // A weak or unowned reference does not own a submodule (and its storage is no strong reference).
            guard field.isStrong, !baseOffsets.contains(field.offset) else { return nil }
            var label = field.name
            if label.hasPrefix("_") { label.removeFirst() }  // a property wrapper's storage: `_weight`
            return reader(for: field.type, offset: field.offset, key: snakeCase(label)).map(ModuleField.init)
        }
    }

    /// The reader of a property of static type `type`, or nil for a type that cannot hold a
    /// parameter, a buffer or a module.
    private static func reader(for type: Any.Type, offset: Int, key: String) -> ModuleField.Reader? {
        func parameter<P: ParameterStorage>(_: P.Type) -> ModuleField.Reader {
            { module, contents in
                let parameter = load(P.self, at: offset, in: module)
                contents.parameters.append((parameter.explicitKey ?? key, parameter.storedTensor))
            }
        }
        func buffer<B: BufferStorage>(_: B.Type) -> ModuleField.Reader {
            { module, contents in
                let buffer = load(B.self, at: offset, in: module)
                contents.buffers.append((buffer.explicitKey ?? key, buffer.storedTensor, buffer.isPersistent))
            }
        }
        func keyed<K: KeyedStorage>(_: K.Type) -> ModuleField.Reader {
            { module, contents in
                let keyed = load(K.self, at: offset, in: module)
                contents.collectModules(keyed.storedValue, key: keyed.explicitKey)
            }
        }
        func table<T: ModuleTableStorage>(_: T.Type) -> ModuleField.Reader {
            { module, contents in
                for (key, child) in load(T.self, at: offset, in: module).storedModules { contents.children.append((key, child)) }
            }
        }
        func container<T>(_: T.Type) -> ModuleField.Reader {
            { module, contents in contents.collectModules(load(T.self, at: offset, in: module), key: key) }
        }
        if let type = type as? any ParameterStorage.Type { return parameter(type) }
        if let type = type as? any BufferStorage.Type { return buffer(type) }
        if let type = type as? any KeyedStorage.Type { return keyed(type) }
        if let type = type as? any ModuleTableStorage.Type { return table(type) }
        if type == ParameterTable.self {
            // Parameters registered by name: their keys are used as given.
            return { module, contents in
                for (key, tensor) in load(ParameterTable.self, at: offset, in: module).entries { contents.parameters.append((key, tensor)) }
            }
        }
        // Any subclass of Module is stored as a reference to a Module.
        if type is Module.Type { return { module, contents in contents.children.append((key, load(Module.self, at: offset, in: module))) } }
        let kind = _MetadataKind(rawValue: metadataKind(type))
        if kind == .optional || kind == .existential || type is any ReflectedCollection.Type { return _openExistential(type, do: container) }
        return nil
    }
}
