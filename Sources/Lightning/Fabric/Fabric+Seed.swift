extension Fabric {
    /// ``seedEverything(_:workers:verbose:)`` (Lightning's `Fabric.seed_everything`).
    ///
    /// ```swift
    /// Fabric.seedEverything(42)
    /// ```
    @discardableResult
    public static func seedEverything(_ seed: Int? = nil, workers: Bool = false, verbose: Bool = true) -> Int {
        Lightning.seedEverything(seed, workers: workers, verbose: verbose)
    }
}
