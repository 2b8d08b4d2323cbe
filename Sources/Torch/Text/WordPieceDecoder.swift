/// Joins WordPiece tokens back into text, as the `tokenizers` library's `WordPiece` decoder with
/// `cleanup`: a piece starting with `##` is glued to the previous one, other tokens get a space
/// before them, and a space before `. ? ! ,` and English contractions (`n't`, `'s`, …) is removed.
struct WordPieceDecoder {
    var prefix: String = "##"
    var cleanup = true

    func decode(_ tokens: [String]) -> String {
        var text = ""
        for (index, token) in tokens.enumerated() {
            var piece = token
            if index != 0 {
                if token.utf8.starts(with: prefix.utf8) {
                    piece = String(decoding: token.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                } else {
                    piece = " " + token
                }
            }
            text += cleanup ? Self.cleanUp(piece) : piece
        }
        return text
    }

    /// The `tokenizers` library's `cleanup`, applied in its order, matching bytes exactly.
    static func cleanUp(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for (pattern, replacement) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                                       (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            bytes = replace(Array(pattern.utf8), with: Array(replacement.utf8), in: bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func replace(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= pattern.count else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + pattern.count <= bytes.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                result += replacement
                index += pattern.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}
