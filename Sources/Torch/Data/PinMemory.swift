/// A batch type whose tensors can be copied into page-locked ("pinned") host memory, from which
/// copies to a CUDA device are faster and can overlap computation (`x.to(.cuda(0), nonBlocking: true)`).
/// PyTorch's DataLoader calls `pin_memory()` on each batch when `pin_memory=True`; ours calls
/// ``pinned()`` on batches of a `Pinnable` type and passes other batches through unchanged.
///
/// Built in for `Tensor` and for arrays, dictionaries and optionals of pinnable values. A user batch
/// type adopts it by pinning its tensors:
///
/// ```swift
/// extension MyBatch: Pinnable {
///     func pinned() throws -> MyBatch { MyBatch(images: try images.pinned(), labels: try labels.pinned()) }
/// }
/// ```
public protocol Pinnable {
    /// A copy in pinned memory (or `self` when already pinned).
    func pinned() throws -> Self
}

extension Tensor: Pinnable {
    /// This tensor in pinned host memory: itself when already pinned or not on the CPU, else a
    /// pinned copy. Needs CUDA (a CPU-only machine has no pinned memory; a DataLoader with
    /// `pinMemory: true` skips pinning there).
    public func pinned() throws(TorchError) -> Tensor {
        guard device == .cpu, !isPinned else { return self }
        return try pinMemory()
    }
}

extension Array: Pinnable where Element: Pinnable {
    public func pinned() throws -> [Element] { try map { try $0.pinned() } }
}

extension Dictionary: Pinnable where Value: Pinnable {
    public func pinned() throws -> [Key: Value] { try mapValues { try $0.pinned() } }
}

extension Optional: Pinnable where Wrapped: Pinnable {
    public func pinned() throws -> Wrapped? { try map { try $0.pinned() } }
}

/// Pins `batch` when its type is ``Pinnable`` or a pair or triple of tensors; returns it unchanged
/// otherwise (as PyTorch's `pin_memory` does with types it does not know).
func pinIfPossible<Batch>(_ batch: Batch) throws -> Batch {
    if let pinnable = batch as? any Pinnable { return try pinnable.pinned() as! Batch }
    if let (a, b) = batch as? (Tensor, Tensor) { return (try a.pinned(), try b.pinned()) as! Batch }
    if let (a, b, c) = batch as? (Tensor, Tensor, Tensor) { return (try a.pinned(), try b.pinned(), try c.pinned()) as! Batch }
    return batch
}
