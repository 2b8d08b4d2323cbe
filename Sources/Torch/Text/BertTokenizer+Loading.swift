import Foundation

// Loading a BertTokenizer from the files a BERT checkpoint ships: tokenizer.json or vocab.txt.

extension BertTokenizer {
    /// Loads a model folder's tokenizer: `tokenizer.json` when present, else `vocab.txt` (with
    /// `do_lower_case` from `tokenizer_config.json` when present).
    ///
    /// ```swift
    /// let tokenizer = try BertTokenizer(directory: URL(filePath: "all-MiniLM-L6-v2"))
    /// ```
    public init(directory: URL) throws(TorchError) {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            try self.init(tokenizerFile: json)
            return
        }
        var lowercase = true
        let config = directory.appendingPathComponent("tokenizer_config.json")
        if let data = try? Data(contentsOf: config),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let doLowerCase = object["do_lower_case"] as? Bool {
            lowercase = doLowerCase
        }
        try self.init(vocabularyFile: directory.appendingPathComponent("vocab.txt"), lowercase: lowercase)
    }

    /// Loads a `vocab.txt` (one token per line) with BERT's defaults.
    public init(vocabularyFile: URL, lowercase: Bool = true) throws(TorchError) {
        try self.init(vocabulary: Vocabulary(contentsOf: vocabularyFile), lowercase: lowercase)
    }

    /// Loads a Hugging Face `tokenizer.json` whose model is WordPiece with a BertNormalizer and
    /// BertPreTokenizer (the form every BERT checkpoint on the Hub has).
    ///
    /// The file's truncation and padding become ``truncation`` and ``padding``, as
    /// `Tokenizer.from_file` does; set them to nil to switch them off.
    public init(tokenizerFile url: URL) throws(TorchError) {
        let root: [String: Any]
        do {
            let data = try Data(contentsOf: url)
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TorchError("the top level is not an object")
            }
            root = object
        } catch {
            throw TorchError("cannot read the tokenizer file \(url.path): \(error)")
        }
        func fail(_ message: String) -> TorchError { TorchError("\(url.path): \(message)") }

        // The model.
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece",
              let vocab = model["vocab"] as? [String: Any] else {
            throw fail("only WordPiece models are supported (model.type must be \"WordPiece\" with a vocab)")
        }
        var pairs: [(token: String, id: Int)] = []
        pairs.reserveCapacity(vocab.count)
        for (token, id) in vocab {
            guard let id = id as? Int else { throw fail("the id of \(token.debugDescription) is not an integer") }
            pairs.append((token, id))
        }
        let vocabulary = Vocabulary(pairs: pairs)
        guard vocabulary.count == vocab.count else { throw fail("the vocabulary holds tokens that Swift cannot tell apart") }
        let wordPiece = WordPiece(
            vocabulary: vocabulary,
            unknownToken: model["unk_token"] as? String ?? "[UNK]",
            continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
            maxInputCharsPerWord: model["max_input_chars_per_word"] as? Int ?? 100)

        // Normalizer and pre-tokenizer.
        var normalizer = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false)
        if let object = root["normalizer"] as? [String: Any] {
            guard object["type"] as? String == "BertNormalizer" else {
                throw fail("only the BertNormalizer is supported, not \(object["type"] ?? "?")")
            }
            normalizer = BertNormalizer(
                cleanText: object["clean_text"] as? Bool ?? true,
                handleChineseChars: object["handle_chinese_chars"] as? Bool ?? true,
                stripAccents: object["strip_accents"] as? Bool,
                lowercase: object["lowercase"] as? Bool ?? true)
        }
        if let object = root["pre_tokenizer"] as? [String: Any], object["type"] as? String != "BertPreTokenizer" {
            throw fail("only the BertPreTokenizer is supported, not \(object["type"] ?? "?")")
        }

        // Special tokens.
        var specials: [SpecialToken] = []
        for case let token as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            guard token["special"] as? Bool == true, let content = token["content"] as? String, let id = token["id"] as? Int else { continue }
            specials.append(SpecialToken(content: content, id: id))
        }
        func special(_ content: String) throws(TorchError) -> SpecialToken {
            if let token = specials.first(where: { $0.content == content }) { return token }
            if let id = vocabulary[content] { return SpecialToken(content: content, id: id) }
            throw fail("the special token \(content) is neither an added token nor in the vocabulary")
        }
        let (cls, sep) = try Self.templateTokens(root["post_processor"], fail: fail)

        // Truncation and padding.
        var truncation: TokenizerTruncation?
        if let object = root["truncation"] as? [String: Any], let maxLength = object["max_length"] as? Int {
            truncation = TokenizerTruncation(
                maxLength: maxLength,
                strategy: (object["strategy"] as? String).flatMap(TokenizerTruncation.Strategy.init(rawValue:)) ?? .longestFirst,
                direction: (object["direction"] as? String).flatMap(TokenizerTruncation.Direction.init(rawValue:)) ?? .right)
        }
        var padding: TokenizerPadding?
        if let object = root["padding"] as? [String: Any] {
            var strategy = TokenizerPadding.Strategy.longest
            if let fixed = (object["strategy"] as? [String: Any])?["Fixed"] as? Int { strategy = .fixed(fixed) }
            padding = TokenizerPadding(
                strategy: strategy,
                direction: (object["direction"] as? String).flatMap(TokenizerPadding.Direction.init(rawValue:)) ?? .right,
                padToMultipleOf: object["pad_to_multiple_of"] as? Int,
                padId: object["pad_id"] as? Int ?? 0,
                padTypeId: object["pad_type_id"] as? Int ?? 0,
                padToken: object["pad_token"] as? String ?? "[PAD]")
        }

        try self.init(normalizer: normalizer, model: wordPiece, specialTokens: specials,
                      classifierToken: special(cls), separatorToken: special(sep),
                      truncation: truncation, padding: padding)
    }

    /// The [CLS] and [SEP] tokens of a `TemplateProcessing` (`[CLS] $A [SEP]`) or `BertProcessing`
    /// post-processor.
    private static func templateTokens(_ value: Any?, fail: (String) -> TorchError) throws(TorchError) -> (String, String) {
        guard let object = value as? [String: Any] else { return ("[CLS]", "[SEP]") }
        switch object["type"] as? String {
        case "BertProcessing":
            guard let cls = (object["cls"] as? [Any])?.first as? String, let sep = (object["sep"] as? [Any])?.first as? String else {
                throw fail("the BertProcessing post-processor lacks cls or sep")
            }
            return (cls, sep)
        case "TemplateProcessing":
            let single = object["single"] as? [[String: Any]] ?? []
            let ids = single.map { ($0["SpecialToken"] as? [String: Any])?["id"] as? String }
            guard ids.count == 3, let cls = ids[0], ids[1] == nil, let sep = ids[2] else {
                throw fail("only the template \"[CLS] $A [SEP]\" is supported")
            }
            return (cls, sep)
        default:
            throw fail("the post-processor \(object["type"] ?? "?") is not supported")
        }
    }
}
