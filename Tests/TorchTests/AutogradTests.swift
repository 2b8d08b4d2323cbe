import Testing
@testable import Torch

@Suite("Autograd")
struct AutogradTests {
    @Test func backwardAccumulatesGradients() throws {
        let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
        try x.pow(2).sum().backward()
        #expect(try x.grad!.toArray(of: Float.self) == [2, 4, 6])
        try x.pow(2).sum().backward()
        #expect(try x.grad!.toArray(of: Float.self) == [4, 8, 12])
        try x.setGrad(nil)
        #expect(x.grad == nil)
    }

    @Test func backwardWithAGradientAndRetainedGraph() throws {
        let x = try Tensor([1, 2] as [Float]).setRequiresGrad()
        let y = try x * 3
        try y.backward(gradient: Tensor([1, 10] as [Float]), retainGraph: true)
        try y.backward(gradient: Tensor([1, 1] as [Float]))
        #expect(try x.grad!.toArray(of: Float.self) == [6, 33])
    }

    @Test func higherOrderGradients() throws {
        let x = try Tensor(scalar: 3.0 as Double).setRequiresGrad()
        let y = try x.pow(3)
        let dy = try Autograd.grad(outputs: [y], inputs: [x], createGraph: true)[0]!
        #expect(try dy.item(Double.self) == 27)
        let d2y = try Autograd.grad(outputs: [dy], inputs: [x], createGraph: true)[0]!
        #expect(try d2y.item(Double.self) == 18)
        let d3y = try Autograd.grad(outputs: [d2y], inputs: [x])[0]!
        #expect(try d3y.item(Double.self) == 6)
        #expect(x.grad == nil, "Autograd.grad must not accumulate into grad")
    }

    @Test func createGraphThroughBackward() throws {
        let x = try Tensor(scalar: 2.0 as Double).setRequiresGrad()
        try x.pow(3).backward(createGraph: true)
        let g = x.grad!
        #expect(g.requiresGrad)
        #expect(try g.item(Double.self) == 12)
    }

    @Test func unusedInputsAreNilWhenAllowed() throws {
        let x = try Tensor.ones([2], requiresGrad: true)
        let z = try Tensor.ones([2], requiresGrad: true)
        let grads = try Autograd.grad(outputs: [x.sum()], inputs: [x, z], allowUnused: true)
        #expect(grads[0] != nil && grads[1] == nil)
    }

    @Test func gradModes() throws {
        let x = try Tensor.ones([2], requiresGrad: true)
        let y = try noGrad { try x * 2 }
        #expect(!y.requiresGrad)
        #expect(isGradEnabled)
        let z = try noGrad { try enableGrad { try x * 2 } }
        #expect(z.requiresGrad)
        let w = try inferenceMode { () throws(TorchError) -> Tensor in
            #expect(isInferenceModeEnabled)
            return try x * 2
        }
        #expect(!w.requiresGrad)
        #expect(!isInferenceModeEnabled)
        struct Expected: Error {}
        #expect(throws: Expected.self) { try noGrad { () throws(Expected) in throw Expected() } }
        #expect(isGradEnabled, "grad mode must be restored after a throw")
    }

    @Test func graphQueries() throws {
        let x = try Tensor.ones([2], requiresGrad: true)
        let y = try x + 1
        #expect(x.isLeaf && !y.isLeaf)
        // `x + 1` runs aten::add.Scalar (Python wraps the 1 in a tensor and runs add.Tensor, AddBackward0).
        #expect(y.gradFunctionName == "AddBackward1")
        #expect(try (x + x).gradFunctionName == "AddBackward0")
        #expect(x.gradFunctionName == nil)
        try y.retainGrad()
        try y.sum().backward()
        #expect(try y.grad!.toArray(of: Float.self) == [1, 1])
        #expect(try y.detach().requiresGrad == false)
    }
}
