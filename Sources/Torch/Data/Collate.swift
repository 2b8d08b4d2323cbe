// Collation: turning the samples of one batch into the batch, as PyTorch's `default_collate`.

/// A sample type that knows how to combine the samples of a batch, as PyTorch's `default_collate`
/// does for tensors, numbers, sequences and dictionaries.
///
/// Built in: `Tensor` (stacked along a new first dimension), numbers and `Bool` (a 1-D tensor of
/// their dtype: `Int` → int64, `Double` → float64, `Float` → float32), `String` (an array), and
/// arrays and dictionaries of collatable values (collated position by position, key by key).
/// A user type adopts it to collate itself; the `Array.collate(_:)` helper stacks one field:
///
/// ```swift
/// struct Example: Collatable {
///     var image: Tensor
///     var label: Int
///     static func collate(_ samples: [Example]) throws -> (images: Tensor, labels: Tensor) {
///         (try samples.collate(\.image), try samples.collate(\.label))
///     }
/// }
/// ```
public protocol Collatable {
    /// What a batch of these samples becomes.
    associatedtype Batch

    /// Combines the samples of one batch (never empty when called by a DataLoader).
    static func collate(_ samples: [Self]) throws -> Batch
}

/// Collates samples with their type's ``Collatable`` rule (PyTorch's `default_collate`).
public func defaultCollate<T: Collatable>(_ samples: [T]) throws -> T.Batch {
    try T.collate(samples)
}

/// Collates pairs element by element: PyTorch's `default_collate` on 2-tuples.
public func defaultCollate<A: Collatable, B: Collatable>(_ samples: [(A, B)]) throws -> (A.Batch, B.Batch) {
    (try A.collate(samples.map(\.0)), try B.collate(samples.map(\.1)))
}

/// Collates triples element by element: PyTorch's `default_collate` on 3-tuples.
public func defaultCollate<A: Collatable, B: Collatable, C: Collatable>(_ samples: [(A, B, C)]) throws -> (A.Batch, B.Batch, C.Batch) {
    (try A.collate(samples.map(\.0)), try B.collate(samples.map(\.1)), try C.collate(samples.map(\.2)))
}

extension Array {
    /// Collates one field of the samples, for writing ``Collatable/collate(_:)`` of a user type:
    /// `try samples.collate(\.image)`.
    public func collate<V: Collatable>(_ field: KeyPath<Element, V>) throws -> V.Batch {
        try V.collate(map { $0[keyPath: field] })
    }
}

extension Tensor: Collatable {
    /// Stacks the samples along a new first dimension (`torch.stack(batch, 0)`); throws libtorch's
    /// "stack expects each tensor to be equal size" when their shapes differ.
    public static func collate(_ samples: [Tensor]) throws(TorchError) -> Tensor {
        try Tensor.stack(samples, dim: 0)
    }
}

extension Collatable where Self: TensorElement, Batch == Tensor {
    /// A 1-D tensor of the values, of this type's dtype (`torch.tensor(batch)`).
    public static func collate(_ samples: [Self]) throws(TorchError) -> Tensor {
        try Tensor(samples)
    }
}

extension Float: Collatable { public typealias Batch = Tensor }
extension Double: Collatable { public typealias Batch = Tensor }
extension Int: Collatable { public typealias Batch = Tensor }
extension Int64: Collatable { public typealias Batch = Tensor }
extension Int32: Collatable { public typealias Batch = Tensor }
extension Int16: Collatable { public typealias Batch = Tensor }
extension Int8: Collatable { public typealias Batch = Tensor }
extension UInt8: Collatable { public typealias Batch = Tensor }
extension Bool: Collatable { public typealias Batch = Tensor }

extension String: Collatable {
    /// Strings stay strings: the batch is the array of them.
    public static func collate(_ samples: [String]) -> [String] { samples }
}

extension Array: Collatable where Element: Collatable {
    /// Collates position by position (each sample must have the same length), as PyTorch does
    /// for lists and tuples: `[[x0, y0], [x1, y1]]` → `[collate([x0, x1]), collate([y0, y1])]`.
    public static func collate(_ samples: [[Element]]) throws -> [Element.Batch] {
        guard let width = samples.first?.count else { return [] }
        guard samples.allSatisfy({ $0.count == width }) else {
            throw TorchError("each element in list of batch should be of equal size; got lengths \(samples.map(\.count))")
        }
        return try (0..<width).map { position in try Element.collate(samples.map { $0[position] }) }
    }
}

extension Dictionary: Collatable where Value: Collatable {
    /// Collates key by key (every sample must have the same keys), as PyTorch does for dictionaries:
    /// `[["x": a], ["x": b]]` → `["x": collate([a, b])]`.
    public static func collate(_ samples: [[Key: Value]]) throws -> [Key: Value.Batch] {
        guard let keys = samples.first?.keys else { return [:] }
        var result: [Key: Value.Batch] = [:]
        for key in keys {
            let values = try samples.enumerated().map { (position, sample) in
                guard let value = sample[key] else {
                    throw TorchError("the samples of a batch must have the same keys; sample \(position) has no key \(key)")
                }
                return value
            }
            result[key] = try Value.collate(values)
        }
        if let odd = samples.firstIndex(where: { $0.count != keys.count }) {
            throw TorchError("the samples of a batch must have the same keys; sample \(odd) has \(samples[odd].count) keys, sample 0 has \(keys.count)")
        }
        return result
    }
}
