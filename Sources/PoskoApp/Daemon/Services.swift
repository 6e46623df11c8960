#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PoskoCore
import PoskoStorage
import ServiceLifecycle
import UnixSignals

/// Turns silent posts into `tidak_diketahui` when their check-in deadline passes during an
/// emergency: sleeps until the next deadline (at most a minute) and records each miss once.
struct DeadlineService: Service {
    let coordinator: Coordinator
    let logger: Logger
    var now: @Sendable () -> Date = { Date() }

    func run() async throws {
        // What was announced before a restart is not announced again.
        var missed = MissedCheckIns()
        do { missed = try coordinator.announcedCheckIns() } catch { logger.error("could not read the check-ins announced before: \(error)") }
        // The deadlines, updated for the posts that changed since the last look.
        var tracked = coordinator.playbooks.digest
        var tracker = ContinuityTracker(set: coordinator.playbooks, keepStates: false)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let at = now()
            do {
                let state = try coordinator.store.operationalState()
                let set = coordinator.playbooks
                if set.digest != tracked { (tracked, tracker) = (set.digest, ContinuityTracker(set: set, keepStates: false)) }
                tracker.update(state: state, now: at)
                try missed.announce(tracker.deadlines, lastCheckIn: state.lastCheckIn, now: at) { posts in
                    try coordinator.checkInsMissed(posts, at: at)
                    logger.warning("check-in deadline passed", metadata: ["posts": "\(posts.count)"])
                }
                let next = tracker.nextDeadline(after: at)
                let wait = min(60, max(0.2, (next?.timeIntervalSince(at) ?? 60) + 0.05))
                try await gracefulSleep(wait)
            } catch is CancellationError {
                return
            } catch {
                logger.error("deadline check failed: \(error)")
                try? await gracefulSleep(5)
            }
        }
    }
}

func gracefulSleep(_ seconds: Double) async throws {
    try await cancelWhenGracefulShutdown {
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }
}

/// SIGHUP: reload playbooks and configuration, with RELOADING=1/READY=1 around it.
struct SignalService: Service {
    let daemon: PoskoDaemon

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                daemon.notifier.reloading()
                daemon.reloadConfig()
                let outcome = await daemon.reload(actor: Actor("SIGHUP", via: .system))
                daemon.notifier.ready(status: outcome.accepted ? "playbooks \(outcome.digest)" : "reload rejected; serving \(outcome.digest)")
            }
        }
    }
}

/// Pings systemd's watchdog at half its interval (no-op without WatchdogSec).
struct WatchdogService: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulSleep(Double(Int32.max))
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            notifier.watchdog()
            try? await gracefulSleep(interval / 2)
        }
    }
}

/// Once a second: escalate unacknowledged alerts that are due, and lower emergencies whose
/// CAP alerts expired.
struct EscalationService: Service {
    let coordinator: Coordinator
    let capGrace: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let now = Date()
                let n = try coordinator.escalateDue(at: now)
                if n > 0 { logger.warning("alerts escalated", metadata: ["count": "\(n)"]) }
                let lowered = try coordinator.lowerExpiredCAP(at: now, grace: capGrace)
                if !lowered.isEmpty { logger.info("CAP emergencies expired", metadata: ["emergencies": "\(lowered.joined(separator: ","))"]) }
            } catch {
                logger.error("escalation check failed: \(error)")
            }
            try? await gracefulSleep(1)
        }
    }
}

/// Re-plans after relevant events (reports, emergencies, reloads, overrides, deadlines),
/// debounced so a burst of reports gives one plan.
struct PlannerService: Service {
    let keeper: PlanKeeper
    let changes: AsyncStream<Coordinator.ChangeNotice>
    let logger: Logger
    var debounce: Duration = .milliseconds(250)

    func run() async throws {
        replan()
        await cancelWhenGracefulShutdown {
            var iterator = changes.makeAsyncIterator()
            while await iterator.next() != nil {
                try? await Task.sleep(for: debounce)
                replan()
            }
        }
    }

    private func replan() {
        do {
            if let diff = try keeper.replan(at: Date()), let plan = keeper.current {
                logger.info("plan updated", metadata: ["version": "\(plan.version)", "changes": "\(diff.lines.count)", "moved": "\(plan.totals.moved)"])
            }
        } catch {
            logger.error("planning failed: \(error)")
        }
    }
}

/// Every `interval`: checkpoint the database's write-ahead log beside the writer (see
/// `PoskoStore.checkpoint`), so that what is committed reaches the database file itself
/// within a fraction of a second, and the writer does not checkpoint in its commits.
struct CheckpointService: Service {
    let store: PoskoStore
    let logger: Logger
    var interval: Double = 0.2

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await gracefulSleep(interval)
            do { try await store.checkpoint() } catch { logger.error("checkpoint failed: \(error)") }
        }
    }
}

/// Every `interval`: give the memory malloc holds free back to the system. A re-plan frees
/// the previous plan and the run's scratch (tens of MB on a province), ingest and dispatch
/// free their buffers, and glibc keeps most of it; RSS at rest then depends on what happened
/// to be freed last (the province set settled anywhere from 240 to 370 MB; trimmed, 230–245).
struct MemoryTrimService: Service {
    var interval: Double = 10

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await gracefulSleep(interval)
            MallocTrim.run()
        }
    }
}

/// glibc's `malloc_trim` (not in Swift's Glibc module), found at run time; a no-op elsewhere.
enum MallocTrim {
    private typealias Function = @convention(c) (Int) -> Int32
    private static let function: Function? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: Function.self)
        #else
        return nil
        #endif
    }()

    static func run() { _ = function?(0) }
}
