/// The WordPiece model: splits one word into the longest vocabulary pieces, left to right, with
/// `##` marking pieces that continue a word (as the `tokenizers` library's `WordPiece`).
///
/// A word longer than ``maxInputCharsPerWord`` characters, or one that cannot be split into
/// vocabulary pieces, becomes the single unknown token.
///
/// ```swift
/// let model = WordPiece(vocabulary: vocab)
/// model.tokenize("unaffable")   // [("un", 4895), ("##aff", 10354), ("##able", 3085)]
/// ```
public struct WordPiece: Sendable {
    /// The tokens and their ids.
    public var vocabulary: Vocabulary
    /// The token for a word that cannot be split (`[UNK]`).
    public var unknownToken: String
    /// The prefix of a piece that continues a word (`##`).
    public var continuingSubwordPrefix: String
    /// Longer words (in Unicode scalars) become the unknown token.
    public var maxInputCharsPerWord: Int

    public init(vocabulary: Vocabulary, unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##", maxInputCharsPerWord: Int = 100) {
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// The pieces of one word (no white space in it), with their ids.
    public func tokenize(_ word: String) throws(TorchError) -> [(token: String, id: Int)] {
        try tokenize(scalars: Array(word.unicodeScalars)[...])
    }

    func tokenize(scalars word: ArraySlice<Unicode.Scalar>) throws(TorchError) -> [(token: String, id: Int)] {
        if word.count > maxInputCharsPerWord { return [try unknown()] }
        // UTF-8 bytes of the word and the byte offset where each scalar starts.
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        bytes.reserveCapacity(word.count)
        offsets.reserveCapacity(word.count + 1)
        for scalar in word {
            offsets.append(bytes.count)
            bytes.append(contentsOf: UTF8.encode(scalar)!)
        }
        offsets.append(bytes.count)
        let prefix = Array(continuingSubwordPrefix.utf8)

        var pieces: [(token: String, id: Int)] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: (token: [UInt8], id: Int)?
            while start < end {
                let candidate = (start > 0 ? prefix : []) + bytes[offsets[start]..<offsets[end]]
                if let id = vocabulary.id(utf8: candidate) {
                    found = (candidate, id)
                    break
                }
                end -= 1
            }
            guard let found else { return [try unknown()] }
            pieces.append((String(decoding: found.token, as: UTF8.self), found.id))
            start = end
        }
        return pieces
    }

    private func unknown() throws(TorchError) -> (token: String, id: Int) {
        guard let id = vocabulary[unknownToken] else {
            throw TorchError("the unknown token \(unknownToken) is not in the vocabulary")
        }
        return (unknownToken, id)
    }
}
