import Foundation

/// BERT's text normalizer, as the `tokenizers` library's `BertNormalizer`: clean the text, put
/// spaces around CJK ideographs, strip accents, lowercase. Every step works on single Unicode
/// scalars, so normalizing pieces of a text one by one gives the same result as the whole.
///
/// ```swift
/// BertNormalizer().normalize("Héllò\tWORLD 中文")   // "hello world  中  文 "
/// ```
public struct BertNormalizer: Sendable, Equatable {
    /// Drop NUL, U+FFFD and control/format/private-use characters; map white space to a space.
    public var cleanText: Bool
    /// Put a space before and after every CJK ideograph, so each becomes a word of its own.
    public var handleChineseChars: Bool
    /// Decompose (NFD) and drop non-spacing marks; nil follows `lowercase`, as in BERT.
    public var stripAccents: Bool?
    /// Lowercase every character (full Unicode case mapping, one character at a time).
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// The normalized text.
    public func normalize(_ text: String) -> String {
        String(String.UnicodeScalarView(normalize(scalars: Array(text.unicodeScalars))))
    }

    /// The normalized scalars.
    func normalize(scalars input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(input.count)
        for scalar in input {
            if cleanText {
                if Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseChars, Self.isChineseChar(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        if stripAccents ?? lowercase, !scalars.allSatisfy(\.isASCII) {
            scalars = Self.canonicalDecomposition(scalars).filter { !Self.isNonspacingMark($0) }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars {
                if scalar.isASCII {
                    lowered.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        return scalars
    }

    // Character classes follow the `tokenizers` library's Unicode tables (BertUnicodeTables), not
    // the Swift toolchain's, so that the ids never depend on the Swift release.

    /// White space as BERT sees it: tab, newline, carriage return and Unicode `White_Space`.
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        BertUnicodeTables.contains(BertUnicodeTables.whitespace, scalar.value)
    }

    /// Characters the cleaning step drops: NUL, U+FFFD, control (Cc, except tab, newline and
    /// carriage return), format (Cf) and private use (Co).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        BertUnicodeTables.contains(BertUnicodeTables.removed, scalar.value)
    }

    /// Non-spacing marks (Mn), which stripping accents drops after canonical decomposition.
    public static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        BertUnicodeTables.contains(BertUnicodeTables.nonspacingMarks, scalar.value)
    }

    /// NFD: each character that the `tokenizers` library can decompose is replaced by its full
    /// canonical decomposition (Foundation's, which is the same for those characters since Unicode
    /// never changes a decomposition), then combining marks are put in canonical order.
    static func canonicalDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count + 4)
        for scalar in scalars {
            if !scalar.isASCII, BertUnicodeTables.contains(BertUnicodeTables.decomposable, scalar.value) {
                result.append(contentsOf: String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        // Canonical ordering: a stable sort of each run of marks with a non-zero combining class.
        var start = 0
        while start < result.count {
            guard result[start].properties.canonicalCombiningClass.rawValue != 0 else {
                start += 1
                continue
            }
            var end = start + 1
            while end < result.count, result[end].properties.canonicalCombiningClass.rawValue != 0 { end += 1 }
            if end - start > 1 {
                let run = result[start..<end].enumerated().sorted {
                    let (a, b) = ($0.element.properties.canonicalCombiningClass.rawValue, $1.element.properties.canonicalCombiningClass.rawValue)
                    return a != b ? a < b : $0.offset < $1.offset
                }
                result.replaceSubrange(start..<end, with: run.map(\.element))
            }
            start = end
        }
        return result
    }

    /// A CJK ideograph (the CJK Unified Ideographs blocks and their extensions, and the
    /// compatibility ideographs), as BERT defines it; not kana or hangul.
    public static func isChineseChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}
