// Grouping tensors by device and dtype, as PyTorch's `_group_tensors_by_device_and_dtype`: fused
// and foreach kernels take lists whose tensors share both.

struct DeviceDType: Hashable {
    var device: Device
    var dtype: DType
}

/// The positions of `tensors` grouped by (device, dtype), groups in order of first appearance and
/// positions in increasing order within a group.
func bucketsByDeviceAndDType(_ tensors: [Tensor]) -> [(key: DeviceDType, indices: [Int])] {
    var order: [DeviceDType] = []
    var members: [DeviceDType: [Int]] = [:]
    for (index, tensor) in tensors.enumerated() {
        let key = DeviceDType(device: tensor.device, dtype: tensor.dtype)
        if members[key] == nil { order.append(key) }
        members[key, default: []].append(index)
    }
    return order.map { ($0, members[$0]!) }
}

extension Array {
    /// The elements at `indices`, in that order.
    func picking(_ indices: [Int]) -> [Element] {
        if indices.count == count, indices.elementsEqual(0..<count) { return self }
        return indices.map { self[$0] }
    }
}
