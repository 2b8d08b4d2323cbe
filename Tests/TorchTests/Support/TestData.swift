import Foundation

/// Where the tests find fetched data (Scripts/fetch-data.sh) and committed fixtures.
enum TestData {
    /// `$SWIFTLIGHTNING_DATA`, else `$SWIFTLIGHTNING_CACHE/data`, else `~/.cache/swiftlightning/data`.
    static let directory: URL = {
        let environment = ProcessInfo.processInfo.environment
        if let data = environment["SWIFTLIGHTNING_DATA"], !data.isEmpty { return URL(fileURLWithPath: data) }
        let cache = environment["SWIFTLIGHTNING_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swiftlightning").path
        return URL(fileURLWithPath: cache).appendingPathComponent("data")
    }()

    /// A file of the fetched data, by its path under the data folder.
    static func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    /// Whether every file is there.
    static func has(_ paths: String...) -> Bool {
        paths.allSatisfy { FileManager.default.fileExists(atPath: url($0).path) }
    }

    /// The all-MiniLM-L6-v2 model folder.
    static var miniLM: URL { url("all-MiniLM-L6-v2") }

    static let missingMiniLM = "all-MiniLM-L6-v2 is not fetched: run Scripts/fetch-data.sh"
    static let missingPangLee = "the Pang & Lee sentences are not fetched: run Scripts/fetch-data.sh"

    /// A committed fixture under Tests/TorchTests/Fixtures, or under `$SWIFTLIGHTNING_BERT_FIXTURES`
    /// for the tokenizer and BERT fixtures when set (Scripts/bert-live.sh regenerates them there).
    static func fixture(_ path: String) -> URL {
        if let live = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_BERT_FIXTURES"], !live.isEmpty,
           path.hasPrefix("tokenizer/") || path.hasPrefix("bert/") {
            return URL(fileURLWithPath: live).appendingPathComponent(path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()   // Support, TorchTests
            .appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    /// A committed JSON fixture's top-level object.
    static func jsonFixture(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixture(path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("\(path) is not a JSON object")
        }
        return object
    }
}
