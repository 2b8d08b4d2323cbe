import Foundation
import Torch

// Runs one fixture case through its Swift implementation and lists every difference from PyTorch:
// output shapes, dtypes and values, then the gradients of sum_i sum(output_i * w_i).

/// What a Swift implementation of a case sees: the fixture's inputs as tensors (by name, also as
/// `c.x`) and the dtype of the variant (for factories).
@dynamicMemberLookup
struct OpContext {
    let fixture: FixtureCase
    /// The dtype of this variant (`float32`, `float64`, `int64`, …).
    let dtype: DType
    let tensors: [String: Tensor]

    subscript(_ name: String) -> Tensor {
        get throws {
            guard let tensor = tensors[name] else {
                throw FixtureError("\(fixture.id) has no input named '\(name)'; it has \(tensors.keys.sorted())")
            }
            return tensor
        }
    }

    subscript(dynamicMember name: String) -> Tensor {
        get throws { try self[name] }
    }
}

/// A Swift implementation of a case: the outputs in PyTorch's order (tuples and lists flattened).
typealias OpImplementation = @Sendable (OpContext) throws -> [Tensor]

/// How close Swift must come to PyTorch. Both run the same libtorch kernels, so the tolerances are
/// tight; integer and boolean results must be equal.
struct Tolerance: CustomStringConvertible {
    var rtol: Double
    var atol: Double

    static func forDType(_ dtype: DType) -> Tolerance? {
        switch dtype {
        case .float32: Tolerance(rtol: 1e-5, atol: 1e-6)
        case .float64: Tolerance(rtol: 1e-10, atol: 1e-12)
        case .float16, .bfloat16: Tolerance(rtol: 1e-2, atol: 1e-3)
        default: nil
        }
    }

    var description: String { "rtol \(rtol), atol \(atol)" }
}

enum Parity {
    /// SWIFTLIGHTNING_PARITY_VERBOSE=1 prints every difference that is within tolerance but not zero.
    static let verbose = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_PARITY_VERBOSE"] == "1"

    /// Every difference between Swift and PyTorch for the case `id`; empty when they agree.
    static func check(_ id: String, implementations: [String: OpImplementation]) -> [String] {
        do {
            return try checkThrowing(id, implementations: implementations)
        } catch {
            return ["\(id): \(error)"]
        }
    }

    private static func checkThrowing(_ id: String, implementations: [String: OpImplementation]) throws -> [String] {
        let fixture = try Fixtures.get(id)
        guard let implementation = implementations[fixture.name] else {
            return ["\(id): no Swift implementation for case '\(fixture.name)' (PyTorch op \(fixture.op))"]
        }
        var tensors: [String: Tensor] = [:]
        for input in fixture.inputs {
            guard let name = input.name else { throw FixtureError("\(id): an input has no name") }
            let tensor = try input.makeTensor()
            if input.requiresGrad == true { _ = try tensor.setRequiresGrad() }
            tensors[name] = tensor
        }
        let context = OpContext(fixture: fixture, dtype: try FixtureTensor.dtype(named: fixture.dtype), tensors: tensors)

        if let seed = fixture.seed { manualSeed(seed) }
        let outputs: [Tensor]
        do {
            outputs = try implementation(context)
        } catch {
            return ["\(id): the Swift implementation threw: \(error)"]
        }

        var problems: [String] = []
        guard outputs.count == fixture.outputs.count else {
            return ["\(id): Swift returned \(outputs.count) outputs, PyTorch \(fixture.outputs.count)"]
        }
        for (index, (actual, expected)) in zip(outputs, fixture.outputs).enumerated() {
            let label = outputs.count == 1 ? "output" : "output \(index)"
            if let problem = try compare(actual, expected, what: "\(id) \(label)") { problems.append(problem) }
        }

        guard let grads = fixture.grads, let weights = fixture.gradWeights else { return problems }
        guard problems.isEmpty else { return problems + ["\(id): gradients not checked, the forward pass differs"] }
        let weighted = zip(outputs, weights).compactMap { output, weights in weights.data.map { (output, $0) } }
        for (index, (output, data)) in weighted.enumerated() {
            let weight = try Tensor(data, shape: output.shape).to(dtype: output.dtype)
            do {
                try output.backward(gradient: weight, retainGraph: index < weighted.count - 1 ? true : nil)
            } catch {
                return problems + ["\(id): backward threw: \(error)"]
            }
        }
        for name in grads.keys.sorted() {
            let expected = grads[name]!.map(\.value)
            let input = try context[name]
            guard let tolerance = Tolerance.forDType(input.dtype) else { throw FixtureError("\(id): gradient of non-floating input \(name)") }
            let actual: [Double] = try input.grad.map { try $0.toArray(of: Double.self) } ?? Array(repeating: 0, count: input.numel)
            if let grad = input.grad, grad.shape != input.shape {
                problems.append("\(id) grad \(name): shape \(grad.shape), expected \(input.shape)")
                continue
            }
            if let problem = compareValues(actual, expected, tolerance: tolerance, what: "\(id) grad \(name)") {
                problems.append(problem)
            }
        }
        return problems
    }

    /// A description of how `actual` differs from the PyTorch result, or nil when it matches.
    static func compare(_ actual: Tensor, _ expected: FixtureTensor, what: String) throws -> String? {
        let expectedDType = try expected.torchDType
        if actual.dtype != expectedDType {
            return "\(what): dtype \(actual.dtype), PyTorch \(expectedDType)"
        }
        if actual.shape != expected.shape {
            return "\(what): shape \(actual.shape), PyTorch \(expected.shape)"
        }
        let values: [Double] = try actual.detachedValues()
        return compareValues(values, expected.data, tolerance: Tolerance.forDType(expectedDType), what: what)
    }

    /// Compares element by element: |a - e| <= atol + rtol * |e| (nil tolerance: exactly), NaN equal
    /// to NaN, infinities equal to themselves. Reports the worst element.
    static func compareValues(_ actual: [Double], _ expected: [Double], tolerance: Tolerance?, what: String) -> String? {
        guard actual.count == expected.count else {
            return "\(what): \(actual.count) elements, PyTorch \(expected.count)"
        }
        var worst: (index: Int, excess: Double, error: Double)?
        var mismatches = 0
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            if a.isNaN && e.isNaN { continue }
            if a == e { continue }
            let error = a.isNaN || e.isNaN ? Double.infinity : abs(a - e)
            let allowed = tolerance.map { $0.atol + $0.rtol * abs(e) } ?? 0
            if error.isNaN || error > allowed {
                mismatches += 1
                let excess = allowed > 0 ? error / allowed : error
                if worst == nil || excess > worst!.excess { worst = (index, excess, error) }
            }
        }
        guard let worst else {
            if verbose, let largest = zip(actual, expected).map({ abs($0 - $1) }).filter({ !$0.isNaN }).max(), largest > 0 {
                print("parity: \(what): within tolerance, max |Swift - PyTorch| = \(largest)")
            }
            return nil
        }
        let rule = tolerance.map { "\($0)" } ?? "exact"
        return "\(what): \(mismatches) of \(expected.count) elements differ; max error \(worst.error) at flat index "
            + "\(worst.index) (Swift \(actual[worst.index]), PyTorch \(expected[worst.index])); \(rule)"
    }
}

extension Tensor {
    /// The values as Doubles (bool → 0/1), whatever the dtype.
    func detachedValues() throws -> [Double] {
        try toArray(of: Double.self)
    }
}
