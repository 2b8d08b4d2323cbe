import Foundation
import Torch

/// The process's membership in a distributed run: the rendezvous store, the process group and the
/// failure detection, made once per process and shared by every Trainer and Fabric in it (as
/// `torch.distributed`'s default group).
///
/// Failure detection: every rank bumps a heartbeat counter in the store twice a second from a
/// background thread, and a rank that stops on an error of its own writes it under
/// `failure/<rank>`. When a collective fails (a peer closed its connection, or did not take part
/// within the timeout), the rank looks for the cause for a few seconds — its launcher's record of
/// a dead child, a peer's written failure, a heartbeat that stopped, or a store that is gone with
/// rank 0 — and stops with an error that names the rank at fault.
final class DistributedRuntime: @unchecked Sendable {
    nonisolated(unsafe) static var current: DistributedRuntime?

    let environment: any ClusterEnvironment
    let store: Store
    let processGroup: ProcessGroup
    let timeout: Duration
    var globalRank: Int { environment.globalRank }
    var worldSize: Int { environment.worldSize }
    var localRank: Int { environment.localRank }
    var nodeRank: Int { environment.nodeRank }

    private let heartbeat: Heartbeat

    private init(environment: any ClusterEnvironment, store: Store, processGroup: ProcessGroup, timeout: Duration, heartbeat: Heartbeat) {
        self.environment = environment
        self.store = store
        self.processGroup = processGroup
        self.timeout = timeout
        self.heartbeat = heartbeat
    }

    deinit {
        heartbeat.stop()
    }

    /// The runtime of this process: joins the run described by `environment` the first time
    /// (`init_process_group`), and returns the same runtime afterwards.
    static func join(_ environment: any ClusterEnvironment, timeout: Duration, devices: Int) throws -> DistributedRuntime {
        if let current {
            guard current.worldSize == environment.worldSize, current.globalRank == environment.globalRank else {
                throw LightningError.distributed("this process already joined a run of \(current.worldSize) processes as rank \(current.globalRank); a second Trainer or Fabric must use the same devices and numNodes")
            }
            return current
        }
        let rank = environment.globalRank
        let size = environment.worldSize
        guard (0..<size).contains(rank) else {
            throw LightningError.distributed("global rank \(rank) is outside the world of \(size) processes; check NODE_RANK (\(environment.nodeRank)), LOCAL_RANK (\(environment.localRank)), devices (\(devices)) and numNodes")
        }
        // A peer that dies closes its sockets; writing to them must be an error, not SIGPIPE killing
        // this process (Python ignores SIGPIPE at start-up for the same reason).
        signal(SIGPIPE, SIG_IGN)
        let address = environment.mainAddress
        let port = environment.mainPort
        let store: Store
        do {
            store = try Store.tcp(host: address, port: port, worldSize: size, isServer: rank == 0, timeout: timeout)
        } catch {
            throw LightningError.distributed(rank == 0
                ? "rank 0 cannot host the rendezvous on \(address):\(port): \(error.localizedText). If the port is in use, set MASTER_PORT to a free port (or unset it to let the launcher pick one)"
                : "rank \(rank) cannot reach the rendezvous at \(address):\(port) within \(timeout): \(error.localizedText). Check MASTER_ADDR and MASTER_PORT, and that rank 0 runs")
        }
        Swift.print("Initializing distributed: GLOBAL_RANK: \(rank), MEMBER: \(rank + 1)/\(size)")
        let group: ProcessGroup
        do {
            let interface = ProcessInfo.processInfo.environment["GLOO_SOCKET_IFNAME"]
            // On one machine, loopback; across machines, the address the OS picks for this host.
            let hostname = interface == nil && (address == "127.0.0.1" || address == "localhost") ? "127.0.0.1" : nil
            group = try ProcessGroup.gloo(store: store, rank: rank, size: size, timeout: timeout, interface: interface, hostname: hostname)
        } catch {
            throw LightningError.distributed("rank \(rank) could not form the Gloo process group with \(size) processes: \(error.localizedText)")
        }
        let heartbeat = try Heartbeat(address: address, port: port, rank: rank, timeout: timeout)
        let runtime = DistributedRuntime(environment: environment, store: store, processGroup: group, timeout: timeout, heartbeat: heartbeat)
        if rank == 0 {
            Swift.print("----------------------------------------------------------------------------------------------------")
            Swift.print("distributed_backend=gloo")
            Swift.print("All distributed processes registered. Starting with \(size) processes")
            Swift.print("----------------------------------------------------------------------------------------------------\n")
        }
        current = runtime
        return runtime
    }

    // MARK: Failures

    /// Runs `body`; a failure is turned into the error that names its origin (see the type's notes).
    func guarding<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch {
            throw explain(error)
        }
    }

    /// The error to report for `error` met on this rank: a communication failure caused by another
    /// rank becomes a `LightningError.distributed` naming that rank; an error of this rank's own is
    /// recorded for the others and returned unchanged.
    func explain(_ error: any Error) -> any Error {
        if case LightningError.distributed = error { return error }
        guard Self.isCommunicationFailure(error) else {
            recordFailure(error)
            return error
        }
        let deadline = Date().addingTimeInterval(6)
        var lastCounts: [Int: (Int, Date)] = [:]
        while Date() < deadline {
            do {
                for other in 0..<worldSize where other != globalRank {
                    if try store.contains(["failure/\(other)"]) {
                        let message = try store.string("failure/\(other)")
                        return LightningError.distributed("rank \(other) failed: \(message); rank \(globalRank) stopped with it")
                    }
                    if let child = SubprocessLauncher.current?.firstFailure, child.globalRank == other {
                        return LightningError.distributed("\(child); rank \(globalRank) stopped: \(error.localizedText)")
                    }
                    let count = try store.add("heartbeat/\(other)", 0)
                    let now = Date()
                    if let (previous, since) = lastCounts[other], previous == count {
                        if now.timeIntervalSince(since) > 2.5 {
                            return LightningError.distributed("rank \(other) stopped responding (its process died or hangs); rank \(globalRank) stopped: \(error.localizedText)")
                        }
                    } else {
                        lastCounts[other] = (count, now)
                    }
                }
            } catch {
                return LightningError.distributed("rank 0 is gone (its rendezvous store at \(environment.mainAddress):\(environment.mainPort) does not answer: the process died or its machine is unreachable); rank \(globalRank) stopped")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return LightningError.distributed("a collective failed on rank \(globalRank) and no other rank reported a failure: \(error.localizedText)")
    }

    /// Writes this rank's own failure where the others look for it.
    func recordFailure(_ error: any Error) {
        try? store.set("failure/\(globalRank)", "\(type(of: error)): \(error.localizedText)")
    }

    /// Whether `error` comes from a collective or the store rather than from this rank's own code.
    static func isCommunicationFailure(_ error: any Error) -> Bool {
        guard let error = error as? TorchError else { return false }
        let text = error.message.lowercased()
        return ["gloo", "connection closed", "connection reset", "timed out", "c10d", "broken pipe", "socket", "tcpstore"]
            .contains { text.contains($0) }
    }
}

/// The background thread that bumps `heartbeat/<rank>` in the store, on its own connection.
private final class Heartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true

    init(address: String, port: Int, rank: Int, timeout: Duration) throws {
        let store = try Store.tcp(host: address, port: port, worldSize: 0, isServer: false, waitForWorkers: false, timeout: timeout)
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                do {
                    try store.add("heartbeat/\(rank)", 1)
                } catch {
                    return  // the store is gone with rank 0; the collectives will say so
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        thread.name = "SwiftLightning heartbeat"
        thread.start()
    }

    func stop() {
        lock.withLock { running = false }
    }
}

extension Error {
    /// The error's own text (Swift's `localizedDescription` is a generic sentence for most errors).
    var localizedText: String { "\(self)" }
}
