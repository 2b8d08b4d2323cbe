/// The 64-bit FNV-1a hash: fast, stable across processes and runs (unlike Swift's `Hasher`), for
/// fingerprints that other ranks or later runs compare.
struct FNV1aHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Mixes in `bytes`, in order.
    mutating func combine<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
}
