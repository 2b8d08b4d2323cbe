import CTorch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP port on `host` that no process listens on now (the kernel picks it), for a store or
/// launcher that needs one (Lightning's `find_free_network_port`). Another process may take it
/// before it is used; a store that cannot bind says so.
public func findFreePort(host: String = "127.0.0.1") throws(TorchError) -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TorchError("cannot open a socket to find a free port (errno \(errno))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
        throw TorchError("\(host) is not an IPv4 address; pass one such as 127.0.0.1")
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TorchError("cannot bind a socket on \(host) to find a free port (errno \(errno))") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TorchError("cannot read the port the kernel chose (errno \(errno))") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Makes the kernel send `signal` to this process when its parent exits (Linux only): how a rank
/// started by a launcher dies with it.
public func dieWithParent(signal: Int32) {
    ts_set_parent_death_signal(signal)
}
