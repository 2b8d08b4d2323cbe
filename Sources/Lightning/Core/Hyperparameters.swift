import Torch

/// One hyperparameter value: what Lightning saves under `hyper_parameters` and writes to
/// `hparams.yaml`.
public enum HyperparameterValue: Equatable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([HyperparameterValue])
    case none

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: HyperparameterValue...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .none }

    /// The value as Python would print it in YAML or a log.
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): v
        case .bool(let v): v ? "true" : "false"
        case .list(let v): "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .none: "null"
        }
    }
}

/// The hyperparameters of a module or data module, in order (Lightning's `self.hparams`).
///
/// ```swift
/// var hyperparameters: Hyperparameters { ["learning_rate": 1e-3, "hidden": 128] }
/// ```
public struct Hyperparameters: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: HyperparameterValue)]

    public init(_ entries: [(key: String, value: HyperparameterValue)] = []) {
        self.entries = []
        for (key, value) in entries { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, HyperparameterValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    public subscript(key: String) -> HyperparameterValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: HyperparameterValue)]> { entries.makeIterator() }

    /// Adds `other`'s entries; on a repeated key `other` wins.
    public func merging(_ other: Hyperparameters) -> Hyperparameters {
        var result = self
        for (key, value) in other { result[key] = value }
        return result
    }

    public static func == (lhs: Hyperparameters, rhs: Hyperparameters) -> Bool {
        lhs.entries.map(\.key) == rhs.entries.map(\.key) && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }
}
