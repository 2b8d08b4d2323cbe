import Testing
@testable import Torch

/// Misuse that a user can make in ordinary code. Each case must throw a TorchError whose message
/// names the problem, and the process must carry on (the next case runs).
@Suite("Error catalogue: misuse throws, never crashes")
struct ErrorCatalogueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let expected: String
        let body: @Sendable () throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "matmul shape mismatch", expected: "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)") {
            _ = try Tensor.ones([2, 3]).matmul(Tensor.ones([2, 3]))
        },
        Case(name: "broadcast mismatch", expected: "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0") {
            _ = try Tensor.ones([3]) + Tensor.ones([4])
        },
        Case(name: "dtype mismatch in matmul", expected: "expected m1 and m2 to have the same dtype") {
            _ = try Tensor.ones([2, 2]).matmul(Tensor.ones([2, 2], dtype: .float64))
        },
        Case(name: "index out of range", expected: "index 5 is out of bounds for dimension 0 with size 3") {
            _ = try Tensor.ones([3])[5]
        },
        Case(name: "backward on a non-scalar without a gradient", expected: "grad can be implicitly created only for scalar outputs") {
            let x = try Tensor.ones([3], requiresGrad: true)
            try (x * 2).backward()
        },
        Case(name: "backward on a tensor outside the graph", expected: "does not require grad and does not have a grad_fn") {
            try Tensor.ones([1]).sum().backward()
        },
        Case(name: "wrong-rank input to conv2d", expected: "Expected 3D (unbatched) or 4D (batched) input to conv2d") {
            _ = try Tensor.ones([3, 4]).conv2d(weight: Tensor.ones([1, 1, 1, 1]))
        },
        Case(name: "reshape to an incompatible size", expected: "shape '[5]' is invalid for input of size 6") {
            _ = try Tensor.ones([2, 3]).reshape([5])
        },
        Case(name: "cat with mismatched shapes", expected: "Sizes of tensors must match except in dimension 0") {
            _ = try Tensor.cat([Tensor.ones([2, 3]), Tensor.ones([2, 4])], dim: 0)
        },
        Case(name: "in-place on a leaf that requires grad", expected: "a leaf Variable that requires grad is being used in an in-place operation") {
            try Tensor.ones([2], requiresGrad: true).add_(1)
        },
        Case(name: "item of a multi-element tensor", expected: "a Tensor with 6 elements cannot be converted to Scalar") {
            _ = try Tensor.ones([2, 3]).item()
        },
        Case(name: "values that do not fill the shape", expected: "3 values cannot fill a tensor of shape [2, 2]") {
            _ = try Tensor([1, 2, 3] as [Float], shape: [2, 2])
        },
        Case(name: "cross entropy target out of range", expected: "Target 5 is out of bounds") {
            _ = try Tensor.zeros([2, 3]).crossEntropyLoss(target: Tensor([0, 5]))
        },
        Case(name: "gradients for an integer tensor", expected: "Only Tensors of floating point and complex dtype can require gradients") {
            try Tensor([1, 2]).setRequiresGrad()
        },
        Case(name: "permute with the wrong number of dims", expected: "does not match the length of the desired ordering of dimensions") {
            _ = try Tensor.ones([2, 3]).permute([0])
        },
        Case(name: "dimension out of range", expected: "Dimension out of range (expected to be in range of [-2, 1], but got 5)") {
            _ = try Tensor.ones([2, 3]).transpose(dim0: 0, dim1: 5)
        },
        Case(name: "gather with a float index", expected: "gather(): Expected dtype int32/int64 for index") {
            _ = try Tensor.ones([2, 3]).gather(dim: 1, index: Tensor.zeros([2, 1]))
        },
        Case(name: "grad of an unused input", expected: "of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True") {
            let x = try Tensor.ones([2], requiresGrad: true)
            let unused = try Tensor.ones([2], requiresGrad: true)
            _ = try Autograd.grad(outputs: [x.sum()], inputs: [unused])
        },
        Case(name: "second backward without retainGraph", expected: "Trying to backward through the graph a second time") {
            let x = try Tensor.ones([2], requiresGrad: true)
            let y = try x.exp().sum()
            try y.backward()
            try y.backward()
        },
        Case(name: "view of a non-contiguous tensor", expected: "view size is not compatible with input tensor's size and stride") {
            _ = try Tensor.ones([2, 3]).t().view([6])
        },
        Case(name: "embedding index out of range", expected: "index out of range in self") {
            _ = try Tensor.embedding(Tensor.ones([4, 2]), indices: Tensor([7]))
        },
        Case(name: "a CUDA tensor without CUDA", expected: "CUDA") {
            guard !CUDA.isAvailable else { throw TorchError("CUDA is available here; this case needs a CPU-only machine: skipping by failing the message check is wrong, so report CUDA") }
            _ = try Tensor.zeros([2], device: .cuda(0))
        },
    ]

    @Test(arguments: cases)
    func throwsTorchErrorNamingTheProblem(_ misuse: Case) {
        do {
            try misuse.body()
            Issue.record("\(misuse.name): no error was thrown")
        } catch let error as TorchError {
            #expect(error.message.contains(misuse.expected), "\(misuse.name): got \"\(error.message)\"")
            #expect(!error.message.contains("Exception raised from"), "the C++ backtrace must be trimmed")
        } catch {
            Issue.record("\(misuse.name): threw \(type(of: error)), not TorchError")
        }
    }

    @Test func catalogueIsBigEnough() {
        #expect(Set(Self.cases.map(\.expected)).count >= 15)
    }
}
