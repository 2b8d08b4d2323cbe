// Finding a module's parameters, buffers and submodules from its stored properties.

/// What reflection finds in one module (not recursive), in declaration order.
struct ModuleContents {
    var parameters: [(key: String, tensor: Tensor?)] = []
    var buffers: [(key: String, tensor: Tensor?, persistent: Bool)] = []
    var children: [(key: String, module: Module)] = []
}

extension ModuleContents {
    /// Adds the submodules `value` holds: a module, an array or a dictionary of modules, or an
    /// optional of one of these; anything else holds none.
    mutating func collectModules(_ value: Any, key: String) {
        switch value {
        case let module as Module:
            children.append((key, module))
        case let modules as [Module]:
            for (index, module) in modules.enumerated() { children.append(("\(key).\(index)", module)) }
        case let modules as [String: Module]:
            for name in modules.keys.sorted() { children.append(("\(key).\(name)", modules[name]!)) }
        default:
            // Optional submodules: unwrap one level.
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
                collectModules(wrapped, key: key)
            }
        }
    }
}

extension Module {
    /// Reflects this module's own stored properties (superclass properties first).
    func contents() -> ModuleContents {
        var contents = ModuleContents()
        for field in ModuleFields.fields(of: type(of: self)) { field.read(self, &contents) }
        return contents
    }

    /// Visits this module and every submodule once, depth first, with its dotted name ("" for
    /// self, else `prefix`) and what reflection found in it: one reflection per module.
    func visitModules(prefix: String = "", _ body: (String, Module, ModuleContents) -> Void) {
        var seen = Set<ObjectIdentifier>()
        func visit(_ module: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            let contents = module.contents()
            body(name, module, contents)
            for (key, child) in contents.children { visit(child, name.isEmpty ? key : "\(name).\(key)") }
        }
        visit(self, prefix)
    }

    /// The direct submodules with their keys (PyTorch's `named_children()`).
    public func namedChildren() -> [(String, Module)] {
        // A key like "layers.0" names an element of an array property: PyTorch shows it as a child
        // named "layers" holding a list, but its state-dict keys are the same dotted ones.
        contents().children.map { ($0.key, $0.module) }
    }

    /// The direct submodules.
    public func children() -> [Module] { namedChildren().map(\.1) }

    /// This module and every submodule, depth first, with dotted names ("" for self); a module
    /// reachable twice is listed once (PyTorch's `named_modules()`).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var result: [(String, Module)] = []
        visitModules(prefix: prefix) { name, module, _ in result.append((name, module)) }
        return result
    }

    /// This module and every submodule.
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// Every parameter with its dotted name, each tensor once (PyTorch's `named_parameters()`).
    public func namedParameters(recurse: Bool = true) -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        visitOwners(recurse: recurse) { prefix, contents in
            for (key, tensor) in contents.parameters {
                guard let tensor, seen.insert(ObjectIdentifier(tensor)).inserted else { continue }
                result.append((prefix.isEmpty ? key : "\(prefix).\(key)", tensor))
            }
        }
        return result
    }

    /// Every parameter, in the order optimizers index them.
    public func parameters(recurse: Bool = true) -> [Tensor] { namedParameters(recurse: recurse).map(\.1) }

    /// Every buffer with its dotted name (PyTorch's `named_buffers()`).
    public func namedBuffers(recurse: Bool = true) -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        visitOwners(recurse: recurse) { prefix, contents in
            for (key, tensor, _) in contents.buffers {
                guard let tensor else { continue }
                result.append((prefix.isEmpty ? key : "\(prefix).\(key)", tensor))
            }
        }
        return result
    }

    /// Every module (with `recurse`) or this one alone, with its prefix and contents.
    private func visitOwners(recurse: Bool, _ body: (String, ModuleContents) -> Void) {
        if recurse {
            visitModules { prefix, _, contents in body(prefix, contents) }
        } else {
            body("", contents())
        }
    }

    /// Every buffer.
    public func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.1) }

    /// The number of parameter elements (trainable and frozen).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.numel } }

    /// The number of parameter elements that require gradients.
    public var trainableParameterCount: Int {
        parameters().filter(\.requiresGrad).reduce(0) { $0 + $1.numel }
    }
}

/// `runningMean` → `running_mean`; `fc1` → `fc1`; `QKV` → `qkv`.
func snakeCase(_ name: String) -> String {
    var result = ""
    var previous: Character?
    for character in name {
        if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
            result.append("_")
        }
        result.append(contentsOf: character.lowercased())
        previous = character
    }
    return result
}
