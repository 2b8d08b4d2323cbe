/// BERT's pre-tokenizer, as the `tokenizers` library's `BertPreTokenizer`: splits normalized text
/// into words at white space (dropped) and around every punctuation character (kept as a word of
/// its own).
///
/// ```swift
/// BertPreTokenizer().split("hello, world!")   // ["hello", ",", "world", "!"]
/// ```
public struct BertPreTokenizer: Sendable, Equatable {
    public init() {}

    /// The words of `text`.
    public func split(_ text: String) -> [String] {
        split(scalars: Array(text.unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
    }

    /// The words of a scalar sequence.
    func split(scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = scalars.startIndex
        for index in scalars.indices {
            let scalar = scalars[index]
            if BertNormalizer.isWhitespace(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                start = index + 1
            } else if Self.isPunctuation(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                words.append(scalars[index...index])
                start = index + 1
            }
        }
        if start < scalars.endIndex { words.append(scalars[start...]) }
        return words
    }

    /// Punctuation as BERT sees it: every ASCII symbol that is not a letter, digit or space
    /// (`$`, `+`, `^` and the backtick included), and every Unicode punctuation character (categories P*), by
    /// the `tokenizers` library's Unicode tables.
    public static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        BertUnicodeTables.contains(BertUnicodeTables.punctuation, scalar.value)
    }
}
