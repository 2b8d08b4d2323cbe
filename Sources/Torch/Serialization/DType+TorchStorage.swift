// The storage class names that PyTorch's file format records for each dtype ("FloatStorage", …).

extension DType {
    /// The legacy storage class name that `torch.save` writes for this dtype (`torch.FloatStorage`).
    var torchStorageName: String? {
        switch self {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        case .complex64: "ComplexFloatStorage"
        case .complex128: "ComplexDoubleStorage"
        case .complex32: nil
        }
    }

    /// The dtype of a storage class named in a PyTorch file (`UntypedStorage` holds bytes).
    init?(torchStorageName name: String) {
        if name == "UntypedStorage" {
            self = .uint8
            return
        }
        guard let value = DType.allCases.first(where: { $0.torchStorageName == name }) else { return nil }
        self = value
    }

    /// The name of the `torch` attribute for this dtype, as Python pickles a `torch.dtype`
    /// (`float32`).
    var torchAttributeName: String {
        String(description.dropFirst("torch.".count))
    }
}
