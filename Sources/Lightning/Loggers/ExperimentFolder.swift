import Foundation

/// The `<saveDir>/<name>/<version>` folder of a file logger (CSVLogger, TensorBoardLogger), as
/// Lightning lays them out: `version` nil picks `version_<n>` with n one past the highest existing
/// `version_<n>` folder, decided once, on first use.
struct ExperimentFolder {
    let saveDir: String
    let name: String
    private let explicitVersion: String?
    private var resolvedVersion: String?

    init(saveDir: String, name: String, version: String?) {
        self.saveDir = saveDir
        self.name = name
        self.explicitVersion = version
    }

    /// `<saveDir>/<name>`, which holds the version folders.
    var rootDir: String { (saveDir as NSString).appendingPathComponent(name) }

    /// The version folder's name; the first call fixes it.
    mutating func version() -> String {
        if let resolvedVersion { return resolvedVersion }
        let version = explicitVersion ?? "version_\(nextVersion())"
        resolvedVersion = version
        return version
    }

    /// `<saveDir>/<name>/<version>`.
    mutating func logDir() -> String { (rootDir as NSString).appendingPathComponent(version()) }

    private func nextVersion() -> Int {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: rootDir)) ?? []
        let numbers = existing.compactMap { entry -> Int? in
            guard entry.hasPrefix("version_") else { return nil }
            return Int(entry.dropFirst("version_".count))
        }
        return (numbers.max() ?? -1) + 1
    }
}
