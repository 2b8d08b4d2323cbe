/// How a tokenizer pads encodings to a common length, as the `tokenizers` library's `PaddingParams`.
///
/// ```swift
/// tokenizer.padding = TokenizerPadding(strategy: .fixed(128))
/// tokenizer.padding = TokenizerPadding()                          // to the longest of each batch
/// ```
public struct TokenizerPadding: Sendable, Equatable {
    /// The length to pad to.
    public enum Strategy: Sendable, Equatable {
        /// The longest encoding of the batch.
        case longest
        /// A fixed length (longer encodings are left as they are).
        case fixed(Int)
    }

    /// Which side receives the padding.
    public enum Direction: String, Sendable {
        case right = "Right"
        case left = "Left"
    }

    public var strategy: Strategy
    public var direction: Direction
    /// Round the length up to a multiple of this (8 suits tensor cores).
    public var padToMultipleOf: Int?
    public var padId: Int
    public var padTypeId: Int
    public var padToken: String

    public init(strategy: Strategy = .longest, direction: Direction = .right, padToMultipleOf: Int? = nil, padId: Int = 0, padTypeId: Int = 0, padToken: String = "[PAD]") {
        self.strategy = strategy
        self.direction = direction
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }

    /// Pads every encoding to the common length.
    func apply(to encodings: inout [Encoding]) {
        guard !encodings.isEmpty else { return }
        var length: Int
        switch strategy {
        case .longest: length = encodings.map(\.count).max()!
        case .fixed(let size): length = size
        }
        if let multiple = padToMultipleOf, multiple > 0, length % multiple > 0 {
            length += multiple - length % multiple
        }
        for index in encodings.indices { encodings[index].pad(to: length, with: self) }
    }
}
