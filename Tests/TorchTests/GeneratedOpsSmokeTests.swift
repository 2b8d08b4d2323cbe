import CTorch
import Testing
@testable import Torch

// Smoke tests for the generated operator layer (Sources/Torch/Generated): the common call sites
// type-check without ambiguity, and a few results are numerically right.

@Suite("Generated ops")
struct GeneratedOpsSmokeTests {
    let x: Tensor
    let y: Tensor

    init() throws {
        x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        y = try Tensor([6, 5, 4, 3, 2, 1] as [Float], shape: [2, 3])
    }

    @Test func elementwise() throws {
        #expect(try Tensor([1, 2] as [Float]).add(Tensor([3, 4] as [Float])).toArray() == [4, 6] as [Float])
        #expect(try x.add(y).toArray() == [7, 7, 7, 7, 7, 7] as [Float])
        #expect(try x.add(2).toArray() == [3, 4, 5, 6, 7, 8] as [Float])
        #expect(try x.add(y, alpha: 2).toArray() == [13, 12, 11, 10, 9, 8] as [Float])
        #expect(try x.add(2.5, alpha: 2).toArray() == [6, 7, 8, 9, 10, 11] as [Float])
        #expect(try Tensor([-1, 0, 2] as [Float]).relu().toArray() == [0, 0, 2] as [Float])
        #expect(try x.clamp(min: 2, max: 4).toArray() == [2, 2, 3, 4, 4, 4] as [Float])
        let floored = try Tensor([7, -7] as [Float]).div(Tensor([2, 2] as [Float]), roundingMode: "floor")
        #expect(try floored.toArray() == [3, -4] as [Float])
    }

    @Test func inPlace() throws {
        let z = try Tensor([1, 2] as [Float])
        let alias = try z.add_(Tensor([1, 1] as [Float]))
        #expect(alias.isSame(as: z))
        try z.mul_(3)  // @discardableResult
        #expect(try z.toArray() == [6, 9] as [Float])
    }

    @Test func reductions() throws {
        #expect(try x.sum().item(Float.self) == 21)
        #expect(try x.sum(dim: [1]).toArray() == [6, 15] as [Float])
        #expect(try x.mean().item(Float.self) == 3.5)
        #expect(try x.max().item(Float.self) == 6)
        let (values, indices) = try x.max(dim: 1)
        #expect(try values.toArray() == [3, 6] as [Float])
        #expect(try indices.toArray() == [2, 2] as [Int64])
        let named = try x.max(dim: 0, keepdim: true)
        #expect(named.values.shape == [1, 3])
        #expect(abs(try Tensor([1, 2, 3, 4] as [Float]).std().item(Float.self) - 1.2909944) < 1e-5)
        #expect(abs(try Tensor([1, 2, 3, 4] as [Float]).stdCorrection(correction: 0).item(Float.self) - 1.1180340) < 1e-5)
        let probabilities: [Float] = try x.softmax(dim: 1).sum(dim: [1]).toArray()
        #expect(probabilities.allSatisfy { abs($0 - 1) < 1e-6 })
    }

    @Test func factories() throws {
        #expect(try Tensor.randn([2, 3]).shape == [2, 3])
        let zeros = try Tensor.zeros([2], dtype: .int64)
        #expect(zeros.dtype == .int64)
        #expect(try zeros.toArray() == [0, 0] as [Int64])
        #expect(try Tensor.ones([2, 2]).sum().item(Float.self) == 4)
        #expect(try Tensor.arange(end: 5).toArray() == [0, 1, 2, 3, 4] as [Int64])
        #expect(try Tensor.full([2], fillValue: 7.0).toArray() == [7, 7] as [Float])
        let w = try Tensor.ones([2], requiresGrad: true)
        #expect(ts_tensor_requires_grad(w.handle))
        let plain = try Tensor.ones([2])
        #expect(!ts_tensor_requires_grad(plain.handle))
    }

    @Test func generators() throws {
        let a = try Tensor.randn([4], generator: Generator(seed: 7)).toArray(of: Float.self)
        let g = try Generator(seed: 7)
        let b = try Tensor.randn([4], generator: g).toArray(of: Float.self)
        #expect(a == b)
        #expect(g.seed == 7)
        let state = try g.state()
        let c = try Tensor.rand([3], generator: g).toArray(of: Float.self)
        try g.setState(state)
        #expect(try Tensor.rand([3], generator: g).toArray(of: Float.self) == c)
        try g.manualSeed(3)
        #expect(g.seed == 3)
        _ = try Generator.default(for: .cpu)
    }

    @Test func listsAndShapes() throws {
        let a = try Tensor([1, 2] as [Float])
        let b = try Tensor([3, 4] as [Float])
        #expect(try Tensor.cat([a, b], dim: 0).toArray() == [1, 2, 3, 4] as [Float])
        #expect(try Tensor.stack([a, b]).shape == [2, 2])
        let parts = try Tensor.arange(end: 5).split(splitSize: 2, dim: 0)
        #expect(parts.map(\.shape) == [[2], [2], [1]])
        #expect(try Tensor.arange(end: 6).split(splitSize: [1, 5]).count == 2)
        #expect(try x.view([3, 2]).shape == [3, 2])
        #expect(try x.transpose(dim0: 0, dim1: 1).shape == [3, 2])
        #expect(try x.index([nil, Tensor([0, 2] as [Int64])]).toArray() == [1, 3, 4, 6] as [Float])
    }

    @Test func linearAlgebraAndLosses() throws {
        let m = try x.matmul(y.t())
        #expect(m.shape == [2, 2])
        #expect(try m.toArray() == [28, 10, 73, 28] as [Float])
        let logits = try Tensor([[2, 0, 0], [0, 0, 2]] as [[Float]])
        let target = try Tensor([0, 2] as [Int64])
        let loss = try logits.crossEntropyLoss(target: target).item(Float.self)
        #expect(abs(loss - 0.2395447) < 1e-5)
        #expect(try x.mseLoss(target: y, reduction: .sum).item(Float.self) == 70)
        #expect(try x.allclose(x.add(1e-9)))
        #expect(try x.equal(x))
    }

    @Test func enumsAndScalars() throws {
        #expect(try Tensor.promoteTypes(type1: .int32, type2: .float32) == .float32)
        #expect(try Tensor.resultType(x, other: 2) == .float32)
        #expect(try Tensor([5] as [Int64])._localScalarDense() == .int(5))
        #expect(try x.contiguous(memoryFormat: .contiguous).isContiguous)
    }

    @Test func foreachAndFusedOptimizers() throws {
        let params = [try Tensor([1, 2] as [Float]), try Tensor([3] as [Float])]
        let grads = [try Tensor([1, 1] as [Float]), try Tensor([2] as [Float])]
        try Tensor._foreachAdd_(self: params, other: grads, alpha: -0.5)
        #expect(try params[0].toArray() == [0.5, 1.5] as [Float])
        #expect(try params[1].toArray() == [2] as [Float])
        let sums = try Tensor._foreachAdd(self: params, scalar: 1)
        #expect(try sums[1].toArray() == [3] as [Float])

        // One fused SGD step with momentum; on the first step the buffer is the gradient: p -= lr * g.
        let buffers = [try Tensor.zeros([2]), try Tensor.zeros([1])]
        try Tensor._fusedSgd_(self: params, grads: grads, momentumBufferList: buffers, weightDecay: 0, momentum: 0.9,
                              lr: 0.1, dampening: 0, nesterov: false, maximize: false, isFirstStep: true)
        let updated: [Float] = try params[0].toArray()
        #expect(abs(updated[0] - 0.4) < 1e-6 && abs(updated[1] - 1.4) < 1e-6)
    }

    @Test func optionalTupleResults() throws {
        let input = try Tensor.randn([1, 1, 4, 4])
        let weight = try Tensor.randn([1, 1, 3, 3])
        let gradOutput = try Tensor.ones([1, 1, 2, 2])
        let grads = try Tensor.convolutionBackward(
            gradOutput, input: input, weight: weight, biasSizes: nil, stride: [1, 1], padding: [0, 0],
            dilation: [1, 1], transposed: false, outputPadding: [0, 0], groups: 1, outputMask: [false, true, false])
        #expect(grads.0 == nil)
        #expect(grads.1?.shape == [1, 1, 3, 3])
        #expect(grads.2 == nil)
    }

    /// Call sites the nn and optim layers will write; compiling this is most of the test.
    @Test func commonCallSites() throws {
        let image = try Tensor.randn([2, 3, 8, 8])
        let kernel = try Tensor.randn([4, 3, 3, 3])
        let features = try image.conv2d(weight: kernel, padding: [1, 1]).relu().maxPool2d(kernelSize: [2, 2])
        #expect(features.shape == [2, 4, 4, 4])
        let flat = try features.flatten(startDim: 1)
        #expect(flat.shape == [2, 64])
        let w = try Tensor.randn([10, 64])
        let logits = try flat.linear(weight: w, bias: Tensor.zeros([10]))
        let labels = try Tensor.randint(high: 10, size: [2])
        _ = try logits.logSoftmax(dim: 1).nllLoss(target: labels)
        _ = try logits.argmax(dim: 1, keepdim: true)
        _ = try x.mean(dim: [1], keepdim: true).sub(x).pow(2).sqrt().exp().log().abs().neg()
        _ = try x.mul(y).mul(2).div(2).div(y).sigmoid().tanh().gelu().silu()
        _ = try x.var().add(x.var(dim: [0])).add(x.varCorrection(correction: 0))
        _ = try x.gt(0).logicalAnd(x.lt(y))
        let chosen = try Tensor.where(x.gt(3), self: x, other: y)
        #expect(try chosen.toArray() == [6, 5, 4, 4, 5, 6] as [Float])
        _ = try Tensor.where(x.gt(3), self: x, other: 0)
        #expect(try x.permute([1, 0]).shape == [3, 2])
        #expect(try x.unsqueeze(dim: 0).squeeze().shape == [2, 3])
        #expect(try x.expand([4, 2, 3]).shape == [4, 2, 3])
        #expect(try x.reshape([-1]).narrow(dim: 0, start: 1, length: 2).toArray() == [2, 3] as [Float])
        #expect(try x.chunk(chunks: 3, dim: 1).count == 3)
        #expect(try x.unbind().count == 2)
        _ = try x.norm()
        _ = try x.layerNorm(normalizedShape: [3])
        _ = try x.dropout(p: 0.5, train: false)
        _ = try x.clone().detach().maskedFill(mask: x.gt(2), value: 0)
        _ = try Tensor.einsum(equation: "ij,kj->ik", tensors: [x, y])
        _ = try Tensor.embedding(w, indices: labels)
        _ = try Tensor.scaledDotProductAttention(image, key: image, value: image)
        _ = try logits.binaryCrossEntropyWithLogits(target: logits.sigmoid())
        _ = try Tensor.linspace(start: 0, end: 1, steps: 5)
        _ = try Tensor.eye(n: 3)
        _ = try Tensor.empty([2, 2])
        let state = try Tensor.zeros([2, 3])
        try state.zero_().fill_(value: 1).addcmul_(tensor1: x, tensor2: y, value: 0.5).lerp_(end: y, weight: 0.1)
        try state.copy_(src: x)
        #expect(try state.equal(x))
    }

    @Test func errors() throws {
        let a = try Tensor.ones([2, 3])
        #expect(throws: TorchError.self) { try a.matmul(a) }
        #expect(throws: TorchError.self) {
            try Tensor.convolutionBackward(a, input: a, weight: a, biasSizes: nil, stride: [1], padding: [0], dilation: [1],
                                           transposed: false, outputPadding: [0], groups: 1, outputMask: [true])
        }
    }
}
