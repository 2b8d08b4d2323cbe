import Foundation
import Testing
@testable import Torch

/// Every code point through the normalizer and pre-tokenizer, against what `tokenizers` does with it
/// (Tests/TorchTests/Fixtures/tokenizer/char-classes.json): removed, turned into a space, padded as a CJK
/// ideograph, split as punctuation or kept inside its word; and the normalized text of every code
/// point that normalization changes (NFD + accent stripping + lowercasing).
@Suite("BERT character classes")
struct BertCharacterClassTests {
    /// The class of a code point, from what the normalizer makes of it alone (normalization works
    /// on single characters) and how the pre-tokenizer splits that between two letters.
    static func swiftClass(_ normalized: [Unicode.Scalar], _ preTokenizer: BertPreTokenizer) -> String? {
        if normalized.isEmpty { return "removed" }
        if normalized == [" "] { return "space" }
        if normalized.count >= 3, normalized.first == " ", normalized.last == " " { return "padded" }
        if preTokenizer.split(scalars: ["a"] + normalized + ["b"]).count == 3 { return "punct" }
        return nil
    }

    static func describe(_ value: UInt32) -> String {
        let scalar = Unicode.Scalar(value)!
        let age = scalar.properties.age.map { "\($0.major).\($0.minor)" } ?? "unassigned"
        return String(format: "U+%04X", value) + " (\(scalar.properties.generalCategory), Unicode \(age))"
    }

    @Test func everyCodePoint() throws {
        let fixture = try TestData.jsonFixture("tokenizer/char-classes.json")
        let ranges = try #require(fixture["ranges"] as? [[Any]])
        var expectedClass = [String?](repeating: nil, count: 0x110000)
        for range in ranges {
            for value in (range[0] as! Int)...(range[1] as! Int) { expectedClass[value] = range[2] as? String }
        }
        let pairs = try #require(fixture["normalized"] as? [[Any]])
        var expectedText = [Int: String]()
        for pair in pairs { expectedText[pair[0] as! Int] = pair[1] as? String }

        let normalizer = BertNormalizer()
        let preTokenizer = BertPreTokenizer()
        var classDifferences: [String] = []
        var textDifferences: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = normalizer.normalize(scalars: [scalar])
            let got = Self.swiftClass(text, preTokenizer)
            let want = expectedClass[Int(value)]
            if got != want {
                classDifferences.append("\(Self.describe(value)): \(got ?? "kept") instead of \(want ?? "kept")")
            }
            if want == nil || want == "punct", !(0xAC00...0xD7A3).contains(value) {
                let wanted = expectedText[Int(value)].map { Array($0.unicodeScalars) } ?? [scalar]
                if text != wanted {
                    textDifferences.append("\(Self.describe(value)): \(text.map { String(format: "%04X", $0.value) }) instead of \(wanted.map { String(format: "%04X", $0.value) })")
                }
            }
        }
        #expect(classDifferences.isEmpty, "\(classDifferences.count) code points: \(classDifferences.prefix(20).joined(separator: "; "))")
        #expect(textDifferences.isEmpty, "\(textDifferences.count) code points: \(textDifferences.prefix(20).joined(separator: "; "))")
    }

    @Test func hangulSyllablesDecompose() {
        // NFD splits each syllable into its jamo, which the vocabulary holds one by one.
        #expect(BertNormalizer().normalize("한") == "\u{1112}\u{1161}\u{11AB}")
    }
}
