import CTorch

/// How a collective combines the values of the ranks (`torch.distributed.ReduceOp`).
///
/// `.mean` is a sum divided by the number of ranks (Gloo has no average of its own), so it needs a
/// floating-point tensor.
public enum ReduceOp: Sendable, Equatable {
    case sum, mean, product, min, max, bitwiseAnd, bitwiseOr, bitwiseXor

    /// Lightning's spellings: "sum", "mean" (also "avg"), "prod"/"product", "min", "max".
    public init?(_ name: String) {
        switch name.lowercased() {
        case "sum": self = .sum
        case "mean", "avg": self = .mean
        case "prod", "product": self = .product
        case "min": self = .min
        case "max": self = .max
        default: return nil
        }
    }

    var code: Int32 {
        switch self {
        case .sum, .mean: 0
        case .product: 1
        case .min: 2
        case .max: 3
        case .bitwiseAnd: 4
        case .bitwiseOr: 5
        case .bitwiseXor: 6
        }
    }
}

/// A group of processes that run collectives together: c10d's `ProcessGroup`, with Gloo for CPU
/// tensors. Every collective is synchronous: it returns once the result is in place, and throws
/// libtorch's error when a peer is gone or does not take part within the group's timeout.
///
/// ```swift
/// let store = try Store.tcp(host: "127.0.0.1", port: 29500, worldSize: 2, isServer: rank == 0)
/// let group = try ProcessGroup.gloo(store: store, rank: rank, size: 2)
/// let x = try Tensor([Float(rank + 1)])
/// try group.allReduce(x)           // x is [3.0] on both ranks
/// ```
public final class ProcessGroup {
    let handle: OpaquePointer
    /// The store the group was made from (kept alive: the group's rendezvous keys live there).
    public let store: Store
    /// This process's rank in the group, 0..<size.
    public let rank: Int
    /// The number of processes.
    public let size: Int

    private init(owning handle: OpaquePointer, store: Store) {
        self.handle = handle
        self.store = store
        self.rank = Int(ts_process_group_rank(handle))
        self.size = Int(ts_process_group_size(handle))
    }

    deinit {
        ts_process_group_free(handle)
    }

    /// A Gloo process group (the CPU backend). Every rank calls this with the same `store` and
    /// `size`; it returns once all have joined. `interface` (as `GLOO_SOCKET_IFNAME`) or `hostname`
    /// picks the address to use; by default the machine's hostname, else loopback.
    public static func gloo(store: Store, rank: Int, size: Int, timeout: Duration = .seconds(1800),
                            interface: String? = nil, hostname: String? = nil) throws(TorchError) -> ProcessGroup {
        var out: OpaquePointer?
        try check(ts_process_group_gloo_new(store.handle, Int32(clamping: rank), Int32(clamping: size), timeout.milliseconds,
                                            interface, hostname, &out))
        guard let out else { throw TorchError("libtorch returned no process group") }
        return ProcessGroup(owning: out, store: store)
    }

    // MARK: Collectives

    /// Combines `tensors` across the ranks in place (each must be contiguous).
    public func allReduce(_ tensors: [Tensor], op: ReduceOp = .sum) throws(TorchError) {
        guard !tensors.isEmpty else { return }
        try requireContiguous(tensors, "allReduce")
        try tensors.withHandles { (handles, count) throws(TorchError) in
            try check(ts_process_group_all_reduce(handle, handles, count, op.code))
        }
        if op == .mean {
            for tensor in tensors {
                guard tensor.dtype.isFloatingPoint else {
                    throw TorchError("allReduce(op: .mean) needs a floating-point tensor, got \(tensor.dtype); use .sum and divide yourself")
                }
                try tensor.div_(Double(size))
            }
        }
    }

    /// Combines `tensor` across the ranks in place.
    public func allReduce(_ tensor: Tensor, op: ReduceOp = .sum) throws(TorchError) {
        try allReduce([tensor], op: op)
    }

    /// Overwrites `tensors` on every rank with their values on `root`.
    public func broadcast(_ tensors: [Tensor], from root: Int = 0) throws(TorchError) {
        guard !tensors.isEmpty else { return }
        try requireRoot(root)
        try requireContiguous(tensors, "broadcast")
        try tensors.withHandles { (handles, count) throws(TorchError) in
            try check(ts_process_group_broadcast(handle, handles, count, Int32(root)))
        }
    }

    /// Overwrites `tensor` on every rank with its value on `root`.
    public func broadcast(_ tensor: Tensor, from root: Int = 0) throws(TorchError) {
        try broadcast([tensor], from: root)
    }

    /// `tensor` from every rank, in rank order (each rank passes a tensor of the same shape and dtype).
    public func allGather(_ tensor: Tensor) throws(TorchError) -> [Tensor] {
        let input = try tensor.contiguous()
        let outputs = try (0..<size).map { (_) throws(TorchError) -> Tensor in try input.emptyLike() }
        try withExtendedLifetime(input) { () throws(TorchError) in
            try outputs.withHandles { (handles, count) throws(TorchError) in
                try check(ts_process_group_all_gather(handle, input.handle, handles, count))
            }
        }
        return outputs
    }

    /// The smallest and largest of each value across the ranks, in one max-all-reduce of the values
    /// and their negations. Values must lie within ±(2⁶³ − 1).
    ///
    /// ```swift
    /// let batches = try group.extremes([Int64(myBatchCount)])[0]   // batches.lowerBound … upperBound
    /// ```
    public func extremes(_ values: [Int64]) throws(TorchError) -> [ClosedRange<Int64>] {
        guard !values.isEmpty else { return [] }
        let votes = try Tensor(values + values.map { 0 - $0 })
        try allReduce(votes, op: .max)
        let agreed = try votes.toArray(of: Int64.self)
        return (0..<values.count).map { -agreed[values.count + $0]...agreed[$0] }
    }

    /// Whether every rank passed the same `text` (one all-reduce of a 62-bit FNV-1a hash of it).
    public func allRanksAgree(on text: String) throws(TorchError) -> Bool {
        var hash = FNV1aHash()
        hash.combine(text.utf8)
        let range = try extremes([Int64(bitPattern: hash.value & 0x3fff_ffff_ffff_ffff)])[0]
        return range.lowerBound == range.upperBound
    }

    /// Checks that every rank passes a tensor of the same shape and dtype to the collective named
    /// `collective` (one small all-reduce). Gloo itself aborts the process on a mismatch (an
    /// uncaught `gloo::EnforceNotMet` in its worker thread); this makes it an error on every rank.
    ///
    /// ```swift
    /// try group.requireSameShape(predictions, for: "allGather")   // then group.allGather(predictions)
    /// ```
    public func requireSameShape(_ tensor: Tensor, for collective: String) throws(TorchError) {
        guard try allRanksAgree(on: "\(tensor.dtype) \(tensor.shape)") else {
            throw TorchError("\(collective): the ranks passed tensors of different shapes or dtypes (rank \(rank): \(tensor.shape), \(tensor.dtype)); pass the same shape and dtype on every rank (pad variable-size data to a common size first)")
        }
    }

    /// Returns once every rank has called it.
    public func barrier() throws(TorchError) {
        try check(ts_process_group_barrier(handle))
    }

    /// Overwrites many tensors with their values on `root`, packed into buffers of up to
    /// `bufferBytes` (how DDP makes every rank start from rank 0's weights).
    public func broadcastCoalesced(_ tensors: [Tensor], from root: Int = 0, bufferBytes: Int = 250 << 20) throws(TorchError) {
        guard !tensors.isEmpty else { return }
        try requireRoot(root)
        try tensors.withHandles { (handles, count) throws(TorchError) in
            try check(ts_broadcast_coalesced(handle, handles, count, Int64(bufferBytes), Int32(root)))
        }
    }

    /// `bytes` from `root` on every rank (other ranks pass anything, usually `[]`): the transport of
    /// Lightning's `broadcast(obj)`.
    public func broadcast(bytes: [UInt8], from root: Int = 0) throws(TorchError) -> [UInt8] {
        let length = try Tensor([Int64(bytes.count)])
        try broadcast(length, from: root)
        let count = Int(try length.item(Int64.self))
        guard count > 0 else { return [] }
        let buffer = rank == root
            ? try Tensor(bytes)
            : try Tensor.empty([count], dtype: .uint8)
        try broadcast(buffer, from: root)
        return try buffer.bytes()
    }

    /// `value` from `root` on every rank.
    public func broadcast(_ value: String, from root: Int = 0) throws(TorchError) -> String {
        String(decoding: try broadcast(bytes: Array(value.utf8), from: root), as: UTF8.self)
    }

    // MARK: Checks

    private func requireRoot(_ root: Int) throws(TorchError) {
        guard (0..<size).contains(root) else {
            throw TorchError("root rank \(root) is not in the group (ranks 0..<\(size))")
        }
    }

    private func requireContiguous(_ tensors: [Tensor], _ name: String) throws(TorchError) {
        if let index = tensors.firstIndex(where: { !$0.isContiguous }) {
            throw TorchError("\(name): tensor \(index) is not contiguous; pass tensor.contiguous() (collectives work in place on dense memory)")
        }
    }
}
