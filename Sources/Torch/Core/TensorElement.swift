/// A Swift type whose values can fill a tensor directly: `Float`, `Double`, `Int`, `Int32`, `Bool`, …
///
/// ```swift
/// let x = try Tensor([1.0, 2.0, 3.0] as [Float])
/// let values: [Float] = try x.toArray()
/// ```
public protocol TensorElement: Sendable {
    /// The dtype of a tensor made from this type.
    static var dtype: DType { get }
}

extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int: TensorElement { public static var dtype: DType { .int64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension Int16: TensorElement { public static var dtype: DType { .int16 } }
extension Int8: TensorElement { public static var dtype: DType { .int8 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: TensorElement { public static var dtype: DType { .float16 } }
#endif
