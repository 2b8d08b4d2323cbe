import CTorch

/// The element type of a tensor, as PyTorch's `torch.dtype`.
///
/// Raw values are libtorch's `c10::ScalarType` codes.
///
/// ```swift
/// let x = try Tensor.zeros([2, 2], dtype: .bfloat16)
/// print(x.dtype)  // torch.bfloat16
/// ```
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case int16 = 2
    case int32 = 3
    case int64 = 4
    case float16 = 5
    case float32 = 6
    case float64 = 7
    case complex32 = 8
    case complex64 = 9
    case complex128 = 10
    case bool = 11
    case bfloat16 = 15

    /// `torch.float`, the default floating type.
    public static let float = DType.float32
    /// `torch.double`.
    public static let double = DType.float64
    /// `torch.half`.
    public static let half = DType.float16
    /// `torch.long`.
    public static let long = DType.int64
    /// `torch.int`.
    public static let int = DType.int32

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .int16, .float16, .bfloat16: 2
        case .int32, .float32, .complex32: 4
        case .int64, .float64, .complex64: 8
        case .complex128: 16
        }
    }

    /// True for float16, bfloat16, float32 and float64.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: true
        default: false
        }
    }

    /// True for the complex types.
    public var isComplex: Bool { self == .complex32 || self == .complex64 || self == .complex128 }

    /// The name Python prints: `torch.float32`.
    public var description: String {
        switch self {
        case .uint8: "torch.uint8"
        case .int8: "torch.int8"
        case .int16: "torch.int16"
        case .int32: "torch.int32"
        case .int64: "torch.int64"
        case .float16: "torch.float16"
        case .float32: "torch.float32"
        case .float64: "torch.float64"
        case .complex32: "torch.complex32"
        case .complex64: "torch.complex64"
        case .complex128: "torch.complex128"
        case .bool: "torch.bool"
        case .bfloat16: "torch.bfloat16"
        }
    }

    @usableFromInline
    init(code: Int32) throws(TorchError) {
        guard let value = DType(rawValue: code) else {
            throw TorchError("libtorch returned the dtype code \(code), which Torch does not support")
        }
        self = value
    }
}

extension Optional where Wrapped == DType {
    /// The C code: the raw value, or -1 for none.
    @usableFromInline
    var code: Int32 { self?.rawValue ?? -1 }
}
