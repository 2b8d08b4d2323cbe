import Lightning
import Testing
import Torch

/// The Trainer lets go of a batch once its hooks and logging are done, as Lightning's logger
/// connector does at batch end (`results.batch = None`): its memory is free before the next batch
/// (training or validation) is loaded, as in a loop written by hand.
@Suite("Batch lifetime")
struct BatchLifetimeTests {
    /// What the samples see as the loader reads them: whether the last batch a step got still lives.
    final class Watch {
        weak var lastInput: Tensor?
        var reads = 0
        var readsWhileAPreviousBatchLived: [Int] = []
    }

    struct WatchedDataset: Dataset {
        let base: TensorDataset
        let watch: Watch
        var count: Int { base.count }
        subscript(index: Int) -> [Tensor] {
            get throws {
                if watch.lastInput != nil { watch.readsWhileAPreviousBatchLived.append(watch.reads) }
                watch.reads += 1
                return try base[index]
            }
        }
    }

    final class WatchingModule: Module, LightningModule {
        typealias Batch = [Tensor]
        @Parameter var weight: Tensor
        let train: DataLoader<[Tensor]>
        let val: DataLoader<[Tensor]>
        let watch: Watch

        init(train: DataLoader<[Tensor]>, val: DataLoader<[Tensor]>, watch: Watch) throws {
            weight = try Tensor.zeros([3, 1])
            self.train = train
            self.val = val
            self.watch = watch
            super.init()
        }

        func loss(_ batch: [Tensor]) throws -> Tensor {
            watch.lastInput = batch[0]
            return try (batch[0].matmul(weight) - batch[1]).pow(2).mean()
        }
        func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try loss(batch) }
        func validationStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try loss(batch) }
        func configureOptimizers() throws -> SGD { try SGD([weight], lr: 0.1) }
        func trainDataloader() throws -> (any BatchLoader<[Tensor]>)? { train }
        func valDataloader() throws -> (any BatchLoader<[Tensor]>)? { val }
    }

    @Test func aBatchIsReleasedBeforeTheNextIsLoaded() throws {
        manualSeed(0)
        let watch = Watch()
        func loader(_ samples: Int) throws -> DataLoader<[Tensor]> {
            let data = try TensorDataset(Tensor.randn([samples, 3]), Tensor.randn([samples, 1]))
            return try DataLoader(WatchedDataset(base: data, watch: watch), batchSize: 2)
        }
        let module = try WatchingModule(train: try loader(8), val: try loader(4), watch: watch)
        let trainer = try Trainer(logger: [], maxEpochs: 2, numSanityValSteps: 0, enableCheckpointing: false,
                                  enableProgressBar: false, enableModelSummary: false)
        try trainer.fit(module)
        #expect(watch.reads == 2 * (8 + 4))
        #expect(watch.readsWhileAPreviousBatchLived.isEmpty,
                "a batch was still alive while these samples of the next were read: \(watch.readsWhileAPreviousBatchLived)")
    }
}
