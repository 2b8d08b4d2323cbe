import Foundation
import Testing
@testable import Torch

/// The largest absolute difference between two equally long lists.
func maxAbsDifference(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    return zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

@Suite("BertModel, offline")
struct BertModelUnitTests {
    static let miniLMConfig = BertConfig(hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536)

    @Test func stateDictKeysAreTransformers() throws {
        let model = try BertModel(config: Self.miniLMConfig)
        let keys = model.stateDict().keys
        #expect(keys.count == 103)   // the checkpoint's 104 tensors less the position_ids buffer
        #expect(Array(keys.prefix(5)) == ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                                          "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"])
        #expect(Array(keys[5..<21]) == [
            "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
            "encoder.layer.0.attention.self.key.weight", "encoder.layer.0.attention.self.key.bias",
            "encoder.layer.0.attention.self.value.weight", "encoder.layer.0.attention.self.value.bias",
            "encoder.layer.0.attention.output.dense.weight", "encoder.layer.0.attention.output.dense.bias",
            "encoder.layer.0.attention.output.LayerNorm.weight", "encoder.layer.0.attention.output.LayerNorm.bias",
            "encoder.layer.0.intermediate.dense.weight", "encoder.layer.0.intermediate.dense.bias",
            "encoder.layer.0.output.dense.weight", "encoder.layer.0.output.dense.bias",
            "encoder.layer.0.output.LayerNorm.weight", "encoder.layer.0.output.LayerNorm.bias",
        ])
        #expect(Array(keys.suffix(2)) == ["pooler.dense.weight", "pooler.dense.bias"])
        #expect(model.namedBuffers().map(\.0) == ["embeddings.position_ids"])
        #expect(model.parameterCount == 22_713_216)
        #expect(try BertModel(config: Self.miniLMConfig, addPoolingLayer: false).stateDict().keys.count == 101)
    }

    @Test func randomInitialisationFollowsTransformers() throws {
        manualSeed(0)
        let model = try BertModel(config: Self.miniLMConfig)
        let weights: [Float] = try model.encoder.layer[0].intermediate.dense.weight.toArray()
        let mean = weights.reduce(0, +) / Float(weights.count)
        let std = (weights.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(weights.count)).squareRoot()
        #expect(abs(mean) < 1e-3 && abs(std - 0.02) < 1e-3)
        #expect(try model.encoder.layer[0].intermediate.dense.bias!.toArray(of: Float.self).allSatisfy { $0 == 0 })
        #expect(try model.embeddings.layerNorm.weight!.toArray(of: Float.self).allSatisfy { $0 == 1 })
        #expect(try model.embeddings.wordEmbeddings.weight[0].toArray(of: Float.self).allSatisfy { $0 == 0 })  // [PAD] row
        let trainable = model.parameters().allSatisfy(\.requiresGrad)
        #expect(trainable)
    }

    @Test func forwardShapesMaskingAndGradients() throws {
        manualSeed(1)
        let config = BertConfig(vocabSize: 50, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16)
        let model = try BertModel(config: config).eval()
        let ids = try Tensor([2, 7, 9, 3, 2, 8, 3, 0] as [Int64], shape: [2, 4])
        let mask = try Tensor([1, 1, 1, 1, 1, 1, 1, 0] as [Int64], shape: [2, 4])
        let out = try model(inputIds: ids, attentionMask: mask)
        #expect(out.lastHiddenState.shape == [2, 4, 32])
        #expect(out.poolerOutput?.shape == [2, 32])
        // Padding does not change the real tokens.
        let alone = try model(inputIds: Tensor([2, 8, 3] as [Int64], shape: [1, 3]))
        let padded: [Float] = try out.lastHiddenState[1, 0..<3].toArray()
        #expect(maxAbsDifference(padded, try alone.lastHiddenState[0].toArray(of: Double.self)) < 1e-5)
        // Other dtypes: the mask uses each dtype's lowest value.
        for (dtype, tolerance) in [(DType.float64, 1e-5), (.bfloat16, 0.1)] {
            let copy = try BertModel(config: config).eval()
            try copy.loadStateDict(model.stateDict())
            try copy.to(dtype: dtype)
            let other = try copy(inputIds: ids, attentionMask: mask).lastHiddenState
            #expect(other.dtype == dtype)
            let difference = try other.to(dtype: .float32).sub(out.lastHiddenState).abs().max().item(Double.self)
            #expect(difference < tolerance, "\(dtype): \(difference)")
        }
        // Gradients reach the embeddings.
        model.train()
        try out.lastHiddenState.sum().backward()
        #expect(model.embeddings.wordEmbeddings.weight.grad != nil)
        #expect(throws: TorchError.self) { try model(inputIds: Tensor.zeros([1, 17], dtype: .int64)) }
    }

    @Test func forwardAndBackwardLeaveNoHandles() throws {
        let before = Tensor.threadBalance
        try {
            let config = BertConfig(vocabSize: 20, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 8)
            let model = try BertModel(config: config)
            let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"]))
            for _ in 0..<20 {
                let batch = try tokenizer(["a b a", "b"], maxLength: 8)
                let out = try model(inputIds: batch.inputIds, attentionMask: batch.attentionMask)
                try out.lastHiddenState.meanPooled(attentionMask: batch.attentionMask).l2Normalized().sum().backward()
                try model.zeroGrad()
            }
        }()
        #expect(Tensor.threadBalance == before)
    }
}

@Suite("BertModel against PyTorch: all-MiniLM-L6-v2", .enabled(if: TestData.has("all-MiniLM-L6-v2/model.safetensors", "all-MiniLM-L6-v2/config.json", "all-MiniLM-L6-v2/tokenizer.json"), "\(TestData.missingMiniLM)"), .serialized)
struct BertModelParityTests {
    /// Loaded once; the suite runs its tests one at a time (one of them reloads the weights).
    nonisolated(unsafe) static let embedder = Result { try SentenceEmbedder(directory: TestData.miniLM) }

    @Test func configAndStrictLoading() throws {
        let model = try Self.embedder.get().model
        #expect(model.config == BertConfig(hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536))
        #expect(model.training == false)
        let checkpoint = try SafeTensorsReader.read(TestData.miniLM.appendingPathComponent("model.safetensors"))
        #expect(checkpoint.count == 104)
        #expect(Set(checkpoint.keys).subtracting(model.stateDict().keys) == BertModel.ignoredCheckpointKeys)
        #expect(checkpoint["embeddings.position_ids"]?.dtype == .int64)
        // Loading the raw checkpoint strictly names the one extra key; without it nothing is missing.
        #expect(throws: TorchError.self) { try model.loadStateDict(checkpoint) }
        let result = try model.loadStateDict(checkpoint, strict: false)
        #expect(result.missingKeys.isEmpty && result.unexpectedKeys == ["embeddings.position_ids"])
        for (key, tensor) in model.stateDict() {
            #expect(try tensor.equal(checkpoint[key]!), "\(key)")
        }
    }

    /// The table of shared/reference/offline-data.md section 3.2 (its values are rounded to 4-5 digits).
    @Test func offlineDataReferenceTable() throws {
        let embedder = try Self.embedder.get()
        let rows: [(text: String, ids: [Int], cls: [Double], embedding: [Double])] = [
            ("Hello world", [101, 7592, 2088, 102], [0.17644, 0.03937, 0.0779, 0.25854],
             [-0.03448, 0.03102, 0.00673, 0.02611, -0.03936, -0.1603]),
            ("This is an example sentence", [101, 2023, 2003, 2019, 2742, 6251, 102], [0.03657, -0.01616, 0.16825, 0.11576],
             [0.06766, 0.0635, 0.04871, 0.0793, 0.03745, 0.00265]),
            ("Each sentence is converted", [101, 2169, 6251, 2003, 4991, 102], [0.28022, 0.11647, -0.04179, -0.0266],
             [0.08644, 0.10276, 0.00539, 0.00204, -0.00996, 0.02539]),
        ]
        for row in rows {
            let batch = try embedder.tokenizer([row.text])
            #expect(try batch.inputIds.toArray(of: Int.self) == row.ids)
            let out = try noGrad { try embedder.model(inputIds: batch.inputIds, attentionMask: batch.attentionMask) }
            let cls: [Float] = try out.lastHiddenState[0, 0, 0..<4].toArray()
            #expect(maxAbsDifference(cls, row.cls) < 1e-4, "\(row.text): CLS \(cls)")
            let embedding: [Float] = try embedder.encode([row.text])[0, 0..<6].toArray()
            #expect(maxAbsDifference(embedding, row.embedding) < 1e-4, "\(row.text): embedding \(embedding)")
        }
        let e = try embedder.encode(rows.map(\.text))
        #expect(abs(try e[1].dot(e[2]).item(Double.self) - 0.4046) < 1e-4)
        #expect(abs(try e[1].dot(e[0]).item(Double.self) - 0.2040) < 1e-4)
    }

    /// Full rows against Tools/fixtures/make_bert_fixtures.py (an independent float64 PyTorch forward
    /// pass), over a padded batch: CLS and last rows, pooler output and whole normalised embeddings.
    @Test func fullRowsAgainstPyTorch() throws {
        let fixture = try TestData.jsonFixture("bert/minilm-reference.json")
        let cases = try #require(fixture["cases"] as? [[String: Any]])
        let embedder = try Self.embedder.get()
        let batch = try embedder.tokenizer(cases.map { $0["text"] as! String })
        #expect(batch.inputIds.shape == [cases.count, fixture["batch_length"] as! Int])
        let out = try noGrad { try embedder.model(inputIds: batch.inputIds, attentionMask: batch.attentionMask) }
        let embeddings = try embedder.encode(cases.map { $0["text"] as! String })
        var worst = 0.0
        for (i, entry) in cases.enumerated() {
            let ids = entry["ids"] as! [Int]
            #expect(batch.encodings[i].ids.prefix(ids.count).elementsEqual(ids))
            let checks: [(String, Tensor)] = [
                ("cls_row", try out.lastHiddenState[i, 0]),
                ("last_row", try out.lastHiddenState[i, ids.count - 1]),
                ("pooler_output", try out.poolerOutput![i]),
                ("embedding", try embeddings[i]),
            ]
            for (key, tensor) in checks {
                let difference = maxAbsDifference(try tensor.toArray(), entry[key] as! [Double])
                worst = max(worst, difference)
                #expect(difference < 1e-4, "\(key) of \((entry["text"] as! String).prefix(30)): \(difference)")
            }
            let absSum = try out.lastHiddenState[i, 0..<ids.count].abs().sum().item(Double.self)
            #expect(abs(absSum - (entry["hidden_abs_sum"] as! Double)) / absSum < 1e-5)
        }
        let cosines = try embeddings.matmul(embeddings.t())
        let expected = (fixture["cosines"] as! [[Double]]).flatMap { $0 }
        #expect(maxAbsDifference(try cosines.toArray(), expected) < 1e-5)
        print("BertModel vs PyTorch float64: max |difference| \(worst)")
    }
}
