import Testing
@testable import Torch

@Suite("Handles are released")
struct LeakTests {
    @Test func tenThousandMixedOperationsLeaveNoHandles() throws {
        let before = Tensor.threadBalance
        try {
            let w = try Tensor.randn([8, 8], requiresGrad: true)
            for i in 0..<10_000 {
                let x = try Tensor.randn([4, 8])
                switch i % 5 {
                case 0: _ = try (x.matmul(w).relu() + 1).sum()
                case 1: _ = try x.split(splitSize: 2, dim: 0)
                case 2: _ = try x.max(dim: 1).indices
                case 3:
                    let loss = try x.matmul(w).pow(2).mean()
                    try loss.backward()
                    try w.setGrad(nil)
                default: _ = try x[0, 1...].toArray(of: Float.self)
                }
                // Failing operations must not leak either.
                if i % 100 == 0 { _ = try? x.matmul(x) }
            }
        }()
        #expect(Tensor.threadBalance == before)
    }

    @Test func theCounterSeesALiveTensor() throws {
        let before = Tensor.threadBalance
        let kept = try Tensor.ones([1])
        #expect(Tensor.threadBalance == before + 1)
        withExtendedLifetime(kept) {}
    }
}
