import Testing
@testable import Torch

@Suite("Subscripts follow Python's tensor[...] rules")
struct IndexingTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    func grid() throws -> Tensor { try Tensor(Array(0..<12), shape: [3, 4]) }

    @Test func integersAndRanges() throws {
        let x = try grid()
        #expect(try x[1].toArray(of: Int.self) == [4, 5, 6, 7])
        #expect(try x[-1, -1].item(Int.self) == 11)
        #expect(try x[0..<2, 1].toArray(of: Int.self) == [1, 5])
        #expect(try x[1..., 2...].toArray(of: Int.self) == [6, 7, 10, 11])
        #expect(try x[..<1].shape == [1, 4])
        #expect(try x[0...1, 1...].shape == [2, 3])
        #expect(try x[.all, ...2].toArray(of: Int.self) == [0, 1, 2, 4, 5, 6, 8, 9, 10])
        #expect(try x[.all, stride(from: 0, to: 4, by: 2)].toArray(of: Int.self) == [0, 2, 4, 6, 8, 10])
        #expect(try x[.slice(start: 1, step: 2)].toArray(of: Int.self) == [4, 5, 6, 7])
    }

    @Test func ellipsisNewAxisAndBool() throws {
        let x = try grid()
        #expect(try x[.ellipsis, 0].toArray(of: Int.self) == [0, 4, 8])
        #expect(try x[.newAxis].shape == [1, 3, 4])
        #expect(try x[.all, .newAxis, 0].shape == [3, 1])
        #expect(try x[true].shape == [1, 3, 4])
        #expect(try x[false].shape == [0, 3, 4])
    }

    @Test func tensorsAsIndicesAndMasks() throws {
        let x = try grid()
        #expect(try x[Tensor([2, 0])].toArray(of: Int.self) == [8, 9, 10, 11, 0, 1, 2, 3])
        let mask = try Tensor([true, false, true])
        #expect(try x[mask, 0].toArray(of: Int.self) == [0, 8])
    }

    @Test func basicIndexingIsAViewAdvancedIsACopy() throws {
        let x = try grid()
        let row = try x[1]
        try row.assign(-1, at: 0)
        #expect(try x[1, 0].item(Int.self) == -1)
        let picked = try x[Tensor([1])]
        try picked.assign(100, at: 0, 1)
        #expect(try x[1, 1].item(Int.self) == 5)
    }

    @Test func assignmentBroadcastsAndUsesMasks() throws {
        let x = try grid()
        try x.assign(Tensor([7, 7, 7, 7]), at: 0)
        #expect(try x[0].toArray(of: Int.self) == [7, 7, 7, 7])
        try x.assign(0, at: .all, 3)
        #expect(try x[.all, 3].toArray(of: Int.self) == [0, 0, 0])
        let y = try Tensor([1, -2, 3, -4] as [Float])
        try y.assign(0, at: Tensor([false, true, false, true]))
        #expect(try y.toArray(of: Float.self) == [1, 0, 3, 0])
    }

    @Test func outOfRangeThrowsWithPyTorchsMessage() throws {
        let x = try grid()
        let error = #expect(throws: TorchError.self) { try x[3] }
        #expect(error?.message.contains("index 3 is out of bounds for dimension 0 with size 3") == true)
        #expect(throws: TorchError.self) { try x[0, 0, 0] }
        #expect(throws: TorchError.self) { try x.assign(Tensor([1, 2]), at: 0) }
    }
}
