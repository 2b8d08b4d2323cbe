// Property wrappers that mark what a Module owns, as nn.Parameter and register_buffer do in PyTorch.

/// A stored value that can hold a tensor: `Tensor` or `Tensor?`.
public protocol TensorSlot {
    /// The tensor held, if any.
    var slotTensor: Tensor? { get }
}

extension Tensor: TensorSlot {
    public var slotTensor: Tensor? { self }
}

extension Optional: TensorSlot where Wrapped == Tensor {
    public var slotTensor: Tensor? { self }
}

/// Marks a tensor property as a trainable parameter of its ``Module`` (PyTorch's `nn.Parameter`).
///
/// A wrapper written with options (`@Parameter(key: "gamma")`, `@Buffer(persistent: false)`,
/// `@Key("LayerNorm")`) is either given its value where it is declared, or assigned after
/// `super.init()` in the module's `init` (Swift runs property setters only once `self` exists).
///
/// The state-dict key is the property name in snake_case (`runningMean` → `running_mean`) unless
/// `key` is given. The tensor's `requiresGrad` is switched on.
///
/// ```swift
/// final class Affine: Module, UnaryLayer {
///     @Parameter var weight: Tensor
///     @Parameter var bias: Tensor?
///     init(features: Int) throws {
///         weight = try Tensor.ones([features])
///         bias = try Tensor.zeros([features])
///         super.init()
///     }
///     func forward(_ x: Tensor) throws -> Tensor { try x * weight + bias! }
/// }
/// ```
@propertyWrapper
public struct Parameter<Value: TensorSlot> {
    private var value: Value?

    public var wrappedValue: Value {
        get { unwrapValue(value, "@Parameter") }
        set {
            value = newValue
            Self.enableGrad(newValue)
        }
    }

    /// The state-dict key, or nil for the snake_case property name.
    public let key: String?

    public init(wrappedValue: Value, key: String? = nil) {
        self.value = wrappedValue
        self.key = key
        Self.enableGrad(wrappedValue)
    }

    /// A parameter with an explicit key whose value is assigned later, in the module's `init`.
    public init(key: String) {
        self.key = key
    }

    private static func enableGrad(_ value: Value) {
        if let tensor = value.slotTensor, !tensor.requiresGrad, tensor.isFloatingPoint || tensor.dtype.isComplex {
            _ = try? tensor.setRequiresGrad(true)
        }
    }
}

/// Marks a tensor property as a buffer of its ``Module``: saved in the state dict and moved with the
/// module, but not trained (PyTorch's `register_buffer`), such as BatchNorm's running statistics.
///
/// `persistent: false` keeps it out of the state dict.
@propertyWrapper
public struct Buffer<Value: TensorSlot> {
    private var value: Value?

    public var wrappedValue: Value {
        get { unwrapValue(value, "@Buffer") }
        set { value = newValue }
    }

    /// The state-dict key, or nil for the snake_case property name.
    public let key: String?
    /// Whether the buffer is part of the state dict.
    public let persistent: Bool

    public init(wrappedValue: Value, key: String? = nil, persistent: Bool = true) {
        self.value = wrappedValue
        self.key = key
        self.persistent = persistent
    }

    /// A buffer with options whose value is assigned later, in the module's `init`.
    public init(key: String? = nil, persistent: Bool = true) {
        self.key = key
        self.persistent = persistent
    }
}

/// Gives a submodule (or an array or dictionary of them) an explicit state-dict key, for
/// checkpoints whose names do not follow snake_case (BERT's `LayerNorm`).
///
/// ```swift
/// @Key("LayerNorm") var layerNorm = LayerNorm(384)
/// ```
@propertyWrapper
public struct Key<Value> {
    private var value: Value?

    public var wrappedValue: Value {
        get { unwrapValue(value, "@Key(\"\(key)\")") }
        set { value = newValue }
    }

    public let key: String

    public init(wrappedValue: Value, _ key: String) {
        self.value = wrappedValue
        self.key = key
    }

    /// A keyed submodule whose value is assigned later, in the module's `init`.
    public init(_ key: String) {
        self.key = key
    }
}

/// Reading a wrapped property before its `init` assigned it is a programming error, like reading an
/// uninitialised `let`; the message names the wrapper.
private func unwrapValue<Value>(_ value: Value?, _ wrapper: String) -> Value {
    guard let value else {
        fatalError("a \(wrapper) property was read before the module's init assigned it")
    }
    return value
}

/// Internal view of the wrappers, for reflection.
protocol ParameterStorage {
    var storedTensor: Tensor? { get }
    var explicitKey: String? { get }
}

protocol BufferStorage {
    var storedTensor: Tensor? { get }
    var explicitKey: String? { get }
    var isPersistent: Bool { get }
}

protocol KeyedStorage {
    var explicitKey: String { get }
    var storedValue: Any { get }
}

extension Parameter: ParameterStorage {
    var storedTensor: Tensor? { value?.slotTensor }
    var explicitKey: String? { key }
}

extension Buffer: BufferStorage {
    var storedTensor: Tensor? { value?.slotTensor }
    var explicitKey: String? { key }
    var isPersistent: Bool { persistent }
}

extension Key: KeyedStorage {
    var explicitKey: String { key }
    var storedValue: Any { value as Any }
}
