import CTorch

/// Where a tensor lives: the CPU or a CUDA GPU.
///
/// ```swift
/// let x = try Tensor.randn([4, 4]).to(.cuda(0))
/// ```
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// The CPU.
    case cpu
    /// The CUDA GPU with this index.
    case cuda(Int)

    /// The first CUDA device.
    public static let gpu = Device.cuda(0)

    /// True for CUDA devices.
    public var isCUDA: Bool {
        if case .cuda = self { return true }
        return false
    }

    /// The name PyTorch prints: `cpu`, `cuda:0`.
    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let index): "cuda:\(index)"
        }
    }

    /// Parses `"cpu"`, `"cuda"`, `"cuda:1"`.
    public init(_ name: String) throws(TorchError) {
        let parts = name.split(separator: ":", maxSplits: 1)
        switch (parts.first.map(String.init), parts.count) {
        case ("cpu", 1): self = .cpu
        case ("cuda", 1): self = .cuda(0)
        case ("cuda", 2):
            guard let index = Int(parts[1]), index >= 0 else {
                throw TorchError("invalid device '\(name)': the CUDA index must be a number, as in 'cuda:0'")
            }
            self = .cuda(index)
        default:
            throw TorchError("invalid device '\(name)': use 'cpu', 'cuda' or 'cuda:N'")
        }
    }

    @usableFromInline
    var cValue: ts_device {
        switch self {
        case .cpu: ts_device(type: 0, index: -1)
        case .cuda(let index): ts_device(type: 1, index: Int32(index))
        }
    }

    @usableFromInline
    init(_ value: ts_device) {
        self = value.type == 1 ? .cuda(Int(value.index)) : .cpu
    }
}

extension Optional where Wrapped == Device {
    /// The C value: type -1 for none.
    @usableFromInline
    var cValue: ts_device { self?.cValue ?? ts_device(type: -1, index: -1) }
}
