// Arithmetic and comparison operators with broadcasting, on top of the generated ATen ops.
// Every operator throws (a shape or dtype mismatch is a TorchError); one `try` covers an expression:
//
//     let y = try (x - mean) / std * 2 + 1

extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.add(rhs) }
    public static func + (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.add(rhs) }
    public static func + (lhs: some ScalarConvertible, rhs: Tensor) throws(TorchError) -> Tensor { try rhs.add(lhs) }

    public static func - (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.sub(rhs) }
    public static func - (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.sub(rhs) }
    /// `s - x`, as PyTorch's `__rsub__`.
    public static func - (lhs: some ScalarConvertible, rhs: Tensor) throws(TorchError) -> Tensor { try rhs.rsub(lhs) }

    public static func * (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.mul(rhs) }
    public static func * (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.mul(rhs) }
    public static func * (lhs: some ScalarConvertible, rhs: Tensor) throws(TorchError) -> Tensor { try rhs.mul(lhs) }

    /// True division, as Python's `/` on tensors (integers divide to floating point).
    public static func / (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.div(rhs) }
    public static func / (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.div(rhs) }
    /// `s / x`, as PyTorch's `__rtruediv__` (`x.reciprocal() * s`).
    public static func / (lhs: some ScalarConvertible, rhs: Tensor) throws(TorchError) -> Tensor { try rhs.reciprocal().mul(lhs) }

    public static prefix func - (operand: Tensor) throws(TorchError) -> Tensor { try operand.neg() }

    /// In place: `x += y` is `x.add_(y)`.
    public static func += (lhs: Tensor, rhs: Tensor) throws(TorchError) { try lhs.add_(rhs) }
    public static func += (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) { try lhs.add_(rhs) }
    public static func -= (lhs: Tensor, rhs: Tensor) throws(TorchError) { try lhs.sub_(rhs) }
    public static func -= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) { try lhs.sub_(rhs) }
    public static func *= (lhs: Tensor, rhs: Tensor) throws(TorchError) { try lhs.mul_(rhs) }
    public static func *= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) { try lhs.mul_(rhs) }
    public static func /= (lhs: Tensor, rhs: Tensor) throws(TorchError) { try lhs.div_(rhs) }
    public static func /= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) { try lhs.div_(rhs) }
}

// Pointwise comparisons return boolean tensors. `==` stays free for identity-free equality checks
// (see `equal(_:)`), so comparisons use Swift's pointwise spelling, as SIMD types do.
extension Tensor {
    public static func .== (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.eq(rhs) }
    public static func .== (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.eq(rhs) }
    public static func .!= (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.ne(rhs) }
    public static func .!= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.ne(rhs) }
    public static func .< (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.lt(rhs) }
    public static func .< (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.lt(rhs) }
    public static func .<= (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.le(rhs) }
    public static func .<= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.le(rhs) }
    public static func .> (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.gt(rhs) }
    public static func .> (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.gt(rhs) }
    public static func .>= (lhs: Tensor, rhs: Tensor) throws(TorchError) -> Tensor { try lhs.ge(rhs) }
    public static func .>= (lhs: Tensor, rhs: some ScalarConvertible) throws(TorchError) -> Tensor { try lhs.ge(rhs) }
}
