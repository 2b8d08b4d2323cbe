import Testing
@testable import Torch

private final class Affine: Module {
    @Parameter var weight: Tensor
    @Parameter var bias: Tensor?
    @Buffer var runningMean: Tensor
    @Buffer(persistent: false) var scratch: Tensor

    init(_ features: Int, bias: Bool = true) throws {
        weight = try Tensor([Float](repeating: 1, count: features))
        self.bias = bias ? try Tensor([Float](repeating: 0, count: features)) : nil
        runningMean = try Tensor([Float](repeating: 0, count: features))
        super.init()
        scratch = try Tensor([Float](repeating: 0, count: 1))
    }
}

private final class Block: Module {
    let first: Affine
    @Key("LayerNorm") var norm: Affine
    let stack: [Affine]
    let heads: [String: Affine]
    let optional: Affine?
    let missing: Affine? = nil

    init() throws {
        first = try Affine(2)
        stack = [try Affine(1), try Affine(1)]
        heads = ["b": try Affine(1), "a": try Affine(1)]
        optional = try Affine(3)
        super.init()
        norm = try Affine(2, bias: false)
    }
}

/// An intermediate class with its own fields, then a subclass with fields reflection must read
/// (an existential holding a module, an optional array, a lazy submodule) or pass over (numbers, a
/// string, a closure, a weak reference, a plain tensor, a tuple).
private class Base: Module {
    @Parameter var scale: Tensor
    let width = 3

    init(scale: Float) throws {
        self.scale = try Tensor([scale])
        super.init()
    }
}

private final class Mixed: Base {
    let name = "mixed"
    let activation: (Tensor) throws -> Tensor = { try $0.relu() }
    weak var parent: Module?
    let plain: Tensor
    let pair: (Int, Double) = (1, 2)
    let anyLayer: any UnaryLayer
    let extras: [Affine]?
    lazy var later: Affine = try! Affine(4)

    init(parent: Module) throws {
        plain = try Tensor([Float(0)])
        anyLayer = try Linear(2, 1)
        extras = [try Affine(1)]
        self.parent = parent
        try super.init(scale: 2)
    }
}

@Suite("Module reflection and state dicts")
struct ModuleReflectionTests {
    @Test func keysFollowPyTorchNaming() throws {
        let block = try Block()
        #expect(block.stateDict().keys == [
            "first.weight", "first.bias", "first.running_mean",
            "LayerNorm.weight", "LayerNorm.running_mean",
            "stack.0.weight", "stack.0.bias", "stack.0.running_mean",
            "stack.1.weight", "stack.1.bias", "stack.1.running_mean",
            "heads.a.weight", "heads.a.bias", "heads.a.running_mean",
            "heads.b.weight", "heads.b.bias", "heads.b.running_mean",
            "optional.weight", "optional.bias", "optional.running_mean",
        ])
        #expect(block.namedParameters().map(\.0).count == 13)
        #expect(block.namedBuffers().map(\.0).contains("first.scratch"))
        #expect(block.parameterCount == 2 + 2 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 3)
    }

    @Test func parametersRequireGradAndBuffersDoNot() throws {
        let affine = try Affine(3)
        #expect(affine.weight.requiresGrad)
        #expect(affine.bias!.requiresGrad)
        #expect(!affine.runningMean.requiresGrad)
        try affine.freeze()
        #expect(affine.trainableParameterCount == 0)
        try affine.unfreeze()
        #expect(affine.trainableParameterCount == 6)
    }

    @Test func trainAndEvalPropagate() throws {
        let block = try Block()
        block.eval()
        #expect(block.modules().allSatisfy { !$0.training })
        block.train()
        #expect(block.stack[1].training)
    }

    @Test func loadStateDictCopiesValues() throws {
        let source = try Block(), target = try Block()
        try noGrad { try source.first.weight.assign(5, at: 0) }
        try target.loadStateDict(source.stateDict())
        #expect(try target.first.weight.toArray(of: Float.self) == [5, 1])
        #expect(!target.first.weight.isSame(as: source.first.weight))
    }

    @Test func strictLoadingListsEveryProblem() throws {
        let target = try Block()
        var state = try Block().stateDict()
        state["first.weight"] = try Tensor([1, 2, 3] as [Float])
        state["stack.1.bias"] = nil
        state["extra.weight"] = try Tensor([1] as [Float])
        let error = #expect(throws: TorchError.self) { try target.loadStateDict(state) }
        let message = error?.message ?? ""
        #expect(message.contains("Missing key(s) in state_dict: \"stack.1.bias\""))
        #expect(message.contains("Unexpected key(s) in state_dict: \"extra.weight\""))
        #expect(message.contains("size mismatch for first.weight: copying a param with shape [3]"))
        // Nothing was changed by the failed load.
        #expect(try target.first.weight.toArray(of: Float.self) == [1, 1])
    }

    @Test func nonStrictLoadingReportsKeys() throws {
        let target = try Block()
        var state = try Block().stateDict()
        state["stack.1.bias"] = nil
        state["extra.weight"] = try Tensor([1] as [Float])
        let result = try target.loadStateDict(state, strict: false)
        #expect(result.missingKeys == ["stack.1.bias"])
        #expect(result.unexpectedKeys == ["extra.weight"])
    }

    @Test func movingKeepsTensorIdentity() throws {
        let affine = try Affine(2)
        let weight = affine.weight
        try affine.to(dtype: .float64)
        #expect(affine.weight.isSame(as: weight))
        #expect(weight.dtype == .float64)
        #expect(affine.runningMean.dtype == .float64)
    }

    @Test func fieldsOfEveryKindAreReadOrPassedOver() throws {
        let owner = try Affine(1)
        let mixed = try Mixed(parent: owner)
        // Superclass fields first; the weak parent is no child; the lazy submodule appears once used.
        #expect(mixed.stateDict().keys == ["scale", "any_layer.weight", "any_layer.bias", "extras.0.weight",
                                           "extras.0.bias", "extras.0.running_mean"])
        _ = mixed.later
        #expect(mixed.namedChildren().map(\.0) == ["any_layer", "extras.0", "$__lazy_storage_$_later"])
        #expect(mixed.namedModules().count == 4)
        #expect(mixed.parameters().count == 1 + 2 + 2 + 2)
        // Reflection reads the current values: a replaced parameter and a freed weak parent.
        mixed.scale = try Tensor([Float(5)])
        #expect(try mixed.parameters()[0].toArray(of: Float.self) == [5])
        #expect(mixed.parent === owner)
    }

    @Test func snakeCaseNames() {
        #expect(snakeCase("runningMean") == "running_mean")
        #expect(snakeCase("fc1") == "fc1")
        #expect(snakeCase("QKV") == "qkv")
        #expect(snakeCase("layer2Norm") == "layer2_norm")
    }
}
