import Testing
@testable import Torch

/// Expected strings are what Python PyTorch 2.11 prints for the same tensors.
@Suite("Printing matches PyTorch")
struct DescriptionTests {
    @Test func floatsIntsAndBools() throws {
        #expect(try Tensor([[1, 2], [3, 4]] as [[Float]]).description == "tensor([[1., 2.],\n        [3., 4.]])")
        #expect(try Tensor([1.5, -2.25, 3] as [Float]).description == "tensor([ 1.5000, -2.2500,  3.0000])")
        #expect(try Tensor([1, 20, 300]).description == "tensor([  1,  20, 300])")
        #expect(try Tensor([true, false]).description == "tensor([ True, False])")
        #expect(try Tensor([1e-5, 1] as [Float]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(try Tensor(scalar: 3.5 as Float).description == "tensor(3.5000)")
    }

    @Test func suffixes() throws {
        #expect(try Tensor([1, 2] as [Double]).description == "tensor([1., 2.], dtype=torch.float64)")
        #expect(try Tensor([1, 2] as [Int32]).description == "tensor([1, 2], dtype=torch.int32)")
        #expect(try Tensor([1, 2] as [Float]).setRequiresGrad().description == "tensor([1., 2.], requires_grad=True)")
        #expect(try Tensor([Float](), shape: [0, 3]).description == "tensor([], size=(0, 3))")
    }

    @Test func wrapsAndSummarizes() throws {
        let long = try Tensor((0..<30).map(Float.init))
        #expect(long.description == "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., 29.])")
        let big = try Tensor((0..<2000).map(Float.init))
        #expect(big.description == "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])")
        let matrix = try Tensor((0..<2000).map { Float($0) / 7 }, shape: [40, 50])
        #expect(matrix.description == "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 6.7143e+00, 6.8571e+00,\n         7.0000e+00],\n        [7.1429e+00, 7.2857e+00, 7.4286e+00,  ..., 1.3857e+01, 1.4000e+01,\n         1.4143e+01],\n        [1.4286e+01, 1.4429e+01, 1.4571e+01,  ..., 2.1000e+01, 2.1143e+01,\n         2.1286e+01],\n        ...,\n        [2.6429e+02, 2.6443e+02, 2.6457e+02,  ..., 2.7100e+02, 2.7114e+02,\n         2.7129e+02],\n        [2.7143e+02, 2.7157e+02, 2.7171e+02,  ..., 2.7814e+02, 2.7829e+02,\n         2.7843e+02],\n        [2.7857e+02, 2.7871e+02, 2.7886e+02,  ..., 2.8529e+02, 2.8543e+02,\n         2.8557e+02]])")
    }

    @Test func specialValues() throws {
        #expect(try Tensor([.nan, 1, .infinity] as [Float]).description == "tensor([nan, 1., inf])")
        #expect(try Tensor([-0.0, 100000] as [Float]).description == "tensor([    -0., 100000.])")
    }
}
