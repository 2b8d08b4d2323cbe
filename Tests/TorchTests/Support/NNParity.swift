import Foundation
@testable import Torch

// Runs one neural-network fixture case through its Swift implementation (NNParityTable.swift) and
// lists every difference from PyTorch: the state dict right after construction (keys in order,
// values bit for bit), the parameter names, the description (repr), the outputs, the gradients of
// the inputs and parameters, the state after the forward, and a strict load of Python's state dict.

/// The fixture's inputs as tensors, by name (`c.x`) and in order (`c.all`).
@dynamicMemberLookup
struct NNInputs {
    let names: [String]
    let tensors: [String: Tensor]

    subscript(_ name: String) -> Tensor {
        get throws {
            guard let tensor = tensors[name] else { throw FixtureError("no input named '\(name)'; there are \(names)") }
            return tensor
        }
    }

    subscript(dynamicMember name: String) -> Tensor {
        get throws { try self[name] }
    }

    /// The inputs in the fixture's order.
    var all: [Tensor] { names.map { tensors[$0]! } }
}

/// The Swift side of one case.
enum NNImplementation: Sendable {
    /// Builds the module (right after the seed) and runs it.
    case module(make: @Sendable () throws -> Module, run: @Sendable (Module, NNInputs) throws -> [Tensor])
    /// One functional call.
    case functional(@Sendable (NNInputs) throws -> [Tensor])
    /// Fills the tensor, from the generator when one is given.
    case initializer(@Sendable (Tensor, Generator?) throws -> Void)

    /// A layer with one input and one output: the output of `forward` on the first input.
    static func layer<M: UnaryLayer>(_ make: @escaping @Sendable () throws -> M) -> NNImplementation {
        .module(make: make, run: { module, inputs in [try (module as! M).forward(inputs.all[0])] })
    }

    /// A module with its own run.
    static func module<M: Module>(
        _ make: @escaping @Sendable () throws -> M, _ run: @escaping @Sendable (M, NNInputs) throws -> [Tensor]
    ) -> NNImplementation {
        .module(make: make, run: { module, inputs in try run(module as! M, inputs) })
    }
}

enum NNParity {
    /// Every difference for case `id`; empty when Swift matches PyTorch. A case that draws random
    /// numbers from the global generator is tried up to eight times, pausing longer each time (a
    /// test of another suite running in parallel may draw between the seed and the draw); a
    /// real difference shows every time and is reported with the first try's messages.
    static func check(_ id: String, implementations: [String: NNImplementation]) -> [String] {
        let fixture: NNFixtureCase
        do { fixture = try NNFixtures.get(id) } catch { return ["\(id): \(error)"] }
        guard let implementation = implementations[fixture.name] else {
            return ["\(id): no Swift implementation for case '\(fixture.name)'"]
        }
        let usesGlobalGenerator = fixture.seed != nil && fixture.generator != true
        var first: [String] = []
        // Pauses before each try: other suites draw mostly while the run starts, so waiting longer
        // each time lets a case find the generator to itself (a real difference costs ~8 s).
        let pauses: [Double] = usesGlobalGenerator ? [0, 0.01, 0.05, 0.2, 0.5, 1, 2, 4] : [0]
        for (index, pause) in pauses.enumerated() {
            let attempt = index + 1
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            let problems: [String]
            do {
                problems = try usesGlobalGenerator
                    ? GlobalGeneratorLock.withLock { try runOnce(fixture, implementation) }
                    : runOnce(fixture, implementation)
            } catch {
                problems = ["\(id): \(error)"]
            }
            if problems.isEmpty {
                if attempt > 1 { print("note: \(id) matched on try \(attempt); another test drew random numbers in between") }
                return []
            }
            if attempt == 1 { first = problems }
        }
        return first
    }

    private static func makeInputs(_ fixture: NNFixtureCase) throws -> NNInputs {
        var tensors: [String: Tensor] = [:]
        var names: [String] = []
        for input in fixture.inputs {
            guard let name = input.name else { throw FixtureError("\(fixture.id): an input has no name") }
            let tensor = try input.makeTensor()
            if input.requiresGrad == true { _ = try tensor.setRequiresGrad() }
            tensors[name] = tensor
            names.append(name)
        }
        return NNInputs(names: names, tensors: tensors)
    }

    private static func runOnce(_ fixture: NNFixtureCase, _ implementation: NNImplementation) throws -> [String] {
        let id = fixture.id
        let inputs = try makeInputs(fixture)
        var problems: [String] = []

        switch implementation {
        case .initializer(let fill):
            guard let seed = fixture.seed, let expected = fixture.outputs.first else { throw FixtureError("\(id): not an init case") }
            let tensor = try Tensor.empty(expected.shape, dtype: try expected.torchDType)
            if fixture.generator == true {
                try fill(tensor, try Generator(seed: seed))
            } else {
                manualSeed(seed)
                try fill(tensor, nil)
            }
            if let problem = try exact(tensor, expected, what: "\(id) values") { problems.append(problem) }
            return problems

        case .functional(let call):
            if let seed = fixture.seed { manualSeed(seed) }
            let outputs = try call(inputs)
            problems += try compareOutputs(outputs, fixture)
            guard problems.isEmpty else { return problems }
            problems += try compareGradients(outputs, inputs, module: nil, fixture)
            return problems

        case .module(let make, let run):
            if let seed = fixture.seed { manualSeed(seed) }
            let module = try make()
            if fixture.mode == "eval" { module.eval() }

            // The state right after construction: PyTorch's keys in PyTorch's order, values bit for bit.
            let state = module.stateDict()
            if let folder = exportFolder { try export(state, id: id, to: folder) }
            let expectedState = fixture.state ?? []
            let expectedKeys = expectedState.map { $0.name ?? "" }
            if state.keys != expectedKeys {
                problems.append("\(id) state-dict keys: Swift \(state.keys), PyTorch \(expectedKeys)")
            } else {
                for expected in expectedState {
                    if let problem = try exact(state[expected.name!]!, expected, what: "\(id) initial \(expected.name!)") {
                        problems.append(problem)
                    }
                }
            }
            if let names = fixture.parameters, module.namedParameters().map(\.0) != names {
                problems.append("\(id) parameter names: Swift \(module.namedParameters().map(\.0)), PyTorch \(names)")
            }
            if let repr = fixture.repr, module.description != repr {
                problems.append("\(id) description:\n--- Swift\n\(module.description)\n--- PyTorch\n\(repr)")
            }

            let outputs = try fixture.noGrad == true ? noGrad { try run(module, inputs) } : run(module, inputs)
            let outputProblems = try compareOutputs(outputs, fixture)
            problems += outputProblems
            if outputProblems.isEmpty {
                problems += try compareGradients(outputs, inputs, module: module, fixture)
            }
            let after = module.stateDict()
            for expected in fixture.stateAfter ?? [] {
                guard let actual = after[expected.name ?? ""] else {
                    problems.append("\(id): no state entry \(expected.name ?? "?") after the forward")
                    continue
                }
                if let problem = try Parity.compare(actual, expected, what: "\(id) \(expected.name!) after the forward") {
                    problems.append(problem)
                }
            }

            // PyTorch's state dict loads strictly into the Swift module (same keys, same shapes).
            do {
                var pythonState = StateDict()
                for entry in expectedState { pythonState[entry.name!] = try entry.makeTensor() }
                do {
                    try module.loadStateDict(pythonState, strict: true)
                    for entry in expectedState {
                        if let problem = try exact(module.stateDict()[entry.name!]!, entry, what: "\(id) loaded \(entry.name!)") {
                            problems.append(problem)
                        }
                    }
                } catch {
                    problems.append("\(id): PyTorch's state dict does not load strictly: \(error)")
                }
            }
            return problems
        }
    }

    /// The output values and dtypes within the dtype's tolerance.
    private static func compareOutputs(_ outputs: [Tensor], _ fixture: NNFixtureCase) throws -> [String] {
        guard outputs.count == fixture.outputs.count else {
            return ["\(fixture.id): Swift returned \(outputs.count) outputs, PyTorch \(fixture.outputs.count)"]
        }
        var problems: [String] = []
        for (index, (actual, expected)) in zip(outputs, fixture.outputs).enumerated() {
            let label = outputs.count == 1 ? "output" : "output \(index)"
            if let problem = try Parity.compare(actual, expected, what: "\(fixture.id) \(label)") { problems.append(problem) }
        }
        return problems
    }

    /// Backpropagates sum_i sum(output_i * w_i) once, as the fixture script does, and compares the
    /// gradients of the inputs and of every parameter.
    private static func compareGradients(_ outputs: [Tensor], _ inputs: NNInputs, module: Module?, _ fixture: NNFixtureCase) throws -> [String] {
        guard let weights = fixture.gradWeights else { return [] }
        var total: Tensor?
        for (output, weight) in zip(outputs, weights) {
            guard let data = weight.data else { continue }
            let term = try (output * Tensor(data, shape: output.shape).to(dtype: output.dtype)).sum()
            total = try total.map { try $0 + term } ?? term
        }
        guard let total else { return ["\(fixture.id): no output needs a gradient, but the fixture has gradients"] }
        try total.backward()

        var problems: [String] = []
        for (name, expected) in (fixture.grads ?? [:]).sorted(by: { $0.key < $1.key }) {
            let input = try inputs[name]
            problems += gradientProblem(input, expected.map(\.value), what: "\(fixture.id) grad \(name)")
        }
        if let module {
            let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.0, $0.1) })
            for (name, expected) in (fixture.paramGrads ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let parameter = parameters[name] else {
                    problems.append("\(fixture.id): no parameter \(name) for its gradient")
                    continue
                }
                problems += gradientProblem(parameter, expected.map(\.value), what: "\(fixture.id) grad of \(name)")
            }
        }
        return problems
    }

    private static func gradientProblem(_ tensor: Tensor, _ expected: [Double], what: String) -> [String] {
        do {
            if let grad = tensor.grad, grad.shape != tensor.shape {
                return ["\(what): shape \(grad.shape), expected \(tensor.shape)"]
            }
            let actual: [Double] = try tensor.grad.map { try $0.toArray(of: Double.self) } ?? Array(repeating: 0, count: tensor.numel)
            return Parity.compareValues(actual, expected, tolerance: Tolerance.forDType(tensor.dtype), what: what).map { [$0] } ?? []
        } catch {
            return ["\(what): \(error)"]
        }
    }

    /// SWIFTLIGHTNING_NN_EXPORT=dir writes each module's state dict right after construction to
    /// dir/<case>.json, for Tools/parity/check_swift_state_dicts.py to load strictly into the Python
    /// module.
    static let exportFolder: URL? = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_NN_EXPORT"].flatMap {
        $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true)
    }

    private static func export(_ state: StateDict, id: String, to folder: URL) throws {
        var entries: [[String: Any]] = []
        for (key, tensor) in state {
            entries.append(["name": key, "dtype": String(tensor.dtype.description.dropFirst("torch.".count)),
                            "shape": tensor.shape, "data": try tensor.detachedValues()])
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: ["case": id, "state": entries])
        try data.write(to: folder.appendingPathComponent("\(id).json"))
    }

    /// Whether random draws can be compared bit for bit: the fixtures come from ATen's vectorised x86
    /// kernels (AVX2 and AVX-512 draw the same values); without them (ATEN_CPU_CAPABILITY=default,
    /// an x86 CPU without AVX2, or ARM) the uniform and normal kernels round an ulp or so apart, in
    /// Python as in Swift, so draws are then compared within the float tolerance.
    static let drawsAreBitExact: Bool = {
        #if arch(x86_64)
        if ProcessInfo.processInfo.environment["ATEN_CPU_CAPABILITY"]?.lowercased() == "default" { return false }
        #if os(Linux)
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return true }
        return cpuinfo.contains(" avx2")
        #else
        return true
        #endif
        #else
        return false
        #endif
    }()

    /// Bit-for-bit comparison of drawn values (initial weights, init functions); within the dtype's
    /// tolerance where the CPU kernels differ from the fixtures' (see ``drawsAreBitExact``).
    private static func exact(_ actual: Tensor, _ expected: FixtureTensor, what: String) throws -> String? {
        let expectedDType = try expected.torchDType
        if actual.dtype != expectedDType { return "\(what): dtype \(actual.dtype), PyTorch \(expectedDType)" }
        if actual.shape != expected.shape { return "\(what): shape \(actual.shape), PyTorch \(expected.shape)" }
        let tolerance = drawsAreBitExact ? nil : Tolerance.forDType(expectedDType)
        return Parity.compareValues(try actual.detachedValues(), expected.data, tolerance: tolerance, what: what)
    }
}
