import Foundation
import Torch

// Collectives across the processes of a run (Lightning's `all_reduce`, `all_gather`, `broadcast`,
// `barrier`, `rank_zero_first`). With one process each returns its input unchanged.

extension Fabric {
    /// Combines `tensor` across the ranks, in place, and returns it ("mean" by default, as
    /// Lightning). A non-contiguous tensor is combined in a contiguous copy, which is returned.
    /// Every rank passes the same shape and dtype: one small all-reduce checks it first, so a
    /// mismatch is an error on every rank (Gloo itself aborts the process).
    ///
    /// ```swift
    /// let meanLoss = try fabric.allReduce(loss.detach())   // the same value on every rank
    /// let total = try fabric.allReduce(count, reduceOp: "sum")
    /// ```
    @discardableResult
    public func allReduce(_ tensor: Tensor, reduceOp: ReduceOp = .mean) throws -> Tensor {
        try inPlaceCollective("allReduce", tensor) { group, data in try group.allReduce(data, op: reduceOp) }
    }

    /// ``allReduce(_:reduceOp:)`` with Lightning's spelling of the operation ("sum", "mean", "avg",
    /// "prod", "min", "max").
    @discardableResult
    public func allReduce(_ tensor: Tensor, reduceOp: String) throws -> Tensor {
        guard let op = ReduceOp(reduceOp) else {
            throw LightningError.configuration("reduceOp \"\(reduceOp)\" is unknown; use \"sum\", \"mean\", \"prod\", \"min\" or \"max\"")
        }
        return try allReduce(tensor, reduceOp: op)
    }

    /// Combines each tensor of a dictionary (a dictionary of metrics, say).
    @discardableResult
    public func allReduce(_ tensors: [String: Tensor], reduceOp: ReduceOp = .mean) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for key in tensors.keys.sorted() { result[key] = try allReduce(tensors[key]!, reduceOp: reduceOp) }
        return result
    }

    /// Combines a number across the ranks (as a float64 tensor on the device).
    public func allReduce(_ value: Double, reduceOp: ReduceOp = .mean) throws -> Double {
        guard worldSize > 1 else { return value }
        let tensor = try Tensor([value]).to(device)
        return try allReduce(tensor, reduceOp: reduceOp).to(.cpu).toArray(of: Double.self)[0]
    }

    /// `tensor` from every rank, stacked along a new first dimension in rank order (shape
    /// `[worldSize] + tensor.shape`); every rank passes the same shape and dtype (checked first,
    /// as for `allReduce(_:reduceOp:)`). With one
    /// process, `tensor` itself (no new dimension), as Lightning.
    ///
    /// ```swift
    /// let all = try fabric.allGather(predictions)   // [worldSize, batch, classes]
    /// ```
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        guard let group = try processGroup() else { return tensor }
        let data = tensor.isContiguous ? tensor : try tensor.contiguous()
        let parts = try guarding {
            try group.requireSameShape(data, for: "allGather")
            return try group.allGather(data)
        }
        return try Tensor.stack(parts, dim: 0)
    }

    /// Runs `collective` in place on `tensor` (a contiguous copy when it is not contiguous, which is
    /// returned) once every rank is known to pass the same shape and dtype; with one process,
    /// `tensor` unchanged.
    private func inPlaceCollective(_ name: String, _ tensor: Tensor,
                                   _ collective: (ProcessGroup, Tensor) throws -> Void) throws -> Tensor {
        guard let group = try processGroup() else { return tensor }
        let data = tensor.isContiguous ? tensor : try tensor.contiguous()
        try guarding {
            try group.requireSameShape(data, for: name)
            try collective(group, data)
        }
        return data
    }

    /// ``allGather(_:)`` for each tensor of a dictionary.
    public func allGather(_ tensors: [String: Tensor]) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for key in tensors.keys.sorted() { result[key] = try allGather(tensors[key]!) }
        return result
    }

    /// Waits until every rank reaches this point (Lightning's `barrier`; `name` is for reading only).
    public func barrier(_ name: String? = nil) throws {
        guard let group = try processGroup() else { return }
        try guarding { try group.barrier() }
    }

    /// Rank `src`'s `tensor` on every rank, copied into `tensor` in place (every rank passes a
    /// tensor of the same shape and dtype, checked first as for `allReduce(_:reduceOp:)`) and
    /// returned.
    @discardableResult
    public func broadcast(_ tensor: Tensor, src: Int = 0) throws -> Tensor {
        try inPlaceCollective("broadcast", tensor) { group, data in try group.broadcast(data, from: src) }
    }

    /// Rank `src`'s string on every rank.
    ///
    /// ```swift
    /// let runName = try fabric.broadcast(fabric.isGlobalZero ? makeRunName() : "")
    /// ```
    public func broadcast(_ value: String, src: Int = 0) throws -> String {
        guard let group = try processGroup() else { return value }
        return try guarding { try group.broadcast(value, from: src) }
    }

    /// Rank `src`'s bytes on every rank (the others may pass anything, such as `[]`).
    public func broadcast(bytes: [UInt8], src: Int = 0) throws -> [UInt8] {
        guard let group = try processGroup() else { return bytes }
        return try guarding { try group.broadcast(bytes: bytes, from: src) }
    }

    /// Rank `src`'s value on every rank, sent as JSON: the Swift form of broadcasting any picklable
    /// object, checked at compile time (the value must be `Codable`).
    ///
    /// ```swift
    /// struct Split: Codable { var train: [Int]; var val: [Int] }
    /// let split = try fabric.broadcast(fabric.isGlobalZero ? makeSplit() : Split(train: [], val: []))
    /// ```
    public func broadcast<T: Codable>(_ value: T, src: Int = 0) throws -> T {
        guard worldSize > 1 else { return value }
        let bytes = globalRank == src ? Array(try JSONEncoder().encode([value])) : []
        let received = try broadcast(bytes: bytes, src: src)
        return try JSONDecoder().decode([T].self, from: Data(received))[0]
    }

    /// Runs `body` on rank 0 first and on the other ranks after it has finished (Lightning's
    /// `rank_zero_first`), e.g. so that only rank 0 downloads a data set. With `local: true`, the
    /// first process of each machine goes first.
    ///
    /// ```swift
    /// let dataset = try fabric.rankZeroFirst { try MNIST(root: "data", download: true) }
    /// ```
    public func rankZeroFirst<R>(local: Bool = false, _ body: () throws -> R) throws -> R {
        guard worldSize > 1 else { return try body() }
        let rank = local ? localRank : globalRank
        if rank > 0 { try barrier("rank_zero_first") }
        let result = try body()
        if rank == 0 { try barrier("rank_zero_first") }
        return result
    }
}
