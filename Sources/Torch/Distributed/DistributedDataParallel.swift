import CTorch

/// Data-parallel training of one module across the processes of a ``ProcessGroup``, as PyTorch's
/// `DistributedDataParallel`: at creation every rank takes rank 0's parameters and buffers; during
/// backward c10d's `Reducer` averages the gradients across the ranks in buckets, overlapped with the
/// rest of backward, so after `backward()` every rank holds the same gradient.
///
/// The module is not wrapped: call ``prepareForForward()`` before the forward pass and
/// ``prepareForBackward(_:)`` with its output after it (the Trainer and Fabric do this).
///
/// ```swift
/// let ddp = try DistributedDataParallel(model, processGroup: group)
/// try ddp.prepareForForward()
/// let loss = try crossEntropy(model(x), y)
/// try ddp.prepareForBackward([loss])
/// try loss.backward()                 // gradients are now averaged across the ranks
/// try optimizer.step()
/// ```
///
/// Accumulating gradients without synchronising: run the forward and backward of the first batches
/// inside ``noSync(_:)``.
public final class DistributedDataParallel {
    /// The module whose gradients are synchronised.
    public let module: Module
    public let processGroup: ProcessGroup
    /// Whether parameters that a forward pass does not use are found and marked ready (slower).
    public let findUnusedParameters: Bool
    /// Whether rank 0's buffers (batch-norm statistics) are copied to the other ranks before each
    /// synchronised forward pass.
    public let broadcastBuffers: Bool
    /// False inside ``noSync(_:)``: backward then accumulates gradients locally.
    public private(set) var requireBackwardGradSync = true
    /// Whether the last forward pass will be followed by a synchronised backward.
    private var requireForwardParamSync = true
    private let reducer: OpaquePointer
    private let buffers: [Tensor]

    /// Synchronises `module` with rank 0 and prepares gradient synchronisation for its trainable
    /// parameters. Every rank must call it with the same architecture.
    ///
    /// - Parameters:
    ///   - module: The model; its parameters and buffers start as rank 0's.
    ///   - processGroup: The ranks that train together.
    ///   - findUnusedParameters: Allow parameters that a forward pass does not use (they get a
    ///     zero gradient instead of leaving the all-reduce waiting), at the cost of a graph walk.
    ///   - broadcastBuffers: Copy rank 0's buffers (batch-norm statistics) to every rank before each forward.
    ///   - bucketCapMB: The size of the gradient buckets, in MiB (DDP's `bucket_cap_mb`).
    public init(_ module: Module, processGroup: ProcessGroup, findUnusedParameters: Bool = false,
                broadcastBuffers: Bool = true, bucketCapMB: Int = 25) throws(TorchError) {
        self.module = module
        self.processGroup = processGroup
        self.findUnusedParameters = findUnusedParameters
        self.broadcastBuffers = broadcastBuffers
        let named = module.namedParameters().filter { $0.1.requiresGrad }
        guard !named.isEmpty else {
            throw TorchError("DistributedDataParallel needs a module with at least one parameter that requires grad; \(type(of: module)) has none")
        }
        let trainable = named.map(\.1)
        let buffers = module.buffers()
        try Self.checkSameArchitecture(named, group: processGroup)
        // As DDP's `_sync_module_states`: every rank starts from rank 0's weights and buffers.
        try noGrad { () throws(TorchError) in
            try processGroup.broadcastCoalesced(module.parameters() + buffers, from: 0)
        }
        var out: OpaquePointer?
        try withCStrings(named.map(\.0)) { (namePointers, _) throws(TorchError) in
            try trainable.withHandles { (handles, count) throws(TorchError) in
                try check(ts_reducer_new(handles, namePointers, count, processGroup.handle, Int64(bucketCapMB) << 20,
                                         1 << 20, findUnusedParameters, &out))
            }
        }
        guard let out else { throw TorchError("libtorch returned no reducer") }
        reducer = out
        self.buffers = buffers
    }

    deinit {
        ts_reducer_free(reducer)
    }

    /// Call before a forward pass. With gradients enabled and synchronisation on, it copies rank 0's
    /// buffers to every rank (when `broadcastBuffers`) and readies the reducer; the first call after
    /// the first backward regroups the buckets in the order gradients arrived.
    public func prepareForForward() throws(TorchError) {
        guard isGradEnabled, requireBackwardGradSync else { return }
        if broadcastBuffers && requireForwardParamSync && !buffers.isEmpty {
            try noGrad { () throws(TorchError) in try processGroup.broadcastCoalesced(buffers, from: 0) }
        }
        try check(ts_reducer_prepare_for_forward(reducer))
    }

    /// Call after the forward pass with its outputs (the loss): the next backward averages the
    /// gradients across the ranks. Inside ``noSync(_:)`` it does nothing, so backward accumulates.
    public func prepareForBackward(_ outputs: [Tensor]) throws(TorchError) {
        guard isGradEnabled, requireBackwardGradSync else {
            requireForwardParamSync = false
            return
        }
        requireForwardParamSync = true
        let searched = findUnusedParameters ? outputs : []
        try searched.withHandles { (handles, count) throws(TorchError) in
            try check(ts_reducer_prepare_for_backward(reducer, handles, count))
        }
    }

    /// Runs `body` (forward and backward of a batch) without synchronising gradients: they
    /// accumulate locally until a backward outside `noSync` averages the sum (DDP's `no_sync()`).
    public func noSync<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let previous = requireBackwardGradSync
        requireBackwardGradSync = false
        defer { requireBackwardGradSync = previous }
        return try body()
    }

    /// As DDP's `_verify_param_shape_across_processes`: the same number of parameters with the same
    /// shapes on every rank, or an error that names the first difference.
    private static func checkSameArchitecture(_ named: [(String, Tensor)], group: ProcessGroup) throws(TorchError) {
        var signature = "\(named.count)"
        for (name, tensor) in named { signature += ";\(name):\(tensor.shape):\(tensor.dtype)" }
        let root = try group.broadcast(signature, from: 0)
        // Every rank learns which ranks differ, so all of them stop with an error (none waits in a
        // collective for a peer that gave up).
        let flags = try Tensor.cat(try group.allGather(try Tensor([Int64(root == signature ? 0 : 1)]))).toArray(of: Int64.self)
        let differing = flags.indices.filter { flags[$0] != 0 }
        guard !differing.isEmpty else { return }
        var detail = ""
        if root != signature {
            let mine = signature.split(separator: ";")
            let theirs = root.split(separator: ";")
            detail = zip(mine, theirs).first { $0 != $1 }.map { ": rank \(group.rank) has \($0.0), rank 0 has \($0.1)" }
                ?? ": rank \(group.rank) has \(mine.count - 1) parameters, rank 0 has \(theirs.count - 1)"
        }
        throw TorchError("DistributedDataParallel: the model differs across ranks (rank\(differing.count > 1 ? "s" : "") \(differing.map(String.init).joined(separator: ", ")) differ\(differing.count > 1 ? "" : "s") from rank 0)\(detail). Build the same model on every rank")
    }
}
