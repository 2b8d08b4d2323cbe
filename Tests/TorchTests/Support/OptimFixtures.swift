import Foundation
import Torch

// Loads Tests/TorchTests/Fixtures/Optim/optim.json, written by Tools/parity/make_optim_fixtures.py
// (see its header for the format), and compares Swift state (StateValue) with Python's.

/// A Python value in the fixture's tagged JSON form (no tensors made yet, so it is Sendable).
indirect enum Tagged: Decodable, Sendable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Tagged])
    case tuple([Tagged])
    case dict([Pair])
    case tensor(TaggedTensor)

    struct Pair: Sendable {
        var key: Tagged
        var value: Tagged
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .none; return }
        if let value = try? single.decode(Bool.self) { self = .bool(value); return }
        if let value = try? single.decode(String.self) { self = .string(value); return }
        if let value = try? single.decode([Tagged].self) { self = .list(value); return }
        let keyed = try decoder.container(keyedBy: Key.self)
        if keyed.contains(Key("int")) {
            self = .int(try keyed.decode(Int.self, forKey: Key("int")))
        } else if keyed.contains(Key("float")) {
            self = .double(try keyed.decode(FixtureNumber.self, forKey: Key("float")).value)
        } else if keyed.contains(Key("tuple")) {
            self = .tuple(try keyed.decode([Tagged].self, forKey: Key("tuple")))
        } else if keyed.contains(Key("dict")) {
            let pairs = try keyed.decode([[Tagged]].self, forKey: Key("dict"))
            self = .dict(try pairs.map { pair in
                guard pair.count == 2 else { throw FixtureError("a dict entry must be [key, value]") }
                return Pair(key: pair[0], value: pair[1])
            })
        } else if keyed.contains(Key("tensor")) {
            self = .tensor(try keyed.decode(TaggedTensor.self, forKey: Key("tensor")))
        } else {
            throw FixtureError("unknown tagged value with keys \(keyed.allKeys.map(\.stringValue))")
        }
    }

    var description: String {
        switch self {
        case .none: "None"
        case .bool(let v): v ? "True" : "False"
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): "'\(v)'"
        case .list(let v): "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let v): "(" + v.map(\.description).joined(separator: ", ") + ")"
        case .dict(let v): "{" + v.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .tensor(let t): "tensor(\(t.dtype), \(t.shape))"
        }
    }

    /// The value with tensors made (on the CPU).
    func stateValue() throws -> StateValue {
        switch self {
        case .none: return .none
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .string(let v): return .string(v)
        case .list(let v): return .list(try v.map { try $0.stateValue() })
        case .tuple(let v): return .tuple(try v.map { try $0.stateValue() })
        case .dict(let pairs):
            var map = StateMap()
            for pair in pairs { map[try pair.key.stateKey()] = try pair.value.stateValue() }
            return .dict(map)
        case .tensor(let t): return .tensor(try t.makeTensor())
        }
    }

    func stateKey() throws -> StateKey {
        switch self {
        case .int(let v): return .int(v)
        case .string(let v): return .string(v)
        default: throw FixtureError("unsupported dict key \(self)")
        }
    }

    var tensor: TaggedTensor {
        get throws {
            guard case .tensor(let t) = self else { throw FixtureError("expected a tensor, found \(self)") }
            return t
        }
    }
}

struct TaggedTensor: Decodable, Sendable {
    var dtype: String
    var shape: [Int]
    var device: String
    var data: [Double]

    enum CodingKeys: String, CodingKey { case dtype, shape, device, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try container.decode(String.self, forKey: .dtype)
        shape = try container.decode([Int].self, forKey: .shape)
        device = try container.decode(String.self, forKey: .device)
        data = try container.decode([FixtureNumber].self, forKey: .data).map(\.value)
    }

    func makeTensor() throws -> Tensor {
        switch dtype {
        case "int64": return try Tensor(data.map { Int64($0) }, shape: shape)
        case "float64": return try Tensor(data, shape: shape)
        default: return try Tensor(data, shape: shape).to(dtype: FixtureTensor.dtype(named: dtype))
        }
    }
}

struct OptimFixture: Decodable, Sendable {
    struct Snapshot: Decodable, Sendable {
        var params: [Tagged]
        var stateDict: Tagged
        enum CodingKeys: String, CodingKey { case params, stateDict = "state_dict" }
    }

    struct OptimizerRun: Decodable, Sendable {
        var name: String
        var className: String
        var steps: Int
        var checkpoint: Snapshot?
        var final: Snapshot
        enum CodingKeys: String, CodingKey { case name, className = "class", steps, checkpoint, final }
    }

    struct ClipCase: Decodable, Sendable {
        var name: String
        var kind: String
        var maxNorm: FixtureNumber?
        var normType: FixtureNumber?
        var foreach: Bool?
        var clipValue: FixtureNumber?
        var totalNorm: Tagged?
        var clipped: [Tagged]
    }

    struct Clip: Decodable, Sendable {
        var grads: [Tagged]
        var cases: [ClipCase]
    }

    struct SchedulerCheckpoint: Decodable, Sendable {
        var step: Int
        var scheduler: Tagged
        var optimizer: Tagged
    }

    struct SchedulerFinal: Decodable, Sendable {
        var scheduler: Tagged
        var optimizer: Tagged?
    }

    struct SchedulerRun: Decodable, Sendable {
        var name: String
        var lrs: [[FixtureNumber]]
        var momenta: [[FixtureNumber]]?
        var metrics: [FixtureNumber]?
        var checkpoint: SchedulerCheckpoint
        var final: SchedulerFinal
    }

    var format: Int
    var torch: String
    var model: [String: Tagged]
    var data: [String: Tagged]
    var optimizers: [OptimizerRun]
    var clip: Clip
    var schedulers: [SchedulerRun]

    static let url = Fixtures.directory.appendingPathComponent("Optim/optim.json")

    static let loaded: Result<OptimFixture, FixtureError> = {
        do {
            let fixture = try JSONDecoder().decode(OptimFixture.self, from: Data(contentsOf: url))
            guard fixture.format == 1 else { throw FixtureError("optim fixture format \(fixture.format), expected 1") }
            return .success(fixture)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("cannot read \(url.path): \(error)"))
        }
    }()

    static func get() throws -> OptimFixture { try loaded.get() }

    static var optimizerNames: [String] { (try? get().optimizers.map(\.name)) ?? [] }
    static var resumedOptimizerNames: [String] { (try? get().optimizers.filter { $0.checkpoint != nil }.map(\.name)) ?? [] }
    static var schedulerNames: [String] { (try? get().schedulers.map(\.name)) ?? [] }

    func optimizer(_ name: String) throws -> OptimizerRun {
        guard let run = optimizers.first(where: { $0.name == name }) else { throw FixtureError("no optimizer run \(name)") }
        return run
    }

    func scheduler(_ name: String) throws -> SchedulerRun {
        guard let run = schedulers.first(where: { $0.name == name }) else { throw FixtureError("no scheduler run \(name)") }
        return run
    }

    /// Fresh leaf tensors w1, b1, w2, b2 with the fixture's initial values.
    func initialParameters() throws -> [Tensor] {
        try ["w1", "b1", "w2", "b2"].map { name in
            guard let value = model[name] else { throw FixtureError("the optim fixture has no model tensor \(name)") }
            return try value.tensor.makeTensor().setRequiresGrad()
        }
    }

    func inputs() throws -> (x: Tensor, y: Tensor) {
        guard let x = data["x"], let y = data["y"] else { throw FixtureError("the optim fixture has no data") }
        return (try x.tensor.makeTensor(), try y.tensor.makeTensor())
    }
}

/// The fixture MLP's loss: cross_entropy(linear(relu(linear(x, w1, b1)), w2, b2), y).
func mlpLoss(_ p: [Tensor], _ x: Tensor, _ y: Tensor) throws -> Tensor {
    try x.linear(weight: p[0], bias: p[1]).relu().linear(weight: p[2], bias: p[3]).crossEntropyLoss(target: y)
}

// MARK: - Comparing Swift state with Python's

/// How a comparison went: the problems found and the largest relative error of any number.
struct StateComparison {
    var problems: [String] = []
    var maxRelativeError = 0.0

    /// Relative error with a floor on the denominator, so values near zero compare absolutely.
    static func relativeError(_ actual: Double, _ expected: Double, floor: Double) -> Double {
        if actual == expected || (actual.isNaN && expected.isNaN) { return 0 }
        return abs(actual - expected) / max(abs(expected), floor)
    }

    /// Compares numbers element by element; `rtol` bounds the relative error (floor `floor`).
    mutating func compareNumbers(_ actual: [Double], _ expected: [Double], rtol: Double, floor: Double, at path: String) {
        guard actual.count == expected.count else {
            problems.append("\(path): \(actual.count) values, PyTorch \(expected.count)")
            return
        }
        var worst = 0.0, worstIndex = -1
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            let error = Self.relativeError(a, e, floor: floor)
            if error > worst || error.isNaN { worst = error.isNaN ? .infinity : error; worstIndex = index }
        }
        maxRelativeError = max(maxRelativeError, worst)
        if worst > rtol {
            problems.append("\(path): relative error \(worst) at element \(worstIndex) (Swift \(actual[worstIndex]), PyTorch \(expected[worstIndex])) exceeds \(rtol)")
        }
    }

    mutating func compareTensor(_ actual: Tensor, _ expected: TaggedTensor, rtol: Double, floor: Double, at path: String) {
        if actual.dtype.description != "torch.\(expected.dtype)" {
            problems.append("\(path): dtype \(actual.dtype), PyTorch \(expected.dtype)")
        }
        if actual.shape != expected.shape { problems.append("\(path): shape \(actual.shape), PyTorch \(expected.shape)") }
        if actual.device.description != expected.device && !(expected.device == "cpu" && actual.device == .cpu) {
            problems.append("\(path): device \(actual.device), PyTorch \(expected.device)")
        }
        do {
            let values = try actual.detach().to(dtype: .float64).toArray(of: Double.self)
            // The fixture writes float32 values in their shortest decimal form: round them back.
            let reference = expected.dtype == "float32" ? expected.data.map { Double(Float($0)) } : expected.data
            compareNumbers(values, reference, rtol: rtol, floor: floor, at: path)
        } catch {
            problems.append("\(path): cannot read the tensor: \(error)")
        }
    }

    /// Compares a Swift state value with Python's: the same structure (dict keys in the same order,
    /// list or tuple), the same strings and flags, numbers within `rtol` (an int and a float with
    /// the same value are equal: Python keeps `momentum=0` as an int), tensors by dtype, shape,
    /// device and values.
    mutating func compare(_ actual: StateValue, _ expected: Tagged, rtol: Double, floor: Double, at path: String = "") {
        switch (actual, expected) {
        case (.none, .none): return
        case (.bool(let a), .bool(let e)):
            if a != e { problems.append("\(path): \(a), PyTorch \(e)") }
        case (.string(let a), .string(let e)):
            if a != e { problems.append("\(path): '\(a)', PyTorch '\(e)'") }
        case (.int(let a), .int(let e)):
            if a != e { problems.append("\(path): \(a), PyTorch \(e)") }
        case (.int, .double), (.double, .int), (.double, .double):
            compareNumbers([actual.doubleValue!], [expected.number!], rtol: rtol, floor: floor, at: path)
        case (.list(let a), .list(let e)), (.tuple(let a), .tuple(let e)):
            guard a.count == e.count else {
                problems.append("\(path): \(a.count) elements, PyTorch \(e.count) (\(actual) vs \(expected))")
                return
            }
            for (index, (x, y)) in zip(a, e).enumerated() { compare(x, y, rtol: rtol, floor: floor, at: "\(path)[\(index)]") }
        case (.dict(let a), .dict(let e)):
            let expectedKeys = e.compactMap { try? $0.key.stateKey() }
            if a.keys != expectedKeys {
                let missing = expectedKeys.filter { !a.contains($0) }, extra = a.keys.filter { !expectedKeys.contains($0) }
                if missing.isEmpty && extra.isEmpty {
                    problems.append("\(path): keys in order \(a.keys), PyTorch \(expectedKeys)")
                } else {
                    problems.append("\(path): keys missing \(missing), extra \(extra)")
                }
            }
            for pair in e {
                guard let key = try? pair.key.stateKey(), let value = a[key] else { continue }
                compare(value, pair.value, rtol: rtol, floor: floor, at: "\(path)[\(key)]")
            }
        case (.tensor(let a), .tensor(let e)):
            compareTensor(a, e, rtol: rtol, floor: floor, at: path)
        default:
            problems.append("\(path): Swift \(actual), PyTorch \(expected)")
        }
    }
}

extension Tagged {
    var number: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }
}
