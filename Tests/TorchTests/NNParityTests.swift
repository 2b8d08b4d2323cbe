import Foundation
import Testing
@testable import Torch

// PyTorch parity for the neural-network layers: every case in Tests/TorchTests/Fixtures/nn_layers
// (written by Tools/parity/make_nn_fixtures.py with Python torch 2.11.0) runs here through its Swift
// implementation in NNParityTable.swift. Layers must come out of the same seed with bit-identical
// weights and PyTorch's state-dict keys and repr; outputs and gradients must match within the
// float32 tolerance; init functions must draw bit-identical values.

/// Serialized: most cases seed the global generator and then draw from it (building a layer draws
/// its weights), so cases of this suite must not interleave; a test of another suite that draws in
/// between is caught by the retries in `NNParity.check`.
@Suite("PyTorch parity: nn layers, losses, init", .serialized)
struct NNParityTests {
    @Test("Fixtures load", .tags(.parity))
    func fixturesLoad() throws {
        let cases = try NNFixtures.loaded.get()
        #expect(cases.count > 0)
        print("nn parity fixtures: \(cases.count) cases from \(NNFixtures.directory.path); drawn values compared "
              + (NNParity.drawsAreBitExact ? "bit for bit" : "within the float tolerance (CPU kernels differ from the fixtures')"))
    }

    @Test("Swift matches PyTorch", .tags(.parity), arguments: NNFixtures.ids())
    func parity(_ id: String) {
        for problem in NNParity.check(id, implementations: NNTable.implementations) {
            Issue.record(Comment(rawValue: problem))
        }
    }

    @Test("Every Swift implementation has a fixture case", .tags(.parity))
    func noStaleImplementations() throws {
        let names = Set(try NNFixtures.loaded.get().values.map(\.name))
        let stale = Set(NNTable.implementations.keys).subtracting(names).sorted()
        #expect(stale.isEmpty, "implementations without a fixture case: \(stale)")
    }
}
