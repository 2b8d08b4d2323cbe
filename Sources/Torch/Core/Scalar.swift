import CTorch

/// A single number passed to an operation: PyTorch's `Scalar`.
///
/// Integer and floating values stay distinct, as in PyTorch: `x.add(2)` keeps an integer tensor's
/// dtype, `x.add(2.0)` promotes it to floating point.
public enum Scalar: Sendable, Equatable, CustomStringConvertible {
    case double(Double)
    case int(Int64)
    case bool(Bool)

    /// The value as a Double.
    public var doubleValue: Double {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        case .bool(let v): v ? 1 : 0
        }
    }

    /// The value as an Int64 (floating values are truncated).
    public var intValue: Int64 {
        switch self {
        case .double(let v): Int64(v)
        case .int(let v): v
        case .bool(let v): v ? 1 : 0
        }
    }

    public var description: String {
        switch self {
        case .double(let v): "\(v)"
        case .int(let v): "\(v)"
        case .bool(let v): v ? "True" : "False"
        }
    }

    @usableFromInline
    var cValue: ts_scalar {
        switch self {
        case .double(let v): ts_scalar(kind: 0, f: v, i: 0)
        case .int(let v): ts_scalar(kind: 1, f: 0, i: v)
        case .bool(let v): ts_scalar(kind: 2, f: 0, i: v ? 1 : 0)
        }
    }

    @usableFromInline
    init(_ value: ts_scalar) {
        switch value.kind {
        case 1: self = .int(value.i)
        case 2: self = .bool(value.i != 0)
        default: self = .double(value.f)
        }
    }
}

/// A Swift number usable where PyTorch takes a `Scalar`: `Int`, `Double`, `Float`, `Bool`, …
public protocol ScalarConvertible {
    /// The value as a ``Scalar``.
    var scalar: Scalar { get }
}

extension Scalar: ScalarConvertible, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    public var scalar: Scalar { self }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension Int: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Int64: ScalarConvertible { public var scalar: Scalar { .int(self) } }
extension Int32: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Int16: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Int8: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension UInt8: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Double: ScalarConvertible { public var scalar: Scalar { .double(self) } }
extension Float: ScalarConvertible { public var scalar: Scalar { .double(Double(self)) } }
extension Bool: ScalarConvertible { public var scalar: Scalar { .bool(self) } }
