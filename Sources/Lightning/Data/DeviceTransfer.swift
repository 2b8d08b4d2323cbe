import Torch

/// A batch type that can move its tensors to a device; adopt it for your own batch structs so the
/// Trainer moves them to the GPU.
///
/// ```swift
/// struct TextBatch: DeviceTransferable {
///     var ids: Tensor, mask: Tensor, labels: Tensor
///     func to(_ device: Device) throws -> TextBatch {
///         TextBatch(ids: try ids.to(device), mask: try mask.to(device), labels: try labels.to(device))
///     }
/// }
/// ```
public protocol DeviceTransferable {
    func to(_ device: Device) throws -> Self
}

// Inlinable, so that a module's batch transfer (generic code) specializes for its batch type.

extension Tensor: DeviceTransferable {
    @inlinable
    public func to(_ device: Device) throws -> Tensor {
        // `to(_:dtype:nonBlocking:copy:)` returns `self` when nothing changes.
        try self.to(device, dtype: nil, nonBlocking: true)
    }
}

extension Array: DeviceTransferable where Element: DeviceTransferable {
    @inlinable
    public func to(_ device: Device) throws -> [Element] { try map { try $0.to(device) } }
}

extension Dictionary: DeviceTransferable where Value: DeviceTransferable {
    @inlinable
    public func to(_ device: Device) throws -> [Key: Value] { try mapValues { try $0.to(device) } }
}

extension Optional: DeviceTransferable where Wrapped: DeviceTransferable {
    @inlinable
    public func to(_ device: Device) throws -> Wrapped? { try map { try $0.to(device) } }
}

/// Moves `batch` to `device`: Lightning's `move_data_to_device` for the shapes Swift can walk.
func moveBatch<Batch>(_ batch: Batch, to device: Device) throws -> Batch {
    if let movable = batch as? any DeviceTransferable {
        return try movable.to(device) as! Batch
    }
    // Tuples cannot adopt protocols; handle the common tensor tuples directly.
    if let (a, b) = batch as? (Tensor, Tensor) {
        return (try a.to(device), try b.to(device)) as! Batch
    }
    if let (a, b, c) = batch as? (Tensor, Tensor, Tensor) {
        return (try a.to(device), try b.to(device), try c.to(device)) as! Batch
    }
    if device == .cpu { return batch }
    throw LightningError.configuration(
        "a batch of type \(Batch.self) cannot be moved to \(device): adopt DeviceTransferable for it, or implement transferBatchToDevice(_:device:dataloaderIndex:) in your module")
}
