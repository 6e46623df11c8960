import Foundation
import PoskoCore
import Synchronization

/// The one place where inputs (API, SMS, CAP, timers, drills) become events: it validates
/// a request against the live playbooks, then appends the event, updates state, writes
/// the audit entry and enqueues the alerts it causes, all in one transaction.
public final class Coordinator: Sendable {
    public let store: PoskoStore
    private let current: Mutex<PlaybookSet>
    private let changes: AsyncStream<ChangeNotice>.Continuation
    /// Signals "state changed, re-plan" to the planner service (debounced there).
    public let changeStream: AsyncStream<ChangeNotice>
    private let alertHook: Mutex<(@Sendable (StoreTransaction, AlertCause) throws -> Void)?>

    public struct ChangeNotice: Sendable, Equatable {
        public var reason: String
        public var at: Date
    }

    public init(store: PoskoStore, playbooks: PlaybookSet) {
        self.store = store
        current = Mutex(playbooks)
        (changeStream, changes) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
        alertHook = Mutex(nil)
    }

    public var playbooks: PlaybookSet { current.withLock { $0 } }

    /// Installs the alert rules: called inside each change's transaction.
    public func setAlertHook(_ hook: @escaping @Sendable (StoreTransaction, AlertCause) throws -> Void) {
        alertHook.withLock { $0 = hook }
    }

    private func notify(_ reason: String, at: Date) {
        changes.yield(ChangeNotice(reason: reason, at: at))
    }

    private func alerts(_ tx: StoreTransaction, _ cause: AlertCause) throws {
        if let hook = alertHook.withLock({ $0 }) { try hook(tx, cause) }
    }

    // MARK: Emergencies

    public func declare(_ request: DeclareRequest, actor: Actor, at: Date, exercise: Bool = false,
                        capIdentifier: String? = nil) throws -> Emergency {
        let set = playbooks
        let v = try request.validate(in: set)
        let e = try store.write { tx in
            var e = Emergency(id: try tx.nextEmergencyID(at: at), hazard: v.hazard, status: v.status, areas: v.areas,
                              declaredAt: at, note: v.note,
                              source: capIdentifier.map { "cap:\($0)" } ?? "\(actor.via.rawValue):\(actor.name)",
                              capIdentifiers: capIdentifier.map { [$0] } ?? [], operatorOwned: capIdentifier == nil,
                              exercise: exercise)
            e.updatedAt = at
            try tx.saveEmergency(e)
            let eventID = try tx.appendEvent(.emergencyDeclared, subject: e.id, payload: e, actor: actor, at: at)
            try tx.audit("emergency.declare", subject: e.id,
                         detail: "\(e.hazard.rawValue) \(e.status.rawValue) \(e.areas.joined(separator: ","))", actor: actor, at: at)
            try alerts(tx, AlertCause(eventID: eventID, kind: .emergencyDeclared, emergency: e, previous: nil, at: at))
            return e
        }
        notify("emergency declared", at: at)
        return e
    }

    public func change(_ id: String, _ request: ChangeRequest, actor: Actor, at: Date) throws -> Emergency {
        let set = playbooks
        let e = try store.write { tx in
            guard let old = try tx.emergency(id: id) else { throw StoreError.notFound("emergency '\(id)' does not exist") }
            guard old.isActive else { throw StoreError.conflict("emergency '\(id)' has ended; declare a new one") }
            let e = try request.apply(to: old, in: set, at: at)
            try tx.saveEmergency(e)
            let eventID = try tx.appendEvent(.emergencyChanged, subject: e.id, payload: e, actor: actor, at: at)
            try tx.audit("emergency.change", subject: e.id,
                         detail: "\(old.status.rawValue)->\(e.status.rawValue) \(e.areas.joined(separator: ","))", actor: actor, at: at)
            try alerts(tx, AlertCause(eventID: eventID, kind: .emergencyChanged, emergency: e, previous: old, at: at))
            return e
        }
        notify("emergency changed", at: at)
        return e
    }

    public func end(_ id: String, actor: Actor, at: Date, note: String? = nil) throws -> Emergency {
        let e = try store.write { tx in
            guard let old = try tx.emergency(id: id) else { throw StoreError.notFound("emergency '\(id)' does not exist") }
            guard old.isActive else { throw StoreError.conflict("emergency '\(id)' has already ended") }
            var e = old
            e.status = .selesai
            e.endedAt = at
            e.updatedAt = at
            if let note { e.note = note }
            try tx.saveEmergency(e)
            let eventID = try tx.appendEvent(.emergencyEnded, subject: e.id, payload: e, actor: actor, at: at)
            try tx.audit("emergency.end", subject: e.id, detail: old.status.rawValue, actor: actor, at: at)
            try alerts(tx, AlertCause(eventID: eventID, kind: .emergencyEnded, emergency: e, previous: old, at: at))
            return e
        }
        notify("emergency ended", at: at)
        return e
    }

    // MARK: Reports and cadres

    @discardableResult
    public func report(_ request: ReportRequest, actor: Actor, at: Date) throws -> [StatusReport] {
        let reports = try request.validate(in: playbooks, reporter: actor.name, at: at)
        try store.write { tx in
            for r in reports { try tx.saveReport(r) }
            let eventID = try tx.appendEvent(.statusReported, subject: reports[0].postID, payload: reports, actor: actor, at: at)
            let fields = reports.map(\.bidang.rawValue).joined(separator: ",")
            try tx.audit("post.report", subject: reports[0].postID, detail: "\(fields) \(reports[0].status.rawValue)", actor: actor, at: at)
            try alerts(tx, AlertCause(eventID: eventID, kind: .statusReported, reports: reports, at: at))
        }
        notify("post reported", at: at)
        return reports
    }

    /// A cadre's `HADIR <pos>` (available) or `TIDAK HADIR` (unavailable).
    public func cadreAvailability(_ cadreID: String, available: Bool, post: String?, actor: Actor, at: Date) throws {
        let set = playbooks
        guard set.cadres[cadreID] != nil else { throw RequestError(field: "cadre", "unknown cadre '\(cadreID)'") }
        if let post, set.posts[post] == nil { throw RequestError(field: "post", "unknown post '\(post)'") }
        struct Payload: Encodable { var cadre: String; var available: Bool; var post: String? }
        try store.write { tx in
            try tx.setCadre(cadreID, available: available, post: post, at: at)
            try tx.appendEvent(.cadreAvailability, subject: cadreID, payload: Payload(cadre: cadreID, available: available, post: post),
                               actor: actor, at: at)
            try tx.audit(available ? "cadre.hadir" : "cadre.tidak_hadir", subject: cadreID, detail: post ?? "", actor: actor, at: at)
        }
        notify("cadre availability", at: at)
    }

    /// Records posts whose check-in deadline passed (from the deadline timer).
    public func checkInsMissed(_ posts: [String], at: Date) throws {
        guard !posts.isEmpty else { return }
        try store.write { tx in
            let eventID = try tx.appendEvent(.checkInMissed, subject: posts.joined(separator: ","), payload: posts, actor: .timer, at: at)
            try tx.audit("post.checkin_missed", subject: posts.joined(separator: ","), detail: "\(posts.count) posts", actor: .timer, at: at)
            try alerts(tx, AlertCause(eventID: eventID, kind: .checkInMissed, missedPosts: posts, at: at))
        }
        notify("check-in deadline", at: at)
    }

    // MARK: Playbooks

    public struct ReloadOutcome: Sendable {
        public var accepted: Bool
        public var digest: String
        public var diagnostics: [Diagnostic]

        public init(accepted: Bool, digest: String, diagnostics: [Diagnostic]) {
            self.accepted = accepted
            self.digest = digest
            self.diagnostics = diagnostics
        }
    }

    /// Swaps in a new playbook set if it has no errors; otherwise keeps the old one. Both
    /// outcomes are logged and audited.
    @discardableResult
    public func reload(_ candidate: PlaybookSet?, diagnostics: [Diagnostic], actor: Actor, at: Date) throws -> ReloadOutcome {
        struct Payload: Encodable { var digest: String; var errors: [String]; var warnings: Int }
        let errors = diagnostics.errors.map(\.description)
        if let candidate, errors.isEmpty {
            current.withLock { $0 = candidate }
            try store.write { tx in
                try tx.appendEvent(.playbooksReloaded, subject: candidate.digest,
                                   payload: Payload(digest: candidate.digest, errors: [], warnings: diagnostics.warnings.count), actor: actor, at: at)
                try tx.audit("playbooks.reload", subject: candidate.digest, detail: "\(candidate.playbooks.count) playbooks, \(candidate.posts.count) posts",
                             actor: actor, at: at)
            }
            notify("playbooks reloaded", at: at)
            return ReloadOutcome(accepted: true, digest: candidate.digest, diagnostics: diagnostics)
        }
        let live = playbooks.digest
        try store.write { tx in
            try tx.appendEvent(.playbooksRejected, subject: live, payload: Payload(digest: live, errors: errors, warnings: 0), actor: actor, at: at)
            try tx.audit("playbooks.reload_rejected", subject: live, detail: "\(errors.count) errors; kept \(live)", actor: actor, at: at)
        }
        return ReloadOutcome(accepted: false, digest: live, diagnostics: diagnostics)
    }
}

/// What an alert rule looks at: the event that just happened, inside its transaction.
public struct AlertCause: Sendable {
    public var eventID: Int64
    public var kind: EventKind
    public var emergency: Emergency?
    public var previous: Emergency?
    public var reports: [StatusReport] = []
    public var missedPosts: [String] = []
    public var at: Date

    public init(eventID: Int64, kind: EventKind, emergency: Emergency? = nil, previous: Emergency? = nil,
                reports: [StatusReport] = [], missedPosts: [String] = [], at: Date) {
        self.eventID = eventID
        self.kind = kind
        self.emergency = emergency
        self.previous = previous
        self.reports = reports
        self.missedPosts = missedPosts
        self.at = at
    }
}
