import Testing
@testable import Torch

@Suite("Tensor data in and out")
struct TensorDataTests {
    @Test func roundTripsEveryElementType() throws {
        #expect(try Tensor([1.5, -2, 3] as [Float]).toArray(of: Float.self) == [1.5, -2, 3])
        #expect(try Tensor([1.5, -2, 3] as [Double]).toArray(of: Double.self) == [1.5, -2, 3])
        #expect(try Tensor([Int.max, -1, 0]).toArray(of: Int.self) == [Int.max, -1, 0])
        #expect(try Tensor([Int32.min, 7] as [Int32]).toArray(of: Int32.self) == [Int32.min, 7])
        #expect(try Tensor([-3, 4] as [Int16]).toArray(of: Int16.self) == [-3, 4])
        #expect(try Tensor([-128, 127] as [Int8]).toArray(of: Int8.self) == [-128, 127])
        #expect(try Tensor([0, 255] as [UInt8]).toArray(of: UInt8.self) == [0, 255])
        #expect(try Tensor([true, false, true]).toArray(of: Bool.self) == [true, false, true])
    }

    @Test func dtypesMatchSwiftTypes() throws {
        #expect(try Tensor([1] as [Float]).dtype == .float32)
        #expect(try Tensor([1] as [Double]).dtype == .float64)
        #expect(try Tensor([1]).dtype == .int64)
        #expect(try Tensor([true]).dtype == .bool)
        #expect(try Tensor([1] as [UInt8]).dtype == .uint8)
    }

    @Test func shapesAndNestedArrays() throws {
        let m = try Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        #expect(m.shape == [2, 3])
        #expect(m.strides == [3, 1])
        #expect(m.rank == 2)
        #expect(m.numel == 6)
        #expect(m.isContiguous)
        #expect(m.device == .cpu)
        let cube = try Tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]] as [[[Int32]]])
        #expect(cube.shape == [2, 2, 2])
        #expect(try cube.toArray(of: Int32.self) == [1, 2, 3, 4, 5, 6, 7, 8])
        let scalar = try Tensor(scalar: 2.5 as Double)
        #expect(scalar.shape == [])
        #expect(try scalar.item(Double.self) == 2.5)
    }

    @Test func conversionBetweenDtypes() throws {
        let x = try Tensor([1.7, -2.2] as [Float])
        #expect(try x.toArray(of: Int.self) == [1, -2])
        #expect(try x.to(dtype: .float64).dtype == .float64)
        #expect(try x.to(dtype: .bfloat16).to(dtype: .float32).toArray(of: Float.self) == [1.703125, -2.203125])
    }

    /// As libtorch's `to`: the tensor itself when nothing changes (no new handle), a new tensor
    /// when the dtype changes or a copy is asked for.
    @Test func toReturnsTheTensorItselfWhenNothingChanges() throws {
        let x = try Tensor([1.5, -2] as [Float])
        #expect(try x.to(.cpu) === x)
        #expect(try x.to(dtype: .float32) === x)
        #expect(try x.to(.cpu, dtype: .float32, nonBlocking: true) === x)
        #expect(try x.to() === x)
        let copied = try x.to(.cpu, copy: true)
        #expect(copied !== x && !copied.isSame(as: x))
        #expect(try copied.toArray(of: Float.self) == [1.5, -2])
        let widened = try x.to(dtype: .float64)
        #expect(widened !== x && widened.dtype == .float64)
    }

    @Test func rawBytesRoundTrip() throws {
        let values: [Float] = [1, 2, 3, 4]
        let x = try values.withUnsafeBytes { try Tensor(bytes: $0, shape: [2, 2], dtype: .float32) }
        let bytes = try x.bytes()
        #expect(bytes.count == 16)
        #expect(bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == values)
    }

    @Test func itemConvertsAndKeepsKind() throws {
        #expect(try Tensor([3] as [Int32]).item() == .int(3))
        #expect(try Tensor([0.5] as [Double]).item() == .double(0.5))
        #expect(try Tensor([true]).item() == .bool(true))
        #expect(try Tensor([7]).item(Int.self) == 7)
    }

    @Test func deviceNamesParse() throws {
        #expect(try Device("cpu") == .cpu)
        #expect(try Device("cuda") == .cuda(0))
        #expect(try Device("cuda:3") == .cuda(3))
        #expect(throws: TorchError.self) { try Device("tpu") }
        #expect(Device.cuda(1).description == "cuda:1")
    }
}
