import CTorch

/// One entry of a tensor subscript, as in Python's `x[0, 1:3, ..., None, mask]`.
///
/// You rarely write it out: integers, ranges, `Bool`, strides and tensors convert on their own.
///
/// ```swift
/// let row = try x[0]                      // x[0]
/// let block = try x[1..<3, 2...]          // x[1:3, 2:]
/// let last = try x[.ellipsis, -1]         // x[..., -1]
/// let column = try x[.all, .newAxis, 0]   // x[:, None, 0]
/// let everyOther = try x[stride(from: 0, to: 10, by: 2)]  // x[0:10:2]
/// let positives = try x[x.gt(0)]          // x[x > 0]
/// ```
public struct TensorIndex {
    enum Entry {
        case index(Int)
        case slice(start: Int?, stop: Int?, step: Int)
        case ellipsis
        case newAxis
        case bool(Bool)
        case tensor(Tensor)
    }

    let entry: Entry

    /// One position; removes the dimension. Negative counts from the end.
    public static func index(_ position: Int) -> TensorIndex { TensorIndex(entry: .index(position)) }
    /// An index tensor (integers) or a mask (booleans): advanced indexing, which copies.
    public static func tensor(_ indices: Tensor) -> TensorIndex { TensorIndex(entry: .tensor(indices)) }
}

/// A value usable inside a tensor subscript.
public protocol TensorIndexConvertible {
    /// The subscript entry this value stands for.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndexConvertible where Self == TensorIndex {
    /// `...`: as many full slices as needed.
    public static var ellipsis: TensorIndex { TensorIndex(entry: .ellipsis) }
    /// `None`: inserts a dimension of size 1.
    public static var newAxis: TensorIndex { TensorIndex(entry: .newAxis) }
    /// `:` — the whole dimension.
    public static var all: TensorIndex { TensorIndex(entry: .slice(start: nil, stop: nil, step: 1)) }
    /// `start:stop:step`; nil bounds mean the ends. Keeps the dimension.
    public static func slice(start: Int? = nil, stop: Int? = nil, step: Int = 1) -> TensorIndex {
        TensorIndex(entry: .slice(start: start, stop: stop, step: step))
    }
}

extension TensorIndex: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { self }
}

extension Int: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .index(self) }
}

extension Bool: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { TensorIndex(entry: .bool(self)) }
}

extension Tensor: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .tensor(self) }
}

extension Range: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, stop: upperBound, step: 1) }
}

extension ClosedRange: TensorIndexConvertible where Bound == Int {
    /// `a...b` includes b; `a...(-1)` runs to the end.
    public var tensorIndex: TensorIndex {
        .slice(start: lowerBound, stop: upperBound == -1 ? nil : upperBound + 1, step: 1)
    }
}

extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, stop: nil, step: 1) }
}

extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .slice(start: nil, stop: upperBound, step: 1) }
}

extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { .slice(start: nil, stop: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}

extension StrideTo: TensorIndexConvertible where Element == Int {
    /// `stride(from: a, to: b, by: s)` is Python's `a:b:s`.
    public var tensorIndex: TensorIndex {
        // StrideTo does not expose its bounds; read them from its mirror once.
        let mirror = Mirror(reflecting: self)
        let start = mirror.descendant("from") as? Int ?? 0
        let end = mirror.descendant("to") as? Int
        let step = mirror.descendant("by") as? Int ?? 1
        return .slice(start: start, stop: end, step: step)
    }
}

extension Tensor {
    /// `x[indices]`: basic indexing returns a view that shares storage with `x`; a tensor in the
    /// indices (advanced indexing) returns a copy.
    public subscript(_ indices: any TensorIndexConvertible...) -> Tensor {
        get throws(TorchError) { try index(indices.map(\.tensorIndex)) }
    }

    /// `x[indices]` with the entries as an array, for indices built at run time.
    public func index(_ indices: [TensorIndex]) throws(TorchError) -> Tensor {
        try withIndexEntries(indices) { (entries, count) throws(TorchError) in
            try Tensor.make { ts_tensor_index(handle, entries, count, $0) }
        }
    }

    /// `x[indices] = value`: writes `value` (broadcast to the selected shape) into `x` in place.
    ///
    /// ```swift
    /// try x.assign(Tensor.zeros([3]), at: 0)    // x[0] = torch.zeros(3)
    /// try x.assign(1.5, at: x.lt(0))           // x[x < 0] = 1.5
    /// ```
    public func assign(_ value: Tensor, at indices: any TensorIndexConvertible...) throws(TorchError) {
        try indexPut(indices.map(\.tensorIndex), value: value, scalar: .int(0))
    }

    /// `x[indices] = number`.
    public func assign(_ value: some ScalarConvertible, at indices: any TensorIndexConvertible...) throws(TorchError) {
        try indexPut(indices.map(\.tensorIndex), value: nil, scalar: value.scalar)
    }

    private func indexPut(_ indices: [TensorIndex], value: Tensor?, scalar: Scalar) throws(TorchError) {
        try withIndexEntries(indices) { (entries, count) throws(TorchError) in
            try check(withExtendedLifetime(value) { ts_tensor_index_put(handle, entries, count, value?.handle, scalar.cValue) })
        }
    }

    private func withIndexEntries<R>(_ indices: [TensorIndex], _ body: (UnsafePointer<ts_index>, Int64) throws(TorchError) -> R) throws(TorchError) -> R {
        var tensors: [Tensor] = []
        let entries: [ts_index] = indices.map { index in
            switch index.entry {
            case .index(let i): return ts_index(kind: 0, flags: 0, start: Int64(i), stop: 0, step: 1, tensor: nil)
            case .slice(let start, let stop, let step):
                let flags = Int32((start != nil ? 1 : 0) | (stop != nil ? 2 : 0))
                return ts_index(kind: 1, flags: flags, start: Int64(start ?? 0), stop: Int64(stop ?? 0), step: Int64(step), tensor: nil)
            case .ellipsis: return ts_index(kind: 2, flags: 0, start: 0, stop: 0, step: 1, tensor: nil)
            case .newAxis: return ts_index(kind: 3, flags: 0, start: 0, stop: 0, step: 1, tensor: nil)
            case .bool(let b): return ts_index(kind: 4, flags: 0, start: b ? 1 : 0, stop: 0, step: 1, tensor: nil)
            case .tensor(let t):
                tensors.append(t)
                return ts_index(kind: 5, flags: 0, start: 0, stop: 0, step: 1, tensor: t.handle)
            }
        }
        return try withExtendedLifetime(tensors) { () throws(TorchError) -> R in
            try entries.withUnsafeBufferPointer { (buffer) throws(TorchError) -> R in
                try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!, Int64(buffer.count))
            }
        }
    }
}
