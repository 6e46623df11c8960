import Foundation
import Logging
import PoskoAPI
import PoskoCore
import PoskoStorage
import Synchronization

/// Drills on the running daemon. Their emergencies are exercises (LATIHAN in every SMS,
/// `exercise: true` in webhooks, CAP status Exercise) and never count as real ones; a real
/// emergency stops every running drill and ends its exercise emergencies.
public final class LiveDrills: Sendable {
    let coordinator: Coordinator
    let logger: Logger
    private let drills = Mutex<[String: LiveDrillInfo]>([:])
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    public init(coordinator: Coordinator, logger: Logger) {
        self.coordinator = coordinator
        self.logger = logger
    }

    public var control: DrillControl {
        DrillControl(
            start: { [self] yaml, speed, actor in try start(yaml: yaml, speed: speed, actor: actor) },
            list: { [self] in drills.withLock { $0.values.sorted { $0.id < $1.id } } },
            stop: { [self] id, actor in try stop(id, reason: "dihentikan oleh \(actor.name)") })
    }

    func start(yaml: Data, speed: Double, actor: Actor) throws -> LiveDrillInfo {
        let (parsed, diagnostics) = DrillScenarioParser.parse(yaml, file: "scenario", playbooks: coordinator.playbooks)
        guard let scenario = parsed else {
            throw RequestError(field: "scenario", diagnostics.errors.prefix(5).map(\.description).joined(separator: "; "))
        }
        if let bad = LiveDrillInfo.unsupported(scenario).first {
            throw RequestError(field: "scenario", "\(bad.location): a live drill cannot play this inject (it would change real posts, cadres or the plan); use 'posko drill' for it")
        }
        guard (0.1...3600).contains(speed) else { throw RequestError(field: "speed", "speed must be between 0.1 and 3600") }
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
                try apply(inject.action, drill: id, actor: actor)
                drills.withLock { $0[id]?.applied += 1 }
            } catch {
                logger.error("live drill inject failed", metadata: ["drill": "\(id)", "at": "\(inject.location)", "error": "\(error)"])
            }
        }
        drills.withLock { if $0[id]?.state == .running { $0[id]?.state = .finished } }
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
        guard var info = drills.withLock({ $0[id] }) else { throw StoreError.notFound("drill '\(id.prefix(40))' does not exist") }
        tasks.withLock { $0[id]?.cancel() }
        for e in info.emergencies {
            _ = try? coordinator.end(e, actor: Actor("latihan \(id)", via: .drill), at: Date(), note: "latihan dihentikan")
        }
        if info.state == .running {
            info.state = .stopped
            info.stopReason = reason
        }
        drills.withLock { $0[id] = info }
        return info
    }

    /// Ends every running drill (daemon shutdown).
    public func stopAll() {
        for id in drills.withLock({ Array($0.keys) }) { _ = try? stop(id, reason: "daemon berhenti") }
    }
}
