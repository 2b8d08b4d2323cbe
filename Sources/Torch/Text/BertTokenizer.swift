/// BERT's WordPiece tokenizer in pure Swift, giving the same ids as Hugging Face `tokenizers`
/// (the Rust library behind transformers' fast tokenizers) for the same `tokenizer.json`.
///
/// The pipeline: special tokens (`[CLS]`, `[SEP]`, …) written in the text are kept whole; the rest is
/// normalized (``BertNormalizer``), split into words (``BertPreTokenizer``) and into WordPiece pieces
/// (``WordPiece``); then `[CLS] A [SEP]` (or `[CLS] A [SEP] B [SEP]`) is built, truncated to
/// ``truncation`` and padded by ``padding``.
///
/// ```swift
/// let tokenizer = try BertTokenizer(directory: modelDir)   // tokenizer.json or vocab.txt
/// try tokenizer.encode("Hello world").ids                   // [101, 7592, 2088, 102]
/// let batch = try tokenizer(["Hello world", "This is an example sentence"], maxLength: 256)
/// batch.inputIds.shape                                      // [2, 7]  (int64, padded with 0)
/// ```
public struct BertTokenizer: Sendable {
    /// A token matched verbatim in the raw text and never split (`[CLS]`, `[SEP]`, `[MASK]`, …).
    public struct SpecialToken: Sendable, Equatable {
        public var content: String
        public var id: Int
        public init(content: String, id: Int) {
            self.content = content
            self.id = id
        }
    }

    public var normalizer: BertNormalizer
    public var preTokenizer: BertPreTokenizer
    public var model: WordPiece
    /// Tokens recognised in the text before normalization, longest first where they overlap.
    public var specialTokens: [SpecialToken] {
        didSet { specialScalars = specialTokens.map { Array($0.content.unicodeScalars) } }
    }
    /// The token opening every encoding, and the one closing each text.
    public var classifierToken: SpecialToken
    public var separatorToken: SpecialToken
    /// Applied by ``encode(_:pair:addSpecialTokens:)`` and ``encodeBatch(_:addSpecialTokens:)``; nil for none.
    public var truncation: TokenizerTruncation?
    /// Applied by ``encode(_:pair:addSpecialTokens:)`` and ``encodeBatch(_:addSpecialTokens:)``; nil for none.
    public var padding: TokenizerPadding?

    private var specialScalars: [[Unicode.Scalar]]

    /// A tokenizer over `vocabulary` with BERT's defaults (uncased unless `lowercase` is false).
    ///
    /// `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]` are special tokens when the vocabulary has them.
    public init(vocabulary: Vocabulary, lowercase: Bool = true, normalizer: BertNormalizer? = nil,
                unknownToken: String = "[UNK]", classifierToken: String = "[CLS]", separatorToken: String = "[SEP]",
                padToken: String = "[PAD]", maskToken: String = "[MASK]", maxInputCharsPerWord: Int = 100,
                truncation: TokenizerTruncation? = nil, padding: TokenizerPadding? = nil) throws(TorchError) {
        func special(_ token: String) throws(TorchError) -> SpecialToken {
            guard let id = vocabulary[token] else { throw TorchError("the token \(token) is not in the vocabulary") }
            return SpecialToken(content: token, id: id)
        }
        let specials = [padToken, unknownToken, classifierToken, separatorToken, maskToken].compactMap { token in
            vocabulary[token].map { SpecialToken(content: token, id: $0) }
        }
        try self.init(
            normalizer: normalizer ?? BertNormalizer(lowercase: lowercase),
            model: WordPiece(vocabulary: vocabulary, unknownToken: unknownToken, maxInputCharsPerWord: maxInputCharsPerWord),
            specialTokens: specials, classifierToken: special(classifierToken), separatorToken: special(separatorToken),
            truncation: truncation, padding: padding)
    }

    /// A tokenizer from its parts.
    public init(normalizer: BertNormalizer, preTokenizer: BertPreTokenizer = BertPreTokenizer(), model: WordPiece,
                specialTokens: [SpecialToken], classifierToken: SpecialToken, separatorToken: SpecialToken,
                truncation: TokenizerTruncation? = nil, padding: TokenizerPadding? = nil) throws(TorchError) {
        guard model.vocabulary.contains(model.unknownToken) || specialTokens.contains(where: { $0.content == model.unknownToken }) else {
            throw TorchError("the unknown token \(model.unknownToken) is not in the vocabulary")
        }
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.specialTokens = specialTokens
        self.specialScalars = specialTokens.map { Array($0.content.unicodeScalars) }
        self.classifierToken = classifierToken
        self.separatorToken = separatorToken
        self.truncation = truncation
        self.padding = padding
    }

    /// The vocabulary of the WordPiece model.
    public var vocabulary: Vocabulary { model.vocabulary }

    // MARK: - Tokenizing

    /// The tokens of `text`, without special tokens added, truncation or padding.
    ///
    /// ```swift
    /// try tokenizer.tokenize("Unaffable!")   // ["una", "##ffa", "##ble", "!"]
    /// ```
    public func tokenize(_ text: String) throws(TorchError) -> [String] {
        try encodeSequence(text, typeId: 0).tokens
    }

    /// Tokenizes one text, or a pair of texts (a question and a passage, two sentences), into
    /// `[CLS] text [SEP]` or `[CLS] text [SEP] pair [SEP]`, then applies ``truncation`` and ``padding``.
    ///
    /// Throws when truncation cannot be done (`.onlyFirst` with a first text too short to lose the
    /// tokens needed), or when the model lacks its unknown token.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) throws(TorchError) -> Encoding {
        var encodings = [try encodeUnpadded(text, pair: pair, addSpecialTokens: addSpecialTokens, truncation: truncation)]
        padding?.apply(to: &encodings)
        return encodings[0]
    }

    /// Tokenizes several texts (each as ``encode(_:pair:addSpecialTokens:)``), then pads them
    /// together by ``padding``.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) throws(TorchError) -> [Encoding] {
        var encodings: [Encoding] = []
        encodings.reserveCapacity(texts.count)
        for text in texts {
            encodings.append(try encodeUnpadded(text, pair: nil, addSpecialTokens: addSpecialTokens, truncation: truncation))
        }
        padding?.apply(to: &encodings)
        return encodings
    }

    /// Tokenizes several pairs of texts, then pads them together by ``padding``.
    public func encodeBatch(pairs: [(String, String)], addSpecialTokens: Bool = true) throws(TorchError) -> [Encoding] {
        var encodings: [Encoding] = []
        encodings.reserveCapacity(pairs.count)
        for (text, pair) in pairs {
            encodings.append(try encodeUnpadded(text, pair: pair, addSpecialTokens: addSpecialTokens, truncation: truncation))
        }
        padding?.apply(to: &encodings)
        return encodings
    }

    /// Tokenizes a batch into model inputs, as `tokenizer(texts, padding=True, truncation=True,
    /// max_length=…, return_tensors="pt")` does in transformers: the tokenizer's own ``truncation``
    /// and ``padding`` are ignored for these arguments.
    ///
    /// - Parameters:
    ///   - texts: the texts of the batch.
    ///   - pairs: second texts, one per text, for pair tasks (token type 1).
    ///   - maxLength: truncate every encoding to this many tokens (special tokens included); nil for none.
    ///   - strategy: (`padding:`) pad to the longest of the batch (default) or to a fixed length.
    ///   - padToMultipleOf: round the padded length up to a multiple of this.
    ///   - device: where the batch's tensors go.
    ///
    /// ```swift
    /// let batch = try tokenizer(sentences, maxLength: 256)
    /// let out = try bert(inputIds: batch.inputIds, attentionMask: batch.attentionMask)
    /// ```
    public func callAsFunction(_ texts: [String], pairs: [String]? = nil, maxLength: Int? = nil,
                               padding strategy: TokenizerPadding.Strategy = .longest, padToMultipleOf: Int? = nil,
                               device: Device = .cpu) throws(TorchError) -> BatchEncoding {
        if let pairs, pairs.count != texts.count {
            throw TorchError("\(texts.count) texts but \(pairs.count) pairs: give one second text per text")
        }
        let truncation = maxLength.map { TokenizerTruncation(maxLength: $0) }
        var encodings: [Encoding] = []
        encodings.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            encodings.append(try encodeUnpadded(text, pair: pairs?[index], addSpecialTokens: true, truncation: truncation))
        }
        var padding = self.padding ?? TokenizerPadding()
        padding.strategy = strategy
        padding.padToMultipleOf = padToMultipleOf
        padding.apply(to: &encodings)
        return try BatchEncoding(encodings, device: device)
    }

    // MARK: - Decoding

    /// The text of `ids`: pieces joined back into words (`##` removed), spaces before punctuation
    /// removed, as the `tokenizers` WordPiece decoder with cleanup does. Lowercasing and stripped
    /// accents are not undone.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        let specialIds = Set(specialTokens.map(\.id))
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens, specialIds.contains(id) { return nil }
            return specialTokens.first { $0.id == id }?.content ?? vocabulary.token(id)
        }
        return WordPieceDecoder(prefix: model.continuingSubwordPrefix).decode(tokens)
    }

    // MARK: - The pipeline

    private func encodeUnpadded(_ text: String, pair: String?, addSpecialTokens: Bool, truncation: TokenizerTruncation?) throws(TorchError) -> Encoding {
        var first = try encodeSequence(text, typeId: 0)
        var second = try pair.map { (pair) throws(TorchError) in try encodeSequence(pair, typeId: 1) }
        if let truncation {
            let added = addSpecialTokens ? (second == nil ? 2 : 3) : 0
            try truncation.apply(to: &first, &second, maxLength: max(0, truncation.maxLength - added))
        }
        guard addSpecialTokens else {
            if let second { first.append(second) }
            return first
        }
        var result = Encoding()
        result.append(id: classifierToken.id, token: classifierToken.content, typeId: 0, special: true)
        result.append(first)
        result.append(id: separatorToken.id, token: separatorToken.content, typeId: 0, special: true)
        if let second {
            result.append(second)
            result.append(id: separatorToken.id, token: separatorToken.content, typeId: 1, special: true)
        }
        return result
    }

    /// One text without special tokens added: special tokens in the text, then normalize,
    /// pre-tokenize and WordPiece the pieces between them.
    private func encodeSequence(_ text: String, typeId: Int) throws(TorchError) -> Encoding {
        let scalars = Array(text.unicodeScalars)
        var encoding = Encoding()
        var start = 0
        var index = 0
        func encodeText(_ range: Range<Int>) throws(TorchError) {
            guard !range.isEmpty else { return }
            let normalized = normalizer.normalize(scalars: Array(scalars[range]))
            for word in preTokenizer.split(scalars: normalized) {
                for (token, id) in try model.tokenize(scalars: word) {
                    encoding.append(id: id, token: token, typeId: typeId)
                }
            }
        }
        while index < scalars.count {
            if let match = longestSpecialToken(in: scalars, at: index) {
                try encodeText(start..<index)
                let token = specialTokens[match]
                encoding.append(id: token.id, token: token.content, typeId: typeId)
                index += specialScalars[match].count
                start = index
            } else {
                index += 1
            }
        }
        try encodeText(start..<scalars.count)
        return encoding
    }

    /// The index of the longest special token that starts at `index`, if any.
    private func longestSpecialToken(in scalars: [Unicode.Scalar], at index: Int) -> Int? {
        var best: Int?
        for (candidate, pattern) in specialScalars.enumerated() where !pattern.isEmpty {
            guard index + pattern.count <= scalars.count, pattern.count > (best.map { specialScalars[$0].count } ?? 0) else { continue }
            if scalars[index..<(index + pattern.count)].elementsEqual(pattern) { best = candidate }
        }
        return best
    }
}
