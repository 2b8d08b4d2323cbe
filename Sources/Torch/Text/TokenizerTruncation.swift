/// How a tokenizer shortens a too-long encoding, as the `tokenizers` library's `TruncationParams`.
///
/// `maxLength` counts the special tokens ([CLS], [SEP]) too.
///
/// ```swift
/// tokenizer.truncation = TokenizerTruncation(maxLength: 256)
/// ```
public struct TokenizerTruncation: Sendable, Equatable {
    /// Which text of a pair loses tokens.
    public enum Strategy: String, Sendable {
        /// One token at a time from the longer of the two texts.
        case longestFirst = "LongestFirst"
        /// Only the first text (an error when that is not enough).
        case onlyFirst = "OnlyFirst"
        /// Only the second text (an error when that is not enough).
        case onlySecond = "OnlySecond"
    }

    /// Which end loses tokens.
    public enum Direction: String, Sendable {
        /// Keep the start.
        case right = "Right"
        /// Keep the end.
        case left = "Left"
    }

    /// The longest an encoding may be, special tokens included.
    public var maxLength: Int
    public var strategy: Strategy
    public var direction: Direction

    public init(maxLength: Int, strategy: Strategy = .longestFirst, direction: Direction = .right) {
        self.maxLength = maxLength
        self.strategy = strategy
        self.direction = direction
    }

    /// Shortens `first` (and `second`) so that together they hold at most `maxLength` tokens.
    func apply(to first: inout Encoding, _ second: inout Encoding?, maxLength: Int) throws(TorchError) {
        let total = first.count + (second?.count ?? 0)
        guard total > maxLength else { return }
        if maxLength == 0 {
            first.truncate(to: 0, direction: direction)
            second?.truncate(to: 0, direction: direction)
            return
        }
        let toRemove = total - maxLength
        switch strategy {
        case .longestFirst:
            guard var pair = second else {
                first.truncate(to: maxLength, direction: direction)
                return
            }
            // The shorter text keeps as much as it can, up to half of the room each when both are long.
            var (n1, n2) = (first.count, pair.count)
            let swapped = n1 > n2
            if swapped { swap(&n1, &n2) }
            n2 = n1 > maxLength ? n1 : max(n1, maxLength - n1)
            if n1 + n2 > maxLength {
                n1 = maxLength / 2
                n2 = n1 + maxLength % 2
            }
            if swapped { swap(&n1, &n2) }
            first.truncate(to: n1, direction: direction)
            pair.truncate(to: n2, direction: direction)
            second = pair
        case .onlyFirst, .onlySecond:
            if strategy == .onlySecond, second == nil {
                throw TorchError("Truncation error: Second sequence not provided")
            }
            let length = strategy == .onlyFirst ? first.count : second!.count
            guard length > toRemove else {
                throw TorchError("Truncation error: Sequence to truncate too short to respect the provided max_length")
            }
            if strategy == .onlyFirst {
                first.truncate(to: length - toRemove, direction: direction)
            } else {
                second!.truncate(to: length - toRemove, direction: direction)
            }
        }
    }
}
