import Foundation

// Printing a tensor the way Python PyTorch does (torch/_tensor_str.py): the same number formats,
// alignment, line wrapping at 80 columns, summarisation past 1,000 elements and suffixes.

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// `tensor([[ 1.0000, -2.5000], [ 3.0000,  4.0000]], dtype=torch.float64, requires_grad=True)`
    public var description: String {
        (try? TensorPrinter(self).render()) ?? "tensor(<unprintable \(dtype) tensor of shape \(shape)>)"
    }

    public var debugDescription: String { description }
}

private struct TensorPrinter {
    static let edgeItems = 3
    static let threshold = 1000
    static let lineWidth = 80
    static let prefix = "tensor("

    let tensor: Tensor
    let shape: [Int]
    let summarize: Bool

    init(_ tensor: Tensor) {
        self.tensor = tensor
        self.shape = tensor.shape
        self.summarize = tensor.numel > Self.threshold
    }

    func render() throws -> String {
        var suffixes: [String] = []
        let dtype = tensor.dtype
        if case .cuda = tensor.device { suffixes.append("device='\(tensor.device)'") }
        if tensor.numel == 0 && shape != [0] {
            suffixes.append("size=(\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : ""))")
        }
        if ![DType.float32, .int64, .bool].contains(dtype) { suffixes.append("dtype=\(dtype)") }
        if let name = tensor.gradFunctionName {
            suffixes.append("grad_fn=<\(name)>")
        } else if tensor.requiresGrad {
            suffixes.append("requires_grad=True")
        }
        let body = tensor.numel == 0 ? "[]" : try formatBody()
        return Self.prefix + ([body] + suffixes).joined(separator: ", ") + ")"
    }

    private func formatBody() throws -> String {
        let formatter = try ElementFormatter(tensor: tensor, displayed: displayedOffsets())
        return format(dimension: 0, offset: 0, indent: Self.prefix.count, formatter: formatter)
    }

    /// Row-major strides of the full shape.
    private var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        return strides
    }

    private func shownIndices(_ size: Int) -> [Int?] {
        guard summarize && size > 2 * Self.edgeItems else { return Array(0..<size) }
        return Array(0..<Self.edgeItems) + [nil] + Array((size - Self.edgeItems)..<size)
    }

    private func displayedOffsets() -> [Int] {
        var offsets: [Int] = []
        let strides = contiguousStrides
        func walk(_ dimension: Int, _ offset: Int) {
            if dimension == shape.count { offsets.append(offset); return }
            for case let i? in shownIndices(shape[dimension]) { walk(dimension + 1, offset + i * strides[dimension]) }
        }
        walk(0, 0)
        return offsets
    }

    private func format(dimension: Int, offset: Int, indent: Int, formatter: ElementFormatter) -> String {
        if shape.isEmpty { return formatter.string(at: offset) }
        let strides = contiguousStrides
        let indices = shownIndices(shape[dimension])
        if dimension == shape.count - 1 {
            let items = indices.map { $0.map { formatter.padded(at: offset + $0 * strides[dimension]) } ?? " ..." }
            // Wrap long rows as Python does: a fixed number of items per line.
            let perLine = Swift.max(1, (Self.lineWidth - indent) / (formatter.width + 2))
            if items.count <= perLine { return "[" + items.joined(separator: ", ") + "]" }
            var lines: [String] = []
            for start in stride(from: 0, to: items.count, by: perLine) {
                lines.append(items[start..<Swift.min(start + perLine, items.count)].joined(separator: ", "))
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let separator = "," + String(repeating: "\n", count: shape.count - dimension - 1)
            + String(repeating: " ", count: indent + 1)
        let parts = indices.map { index -> String in
            guard let index else { return "..." }
            return format(dimension: dimension + 1, offset: offset + index * strides[dimension], indent: indent + 1, formatter: formatter)
        }
        return "[" + parts.joined(separator: separator) + "]"
    }
}

/// Formats elements with Python's rules: integers as is; floats in fixed or scientific notation with
/// 4 decimals, or as `1.` when every value is whole; all right-aligned to one width.
private struct ElementFormatter {
    private enum Values {
        case floating([Double])
        case integer([Int64])
        case boolean([Bool])
    }

    private let values: Values
    private let offsets: [Int: Int]
    private let mode: Mode
    let width: Int

    private enum Mode { case integer, wholeFloat, fixed, scientific }

    init(tensor: Tensor, displayed: [Int]) throws {
        let dtype = tensor.dtype
        switch dtype {
        case .bool: values = .boolean(try tensor.toArray(of: Bool.self))
        case .uint8, .int8, .int16, .int32, .int64: values = .integer(try tensor.toArray(of: Int64.self))
        default: values = .floating(try tensor.to(dtype: .float64).toArray(of: Double.self))
        }
        var offsets: [Int: Int] = [:]
        for (position, offset) in displayed.enumerated() { offsets[offset] = position }
        self.offsets = offsets
        switch values {
        case .floating(let all):
            let shown = displayed.map { all[$0] }
            let finite = shown.filter { $0.isFinite && $0 != 0 }.map(abs)
            if finite.isEmpty {
                mode = .wholeFloat
            } else {
                let maxValue = finite.max()!, minValue = finite.min()!
                let wide = maxValue / minValue > 1000 || maxValue > 1e8
                if finite.allSatisfy({ $0 == $0.rounded(.up) }) {
                    mode = wide ? .scientific : .wholeFloat
                } else {
                    mode = wide || minValue < 1e-4 ? .scientific : .fixed
                }
            }
        default:
            mode = .integer
        }
        // As Python: integer widths count every value; float widths only finite non-zero values.
        var width = 1
        for offset in displayed {
            if case .floating(let all) = values, !(all[offset].isFinite && all[offset] != 0) { continue }
            width = Swift.max(width, Self.raw(values, mode, offset).count)
        }
        self.width = width
    }

    func string(at offset: Int) -> String { Self.raw(values, mode, offset) }

    func padded(at offset: Int) -> String {
        let text = string(at: offset)
        return String(repeating: " ", count: Swift.max(0, width - text.count)) + text
    }

    private static func raw(_ values: Values, _ mode: Mode, _ offset: Int) -> String {
        switch values {
        case .boolean(let all): return all[offset] ? "True" : "False"
        case .integer(let all): return String(all[offset])
        case .floating(let all):
            let value = all[offset]
            if value.isNaN { return "nan" }
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            switch mode {
            case .wholeFloat: return String(format: "%.0f.", value)
            case .scientific: return String(format: "%.4e", value)
            default: return String(format: "%.4f", value)
            }
        }
    }
}
