import Testing
@testable import Torch

@Suite("Operators")
struct OperatorTests {
    let x: Tensor
    let y: Tensor

    init() throws {
        x = try Tensor([1, 2, 3] as [Float])
        y = try Tensor([4, 5, 6] as [Float])
    }

    @Test func arithmeticWithTensorsAndScalars() throws {
        #expect(try (x + y).toArray(of: Float.self) == [5, 7, 9])
        #expect(try (x - y).toArray(of: Float.self) == [-3, -3, -3])
        #expect(try (x * y).toArray(of: Float.self) == [4, 10, 18])
        #expect(try (y / x).toArray(of: Float.self) == [4, 2.5, 2])
        #expect(try (x + 1).toArray(of: Float.self) == [2, 3, 4])
        #expect(try (10 - x).toArray(of: Float.self) == [9, 8, 7])
        #expect(try (2 * x).toArray(of: Float.self) == [2, 4, 6])
        #expect(try (6 / x).toArray(of: Float.self) == [6, 3, 2])
        #expect(try (-x).toArray(of: Float.self) == [-1, -2, -3])
    }

    @Test func longExpressionsTypeCheck() throws {
        let mean = try x.mean()
        let normalized = try (x - mean) / x.std() * 2 + 1
        #expect(normalized.shape == [3])
        let rate = 0.5
        let z = try x * rate + y * 2.0 - (x / 4) * y + 1
        #expect(try z.toArray(of: Float.self) == [8.5, 9.5, 10])
    }

    @Test func broadcastingAndPromotion() throws {
        let column = try Tensor([[1], [2]] as [[Float]])
        #expect(try (column + x).shape == [2, 3])
        let ints = try Tensor([1, 2, 3])
        #expect(try (ints + 1).dtype == .int64)
        #expect(try (ints + 1.5).dtype == .float32)
        #expect(try (ints / 2).toArray(of: Double.self) == [0.5, 1, 1.5])
        #expect(try (ints * x).dtype == .float32)
    }

    @Test func inPlaceOperators() throws {
        let z = try x.clone()
        try z += y
        try z *= 2
        try z -= 1
        try z /= 3
        #expect(try z.toArray(of: Float.self) == [3, 13.0 / 3, 17.0 / 3])
        #expect(try x.toArray(of: Float.self) == [1, 2, 3])
    }

    @Test func pointwiseComparisons() throws {
        #expect(try (x .< y).toArray(of: Bool.self) == [true, true, true])
        #expect(try (x .== 2).toArray(of: Bool.self) == [false, true, false])
        #expect(try (x .>= 2).toArray(of: Bool.self) == [false, true, true])
        #expect(try (x .!= x).toArray(of: Bool.self) == [false, false, false])
        #expect(try (x .> y).dtype == .bool)
        #expect(try (x .<= 1).toArray(of: Bool.self) == [true, false, false])
    }
}
