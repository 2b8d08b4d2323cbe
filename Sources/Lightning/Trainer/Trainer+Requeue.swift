import Foundation

// SLURM's auto-requeue: the requeue signal saves an HPC checkpoint and requeues the job; the next
// run resumes from the newest HPC checkpoint (Lightning's `_SignalConnector` and the checkpoint
// connector's `hpc` resume).

extension Trainer {
    /// The SLURM environment of this run when it requeues itself.
    var requeueingEnvironment: SLURMEnvironment? {
        guard let slurm = clusterEnvironment as? SLURMEnvironment, slurm.autoRequeue else { return nil }
        return slurm
    }

    /// Counts the requeue signal while this fit runs (set up with the strategy).
    func armRequeueSignal() {
        guard entryPoint == .fit, let slurm = requeueingEnvironment else { return }
        if SignalFunnel.installRequeue(slurm.requeueSignal) {
            if isGlobalZero { Swift.print("SLURM auto-requeueing enabled. Setting signal handlers.") }
        } else if isGlobalZero {
            Swift.print("warning: signal \(slurm.requeueSignal) already has a handler in this process; SLURM auto-requeueing is off")
        }
    }

    /// What the requeue signal does, between two training steps on every rank: the loggers write
    /// what they hold, the HPC checkpoint is saved, and rank 0 requeues the job.
    func saveAndRequeue() throws {
        guard let slurm = requeueingEnvironment else { return }
        if isGlobalZero { Swift.print("Handling auto-requeue signal: \(slurm.requeueSignal)") }
        for logger in loggers where isGlobalZero { try logger.save() }
        try saveCheckpoint(HPCCheckpoint.nextPath(in: defaultRootDir))
        guard isGlobalZero else { return }
        guard let job = slurm.requeueJobID, !job.isEmpty, job.allSatisfy({ $0.isNumber || $0 == "_" || $0 == "-" }) else {
            Swift.print("warning: cannot requeue: SLURM_JOB_ID is missing or not a job id (\(slurm.requeueJobID ?? "unset"))")
            return
        }
        Swift.print("requeing job \(job)...")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["scontrol", "requeue", job]
        do {
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus == 0 {
                Swift.print("Requeued SLURM job: \(job)")
            } else {
                Swift.print("warning: Requeuing SLURM job \(job) failed with error code \(process.terminationStatus)")
            }
        } catch {
            Swift.print("warning: Requeuing SLURM job \(job) failed: cannot run scontrol (\(error))")
        }
    }
}

/// The HPC checkpoints in a run's root folder: `hpc_ckpt_<N>.ckpt`, numbered from 1.
enum HPCCheckpoint {
    static let prefix = "hpc_ckpt_"

    /// The highest N among the folder's HPC checkpoints.
    static func latestNumber(in folder: String) -> Int? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".ckpt") }
            .compactMap { Int($0.dropFirst(prefix.count).dropLast(".ckpt".count)) }
            .max()
    }

    /// The newest HPC checkpoint of `folder`, if any (Lightning's `_hpc_resume_path`).
    static func latestPath(in folder: String) -> String? {
        latestNumber(in: folder).map { path(folder, $0) }
    }

    /// Where the next HPC checkpoint goes (Lightning's `hpc_save_path`).
    static func nextPath(in folder: String) -> String {
        path(folder, (latestNumber(in: folder) ?? 0) + 1)
    }

    private static func path(_ folder: String, _ number: Int) -> String {
        (folder as NSString).appendingPathComponent("\(prefix)\(number).ckpt")
    }
}
