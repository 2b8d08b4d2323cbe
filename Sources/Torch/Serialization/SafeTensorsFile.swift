import Foundation

/// A safetensors file opened lazily: the header is read at once, the file is memory-mapped, and
/// each tensor is read only when asked for.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: modelURL)
/// for name in file.names { print(name, file.info(for: name)!.shape) }
/// let embeddings = try file.tensor(named: "embeddings.word_embeddings.weight")
/// ```
public final class SafeTensorsFile {
    /// What the header says about one tensor.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// The tensor's bytes, relative to the start of the data section.
        public let byteRange: Range<Int>
    }

    /// The file's free-form string metadata (the `__metadata__` entry), such as `["format": "pt"]`.
    public let metadata: [String: String]
    /// The tensors in file order.
    public let tensorInfos: [TensorInfo]

    private let source: any ByteSource
    private let dataStart: Int
    private let index: [String: Int]

    /// Opens and validates the file at `url`; tensor data is read later.
    public convenience init(contentsOf url: URL) throws(TorchError) {
        try self.init(source: MappedFile(url))
    }

    /// Reads safetensors bytes held in memory.
    public convenience init(bytes: [UInt8]) throws(TorchError) {
        try self.init(source: MemoryBytes(bytes, name: "safetensors data"))
    }

    init(source: any ByteSource) throws(TorchError) {
        let header = try SafeTensorsHeader(source)
        self.source = source
        metadata = header.metadata
        tensorInfos = header.tensors
        dataStart = header.dataStart
        var index: [String: Int] = [:]
        for (i, info) in header.tensors.enumerated() { index[info.name] = i }
        self.index = index
    }

    /// The tensor names in file order.
    public var names: [String] { tensorInfos.map(\.name) }

    /// The dtype, shape and byte range of the tensor called `name`, or nil when there is none.
    public func info(for name: String) -> TensorInfo? {
        index[name].map { tensorInfos[$0] }
    }

    /// Reads the tensor called `name` into a new CPU tensor.
    public func tensor(named name: String) throws(TorchError) -> Tensor {
        guard let info = info(for: name) else {
            throw TorchError.format(source.name, "has no tensor named '\(name)'")
        }
        let range = dataStart + info.byteRange.lowerBound..<dataStart + info.byteRange.upperBound
        return try source.tensor(from: range, shape: info.shape, dtype: info.dtype, what: "the tensor '\(name)'")
    }

    /// Reads every tensor.
    public func tensors() throws(TorchError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for info in tensorInfos { result[info.name] = try tensor(named: info.name) }
        return result
    }
}
