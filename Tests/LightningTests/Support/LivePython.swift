import Foundation
import Testing
import Torch

/// The Python that reads back what the Swift side wrote (torch 2.11.0, Lightning 2.6.6 and
/// tensorboard, from Scripts/python-env.sh, or `SWIFTLIGHTNING_PYTHON`), running the readers in
/// Tools/fixtures. Tests that need it are enabled with ``isAvailable`` and skip with ``missing``.
enum LivePython {
    static let path: String? = {
        let path = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_PYTHON"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/swiftlightning/pyenv/bin/python")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    static var isAvailable: Bool { path != nil }
    static let missing: Comment = "no Python with torch, Lightning and tensorboard (~/.cache/swiftlightning/pyenv); run Scripts/python-env.sh"

    /// What `Tools/fixtures/<script>` printed as JSON, run with `arguments`.
    static func readJSON(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tools/fixtures")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = [tools.appendingPathComponent(script).path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TorchError("\(script) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}
