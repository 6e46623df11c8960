import Foundation
import Logging
import PoskoAPI
import PoskoCore
import PoskoStorage
import Synchronization

/// Drills on the running daemon. Their emergencies are exercises (LATIHAN in every SMS,
/// `exercise: true` in webhooks, CAP status Exercise) and never count as real ones; a real
/// emergency stops every running drill and ends its exercise emergencies. One drill runs at a
/// time; its exercise emergencies end with it (stopped, or at the scenario's `durasi`), and
/// those a daemon that stopped mid-drill left behind end when it starts again.
public final class LiveDrills: Sendable {
    let coordinator: Coordinator
    let logger: Logger
    private let drills = Mutex<[String: LiveDrillInfo]>([:])
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])
    /// Held while an inject is applied or a drill is stopped, so a stop cannot miss an
    /// emergency an inject is declaring.
    private let steps = Mutex(())

    public init(coordinator: Coordinator, logger: Logger) {
        self.coordinator = coordinator
        self.logger = logger
    }

    /// Ends the exercise emergencies no running drill owns: drills live in memory, so after a
    /// restart mid-drill these would otherwise stay active. Returns their ids.
    @discardableResult
    public func endOrphans(at now: Date = Date()) throws -> [String] {
        let owned = Set(drills.withLock { $0.values.flatMap(\.emergencies) })
        let orphans = try coordinator.store.emergencies(includeEnded: false).filter { $0.exercise && !owned.contains($0.id) }
        for e in orphans {
            _ = try coordinator.end(e.id, actor: Actor("latihan", via: .drill), at: now, note: "latihan terputus: daemon dimulai ulang")
        }
        if !orphans.isEmpty { logger.warning("ended exercise emergencies of an interrupted drill", metadata: ["emergencies": "\(orphans.map(\.id))"]) }
        return orphans.map(\.id)
    }

    public var control: DrillControl {
        DrillControl(
            start: { [self] yaml, speed, file, actor in try start(yaml: yaml, speed: speed, file: file, actor: actor) },
            list: { [self] in drills.withLock { $0.values.sorted { $0.id < $1.id } } },
            stop: { [self] id, actor in try stop(id, reason: "dihentikan oleh \(actor.name)") })
    }

    func start(yaml: Data, speed: Double, file: String? = nil, actor: Actor) throws -> LiveDrillInfo {
        let (parsed, diagnostics) = DrillScenarioParser.parse(yaml, file: file ?? "scenario", playbooks: coordinator.playbooks)
        guard let scenario = parsed else {
            throw RequestError(field: "scenario", diagnostics.errors.prefix(5).map(\.description).joined(separator: "; "))
        }
        if let bad = LiveDrillInfo.unsupported(scenario).first {
            throw RequestError(field: "scenario", "\(bad.location): a live drill cannot play this inject (it would change real posts, cadres or the plan); use 'posko drill' for it")
        }
        guard (0.1...3600).contains(speed) else { throw RequestError(field: "speed", "speed must be between 0.1 and 3600") }
        if let running = drills.withLock({ $0.values.first { $0.state == .running } }) {
            throw StoreError.conflict("live drill \(running.id) (\(running.nama)) is running; stop it first")
        }
        if try !coordinator.store.emergencies(includeEnded: false).filter({ !$0.exercise }).isEmpty {
            throw StoreError.conflict("a real emergency is active; drills wait until it has ended")
        }
        let id = "L-\(Int(Date().timeIntervalSince1970))-\(drills.withLock { $0.count } + 1)"
        let info = LiveDrillInfo(id: id, nama: scenario.nama, state: .running, startedAt: Date(), speed: speed, applied: 0,
                                 total: scenario.injects.count)
        drills.withLock { $0[id] = info }
        let task = Task { [self] in await play(scenario, id: id, speed: speed) }
        tasks.withLock { $0[id] = task }
        logger.info("live drill started", metadata: ["drill": "\(id)", "scenario": "\(scenario.nama)", "by": "\(actor.name)"])
        return info
    }

    private func play(_ s: DrillScenario, id: String, speed: Double) async {
        let begin = ContinuousClock.now
        let actor = Actor("latihan \(id)", via: .drill)
        for inject in s.injects {
            let due = begin + .milliseconds(Int(Double(inject.at) * 1000 / speed))
            while ContinuousClock.now < due {
                if Task.isCancelled { return }
                if realEmergencyActive() { _ = try? stop(id, reason: "keadaan darurat nyata dinyatakan; latihan dihentikan"); return }
                try? await Task.sleep(for: min(.seconds(1), due - ContinuousClock.now))
            }
            if realEmergencyActive() { _ = try? stop(id, reason: "keadaan darurat nyata dinyatakan; latihan dihentikan"); return }
            do {
                try steps.withLock { _ in
                    guard drills.withLock({ $0[id]?.state == .running }) else { return }
                    try apply(inject.action, drill: id, actor: actor)
                    drills.withLock { $0[id]?.applied += 1 }
                }
            } catch {
                logger.error("live drill inject failed", metadata: ["drill": "\(id)", "at": "\(inject.location)", "error": "\(error)"])
            }
        }
        // The scenario's duration: its emergencies end with it, as in an offline drill.
        let end = begin + .milliseconds(Int(Double(s.durasi) * 1000 / speed))
        while ContinuousClock.now < end {
            if Task.isCancelled { return }
            if realEmergencyActive() { _ = try? stop(id, reason: "keadaan darurat nyata dinyatakan; latihan dihentikan"); return }
            try? await Task.sleep(for: min(.seconds(1), end - ContinuousClock.now))
        }
        if Task.isCancelled { return }
        _ = try? finish(id, as: .finished, reason: nil, note: "latihan selesai")
    }

    private func realEmergencyActive() -> Bool {
        ((try? coordinator.store.emergencies(includeEnded: false)) ?? []).contains { !$0.exercise }
    }

    private func apply(_ action: DrillScenario.Action, drill id: String, actor: Actor) throws {
        let now = Date()
        let mine = drills.withLock { $0[id]?.emergencies ?? [] }
        switch action {
        case let .declare(hazard, areas, status):
            let e = try coordinator.declare(DeclareRequest(hazard: hazard.rawValue, areas: areas, status: status.rawValue, note: "LATIHAN"),
                                            actor: actor, at: now, exercise: true)
            drills.withLock { $0[id]?.emergencies.append(e.id) }
        case let .change(index, status, areas):
            guard index <= mine.count else { return }
            _ = try coordinator.change(mine[index - 1], ChangeRequest(status: status?.rawValue, areas: areas), actor: actor, at: now)
        case let .end(index):
            guard index <= mine.count else { return }
            _ = try coordinator.end(mine[index - 1], actor: actor, at: now)
        case let .outage(channel, seconds, _):
            logger.info("live drill: outage of \(channel) for \(seconds)s is announced, not simulated", metadata: ["drill": "\(id)"])
        case .silence, .report, .sms, .override:
            break
        }
    }

    /// Stops a drill and ends the exercise emergencies it declared.
    @discardableResult
    func stop(_ id: String, reason: String) throws -> LiveDrillInfo {
        guard drills.withLock({ $0[id] }) != nil else { throw StoreError.notFound("drill '\(id.prefix(40))' does not exist") }
        tasks.withLock { $0[id]?.cancel() }
        return try finish(id, as: .stopped, reason: reason, note: "latihan dihentikan")
    }

    /// Ends a drill's exercise emergencies still active, then marks it finished or stopped (if it
    /// was running): whoever sees it finished sees its emergencies ended.
    private func finish(_ id: String, as state: LiveDrillInfo.State, reason: String?, note: String) throws -> LiveDrillInfo {
        try steps.withLock { _ in
            guard let declared = drills.withLock({ $0[id]?.emergencies }) else {
                throw StoreError.notFound("drill '\(id.prefix(40))' does not exist")
            }
            let active = Set(try coordinator.store.emergencies(includeEnded: false).map(\.id))
            for e in declared where active.contains(e) {
                _ = try? coordinator.end(e, actor: Actor("latihan \(id)", via: .drill), at: Date(), note: note)
            }
            return try drills.withLock { d in
                if d[id]?.state == .running {
                    d[id]?.state = state
                    d[id]?.stopReason = reason
                }
                guard let info = d[id] else { throw StoreError.notFound("drill '\(id.prefix(40))' does not exist") }
                return info
            }
        }
    }

    /// Ends every running drill (daemon shutdown).
    public func stopAll() {
        for id in drills.withLock({ Array($0.keys) }) { _ = try? stop(id, reason: "daemon berhenti") }
    }
}
