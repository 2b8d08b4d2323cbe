import Foundation

/// Reads the Lightning 2.6.6 reference fixtures of Tests/LightningTests/Fixtures (made by
/// Tools/lightning-reference with Python Lightning).
enum ReferenceFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The JSON object of `name`.json.
    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name + ".json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any] { self[key] as! [String: Any] }
    func strings(_ key: String) -> [String] { self[key] as! [String] }
    func numbers(_ key: String) -> [Double] { (self[key] as! [NSNumber]).map(\.doubleValue) }
    func matrix(_ key: String) -> [[Double]] { (self[key] as! [[NSNumber]]).map { $0.map(\.doubleValue) } }
}
