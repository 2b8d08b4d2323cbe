import Foundation
import Testing
import Torch

// GradScaler against torch.amp.GradScaler("cpu"): the fixture (Tools/parity/make_amp_fixtures.py)
// runs scale / [unscale_] / step / update for ten iterations, three of them with an inf input, and
// records the scale, the growth tracker, whether the step ran and the parameters.

private struct AMPFixture: Decodable {
    struct Batch: Decodable { var x: [FloatOrText]; var y: [FloatOrText] }
    struct Step: Decodable {
        var scale: Double
        var growthTracker: Int
        var stepped: Bool
        var w: [FloatOrText]
        var b: [FloatOrText]
    }
    struct Case: Decodable {
        var name: String
        var explicitUnscale: Bool
        var steps: [Step]
        var stateDict: [String: Double]
        var stepCounts: [Double?]
    }
    var w: [FloatOrText]
    var b: [FloatOrText]
    var batches: [Batch]
    var cases: [Case]

    static let loaded: Result<AMPFixture, any Error> = Result {
        let url = Fixtures.directory.appendingPathComponent("AMP/amp.json")
        return try JSONDecoder().decode(AMPFixture.self, from: Data(contentsOf: url))
    }
}

/// A float written as a number, or as "inf"/"-inf"/"nan".
private struct FloatOrText: Decodable {
    var value: Float
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { value = Float(d); return }
        switch try c.decode(String.self) {
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        default: value = .nan
        }
    }
}

private func tensor(_ values: [FloatOrText], _ shape: [Int]) throws -> Tensor {
    try Tensor(values.map(\.value), shape: shape)
}

@Suite("GradScaler parity")
struct GradScalerParityTests {
    static let caseNames = ["sgd-foreach", "sgd-foreach-unscale", "adam-fused", "adam-fused-unscale", "adamw-foreach"]

    func makeOptimizer(_ name: String, _ params: [Tensor]) throws -> Optimizer {
        switch name {
        case "sgd-foreach", "sgd-foreach-unscale": try SGD(params, lr: 0.1, momentum: 0.9, foreach: true)
        case "adam-fused", "adam-fused-unscale": try Adam(params, lr: 0.05, fused: true)
        default: try AdamW(params, lr: 0.05, foreach: true)
        }
    }

    @Test("scale sequence, skipped steps and parameters match PyTorch", arguments: caseNames)
    func parity(name: String) throws {
        let fixture = try AMPFixture.loaded.get()
        let expected = try #require(fixture.cases.first { $0.name == name })
        let w = try tensor(fixture.w, [4, 3]).setRequiresGrad(true)
        let b = try tensor(fixture.b, [3]).setRequiresGrad(true)
        let optimizer = try makeOptimizer(name, [w, b])
        #expect(optimizer.stepSupportsAMPScaling == name.hasPrefix("adam-fused"))
        let scaler = try GradScaler(device: .cpu, initScale: 1024, growthInterval: 3)
        for (i, (batch, step)) in zip(fixture.batches, expected.steps).enumerated() {
            let x = try tensor(batch.x, [5, 4]), y = try tensor(batch.y, [5, 3])
            try optimizer.zeroGrad()
            let loss = try (x.matmul(w) + b).mseLoss(target: y)
            try scaler.scale(loss).backward()
            if expected.explicitUnscale { try scaler.unscale_(optimizer) }
            let before = try w.detach().clone()
            let ran = try scaler.step(optimizer)
            try scaler.update()
            let stepped = try !before.equal(w.detach())
            #expect(stepped == step.stepped, "iteration \(i): stepped")
            if !optimizer.stepSupportsAMPScaling { #expect(ran == step.stepped, "iteration \(i): step(_:) result") }
            #expect(try scaler.getScale() == step.scale, "iteration \(i): scale")
            #expect(try scaler.growthTrackerValue() == step.growthTracker, "iteration \(i): growth tracker")
            #expect(try w.detach().flatten().toArray(of: Float.self) == step.w.map(\.value), "iteration \(i): w")
            #expect(try b.detach().toArray(of: Float.self) == step.b.map(\.value), "iteration \(i): b")
        }
        let state = try scaler.stateDict()
        #expect(Array(state.keys) == ["scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"])
        for (key, value) in expected.stateDict { #expect(state[key]?.doubleValue == value, "state \(key)") }
        for (parameter, count) in zip([w, b], expected.stepCounts) {
            let step = optimizer.state(for: parameter)?["step"]
            #expect(try step?.tensorValue?.item(Double.self) ?? step?.doubleValue == count)
        }
        #expect(optimizer.gradScale == nil && optimizer.foundInf == nil)
    }

    @Test("state dict round trip, defaults and misuse errors")
    func stateAndErrors() throws {
        let scaler = try GradScaler(device: .cpu)
        #expect(try scaler.getScale() == 65536)
        #expect(scaler.growthFactor == 2 && scaler.backoffFactor == 0.5 && scaler.growthInterval == 2000)
        let w = try Tensor([Float(1), 2]).setRequiresGrad(true)
        let optimizer = try SGD([w], lr: 0.1)
        #expect(throws: TorchError.self) { try scaler.unscale_(optimizer) }  // before scale()
        try scaler.scale(w.sum()).backward()
        try scaler.unscale_(optimizer)
        #expect(throws: TorchError.self) { try scaler.unscale_(optimizer) }
        #expect(try w.grad!.toArray(of: Float.self) == [1, 1])
        try scaler.step(optimizer)
        #expect(throws: TorchError.self) { try scaler.step(optimizer) }
        try scaler.update()

        var state = try scaler.stateDict()
        state["scale"] = .double(8)
        state["_growth_tracker"] = .int(5)
        let other = try GradScaler(device: .cpu)
        try other.loadStateDict(state)
        #expect(try other.getScale() == 8 && other.growthTrackerValue() == 5)
        try scaler.loadStateDict(state)
        #expect(try scaler.getScale() == 8)
        #expect(throws: TorchError.self) { try other.loadStateDict(StateMap()) }

        let disabled = try GradScaler(device: .cpu, enabled: false)
        let t = try Tensor([Float(3)])
        #expect(try disabled.scale(t).toArray(of: Float.self) == [3])
        #expect(try disabled.stateDict().isEmpty)
        #expect(throws: TorchError.self) { _ = try GradScaler(growthFactor: 1) }
    }
}
