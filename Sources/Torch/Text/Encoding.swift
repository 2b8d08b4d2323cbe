/// The result of tokenizing one text (or a pair of texts): ids and the parallel per-token lists,
/// as the `tokenizers` library's `Encoding`.
///
/// ```swift
/// let e = try tokenizer.encode("Hello world")
/// e.ids             // [101, 7592, 2088, 102]
/// e.tokens          // ["[CLS]", "hello", "world", "[SEP]"]
/// e.attentionMask   // [1, 1, 1, 1]
/// ```
public struct Encoding: Sendable, Equatable {
    /// Token ids.
    public var ids: [Int]
    /// The tokens, as strings.
    public var tokens: [String]
    /// 0 for the first text (and its special tokens), 1 for the second.
    public var typeIds: [Int]
    /// 1 for a real token, 0 for padding.
    public var attentionMask: [Int]
    /// 1 for a special token added by the template or for padding, 0 otherwise.
    public var specialTokensMask: [Int]

    public init(ids: [Int] = [], tokens: [String] = [], typeIds: [Int] = [], attentionMask: [Int] = [], specialTokensMask: [Int] = []) {
        self.ids = ids
        self.tokens = tokens
        self.typeIds = typeIds
        self.attentionMask = attentionMask
        self.specialTokensMask = specialTokensMask
    }

    /// The number of tokens, padding included.
    public var count: Int { ids.count }

    /// Appends one token.
    mutating func append(id: Int, token: String, typeId: Int, special: Bool = false) {
        ids.append(id)
        tokens.append(token)
        typeIds.append(typeId)
        attentionMask.append(1)
        specialTokensMask.append(special ? 1 : 0)
    }

    /// Appends another encoding.
    mutating func append(_ other: Encoding) {
        ids += other.ids
        tokens += other.tokens
        typeIds += other.typeIds
        attentionMask += other.attentionMask
        specialTokensMask += other.specialTokensMask
    }

    /// Keeps `length` tokens: the first ones (`.right`, cutting the end) or the last ones (`.left`).
    mutating func truncate(to length: Int, direction: TokenizerTruncation.Direction) {
        guard count > length else { return }
        let range = direction == .right ? 0..<length : (count - length)..<count
        ids = Array(ids[range])
        tokens = Array(tokens[range])
        typeIds = Array(typeIds[range])
        attentionMask = Array(attentionMask[range])
        specialTokensMask = Array(specialTokensMask[range])
    }

    /// Pads up to `length` tokens (nothing when already as long).
    mutating func pad(to length: Int, with padding: TokenizerPadding) {
        let extra = length - count
        guard extra > 0 else { return }
        func padded<T>(_ values: [T], _ value: T) -> [T] {
            padding.direction == .right ? values + Array(repeating: value, count: extra) : Array(repeating: value, count: extra) + values
        }
        ids = padded(ids, padding.padId)
        tokens = padded(tokens, padding.padToken)
        typeIds = padded(typeIds, padding.padTypeId)
        attentionMask = padded(attentionMask, 0)
        specialTokensMask = padded(specialTokensMask, 1)
    }
}
