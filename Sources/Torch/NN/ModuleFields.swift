// The stored properties of a module class that reflection looks at, found once per class: the
// funnel through which module reflection reads them (raw memory at the runtime's field offsets).
// `Mirror` did the same work on every call and made walking a module tree 10–20× slower than
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

/// One stored property of a `Module` subclass that can hold parameters, buffers or submodules.
struct ModuleField {
    enum Role {
        /// A ``Parameter``, ``Buffer`` or ``Key`` wrapper, a ``ParameterTable`` or a ``ModuleTable``.
        case storage
        /// A property whose static type is a `Module` subclass.
        case module
        /// An optional, an array, a dictionary or an existential: what it holds decides.
        case container
    }

    /// The state-dict key derived from the property's name (`runningMean` → `running_mean`).
    let key: String
    let offset: Int
    let type: Any.Type
    let role: Role
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

    /// The value of `field` in `module`, as its static type boxed in `Any`.
    static func value(of field: ModuleField, in module: Module) -> Any {
        func load<T>(_: T.Type) -> Any {
            withExtendedLifetime(module) {
                UnsafeRawPointer(Unmanaged.passUnretained(module).toOpaque()).load(fromByteOffset: field.offset, as: T.self)
            }
        }
        return _openExistential(field.type, do: load)
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
            guard field.isStrong, !baseOffsets.contains(field.offset), let role = role(of: field.type) else { return nil }
            var label = field.name
            if label.hasPrefix("_") { label.removeFirst() }  // a property wrapper's storage: `_weight`
            return ModuleField(key: snakeCase(label), offset: field.offset, type: field.type, role: role)
        }
    }

    private static func role(of type: Any.Type) -> ModuleField.Role? {
        if type is any ParameterStorage.Type || type is any BufferStorage.Type || type is any KeyedStorage.Type
            || type is any ModuleTableStorage.Type || type == ParameterTable.self {
            return .storage
        }
        if type is Module.Type { return .module }
        let kind = _MetadataKind(rawValue: metadataKind(type))
        if kind == .optional || kind == .existential || type is any ReflectedCollection.Type { return .container }
        return nil
    }
}
