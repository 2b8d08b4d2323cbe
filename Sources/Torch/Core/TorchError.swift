import CTorch

/// An error raised by libtorch or by the Torch layer: a shape, dtype or device mismatch, an index
/// out of range, a misuse of autograd, a missing file.
///
/// The message is libtorch's own text (without its C++ backtrace) or ours, and says what to fix.
///
/// ```swift
/// do {
///     _ = try Tensor.ones([2, 3]).matmul(Tensor.ones([2, 3]))
/// } catch let error as TorchError {
///     print(error.message)  // "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"
/// }
/// ```
public struct TorchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong and, where known, what to do about it.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The one funnel through which C errors become Swift errors: throws when `error` is non-nil and
/// releases it.
@inline(__always)
@usableFromInline
func check(_ error: ts_error?) throws(TorchError) {
    if let error {
        let message = String(cString: ts_error_message(error))
        ts_error_free(error)
        throw TorchError(message)
    }
}
