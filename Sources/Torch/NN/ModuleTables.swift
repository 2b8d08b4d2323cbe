// Parameters and submodules whose names are only known at run time, as PyTorch's
// `register_parameter(name, …)` and `add_module(name, …)`.

/// Parameters registered by name at run time (PyTorch's `register_parameter`), for layers whose
/// parameter names depend on their configuration, such as LSTM's `weight_ih_l0` and
/// `weight_hh_l1_reverse`.
///
/// Store one in a module property; reflection lists its entries, in insertion order, under their own
/// keys (the property's name is not part of the key). A tensor stored here gets `requiresGrad`.
///
/// ```swift
/// final class Gates: Module {
///     var weights = ParameterTable()
///     init(layers: Int) throws {
///         super.init()
///         for layer in 0..<layers { weights["weight_l\(layer)"] = try Tensor.zeros([4, 4]) }
///     }
/// }
/// ```
public struct ParameterTable {
    /// The entries in insertion order; a nil tensor is a registered but absent parameter (a bias
    /// turned off), left out of the state dict as PyTorch leaves out `None` parameters.
    public private(set) var entries: [(key: String, tensor: Tensor?)] = []

    public init() {}

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }

    /// The tensors that are present, in insertion order.
    public var tensors: [Tensor] { entries.compactMap(\.tensor) }

    /// The parameter named `key`; assigning replaces it in place (keeping its position) or appends it.
    public subscript(key: String) -> Tensor? {
        get { entries.first { $0.key == key }?.tensor }
        set {
            if let tensor = newValue, !tensor.requiresGrad, tensor.isFloatingPoint || tensor.dtype.isComplex {
                _ = try? tensor.setRequiresGrad(true)
            }
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index].tensor = newValue
            } else {
                entries.append((key, newValue))
            }
        }
    }
}

/// Submodules registered by name, in insertion order (PyTorch's `add_module`): the storage of
/// ``Sequential``, ``ModuleList`` and ``ModuleDict``. Reflection lists its entries under their own
/// keys (the property's name is not part of the key).
public struct ModuleTable<Element: Module> {
    /// The entries in insertion order.
    public private(set) var entries: [(key: String, module: Element)] = []

    public init() {}

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }

    /// The modules in insertion order.
    public var modules: [Element] { entries.map(\.module) }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The module named `key`; assigning replaces it in place (keeping its position) or appends it;
    /// assigning nil removes it.
    public subscript(key: String) -> Element? {
        get { entries.first { $0.key == key }?.module }
        set {
            let index = entries.firstIndex { $0.key == key }
            switch (index, newValue) {
            case let (index?, module?): entries[index].module = module
            case let (nil, module?): entries.append((key, module))
            case let (index?, nil): entries.remove(at: index)
            case (nil, nil): break
            }
        }
    }

    /// Removes every entry and stores `entries` instead.
    mutating func replaceAll(_ newEntries: [(key: String, module: Element)]) {
        entries = newEntries
    }
}

/// Reflection's view of a ``ModuleTable`` of any element type.
protocol ModuleTableStorage {
    var storedModules: [(String, Module)] { get }
}

extension ModuleTable: ModuleTableStorage {
    var storedModules: [(String, Module)] { entries.map { ($0.key, $0.module as Module) } }
}
