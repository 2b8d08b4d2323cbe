// The dtype names of the safetensors format ("F32", "BF16", …).

extension DType {
    /// The safetensors name of this dtype ("F32"), or nil when the format has none (complex types).
    var safeTensorsName: String? {
        switch self {
        case .float64: "F64"
        case .float32: "F32"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint8: "U8"
        case .bool: "BOOL"
        case .complex32, .complex64, .complex128: nil
        }
    }

    /// The dtype with this safetensors name.
    init?(safeTensorsName name: String) {
        guard let value = DType.allCases.first(where: { $0.safeTensorsName == name }) else { return nil }
        self = value
    }

    /// Where the reference library puts tensors of this dtype: it writes larger types first (ordered
    /// I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL) so every tensor stays aligned, then by name.
    var safeTensorsRank: Int {
        switch self {
        case .int64: 9
        case .float64: 8
        case .float32: 7
        case .int32: 6
        case .bfloat16: 5
        case .float16: 4
        case .int16: 3
        case .int8: 2
        case .uint8: 1
        default: 0
        }
    }
}
