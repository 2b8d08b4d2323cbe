import Foundation
import Testing
@testable import Torch

// BertTokenizer against Hugging Face `tokenizers` 0.23.3: the fixtures in Tests/TorchTests/Fixtures/tokenizer
// come from Tools/fixtures/make_tokenizer_fixtures.py.

@Suite("BertTokenizer, offline")
struct BertTokenizerUnitTests {
    let vocabulary = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "want",
                                         "##ed", "runn", "##ing", ",", "!", "a", "##a", "中", "cafe"])

    @Test func normalizerCleansPadsStripsAndLowercases() {
        let normalizer = BertNormalizer()
        #expect(normalizer.normalize("Héllò\tWORLD") == "hello world")
        #expect(normalizer.normalize("a\u{0}b\u{7}c\u{FFFD}d\u{200B}e\u{E000}") == "abcde")
        #expect(normalizer.normalize("中文") == " 中  文 ")
        #expect(normalizer.normalize("İ") == "i")       // NFD first (I + U+0307, the mark dropped), then lowercase
        #expect(normalizer.normalize("ΣΑΣ") == "σασ")   // one character at a time: no final sigma
        #expect(BertNormalizer(stripAccents: false).normalize("Café") == "café")
        #expect(BertNormalizer(lowercase: false).normalize("Café") == "Café")
        #expect(BertNormalizer(lowercase: false).normalize("Café\u{3000}") == "Café ")
    }

    @Test func preTokenizerSplitsWhitespaceAndPunctuation() {
        let split = { (text: String) -> [String] in BertPreTokenizer().split(text) }
        #expect(split("hello, world!") == ["hello", ",", "world", "!"])
        #expect(split("  a--b  $5 ") == ["a", "-", "-", "b", "$", "5"])
        #expect(split("«x»¿y?") == ["«", "x", "»", "¿", "y", "?"])
        #expect(split("") == [])
    }

    @Test func wordPieceIsGreedyLongestMatchFirst() throws {
        let model = WordPiece(vocabulary: vocabulary)
        #expect(try model.tokenize("unaffable").map(\.token) == ["un", "##aff", "##able"])
        #expect(try model.tokenize("unwanted").map(\.token) == ["[UNK]"])
        #expect(try model.tokenize("aaa").map(\.id) == [14, 15, 15])
        #expect(try WordPiece(vocabulary: vocabulary, maxInputCharsPerWord: 2).tokenize("aaa").map(\.token) == ["[UNK]"])
    }

    @Test func encodesWithSpecialTokensTruncationAndPadding() throws {
        var tokenizer = try BertTokenizer(vocabulary: vocabulary)
        let encoding = try tokenizer.encode("UnAffable, running!")
        #expect(encoding.tokens == ["[CLS]", "un", "##aff", "##able", ",", "runn", "##ing", "!", "[SEP]"])
        #expect(encoding.attentionMask == Array(repeating: 1, count: 9))
        #expect(encoding.specialTokensMask == [1, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(tokenizer.decode(encoding.ids) == "unaffable, running!")

        let pair = try tokenizer.encode("wanted", pair: "cafe [MASK]")
        #expect(pair.tokens == ["[CLS]", "want", "##ed", "[SEP]", "cafe", "[MASK]", "[SEP]"])
        #expect(pair.typeIds == [0, 0, 0, 0, 1, 1, 1])

        tokenizer.truncation = TokenizerTruncation(maxLength: 5)
        tokenizer.padding = TokenizerPadding(strategy: .fixed(6))
        let short = try tokenizer.encode("unaffable running")
        #expect(short.tokens == ["[CLS]", "un", "##aff", "##able", "[SEP]", "[PAD]"])
        #expect(short.attentionMask == [1, 1, 1, 1, 1, 0])
    }

    @Test func batchesBecomeInt64Tensors() throws {
        let tokenizer = try BertTokenizer(vocabulary: vocabulary)
        let batch = try tokenizer(["a a", "unaffable, running!"], maxLength: 6)
        #expect(batch.inputIds.shape == [2, 6])
        #expect(batch.inputIds.dtype == .int64)
        #expect(try batch.inputIds.toArray(of: Int64.self) == [2, 14, 14, 3, 0, 0, 2, 5, 6, 7, 12, 3])
        #expect(try batch.attentionMask.toArray(of: Int64.self) == [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(try batch.tokenTypeIds.toArray(of: Int64.self) == Array(repeating: 0, count: 12))
        #expect(throws: TorchError.self) { try BatchEncoding([Encoding(ids: [1]), Encoding(ids: [1, 2])]) }
    }
}

@Suite("BertTokenizer against Hugging Face tokenizers", .enabled(if: TestData.has("all-MiniLM-L6-v2/tokenizer.json", "all-MiniLM-L6-v2/vocab.txt"), "\(TestData.missingMiniLM)"))
struct BertTokenizerParityTests {
    /// tokenizer.json with its baked-in truncation and padding (to 128) switched off.
    static func plainTokenizer() throws -> BertTokenizer { try loaded.get() }

    private static let loaded = Result { () throws -> BertTokenizer in
        var tokenizer = try BertTokenizer(tokenizerFile: TestData.miniLM.appendingPathComponent("tokenizer.json"))
        tokenizer.truncation = nil
        tokenizer.padding = nil
        return tokenizer
    }

    static func cases(_ key: String) throws -> [[String: Any]] {
        try TestData.jsonFixture("tokenizer/cases.json")[key] as? [[String: Any]] ?? []
    }

    @Test(.enabled(if: TestData.has("pang-lee/sentences-4000.csv"), "\(TestData.missingPangLee)"))
    func allPangLeeSentences() throws {
        let tokenizer = try Self.plainTokenizer()
        let records = try CSVRecords.read(TestData.url("pang-lee/sentences-4000.csv"))
        try #require(records.count == 4000 && records.allSatisfy { $0.count == 2 })
        let expected = try #require(TestData.jsonFixture("tokenizer/pang-lee-sentences-ids.json")["ids"] as? [[Int]])
        try #require(expected.count == 4000)
        let encodings = try tokenizer.encodeBatch(records.map { $0[1] })
        var mismatches = 0
        for (index, (encoding, ids)) in zip(encodings, expected).enumerated() where encoding.ids != ids {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("sentence \(index) \(records[index][1].debugDescription): \(encoding.ids) != \(ids)")
            }
        }
        #expect(mismatches == 0, "\(mismatches) of 4000 sentences differ")
        #expect(encodings.map(\.count).reduce(0, +) == 109_042)
    }

    @Test func trickyStrings() throws {
        let tokenizer = try Self.plainTokenizer()
        let cases = try Self.cases("single")
        try #require(cases.count > 50)
        for entry in cases {
            let text = entry["text"] as! String
            let encoding = try tokenizer.encode(text)
            #expect(encoding.ids == entry["ids"] as! [Int], "\(text.debugDescription)")
            #expect(encoding.tokens == entry["tokens"] as! [String], "\(text.debugDescription)")
            #expect(encoding.typeIds == entry["type_ids"] as! [Int])
            #expect(encoding.attentionMask == entry["attention_mask"] as! [Int])
            #expect(exactly(tokenizer.normalizer.normalize(text), entry["normalized"] as! String), "normalized \(text.debugDescription)")
            #expect(exactly(tokenizer.decode(encoding.ids), entry["decoded"] as! String), "decoded \(text.debugDescription)")
        }
    }

    @Test func truncation() throws {
        for entry in try Self.cases("truncated") {
            var tokenizer = try Self.plainTokenizer()
            tokenizer.truncation = TokenizerTruncation(maxLength: entry["max_length"] as! Int)
            let encoding = try tokenizer.encode(entry["text"] as! String)
            #expect(encoding.ids == entry["ids"] as! [Int], "max_length \(entry["max_length"]!)")
            #expect(encoding.tokens == entry["tokens"] as! [String])
        }
    }

    @Test func pairsWithEveryTruncationStrategy() throws {
        let strategies: [String: TokenizerTruncation.Strategy] = ["longest_first": .longestFirst, "only_first": .onlyFirst, "only_second": .onlySecond]
        let cases = try Self.cases("pairs")
        try #require(cases.count > 40)
        for entry in cases {
            var tokenizer = try Self.plainTokenizer()
            if let maxLength = entry["max_length"] as? Int {
                tokenizer.truncation = TokenizerTruncation(maxLength: maxLength, strategy: strategies[entry["strategy"] as! String]!)
            }
            let label = "max_length \(entry["max_length"]!), \(entry["strategy"]!), \((entry["text"] as! String).prefix(20)) | \((entry["pair"] as! String).prefix(20))"
            if let error = entry["error"] as? String {
                #expect(throws: TorchError(error), "\(label)") {
                    try tokenizer.encode(entry["text"] as! String, pair: entry["pair"] as? String)
                }
                continue
            }
            let encoding = try tokenizer.encode(entry["text"] as! String, pair: entry["pair"] as? String)
            #expect(encoding.ids == entry["ids"] as! [Int], "\(label)")
            #expect(encoding.typeIds == entry["type_ids"] as! [Int], "\(label)")
            #expect(encoding.attentionMask == entry["attention_mask"] as! [Int], "\(label)")
        }
    }

    @Test func batchPadding() throws {
        for entry in try Self.cases("padded") {
            var tokenizer = try Self.plainTokenizer()
            let options = entry["padding"] as! [String: Any]
            tokenizer.padding = TokenizerPadding(
                strategy: (options["length"] as? Int).map { .fixed($0) } ?? .longest,
                direction: options["direction"] as? String == "left" ? .left : .right,
                padToMultipleOf: options["pad_to_multiple_of"] as? Int)
            let encodings = try tokenizer.encodeBatch(entry["texts"] as! [String])
            let expected = entry["encodings"] as! [[String: Any]]
            #expect(encodings.map(\.ids) == expected.map { $0["ids"] as! [Int] }, "\(options)")
            #expect(encodings.map(\.tokens) == expected.map { $0["tokens"] as! [String] }, "\(options)")
            #expect(encodings.map(\.attentionMask) == expected.map { $0["attention_mask"] as! [Int] }, "\(options)")
            #expect(encodings.map(\.typeIds) == expected.map { $0["type_ids"] as! [Int] }, "\(options)")
        }
    }

    @Test func fileTruncationAndPaddingApplyByDefault() throws {
        let tokenizer = try BertTokenizer(directory: TestData.miniLM)
        #expect(tokenizer.truncation == TokenizerTruncation(maxLength: 128))
        #expect(tokenizer.padding == TokenizerPadding(strategy: .fixed(128)))
        for entry in try Self.cases("file_defaults") {
            let encoding = try tokenizer.encode(entry["text"] as! String)
            #expect(encoding.ids == entry["ids"] as! [Int])
            #expect(encoding.attentionMask == entry["attention_mask"] as! [Int])
        }
    }

    @Test func vocabTxtGivesTheSameIds() throws {
        let fromJSON = try Self.plainTokenizer()
        let fromVocab = try BertTokenizer(vocabularyFile: TestData.miniLM.appendingPathComponent("vocab.txt"))
        #expect(fromVocab.vocabulary.count == 30522)
        #expect(fromVocab.specialTokens == fromJSON.specialTokens)
        for entry in try Self.cases("single") {
            let text = entry["text"] as! String
            #expect(try fromVocab.encode(text).ids == fromJSON.encode(text).ids, "\(text.debugDescription)")
        }
    }

    @Test func batchTensorsForTheModel() throws {
        let tokenizer = try BertTokenizer(directory: TestData.miniLM)
        let batch = try tokenizer(["Hello world", "This is an example sentence", "Each sentence is converted"], maxLength: 256)
        #expect(batch.inputIds.shape == [3, 7])
        #expect(try batch.inputIds.toArray(of: Int64.self) == [101, 7592, 2088, 102, 0, 0, 0,
                                                               101, 2023, 2003, 2019, 2742, 6251, 102,
                                                               101, 2169, 6251, 2003, 4991, 102, 0])
        #expect(try batch.attentionMask.toArray(of: Int64.self).reduce(0, +) == 17)
        let pairs = try tokenizer(["question"], pairs: ["the answer"], maxLength: 4)
        // One token of room: longest-first gives it to the longer text.
        #expect(pairs.encodings[0].tokens == ["[CLS]", "[SEP]", "the", "[SEP]"])
        #expect(try pairs.tokenTypeIds.toArray(of: Int64.self) == [0, 0, 1, 1])
    }
}

/// String equality by Unicode scalars, not canonical equivalence.
func exactly(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }
