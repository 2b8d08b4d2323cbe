// A DataLoader's position in `.pt` files (a Lightning checkpoint's `combined_loader` entry): plain
// Python values, the generator states as `bytes`.

extension DataLoaderState {
    /// The position as a `.pt` value: a dictionary with `epoch`, `batches_yielded`, `base_seed`,
    /// `generator_state` (`bytes` or `None`) and `sampler_state` (`None`, or a dictionary with its
    /// own `generator_state` and `epoch`), which Python reads with `torch.load(weights_only=True)`.
    ///
    /// ```swift
    /// let saved = try loader.stateDict().pickleValue
    /// try loader.loadStateDict(try DataLoaderState(saved))
    /// ```
    public var pickleValue: PickleValue {
        let sampler: PickleValue = samplerState.map { state in
            .dict([("generator_state", state.generatorState.map(PickleValue.bytes) ?? .none),
                   ("epoch", state.epoch.map(PickleValue.int) ?? .none)])
        } ?? .none
        return .dict([
            ("epoch", .int(epoch)),
            ("batches_yielded", .int(batchesYielded)),
            // Python's ints are unbounded; ours are 64-bit: the seed's bits, read back as they were.
            ("base_seed", .int(Int(bitPattern: UInt(baseSeed)))),
            ("generator_state", generatorState.map(PickleValue.bytes) ?? .none),
            ("sampler_state", sampler),
        ])
    }

    /// A position read back from ``pickleValue``.
    ///
    /// - Throws: `TorchError` naming the entry that is missing or of the wrong kind.
    public init(_ value: PickleValue) throws(TorchError) {
        func bytes(_ value: PickleValue?, _ name: String) throws(TorchError) -> [UInt8]? {
            guard let value, !value.isNone else { return nil }
            guard let bytes = value.bytesValue else {
                throw TorchError("a DataLoader state's \(name) must be bytes or None, got \(value)")
            }
            return bytes
        }
        func int(_ name: String) throws(TorchError) -> Int {
            guard let number = value[name]?.intValue else {
                throw TorchError("a DataLoader state needs an integer `\(name)`; this one has \(value[name].map { "\($0)" } ?? "none")")
            }
            return number
        }
        var sampler: SamplerState?
        if let saved = value["sampler_state"], !saved.isNone {
            guard saved.dictValue != nil else {
                throw TorchError("a DataLoader state's sampler_state must be a dictionary or None, got \(saved)")
            }
            sampler = SamplerState(generatorState: try bytes(saved["generator_state"], "sampler_state.generator_state"),
                                   epoch: saved["epoch"]?.intValue)
        }
        self.init(epoch: try int("epoch"), batchesYielded: try int("batches_yielded"),
                  baseSeed: UInt64(UInt(bitPattern: try int("base_seed"))),
                  generatorState: try bytes(value["generator_state"], "generator_state"), samplerState: sampler)
    }
}
