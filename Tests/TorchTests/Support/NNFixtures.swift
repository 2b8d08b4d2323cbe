import Foundation
import Torch

// Loads the neural-network parity fixtures written by Tools/parity/make_nn_fixtures.py (see its
// header for the format): Tests/TorchTests/Fixtures/nn_layers/*.json, or SWIFTLIGHTNING_NN_FIXTURES.

/// One case: a layer (built after a seed, its state, repr, outputs and gradients), a functional call
/// or an initialisation function.
struct NNFixtureCase: Decodable, Sendable {
    var id: String
    var name: String
    /// "module", "functional" or "init".
    var kind: String
    var dtype: String
    var seed: UInt64?
    /// Init cases: drawn from a Generator seeded with `seed` rather than the global generator.
    var generator: Bool?
    /// Module cases: "train" or "eval" when the forward ran.
    var mode: String?
    /// Module cases: the forward ran under no_grad.
    var noGrad: Bool?
    /// Module cases: Python's repr(module).
    var repr: String?
    /// Module cases: the state_dict right after construction, keys in order.
    var state: [FixtureTensor]?
    /// Module cases: the named_parameters names, in order.
    var parameters: [String]?
    var inputs: [FixtureTensor]
    var outputs: [FixtureTensor]
    var gradWeights: [FixtureWeights]?
    var grads: [String: [FixtureNumber]]?
    var paramGrads: [String: [FixtureNumber]]?
    /// Module cases: the state_dict entries the forward changed.
    var stateAfter: [FixtureTensor]?

    var group: String = ""

    enum CodingKeys: String, CodingKey {
        case id, name, kind, dtype, seed, generator, mode, noGrad, repr, state, parameters, inputs, outputs, gradWeights, grads,
             paramGrads, stateAfter
    }
}

struct NNFixtureFile: Decodable, Sendable {
    var format: Int
    var torch: String
    var group: String
    var cases: [NNFixtureCase]
}

enum NNFixtures {
    /// The folder that holds the JSON files.
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_NN_FIXTURES"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // TorchTests
            .appendingPathComponent("Fixtures", isDirectory: true)
            .appendingPathComponent("nn_layers", isDirectory: true)
    }()

    /// Every case by id, or the error that stopped loading.
    static let loaded: Result<[String: NNFixtureCase], FixtureError> = {
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
            guard !names.isEmpty else { throw FixtureError("no fixture files in \(directory.path)") }
            var cases: [String: NNFixtureCase] = [:]
            for name in names {
                let file = try JSONDecoder().decode(NNFixtureFile.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
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

    static func get(_ id: String) throws -> NNFixtureCase {
        guard let found = try loaded.get()[id] else { throw FixtureError("no nn fixture case \(id) in \(directory.path)") }
        return found
    }

    /// The ids of the cases whose group passes `filter`, sorted; empty when loading failed.
    static func ids(where filter: (String) -> Bool = { _ in true }) -> [String] {
        guard case .success(let cases) = loaded else { return [] }
        return cases.values.filter { filter($0.group) }.map(\.id).sorted()
    }
}
