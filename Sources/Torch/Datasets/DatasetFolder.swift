import Foundation

/// Where the real data sets fetched by `Scripts/fetch-data.sh` live, and the error a reader throws
/// when they are missing.
///
/// The folder is `$SWIFTLIGHTNING_DATA` when set, else `$SWIFTLIGHTNING_CACHE/data`, else
/// `~/.cache/swiftlightning/data`: the same place the script writes to. Every reader also takes a
/// `from:` folder that overrides it.
public enum DatasetFolder {
    /// The folder the data-set readers use by default.
    public static var `default`: URL {
        let environment = ProcessInfo.processInfo.environment
        if let data = environment["SWIFTLIGHTNING_DATA"], !data.isEmpty {
            return URL(filePath: data, directoryHint: .isDirectory)
        }
        if let cache = environment["SWIFTLIGHTNING_CACHE"], !cache.isEmpty {
            return URL(filePath: cache, directoryHint: .isDirectory).appending(path: "data", directoryHint: .isDirectory)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appending(path: ".cache/swiftlightning/data", directoryHint: .isDirectory)
    }

    /// The file at `relativePath` under `folder` (or the default folder); throws an error that says
    /// how to fetch the data when it is missing.
    static func file(_ relativePath: String, in folder: URL?, dataset: String) throws(TorchError) -> URL {
        let base = folder ?? DatasetFolder.default
        let url = base.appending(path: relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TorchError("the \(dataset) data set is not in \(base.path) (\(relativePath) is missing). Run Scripts/fetch-data.sh to download the data sets (about 125 MB, once), or pass the folder that holds them with `from:`")
        }
        return url
    }
}
