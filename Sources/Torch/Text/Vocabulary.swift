import Foundation

/// A WordPiece vocabulary: the map between tokens and their ids (BERT's `vocab.txt`).
///
/// Tokens are compared by their exact Unicode scalars, as the Rust `tokenizers` library does, not
/// by Swift's canonical equivalence (`"é"` and `"e\u{301}"` are different tokens here).
///
/// ```swift
/// let vocab = try Vocabulary(contentsOf: dir.appending(path: "vocab.txt"))
/// vocab["hello"]      // 7592
/// vocab.token(7592)   // "hello"
/// ```
public struct Vocabulary: Sendable {
    private var ids: [VocabularyKey: Int] = [:]
    private var tokens: [Int: String] = [:]

    /// An empty vocabulary.
    public init() {}

    /// A vocabulary whose ids are the tokens' positions in `tokens`.
    ///
    /// A token listed twice keeps its last id (as in the `tokenizers` library); both ids still
    /// map back to it.
    public init(tokens: [String]) {
        self.init(pairs: tokens.enumerated().map { ($1, $0) })
    }

    /// A vocabulary from token–id pairs; a repeated token or id keeps its last pair.
    public init(pairs: [(token: String, id: Int)]) {
        ids.reserveCapacity(pairs.count)
        tokens.reserveCapacity(pairs.count)
        for (token, id) in pairs {
            ids[VocabularyKey(token)] = id
            tokens[id] = token
        }
    }

    /// Reads a `vocab.txt`: one token per line, the line number (from 0) being its id.
    ///
    /// Line ends (`\n` or `\r\n`) and trailing white space are dropped, as the `tokenizers` library does.
    public init(contentsOf url: URL) throws(TorchError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TorchError("cannot read the vocabulary \(url.path): \(error.localizedDescription)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        for (number, line) in lines.enumerated() {
            guard let text = String(validating: line, as: UTF8.self) else {
                throw TorchError("line \(number + 1) of the vocabulary \(url.path) is not valid UTF-8")
            }
            var scalars = Array(text.unicodeScalars)
            while let last = scalars.last, BertNormalizer.isWhitespace(last) { scalars.removeLast() }
            tokens.append(String(String.UnicodeScalarView(scalars)))
        }
        self.init(tokens: tokens)
    }

    /// The number of tokens.
    public var count: Int { ids.count }

    /// The id of `token`, or nil when it is not in the vocabulary.
    public subscript(token: String) -> Int? { ids[VocabularyKey(token)] }

    /// The id of the token with these UTF-8 bytes.
    func id(utf8 bytes: [UInt8]) -> Int? { ids[VocabularyKey(bytes: bytes)] }

    /// The token with this id, or nil.
    public func token(_ id: Int) -> String? { tokens[id] }

    /// Whether `token` is in the vocabulary.
    public func contains(_ token: String) -> Bool { self[token] != nil }
}

/// A token compared by its exact UTF-8 bytes (Swift's `String` equality would merge canonically
/// equivalent spellings).
struct VocabularyKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }
}
