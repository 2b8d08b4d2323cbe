// Argument types shared by the layers: sizes given as one number or one per dimension, convolution
// padding, and PyTorch-style text for descriptions.

/// A size argument given either as one number, used for every spatial dimension, or as one number
/// per dimension: PyTorch's "int or tuple" (`kernel_size=3` or `kernel_size=(3, 5)`).
///
/// ```swift
/// Conv2d(3, 16, kernelSize: 3)
/// Conv2d(3, 16, kernelSize: [3, 5], stride: [2, 1])
/// ```
public protocol IntOrTuple {
    /// The values for `count` dimensions: a single number repeated, or the array itself.
    func expanded(to count: Int, name: String) throws(TorchError) -> [Int]
    /// The argument as Python shows it: `3` or `(3, 5)`.
    var pythonDescription: String { get }
}

extension Int: IntOrTuple {
    public func expanded(to count: Int, name: String) throws(TorchError) -> [Int] {
        Array(repeating: self, count: count)
    }

    public var pythonDescription: String { String(self) }
}

extension Array: IntOrTuple where Element == Int {
    public func expanded(to count: Int, name: String) throws(TorchError) -> [Int] {
        if self.count == 1 && count > 1 { return Array(repeating: self[0], count: count) }
        guard self.count == count else {
            throw TorchError("\(name) must have \(count) element\(count == 1 ? "" : "s") (one per spatial dimension), got \(self)")
        }
        return self
    }

    public var pythonDescription: String { pythonTuple(self) }
}

/// The padding of a convolution: a number or one number per side pair (`padding: 1`,
/// `padding: [1, 2]`), or `.same` / `.valid` (PyTorch's `padding='same'` and `'valid'`).
public protocol ConvPaddingConvertible {
    /// The padding this value stands for.
    var convPadding: ConvPadding { get }
}

/// A convolution's padding: explicit amounts per spatial dimension, or ``same`` (output as large as
/// the input; stride 1 only) or ``valid`` (no padding).
///
/// ```swift
/// try Conv2d(3, 8, kernelSize: 3, padding: .same)
/// ```
public struct ConvPadding: Equatable, Sendable, ConvPaddingConvertible, CustomStringConvertible {
    enum Kind: Equatable, Sendable {
        case explicit([Int])
        case same
        case valid
    }

    let kind: Kind

    /// Explicit amounts: one number for every dimension, or one per spatial dimension.
    public static func explicit(_ amounts: [Int]) -> ConvPadding { ConvPadding(kind: .explicit(amounts)) }

    public var convPadding: ConvPadding { self }

    /// PyTorch's spelling: `same`, `valid`, or the tuple.
    public var description: String {
        switch kind {
        case .explicit(let values): pythonTuple(values)
        case .same: "same"
        case .valid: "valid"
        }
    }
}

extension ConvPaddingConvertible where Self == ConvPadding {
    /// Pads so that the output is as large as the input (PyTorch's `padding='same'`).
    public static var same: ConvPadding { ConvPadding(kind: .same) }
    /// No padding (PyTorch's `padding='valid'`).
    public static var valid: ConvPadding { ConvPadding(kind: .valid) }
}

extension Int: ConvPaddingConvertible {
    public var convPadding: ConvPadding { .explicit([self]) }
}

extension Array: ConvPaddingConvertible where Element == Int {
    public var convPadding: ConvPadding { .explicit(self) }
}

/// How a convolution pads its input (PyTorch's `padding_mode`).
public enum PaddingMode: String, Sendable {
    case zeros
    case reflect
    case replicate
    case circular
}

// MARK: - Python-style text

/// `(3, 5)`, or `(3,)` for one element, as Python prints a tuple.
func pythonTuple(_ values: [Int]) -> String {
    values.count == 1 ? "(\(values[0]),)" : "(" + values.map(String.init).joined(separator: ", ") + ")"
}

/// `True` / `False`.
func pythonBool(_ value: Bool) -> String { value ? "True" : "False" }

/// A float as Python's `repr` prints it: `0.1`, `1e-05`, `1.0`.
func pythonFloat(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    var text = "\(value)"
    // Swift writes 1e-05 as "1e-05" like Python, but large exponents as "1e+16" too; the only
    // difference is that Swift may print an integral value in exponent form without a fraction.
    if !text.contains(".") && !text.contains("e") { text += ".0" }
    return text
}

/// An optional float, `None` when absent.
func pythonOptionalFloat(_ value: Double?) -> String { value.map(pythonFloat) ?? "None" }
