#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Error messages of the file formats: every one names the file (or what was being read) first, so a
// user sees at once which file is bad and why.

extension TorchError {
    /// "<what>: <problem>", as in "model.safetensors: the header is not valid JSON".
    static func format(_ what: String, _ problem: String) -> TorchError {
        TorchError("\(what): \(problem)")
    }

    /// An operating-system failure with `errno`'s text: "cannot open /x/y: No such file or directory".
    static func system(_ action: String, _ path: String, errno code: Int32) -> TorchError {
        TorchError("cannot \(action) \(path): \(String(cString: strerror(code)))")
    }
}
