import Foundation
import Testing
@testable import Torch

/// The JSON fixtures written by Tools/fixtures/make_io_fixtures.py. `SWIFTLIGHTNING_IO_FIXTURES`
/// points the tests at another folder (Scripts/io-interop-live.sh uses it for fresh fixtures).
enum IOFixtures {
    static var folder: URL {
        if let custom = ProcessInfo.processInfo.environment["SWIFTLIGHTNING_IO_FIXTURES"], !custom.isEmpty {
            return URL(filePath: custom, directoryHint: .isDirectory)
        }
        return URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Fixtures/io", directoryHint: .isDirectory)
    }

    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: folder.appending(path: name)))
    }
}

/// A fresh temporary folder, removed when the value goes away.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "swiftlightning-io-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path inside the folder.
    func file(_ name: String) -> URL { url.appending(path: name) }

    /// Writes bytes to a file in the folder and returns its URL.
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }

    /// The names of the files in the folder.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

func base64(_ text: String) -> [UInt8] {
    [UInt8](Data(base64Encoded: text)!)
}

/// A thrown error's message, or nil when `body` does not throw.
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as TorchError {
        return error.message
    } catch {
        return "\(error)"
    }
}

/// Expects `body` to throw a TorchError whose message contains every fragment.
func expectError(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    guard let message = errorMessage(body) else {
        Issue.record("expected an error containing \(fragments), but nothing was thrown", sourceLocation: sourceLocation)
        return
    }
    for fragment in fragments where !message.contains(fragment) {
        Issue.record("the error \"\(message)\" does not contain \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}

// MARK: - Expected values described by the fixtures

/// One element of an expected tensor: an integer, a float (or "nan", "inf", "-inf"), or a complex
/// [real, imaginary] pair.
enum ExpectedElement: Decodable, Equatable {
    case integer(Int64)
    case real(Double)
    case complex(Double, Double)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .real(value)
        } else if let text = try? container.decode(String.self) {
            self = .real(ExpectedElement.special(text))
        } else {
            let pair = try container.decode([ExpectedElement].self)
            self = .complex(pair[0].double, pair[1].double)
        }
    }

    static func special(_ text: String) -> Double {
        switch text {
        case "nan": .nan
        case "inf": .infinity
        case "-inf": -.infinity
        default: Double(text)!
        }
    }

    var double: Double {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        case .complex(let re, _): re
        }
    }
}

struct ExpectedTensor: Decodable {
    let dtype: String
    let shape: [Int]
    let values: [ExpectedElement]
    let requires_grad: Bool?
}

/// The tree a fixture expects a ``PickleValue`` to be.
indirect enum ExpectedValue: Decodable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tensor(ExpectedTensor)
    case list([ExpectedValue])
    case tuple([ExpectedValue])
    case dict([(ExpectedValue, ExpectedValue)])

    private enum Keys: String, CodingKey { case kind, value, base64, items }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "none": self = .none
        case "bool": self = .bool(try container.decode(Bool.self, forKey: .value))
        case "int": self = .int(try container.decode(Int.self, forKey: .value))
        case "float":
            if let text = try? container.decode(String.self, forKey: .value) {
                self = .float(ExpectedElement.special(text))
            } else {
                self = .float(try container.decode(Double.self, forKey: .value))
            }
        case "string": self = .string(try container.decode(String.self, forKey: .value))
        case "bytes": self = .bytes(base64(try container.decode(String.self, forKey: .base64)))
        case "tensor": self = .tensor(try ExpectedTensor(from: decoder))
        case "list": self = .list(try container.decode([ExpectedValue].self, forKey: .items))
        case "tuple": self = .tuple(try container.decode([ExpectedValue].self, forKey: .items))
        case "dict":
            let pairs = try container.decode([[ExpectedValue]].self, forKey: .items)
            self = .dict(pairs.map { ($0[0], $0[1]) })
        case let kind: throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown kind \(kind)")
        }
    }
}

/// The values of a tensor as expected elements (complex numbers as pairs).
func elements(of tensor: Tensor) throws -> [ExpectedElement] {
    switch tensor.dtype {
    case .complex64, .complex128:
        let bytes = try tensor.bytes()
        let width = tensor.dtype.elementSize / 2
        var parts: [Double] = []
        for start in stride(from: 0, to: bytes.count, by: width) {
            let slice = Array(bytes[start..<start + width])
            parts.append(width == 4
                ? Double(slice.withUnsafeBytes { Float(bitPattern: $0.loadUnaligned(as: UInt32.self)) })
                : slice.withUnsafeBytes { Double(bitPattern: $0.loadUnaligned(as: UInt64.self)) })
        }
        return stride(from: 0, to: parts.count, by: 2).map { .complex(parts[$0], parts[$0 + 1]) }
    case .float16, .bfloat16, .float32, .float64:
        return try tensor.toArray(of: Double.self).map { .real($0) }
    default:
        return try tensor.toArray(of: Int64.self).map { .integer($0) }
    }
}

func sameNumber(_ a: Double, _ b: Double) -> Bool {
    a == b || (a.isNaN && b.isNaN)
}

/// Records an issue for every difference between a tensor and its expected description.
func expectTensor(_ tensor: Tensor, _ expected: ExpectedTensor, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dtypeName = String(tensor.dtype.description.dropFirst("torch.".count))
    guard dtypeName == expected.dtype, tensor.shape == expected.shape else {
        Issue.record("\(path): got \(dtypeName) \(tensor.shape), expected \(expected.dtype) \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    guard let actual = try? elements(of: tensor) else {
        Issue.record("\(path): cannot read the values", sourceLocation: sourceLocation)
        return
    }
    let same = actual.count == expected.values.count && zip(actual, expected.values).allSatisfy { a, e in
        switch (a, e) {
        case (.integer(let x), .integer(let y)): x == y
        case (.integer(let x), .real(let y)): Double(x) == y
        case (.real(let x), .integer(let y)): x == Double(y)
        case (.real(let x), .real(let y)): sameNumber(x, y)
        case (.complex(let xr, let xi), .complex(let yr, let yi)): sameNumber(xr, yr) && sameNumber(xi, yi)
        default: false
        }
    }
    if !same {
        Issue.record("\(path): values \(actual.prefix(8)) differ from the expected \(expected.values.prefix(8))", sourceLocation: sourceLocation)
    }
    if let requiresGrad = expected.requires_grad, requiresGrad != TensorStorage.requiresGrad(tensor) {
        Issue.record("\(path): requires_grad is \(!requiresGrad), expected \(requiresGrad)", sourceLocation: sourceLocation)
    }
}

/// Records an issue for every difference between a loaded value and the fixture's description.
func expectValue(_ actual: PickleValue, _ expected: ExpectedValue, _ path: String = "value", sourceLocation: SourceLocation = #_sourceLocation) {
    func mismatch() { Issue.record("\(path): got \(actual), expected \(expected)", sourceLocation: sourceLocation) }
    switch (actual, expected) {
    case (.none, .none): return
    case (.bool(let a), .bool(let e)): if a != e { mismatch() }
    case (.int(let a), .int(let e)): if a != e { mismatch() }
    case (.double(let a), .float(let e)): if !sameNumber(a, e) { mismatch() }
    case (.string(let a), .string(let e)): if a != e { mismatch() }
    case (.bytes(let a), .bytes(let e)): if a != e { mismatch() }
    case (.tensor(let a), .tensor(let e)): expectTensor(a, e, path, sourceLocation: sourceLocation)
    case (.list(let a), .list(let e)), (.tuple(let a), .tuple(let e)):
        guard a.count == e.count else { return mismatch() }
        for (i, (x, y)) in zip(a, e).enumerated() { expectValue(x, y, "\(path)[\(i)]", sourceLocation: sourceLocation) }
    case (.dict(let a), .dict(let e)):
        guard a.count == e.count else { return mismatch() }
        for (i, (x, y)) in zip(a, e).enumerated() {
            expectValue(x.key, y.0, "\(path).key[\(i)]", sourceLocation: sourceLocation)
            expectValue(x.value, y.1, "\(path)[\(x.key)]", sourceLocation: sourceLocation)
        }
    default: mismatch()
    }
}

/// True when the real data sets fetched by Scripts/fetch-data.sh hold `relativePath`.
func hasRealData(_ relativePath: String) -> Bool {
    FileManager.default.fileExists(atPath: DatasetFolder.default.appending(path: relativePath).path)
}
