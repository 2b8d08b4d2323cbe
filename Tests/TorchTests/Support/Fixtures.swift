import Foundation
import Torch

// Loads the PyTorch parity fixtures written by Tools/parity/generate_fixtures.py (see its header for
// the format). The folder is Tests/TorchTests/Fixtures next to this file, or the folder named by the
// environment variable SWIFTLIGHTNING_FIXTURES (Scripts/parity-live.sh sets it to fresh output).

/// One tensor in a fixture: an input (with a name) or an output.
struct FixtureTensor: Decodable, Sendable {
    var name: String?
    var dtype: String
    var shape: [Int]
    var requiresGrad: Bool?
    /// The elements in row-major order; NaN and infinities were written as strings.
    var data: [Double]

    enum CodingKeys: String, CodingKey { case name, dtype, shape, requiresGrad, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        dtype = try container.decode(String.self, forKey: .dtype)
        shape = try container.decode([Int].self, forKey: .shape)
        requiresGrad = try container.decodeIfPresent(Bool.self, forKey: .requiresGrad)
        data = try container.decode([FixtureNumber].self, forKey: .data).map(\.value)
    }

    /// The Torch dtype named by `dtype`.
    var torchDType: DType {
        get throws { try FixtureTensor.dtype(named: dtype) }
    }

    static func dtype(named name: String) throws -> DType {
        guard let value = DType.allCases.first(where: { $0.description == "torch.\(name)" }) else {
            throw FixtureError("unknown dtype '\(name)' in a fixture")
        }
        return value
    }

    /// A new tensor with these contents (exact: float32 values were written exactly).
    func makeTensor() throws -> Tensor {
        let dtype = try torchDType
        switch dtype {
        case .bool: return try Tensor(data.map { $0 != 0 }, shape: shape)
        case .int64: return try Tensor(data.map { Int64($0) }, shape: shape)
        case .int32: return try Tensor(data.map { Int32($0) }, shape: shape)
        case .float64: return try Tensor(data, shape: shape)
        default: return try Tensor(data, shape: shape).to(dtype: dtype)
        }
    }
}

/// A JSON number, or one of the strings "nan", "inf", "-inf".
struct FixtureNumber: Decodable, Sendable {
    var value: Double

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        switch try container.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let other: throw FixtureError("unexpected value '\(other)' in fixture data")
        }
    }
}

/// One case: an operation, its inputs, its outputs and the gradients of the weighted outputs.
struct FixtureCase: Decodable, Sendable {
    /// "name[dtype]", unique across all files.
    var id: String
    /// The case name: the key of the Swift implementation table.
    var name: String
    /// The PyTorch operation under test (several cases may share one).
    var op: String
    /// The dtype of this variant: "float32", "float64", "int64", "bool", …
    var dtype: String
    /// For random-number cases: torch.manual_seed(seed) ran right before the operation.
    var seed: UInt64?
    var inputs: [FixtureTensor]
    var outputs: [FixtureTensor]
    /// One entry per output: the weights w of `sum(output * w)`, nil for outputs without gradient.
    var gradWeights: [FixtureWeights]?
    /// The gradient of `sum_i sum(output_i * w_i)` for each input that requires it.
    var grads: [String: [FixtureNumber]]?

    /// The file (group) the case came from.
    var group: String = ""

    enum CodingKeys: String, CodingKey { case id, name, op, dtype, seed, inputs, outputs, gradWeights, grads }

    func input(_ name: String) throws -> FixtureTensor {
        guard let found = inputs.first(where: { $0.name == name }) else {
            throw FixtureError("\(id) has no input named '\(name)'; it has \(inputs.compactMap(\.name))")
        }
        return found
    }
}

/// The weights of one output, or null.
struct FixtureWeights: Decodable, Sendable {
    var data: [Double]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        data = container.decodeNil() ? nil : try container.decode([FixtureNumber].self).map(\.value)
    }
}

struct FixtureFile: Decodable, Sendable {
    var format: Int
    var torch: String
    var group: String
    var cases: [FixtureCase]
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// All fixtures, loaded once per test process.
enum Fixtures {
    /// The folder that holds the JSON files.
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_FIXTURES"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // TorchTests
            .appendingPathComponent("Fixtures", isDirectory: true)
    }()

    /// Every case of every file, by id; or the error that stopped loading.
    static let loaded: Result<[String: FixtureCase], FixtureError> = {
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") }
                .sorted()
            guard !names.isEmpty else { throw FixtureError("no fixture files in \(directory.path)") }
            var cases: [String: FixtureCase] = [:]
            for name in names {
                let url = directory.appendingPathComponent(name)
                let file = try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url))
                guard file.format == 1 else { throw FixtureError("\(name): fixture format \(file.format), expected 1") }
                for var item in file.cases {
                    item.group = file.group
                    guard cases.updateValue(item, forKey: item.id) == nil else {
                        throw FixtureError("case \(item.id) appears twice in \(directory.path)")
                    }
                }
            }
            return .success(cases)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("cannot read the fixtures in \(directory.path): \(error)"))
        }
    }()

    /// The case with this id.
    static func get(_ id: String) throws -> FixtureCase {
        let cases = try loaded.get()
        guard let found = cases[id] else { throw FixtureError("no fixture case \(id) in \(directory.path)") }
        return found
    }

    /// The ids of the cases whose group passes `filter`, sorted. Empty when loading failed (a
    /// separate test reports that failure).
    static func ids(where filter: (String) -> Bool) -> [String] {
        guard case .success(let cases) = loaded else { return [] }
        return cases.values.filter { filter($0.group) }.map(\.id).sorted()
    }
}
