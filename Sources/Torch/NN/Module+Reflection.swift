// Finding a module's parameters, buffers and submodules from its stored properties.

/// What reflection finds in one module (not recursive), in declaration order.
struct ModuleContents {
    var parameters: [(key: String, tensor: Tensor?)] = []
    var buffers: [(key: String, tensor: Tensor?, persistent: Bool)] = []
    var children: [(key: String, module: Module)] = []
}

extension Module {
    /// Reflects this module's own stored properties (superclass properties first).
    func contents() -> ModuleContents {
        var contents = ModuleContents()
        for field in ModuleFields.fields(of: type(of: self)) {
            let value = ModuleFields.value(of: field, in: self)
            if field.role == .module {
                contents.children.append((field.key, value as! Module))  // its static type is a Module
            } else {
                collect(value, key: field.key, into: &contents)
            }
        }
        return contents
    }

    private func collect(_ value: Any, key: String, into contents: inout ModuleContents) {
        switch value {
        case let parameter as any ParameterStorage:
            contents.parameters.append((parameter.explicitKey ?? key, parameter.storedTensor))
        case let buffer as any BufferStorage:
            contents.buffers.append((buffer.explicitKey ?? key, buffer.storedTensor, buffer.isPersistent))
        case let keyed as any KeyedStorage:
            collectModules(keyed.storedValue, key: keyed.explicitKey, into: &contents)
        case let table as ParameterTable:
            // Parameters registered by name: their keys are used as given.
            for (key, tensor) in table.entries { contents.parameters.append((key, tensor)) }
        case let table as any ModuleTableStorage:
            for (key, module) in table.storedModules { contents.children.append((key, module)) }
        default:
            collectModules(value, key: key, into: &contents)
        }
    }

    private func collectModules(_ value: Any, key: String, into contents: inout ModuleContents) {
        switch value {
        case let module as Module:
            contents.children.append((key, module))
        case let modules as [Module]:
            for (index, module) in modules.enumerated() { contents.children.append(("\(key).\(index)", module)) }
        case let modules as [String: Module]:
            for name in modules.keys.sorted() { contents.children.append(("\(key).\(name)", modules[name]!)) }
        default:
            // Optional submodules: unwrap one level.
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
                collectModules(wrapped, key: key, into: &contents)
            }
        }
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
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Module)] = []
        func visit(_ module: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((name, module))
            for (key, child) in module.namedChildren() { visit(child, name.isEmpty ? key : "\(name).\(key)") }
        }
        visit(self, prefix)
        return result
    }

    /// This module and every submodule.
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// Every parameter with its dotted name, each tensor once (PyTorch's `named_parameters()`).
    public func namedParameters(recurse: Bool = true) -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        let owners = recurse ? namedModules() : [("", self)]
        for (prefix, module) in owners {
            for (key, tensor) in module.contents().parameters {
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
        let owners = recurse ? namedModules() : [("", self)]
        for (prefix, module) in owners {
            for (key, tensor, _) in module.contents().buffers {
                guard let tensor else { continue }
                result.append((prefix.isEmpty ? key : "\(prefix).\(key)", tensor))
            }
        }
        return result
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
