/// What one rank of Tests/FabricChild saw, written as `<folder>/rank<R>.json` and read by FabricTests.
public struct FabricChildReport: Codable {
    public var rank: Int
    public var worldSize: Int
    public var weights: [String: [Float]]
    public var allReduceMean: [Float]
    public var allReduceSum: Double
    public var allGather: [Float]
    public var allGatherShape: [Int]
    public var broadcastString: String
    public var broadcastCodable: [Int]
    public var loadedMatches: Bool
    public var loadedStep: Int
    public var sampleIndices: [Float]

    public init(rank: Int, worldSize: Int, weights: [String: [Float]], allReduceMean: [Float], allReduceSum: Double,
                allGather: [Float], allGatherShape: [Int], broadcastString: String, broadcastCodable: [Int],
                loadedMatches: Bool, loadedStep: Int, sampleIndices: [Float]) {
        self.rank = rank
        self.worldSize = worldSize
        self.weights = weights
        self.allReduceMean = allReduceMean
        self.allReduceSum = allReduceSum
        self.allGather = allGather
        self.allGatherShape = allGatherShape
        self.broadcastString = broadcastString
        self.broadcastCodable = broadcastCodable
        self.loadedMatches = loadedMatches
        self.loadedStep = loadedStep
        self.sampleIndices = sampleIndices
    }
}
