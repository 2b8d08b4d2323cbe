import Torch

/// How a precision setting changes a run (Lightning's precision plugins): the module's dtype, the
/// inputs' dtype, and the autocast region around the steps.
struct PrecisionPlugin {
    let setting: PrecisionSetting
    let device: Device

    /// The dtype parameters are converted to ("true" precisions), or nil.
    var moduleDtype: DType? {
        switch setting {
        case .float64: .float64
        case .bfloat16: .bfloat16
        case .float16: .float16
        default: nil
        }
    }

    /// The autocast dtype of mixed precisions, or nil.
    var autocastDtype: DType? {
        switch setting {
        case .bfloat16Mixed: .bfloat16
        case .float16Mixed: .float16
        default: nil
        }
    }

    func convertModule(_ module: Module) throws {
        if let dtype = moduleDtype { try module.to(dtype: dtype) }
    }

    /// "True" precisions convert floating-point inputs to the module's dtype.
    func convertInput<Batch>(_ batch: Batch) throws -> Batch {
        guard let dtype = moduleDtype else { return batch }
        return try convertFloatingTensors(batch, to: dtype)
    }

    /// Runs a step under autocast for mixed precisions.
    func forwardContext<R>(_ body: () throws -> R) throws -> R {
        guard let dtype = autocastDtype else { return try body() }
        return try autocast(device: device, dtype: dtype) { () throws -> R in try body() }
    }
}

/// Casts the floating tensors of a batch (tensors, arrays, dictionaries, pairs and triples).
func convertFloatingTensors<Batch>(_ batch: Batch, to dtype: DType) throws -> Batch {
    func cast(_ t: Tensor) throws -> Tensor { t.isFloatingPoint ? try t.to(dtype: dtype) : t }
    switch batch {
    case let t as Tensor: return try cast(t) as! Batch
    case let list as [Tensor]: return try list.map(cast) as! Batch
    case let dictionary as [String: Tensor]: return try dictionary.mapValues(cast) as! Batch
    case let (a, b) as (Tensor, Tensor): return (try cast(a), try cast(b)) as! Batch
    case let (a, b, c) as (Tensor, Tensor, Tensor): return (try cast(a), try cast(b), try cast(c)) as! Batch
    default: return batch
    }
}
