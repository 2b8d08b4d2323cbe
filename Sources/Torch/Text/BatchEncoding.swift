/// A batch of encodings of equal length as model inputs: `[batch, length]` int64 tensors, as
/// transformers' `BatchEncoding` with `return_tensors="pt"`.
///
/// ```swift
/// let batch = try tokenizer(["Hello world", "This is an example sentence"])
/// batch.inputIds        // int64 [2, 7], padded with [PAD] = 0
/// batch.attentionMask   // int64 [2, 7], 1 for tokens, 0 for padding
/// batch.tokenTypeIds    // int64 [2, 7], 0 for the first text, 1 for the second
/// ```
public struct BatchEncoding {
    /// Token ids, int64 `[batch, length]`.
    public let inputIds: Tensor
    /// 1 for a token, 0 for padding, int64 `[batch, length]`.
    public let attentionMask: Tensor
    /// Segment ids, int64 `[batch, length]`.
    public let tokenTypeIds: Tensor
    /// The encodings the tensors were made from.
    public let encodings: [Encoding]

    /// Stacks encodings of equal length (pad them first).
    public init(_ encodings: [Encoding], device: Device = .cpu) throws(TorchError) {
        let length = encodings.first?.count ?? 0
        guard encodings.allSatisfy({ $0.count == length }) else {
            throw TorchError("encodings of lengths \(Set(encodings.map(\.count)).sorted()) cannot form a batch: pad them to one length first")
        }
        let shape = [encodings.count, length]
        inputIds = try Tensor(encodings.flatMap(\.ids).map(Int64.init), shape: shape, device: device)
        attentionMask = try Tensor(encodings.flatMap(\.attentionMask).map(Int64.init), shape: shape, device: device)
        tokenTypeIds = try Tensor(encodings.flatMap(\.typeIds).map(Int64.init), shape: shape, device: device)
        self.encodings = encodings
    }

    /// The number of encodings.
    public var count: Int { encodings.count }
}
