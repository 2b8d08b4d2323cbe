import Foundation
import Testing
@testable import Torch

/// A value as the `.pt` fixtures describe it (see Tools/fixtures/make_pt_fixtures.py): the same
/// JSON form describes files Python wrote (checked here) and files Swift wrote (checked by
/// Scripts/pt-interop-live.sh).
indirect enum PTTree: Codable, Equatable {
    case none
    case bool(Bool)
    case int(String)
    case float(String)
    case str(String)
    /// Python bytes, base64.
    case bytes(String)
    case list([PTTree])
    case tuple([PTTree])
    case dict([[PTTree]])
    case tensor(dtype: String, shape: [Int], bytes: String)

    private enum Keys: String, CodingKey { case t, v, dtype, shape, bytes }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .t) {
        case "none": self = .none
        case "bool": self = .bool(try c.decode(Bool.self, forKey: .v))
        case "int": self = .int(try c.decode(String.self, forKey: .v))
        case "float": self = .float(try c.decode(String.self, forKey: .v))
        case "str": self = .str(try c.decode(String.self, forKey: .v))
        case "bytes": self = .bytes(try c.decode(String.self, forKey: .v))
        case "list": self = .list(try c.decode([PTTree].self, forKey: .v))
        case "tuple": self = .tuple(try c.decode([PTTree].self, forKey: .v))
        case "dict": self = .dict(try c.decode([[PTTree]].self, forKey: .v))
        case "tensor":
            self = .tensor(
                dtype: try c.decode(String.self, forKey: .dtype), shape: try c.decode([Int].self, forKey: .shape),
                bytes: try c.decode(String.self, forKey: .bytes))
        case let other: throw FixtureError("unknown tree type '\(other)'")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .none: try c.encode("none", forKey: .t)
        case .bool(let v): try c.encode("bool", forKey: .t); try c.encode(v, forKey: .v)
        case .int(let v): try c.encode("int", forKey: .t); try c.encode(v, forKey: .v)
        case .float(let v): try c.encode("float", forKey: .t); try c.encode(v, forKey: .v)
        case .str(let v): try c.encode("str", forKey: .t); try c.encode(v, forKey: .v)
        case .bytes(let v): try c.encode("bytes", forKey: .t); try c.encode(v, forKey: .v)
        case .list(let v): try c.encode("list", forKey: .t); try c.encode(v, forKey: .v)
        case .tuple(let v): try c.encode("tuple", forKey: .t); try c.encode(v, forKey: .v)
        case .dict(let v): try c.encode("dict", forKey: .t); try c.encode(v, forKey: .v)
        case .tensor(let dtype, let shape, let bytes):
            try c.encode("tensor", forKey: .t)
            try c.encode(dtype, forKey: .dtype)
            try c.encode(shape, forKey: .shape)
            try c.encode(bytes, forKey: .bytes)
        }
    }

    /// The description of a Swift value (tensors by their row-major bytes).
    init(_ value: PickleValue) throws {
        switch value {
        case .none: self = .none
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(String(v))
        case .double(let v): self = .float(PTTree.pythonRepr(v))
        case .string(let v): self = .str(v)
        case .bytes(let v): self = .bytes(Data(v).base64EncodedString())
        case .list(let v): self = .list(try v.map(PTTree.init))
        case .tuple(let v): self = .tuple(try v.map(PTTree.init))
        case .dict(let v): self = .dict(try v.map { [try PTTree($0.key), try PTTree($0.value)] })
        case .tensor(let t):
            self = .tensor(dtype: String(t.dtype.description.dropFirst(6)), shape: t.shape, bytes: Data(try t.bytes()).base64EncodedString())
        }
    }

    /// A float as Python's repr writes the special values (finite values: any exact form).
    static func pythonRepr(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return "\(v)"
    }

    /// Where `value` differs from this description, or nil when it matches.
    func mismatch(_ value: PickleValue, at path: String = "value") -> String? {
        switch (self, value) {
        case (.none, .none): return nil
        case (.bool(let a), .bool(let b)): return a == b ? nil : "\(path): \(b) instead of \(a)"
        case (.int(let a), .int(let b)): return a == String(b) ? nil : "\(path): \(b) instead of \(a)"
        case (.float(let a), .double(let b)):
            guard let expected = Double(a) else { return "\(path): bad expected float \(a)" }
            let same = expected.isNaN ? b.isNaN : expected.bitPattern == b.bitPattern
            return same ? nil : "\(path): \(b) instead of \(a)"
        case (.str(let a), .string(let b)): return a == b ? nil : "\(path): \"\(b)\" instead of \"\(a)\""
        case (.bytes(let a), .bytes(let b)): return Data(base64Encoded: a) == Data(b) ? nil : "\(path): different bytes"
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            guard a.count == b.count else { return "\(path): \(b.count) elements instead of \(a.count)" }
            for (index, (x, y)) in zip(a, b).enumerated() {
                if let problem = x.mismatch(y, at: "\(path)[\(index)]") { return problem }
            }
            return nil
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return "\(path): \(b.count) entries instead of \(a.count)" }
            for (index, (x, y)) in zip(a, b).enumerated() {
                if let problem = x[0].mismatch(y.key, at: "\(path) key #\(index)") { return problem }
                if let problem = x[1].mismatch(y.value, at: "\(path)[\(y.key)]") { return problem }
            }
            return nil
        case (.tensor(let dtype, let shape, let bytes), .tensor(let t)):
            guard t.dtype.description == "torch.\(dtype)" else { return "\(path): dtype \(t.dtype) instead of \(dtype)" }
            guard t.shape == shape else { return "\(path): shape \(t.shape) instead of \(shape)" }
            guard let actual = try? t.bytes() else { return "\(path): cannot read the tensor" }
            return Data(actual) == Data(base64Encoded: bytes) ? nil : "\(path): different tensor data"
        default:
            return "\(path): \(value) does not match \(self)"
        }
    }
}

/// Files written by Python's torch.save (Tools/fixtures/make_pt_fixtures.py).
struct PTPythonFiles: Decodable {
    struct File: Decodable {
        var base64: String
        var expected: PTTree
        var shares: [[String]]
        var data: Data { Data(base64Encoded: base64)! }
    }

    struct BadFile: Decodable {
        var base64: String
        var message: String
        var data: Data { Data(base64Encoded: base64)! }
    }

    var torch: String
    var lightning: String
    var files: [String: File]
    var errors: [String: BadFile]

    static let shared: Result<PTPythonFiles, FixtureError> = {
        let url = Fixtures.directory.appendingPathComponent("pt/python-files.json")
        do {
            return .success(try JSONDecoder().decode(PTPythonFiles.self, from: Data(contentsOf: url)))
        } catch {
            return .failure(FixtureError("cannot read \(url.path): \(error)"))
        }
    }()

    static func file(_ name: String) throws -> File {
        guard let file = try shared.get().files[name] else { throw FixtureError("no pt fixture '\(name)'") }
        return file
    }
}

// MARK: - Reading and writing in memory, for these tests

enum PTBytes {
    /// Loads a `.pt` file held in memory.
    static func decode(_ data: Data) throws(TorchError) -> PickleValue {
        try TorchSerialization.load(from: MemoryBytes([UInt8](data), name: "memory.pt"))
    }

    /// The bytes `TorchSerialization.save` writes for `value`.
    static func encode(_ value: PickleValue) throws -> Data {
        let folder = try TemporaryFolder()
        let url = folder.file("value.pt")
        try TorchSerialization.save(value, to: url)
        return try Data(contentsOf: url)
    }

    /// A zip archive written by ZipWriter (stored, 64-byte aligned) holding these records.
    static func zip(_ records: [(String, [UInt8])]) throws -> Data {
        let folder = try TemporaryFolder()
        let url = folder.file("archive.zip")
        try AtomicFileWriter.write(to: url) { (file) throws(TorchError) in
            var writer = ZipWriter(file)
            for (name, bytes) in records { try writer.add(name, bytes) }
            try writer.finish()
        }
        return try Data(contentsOf: url)
    }

    /// The records of a zip archive, in order.
    static func records(_ data: Data) throws -> [(String, [UInt8])] {
        let zip = try ZipReader(MemoryBytes([UInt8](data), name: "memory.zip"))
        return try zip.entries.map { ($0.name, try zip.contents(of: $0)) }
    }

    /// Runs a pickle that refers to no tensor storage.
    static func unpickle(_ bytes: [UInt8]) throws(TorchError) -> PickleValue {
        var unpickler = Unpickler(bytes, name: "pickle") { (_, _, _, _) throws(TorchError) -> Tensor in
            throw TorchError("no tensors here")
        }
        return try unpickler.load()
    }

    /// The pickle `Pickler` writes for a value without tensors.
    static func pickle(_ value: PickleValue) throws(TorchError) -> [UInt8] {
        var pickler = Pickler()
        try pickler.serialize(value)
        return pickler.bytes
    }
}
