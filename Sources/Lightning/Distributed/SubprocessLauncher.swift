import Foundation
import Torch
#if canImport(Glibc)
import Glibc
#endif

/// Starts the local ranks 1…N-1 of a `devices: N` run, as Lightning's `_SubprocessScriptLauncher`:
/// rank 0 (the process the user started) runs the same executable again with the same arguments
/// for each other local rank, with `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `NODE_RANK` and
/// `LOCAL_RANK` set. The children run the program from the start, reach the same `fit`, see
/// `LOCAL_RANK` and join the process group instead of launching.
///
/// A watchdog notes the first child that exits with an error or a signal and kills the others;
/// rank 0 then stops with an error that names that rank. Children die with rank 0 (the kernel kills
/// them when it exits), and rank 0 waits for them when the program ends, so no process outlives
/// the run.
final class SubprocessLauncher: @unchecked Sendable {
    /// How a child ended badly.
    struct Failure: CustomStringConvertible {
        var localRank: Int
        var globalRank: Int
        var pid: Int32
        var reason: String
        var description: String { "rank \(globalRank) (local rank \(localRank), pid \(pid)) \(reason)" }
    }

    /// The launcher of this process (rank 0 of its node), once it has started children.
    nonisolated(unsafe) static var current: SubprocessLauncher?
    /// The variable that tells a child which process launched it (for the parent-death signal).
    static let parentVariable = "SWIFTLIGHTNING_LAUNCHER_PID"

    private let lock = NSLock()
    private var children: [(localRank: Int, process: Process)] = []
    private var failure: Failure?
    private var finishing = false

    /// The first child that failed, if any.
    var firstFailure: Failure? { lock.withLock { failure } }

    /// Starts local ranks 1..<devices with the variables of `environment`, after setting them in
    /// this process too (so later Trainers and Fabric see a launched run).
    func launch(devices: Int, numNodes: Int, environment: LightningEnvironment) throws {
        let nodeRank = environment.nodeRank
        let shared: [String: String] = [
            "MASTER_ADDR": environment.mainAddress,
            "MASTER_PORT": String(environment.mainPort),
            "NODE_RANK": String(nodeRank),
            "WORLD_SIZE": String(devices * numNodes),
        ]
        for (key, value) in shared { setenv(key, value, 1) }
        setenv("LOCAL_RANK", "0", 1)
        let executable = try Self.executablePath()
        var base = ProcessInfo.processInfo.environment
        base.merge(shared) { $1 }
        base[Self.parentVariable] = String(getpid())
        for localRank in 1..<devices {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(CommandLine.arguments.dropFirst())
            var environment = base
            environment["LOCAL_RANK"] = String(localRank)
            process.environment = environment
            process.terminationHandler = { [weak self] finished in
                self?.childEnded(localRank: localRank, globalRank: nodeRank * devices + localRank, process: finished)
            }
            do {
                try process.run()
            } catch {
                terminateChildren()
                throw LightningError.distributed("cannot start local rank \(localRank) (\(executable)): \(error)")
            }
            lock.withLock { children.append((localRank, process)) }
        }
        Self.current = self
        atexit { SubprocessLauncher.current?.waitForChildren(timeout: 60) }
    }

    private func childEnded(localRank: Int, globalRank: Int, process: Process) {
        let status = process.terminationStatus
        let reason: String
        switch process.terminationReason {
        case .exit where status == 0: return
        case .exit: reason = "exited with status \(status)"
        case .uncaughtSignal: reason = "was killed by signal \(status) (\(Self.signalName(status)))"
        @unknown default: reason = "ended with status \(status)"
        }
        let first: Bool = lock.withLock {
            guard failure == nil, !finishing else { return false }
            failure = Failure(localRank: localRank, globalRank: globalRank, pid: process.processIdentifier, reason: reason)
            return true
        }
        // As Lightning's watchdog: one failed rank ends the run; the others are stopped at once.
        if first { terminateChildren() }
    }

    /// Kills every child still running.
    func terminateChildren() {
        let running = lock.withLock { children.map(\.process).filter(\.isRunning) }
        for process in running { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits up to `timeout` seconds for the children to finish, then kills those left.
    func waitForChildren(timeout: Double) {
        lock.withLock { finishing = true }
        let deadline = Date().addingTimeInterval(timeout)
        let processes = lock.withLock { children.map(\.process) }
        while processes.contains(where: \.isRunning) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        terminateChildren()
    }

    /// In a child this launcher started: die with the parent (no orphan survives a killed rank 0).
    static func bindToParent() {
        #if os(Linux)
        guard let parent = ProcessInfo.processInfo.environment[parentVariable].flatMap(Int32.init) else { return }
        dieWithParent(signal: SIGKILL)
        // The parent may have died before the signal was armed.
        if getppid() != parent { exit(1) }
        #endif
    }

    private static func executablePath() throws -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        guard let path = Bundle.main.executablePath ?? CommandLine.arguments.first else {
            throw LightningError.distributed("cannot find this program's executable to start the other ranks")
        }
        return path
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGINT: "SIGINT"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGBUS: "SIGBUS"
        default: "signal \(signal)"
        }
    }
}
