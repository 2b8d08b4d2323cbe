// Containers: Sequential, ModuleList and ModuleDict, with PyTorch's state-dict keys ("0", "1", … or
// the names given).

/// Layers applied one after another (PyTorch's `nn.Sequential`); their state-dict keys are "0",
/// "1", … (or the names given).
///
/// ```swift
/// let model = try Sequential(
///     Linear(784, 128), ReLU(),
///     Linear(128, 10)
/// )
/// let logits = try model(x)
/// print(model.stateDict().keys)   // ["0.weight", "0.bias", "2.weight", "2.bias"]
/// ```
public final class Sequential: Module, UnaryLayer {
    private var table = ModuleTable<Module>()

    /// The layers in order, keyed "0", "1", ….
    public init(_ layers: [any UnaryLayer]) {
        super.init()
        for layer in layers { append(layer) }
    }

    /// `Sequential(Linear(4, 8), ReLU(), Linear(8, 1))`.
    public convenience init(_ layers: any UnaryLayer...) {
        self.init(layers)
    }

    /// Named layers in order, as PyTorch's `Sequential(OrderedDict(...))`.
    ///
    /// ```swift
    /// let head = Sequential(named: ["fc": try Linear(8, 2), "act": ReLU()])
    /// ```
    public init(named layers: KeyValuePairs<String, any UnaryLayer>) {
        super.init()
        for (key, layer) in layers { table[key] = layer }
    }

    /// The number of layers.
    public var count: Int { table.count }

    /// The layers in order.
    public var layers: [any UnaryLayer] { table.modules.map { $0 as! any UnaryLayer } }

    /// The keys of the layers, in order.
    public var keys: [String] { table.keys }

    /// The layer at `index` (negative counts from the end).
    public subscript(index: Int) -> any UnaryLayer {
        let position = index < 0 ? count + index : index
        precondition(table.entries.indices.contains(position), "index \(index) is out of range for a Sequential of \(count) layers")
        return table.entries[position].module as! any UnaryLayer
    }

    /// The layer named `key`.
    public subscript(key: String) -> (any UnaryLayer)? { table[key].map { $0 as! any UnaryLayer } }

    /// Adds a layer at the end, keyed by its position.
    @discardableResult
    public func append(_ layer: any UnaryLayer) -> Self {
        table[String(count)] = layer
        return self
    }

    /// Adds the layers at the end.
    @discardableResult
    public func extend(_ layers: [any UnaryLayer]) -> Self {
        for layer in layers { append(layer) }
        return self
    }

    /// Inserts a layer at `index`; the keys are renumbered "0", "1", … as in PyTorch.
    @discardableResult
    public func insert(_ layer: any UnaryLayer, at index: Int) -> Self {
        var modules = table.modules
        let position = index < 0 ? count + index : index
        precondition((0...count).contains(position), "Index out of range: \(index)")
        modules.insert(layer, at: position)
        table.replaceAll(modules.enumerated().map { (String($0.offset), $0.element) })
        return self
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for module in table.modules { x = try (module as! any UnaryLayer).forward(x) }
        return x
    }
}

/// A list of submodules (PyTorch's `nn.ModuleList`), keyed "0", "1", … in the state dict. It has no
/// `forward`; the owner decides how to use them.
///
/// ```swift
/// let blocks = ModuleList((0..<4).map { _ in try Linear(64, 64) })
/// for block in blocks { x = try block(x).relu() }
/// ```
public final class ModuleList<Element: Module>: Module, RandomAccessCollection, CollapsesRepeatedChildren {
    private var table = ModuleTable<Element>()

    public init(_ modules: [Element] = []) {
        super.init()
        extend(modules)
    }

    public override var typeName: String { "ModuleList" }

    public var startIndex: Int { 0 }
    public var endIndex: Int { table.count }

    public subscript(position: Int) -> Element {
        get { table.entries[position].module }
        set { table[String(position)] = newValue }
    }

    /// Adds a module at the end.
    @discardableResult
    public func append(_ module: Element) -> Self {
        table[String(table.count)] = module
        return self
    }

    /// Adds the modules at the end.
    @discardableResult
    public func extend(_ modules: [Element]) -> Self {
        for module in modules { append(module) }
        return self
    }

    /// Inserts a module at `index`; the keys are renumbered as in PyTorch.
    @discardableResult
    public func insert(_ module: Element, at index: Int) -> Self {
        var modules = table.modules
        modules.insert(module, at: index < 0 ? modules.count + index : index)
        table.replaceAll(modules.enumerated().map { (String($0.offset), $0.element) })
        return self
    }
}

/// Submodules by name in insertion order (PyTorch's `nn.ModuleDict`), keyed by their names in the
/// state dict.
///
/// ```swift
/// let heads = ModuleDict<Linear>(["classify": try Linear(64, 10), "regress": try Linear(64, 1)])
/// let logits = try heads["classify"]!(features)
/// ```
public final class ModuleDict<Element: Module>: Module {
    private var table = ModuleTable<Element>()

    /// The modules in the order given.
    public init(_ modules: KeyValuePairs<String, Element> = [:]) {
        super.init()
        for (key, module) in modules { table[key] = module }
    }

    /// The modules of `pairs`, in order.
    public init(_ pairs: [(String, Element)]) {
        super.init()
        for (key, module) in pairs { table[key] = module }
    }

    public override var typeName: String { "ModuleDict" }

    /// The keys in insertion order.
    public var keys: [String] { table.keys }

    /// The modules in insertion order.
    public var values: [Element] { table.modules }

    /// The entries in insertion order.
    public var items: [(key: String, module: Element)] { table.entries }

    public var count: Int { table.count }

    /// The module named `key`; assigning a new key appends it, assigning nil removes it.
    public subscript(key: String) -> Element? {
        get { table[key] }
        set { table[key] = newValue }
    }

    /// Removes and returns the module named `key`.
    @discardableResult
    public func pop(_ key: String) -> Element? {
        let module = table[key]
        table[key] = nil
        return module
    }

    /// Adds or replaces the entries of `pairs`, in order.
    public func update(_ pairs: [(String, Element)]) {
        for (key, module) in pairs { table[key] = module }
    }
}
