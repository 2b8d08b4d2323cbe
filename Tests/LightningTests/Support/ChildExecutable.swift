import Foundation

/// The path of a test helper executable (an executable target of this package, built beside the
/// test bundle by `swift build --build-tests`), or nil when it has not been built.
func childExecutable(named name: String) -> String? {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    return nil
}
