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
    public let routing: AlertRouting
    let helpLimiter = HelpLimiter()

    public struct ChangeNotice: Sendable, Equatable {
        public var reason: String
        public var at: Date
    }

    public init(store: PoskoStore, playbooks: PlaybookSet, routing: AlertRouting = .none) {
        self.store = store
        self.routing = routing
        current = Mutex(playbooks)
        // One pending notice at most: a burst while the planner sleeps or plans is one more plan
        // (that sees all of it), not one plan per report.
        (changeStream, changes) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public var playbooks: PlaybookSet { current.withLock { $0 } }

    /// Tells the planner something relevant changed (overrides, reloads).
    public func noteChange(_ reason: String, at: Date) { notify(reason, at: at) }

    private let changes_ = Mutex(0)

    /// How many relevant changes there have been (drills re-plan only when it moved).
    public var changeCount: Int { changes_.withLock { $0 } }

    private func notify(_ reason: String, at: Date) {
        changes_.withLock { $0 += 1 }
        changes.yield(ChangeNotice(reason: reason, at: at))
    }

    /// The alert rules, applied inside the transaction of the event that caused them, so
    /// an event and its alerts are stored together or not at all.
    @discardableResult
    public func alerts(_ tx: StoreTransaction, _ trigger: AlertTrigger, eventID: Int64?, at: Date, exercise: Bool = false) throws -> [String] {
        let set = playbooks
        return try enqueue(tx, AlertRules.drafts(for: trigger, playbooks: set, routing: routing, exercise: exercise), set: set, eventID: eventID, at: at)
    }

    private func enqueue(_ tx: StoreTransaction, _ drafts: [AlertDraft], set: PlaybookSet, eventID: Int64?, at: Date) throws -> [String] {
        try tx.enqueue(drafts, eventID: eventID, at: at, routing: routing) { draft in
            // Escalations are tracked on the original alert, so they do not start a chain of their own.
            guard draft.needsAck, draft.kind != "escalation", let kec = draft.kecamatan else { return nil }
            return set.playbook(kecamatan: kec)?.eskalasi.first.map { Double($0.setelah) }
        }
    }

    // MARK: Emergencies

    public func declare(_ request: DeclareRequest, actor: Actor, at: Date, exercise: Bool = false,
                        capIdentifier: String? = nil) throws -> Emergency {
        let set = playbooks
        let v = try request.validate(in: set)
        let e = try store.write { tx in
            // A hazard already declared over an area is changed, not declared again (a retried
            // declaration would text everyone twice, with two escalation chains). A CAP alert
            // merges into its emergency on its own; a drill's emergencies are its own.
            if capIdentifier == nil, !exercise {
                for other in try PoskoStore.emergencies(tx.db) where other.isActive && !other.exercise && other.hazard == v.hazard {
                    if let shared = v.areas.first(where: other.overlaps) {
                        throw StoreError.conflict("\(v.hazard.rawValue) is already declared over \(shared) (emergency \(other.id), areas "
                            + "\(other.areas.prefix(5).joined(separator: ","))\(other.areas.count > 5 ? ",…" : "")); change its areas or status instead")
                    }
                }
            }
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
            try alerts(tx, .emergencyDeclared(e), eventID: eventID, at: at, exercise: e.exercise)
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
            // Taking over what a CAP alert opened or added is no news to the lurah.
            if e.status != old.status || e.areas != old.areas || e.note != old.note {
                try alerts(tx, .emergencyChanged(e, previous: old), eventID: eventID, at: at, exercise: e.exercise)
            }
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
            // Alerts about it that nobody acknowledged stop escalating: the emergency is over.
            try tx.stopEscalations(about: e.id)
            try alerts(tx, .emergencyEnded(e, stillDown: try postsStillDown(tx, in: e)), eventID: eventID, at: at, exercise: e.exercise)
            return e
        }
        notify("emergency ended", at: at)
        return e
    }

    /// Posts in an emergency's area still reported closed or degraded, by id (none for a drill's
    /// emergency: its messages speak of the exercise, not of real posts).
    private func postsStillDown(_ tx: StoreTransaction, in e: Emergency) throws -> [String] {
        guard !e.exercise else { return [] }
        let set = playbooks
        let down = try String.fetchAll(tx.db.cachedStatement(sql: "SELECT DISTINCT post_id FROM post_status WHERE status IN ('tutup', 'terganggu') ORDER BY post_id"))
        return down.filter { id in set.posts[id].map { e.covers(kelurahan: $0.kelurahan) } ?? false }
    }

    // MARK: Reports and cadres

    /// `capacityPercent`: a `terganggu` report's remaining capacity as a share of each field's
    /// kapasitas (an SMS's `TERGANGGU 40%`), instead of the request's `capacity`.
    @discardableResult
    public func report(_ request: ReportRequest, capacityPercent: Int? = nil, actor: Actor, at: Date) throws -> [StatusReport] {
        let (reports, write) = try prepareReport(request, capacityPercent: capacityPercent, actor: actor, at: at)
        try store.write(write)
        notify("post reported", at: at)
        return reports
    }

    /// A report validated against the live playbooks, and its transaction (for a caller that
    /// stores more with it: an SMS's reply). `sender`: the number that sent it by SMS, which
    /// gets its reply and not also the status alert about its own report.
    func prepareReport(_ request: ReportRequest, capacityPercent: Int?, actor: Actor, at: Date, sender: String? = nil) throws
        -> (reports: [StatusReport], write: @Sendable (StoreTransaction) throws -> Void) {
        let set = playbooks
        var reports = try request.validate(in: set, reporter: actor.name, at: at)
        if let percent = capacityPercent {
            guard (0...100).contains(percent) else { throw RequestError(field: "capacity", "capacity \(percent)% is not between 0% and 100%") }
            guard reports.allSatisfy({ $0.status == .terganggu }) else {
                throw RequestError(field: "capacity", "capacity is only reported with status terganggu")
            }
            for i in reports.indices {
                reports[i].capacity = (set.posts[reports[i].postID]?.layanan[reports[i].bidang]?.kapasitas ?? 0) * percent / 100
            }
        }
        return (reports, try reportWrite(reports, set: set, actor: actor, at: at, sender: sender))
    }

    /// The same as `report`, for the HTTP hot path: committed together with concurrent
    /// reports (group commit), without blocking the caller's thread.
    @discardableResult
    public func reportBatched(_ request: ReportRequest, actor: Actor, at: Date) async throws -> [StatusReport] {
        let set = playbooks
        let reports = try request.validate(in: set, reporter: actor.name, at: at)
        try await store.batchedWrite(try reportWrite(reports, set: set, actor: actor, at: at))
        notify("post reported", at: at)
        return reports
    }

    /// The transaction of a report. What it writes that does not depend on the database (the
    /// event's JSON, the audit line, the alert drafts) is made here, before the write, on the
    /// caller's thread: every report's transaction runs on the one writer, so whatever runs
    /// there is time the other requests wait.
    private func reportWrite(_ reports: [StatusReport], set: PlaybookSet, actor: Actor, at: Date, sender: String? = nil) throws
        -> @Sendable (StoreTransaction) throws -> Void {
        let payload = try JSON.encode(reports)
        let detail = reports.map(\.bidang.rawValue).joined(separator: ",") + " " + reports[0].status.rawValue
        let drafts = AlertRules.drafts(for: .statusReported(reports), playbooks: set, routing: routing).filter { d in
            guard let sender else { return true }
            return !d.routes.allSatisfy { !$0.isWebhook && $0.address == sender }
        }
        return { [self] tx in
            for r in reports { try tx.saveReport(r) }
            let eventID = try tx.appendEvent(.statusReported, subject: reports[0].postID, json: payload, actor: actor, at: at)
            try tx.audit("post.report", subject: reports[0].postID, detail: detail, actor: actor, at: at)
            _ = try enqueue(tx, drafts, set: set, eventID: eventID, at: at)
        }
    }

    /// A cadre's `HADIR <pos>` (available) or `TIDAK HADIR` (unavailable).
    public func cadreAvailability(_ cadreID: String, available: Bool, post: String?, actor: Actor, at: Date) throws {
        try store.write(try availabilityWrite(cadreID, available: available, post: post, actor: actor, at: at))
        notify("cadre availability", at: at)
    }

    /// The transaction of a cadre's availability, once it is known valid.
    func availabilityWrite(_ cadreID: String, available: Bool, post: String?, actor: Actor, at: Date) throws
        -> (StoreTransaction) throws -> Void {
        let set = playbooks
        guard set.cadres[cadreID] != nil else { throw RequestError(field: "cadre", "unknown cadre '\(cadreID)'") }
        if let post, set.posts[post] == nil { throw RequestError(field: "post", "unknown post '\(post)'") }
        struct Payload: Encodable { var cadre: String; var available: Bool; var post: String? }
        return { tx in
            try tx.setCadre(cadreID, available: available, post: post, at: at)
            try tx.appendEvent(.cadreAvailability, subject: cadreID, payload: Payload(cadre: cadreID, available: available, post: post),
                               actor: actor, at: at)
            try tx.audit(available ? "cadre.hadir" : "cadre.tidak_hadir", subject: cadreID, detail: post ?? "", actor: actor, at: at)
        }
    }

    /// A post's routine check-in during an emergency ("still here, nothing changed"): resets
    /// its deadline without changing any field's status.
    public func checkIn(_ postID: String, actor: Actor, at: Date) throws {
        try checkIns([(postID, actor)], at: at)
    }

    /// Check-ins of several posts at one moment (a drill's routine round), in one transaction:
    /// all of them or, with an unknown post among them, none.
    public func checkIns(_ checkIns: [(post: String, actor: Actor)], at: Date) throws {
        let set = playbooks
        for c in checkIns where set.posts[c.post] == nil { throw RequestError(field: "post", "unknown post '\(c.post.prefix(64))'") }
        guard !checkIns.isEmpty else { return }
        try store.write { tx in
            for (postID, actor) in checkIns {
                try tx.checkIn(postID, at: at)
                try tx.appendEvent(.checkIn, subject: postID, payload: ["post": postID], actor: actor, at: at)
                try tx.audit("post.checkin", subject: postID, detail: "", actor: actor, at: at)
            }
        }
        // A post overdue until now is known again: the plan may change.
        notify("post check-in", at: at)
    }

    /// Records posts whose check-in deadline passed (from the deadline timer).
    public func checkInsMissed(_ posts: [String], at: Date) throws {
        guard !posts.isEmpty else { return }
        try store.write { tx in
            let eventID = try tx.appendEvent(.checkInMissed, subject: posts.joined(separator: ","), payload: posts, actor: .timer, at: at)
            try tx.audit("post.checkin_missed", subject: posts.joined(separator: ","), detail: "\(posts.count) posts", actor: .timer, at: at)
            try alerts(tx, .checkInMissed(posts, at: at), eventID: eventID, at: at)
        }
        notify("check-in deadline", at: at)
    }

    /// The missed check-ins already announced, from the event log, so that a restarted daemon
    /// does not text every lurah again about silences they have been told of (the last 1,000
    /// announcements; each names every post that fell silent at its moment).
    public func announcedCheckIns() throws -> MissedCheckIns {
        let earlier = try store.events(kinds: [.checkInMissed], limit: 1000).map { e in
            (posts: (try? JSON.decode([String].self, e.payload)) ?? [], at: e.at)
        }
        return MissedCheckIns(announced: earlier, lastCheckIn: try store.operationalState().lastCheckIn)
    }

    // MARK: CAP hazard alerts

    public struct CAPOutcome: Codable, Sendable, Equatable {
        public var key: String
        public var decision: String
        public var emergency: Emergency?
        public var matches: [CAPMatchRecord]
    }

    /// One kelurahan an alert reached, and why.
    public struct CAPMatchRecord: Codable, Sendable, Equatable {
        public var kelurahan: String
        public var nama: String
        public var reason: String
    }

    /// Applies a parsed CAP alert: opens, widens, updates or withdraws an emergency, or
    /// records why not. Replays of the same sender/identifier change nothing.
    public func ingestCAP(_ alert: CAPAlert, xml: String, matches: [KelurahanMatch], mapping: HazardMapping,
                          status: EmergencyStatus, actor: Actor, at: Date) throws -> CAPOutcome {
        let set = playbooks
        let key = CAPIngest.key(alert)
        // Only kelurahan a loaded playbook covers can become part of an emergency.
        let covered = matches.filter { m in set.kecamatan(of: m.code).flatMap { set.playbook(kecamatan: $0) } != nil }
        let records = covered.map { CAPMatchRecord(kelurahan: $0.code, nama: $0.name, reason: $0.reason) }
        let outcome: CAPOutcome = try store.write { tx in
            let seen = try Bool.fetchOne(tx.db.cachedStatement(sql: "SELECT 1 FROM cap_alert WHERE key = ?"), arguments: [key]) == true
            let emergencies = try tx.operationalState().emergencies
            let areasOfAlert = try tx.capAreas(keys: emergencies.filter(\.isActive).flatMap(\.capIdentifiers))
            let decision = CAPIngest.decide(alert, matchedKelurahan: covered.map(\.code), emergencies: emergencies, seen: seen, mapping: mapping,
                                            now: at, areasOfAlert: areasOfAlert)
            if decision == .duplicate { return CAPOutcome(key: key, decision: decision.summary, emergency: nil, matches: records) }
            try tx.db.cachedStatement(sql: "INSERT INTO cap_alert (key, received_at, status, msg_type, decision, matches, xml) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .execute(arguments: [key, at.timeIntervalSince1970, alert.status.rawValue, alert.msgType.rawValue, decision.summary,
                                    try JSON.encode(records), xml])
            try tx.appendEvent(.capReceived, subject: key, payload: ["decision": decision.summary, "msgType": alert.msgType.rawValue],
                                             actor: actor, at: at)
            try tx.audit("cap.receive", subject: key, detail: decision.summary, actor: actor, at: at)
            var result: Emergency?
            switch decision {
            case let .open(hazard, areas, expires):
                var e = Emergency(id: try tx.nextEmergencyID(at: at), hazard: hazard, status: status, areas: areas, declaredAt: at,
                                  note: alert.infos.first?.headline, source: "cap:\(key)", capIdentifiers: [key], operatorOwned: false)
                e.capExpires = expires
                try tx.saveEmergency(e)
                let id = try tx.appendEvent(.emergencyDeclared, subject: e.id, payload: e, actor: actor, at: at)
                try alerts(tx, .emergencyDeclared(e), eventID: id, at: at)
                result = e
            case let .widen(emergencyID, areas, expires), let .update(emergencyID, areas, expires, _):
                guard let old = try tx.emergency(id: emergencyID) else { break }
                let retired = Set(decision.retired)
                var e = old
                e.setAreas(areas, at: at)
                // A cancel adds no areas of its own; an update or alert does.
                let added = alert.msgType == .cancel ? [] : [key]
                e.capIdentifiers = Array(Set(e.capIdentifiers.filter { !retired.contains($0) } + added)).sorted()
                e.capExpires = [e.capExpires, expires].compactMap { $0 }.max()
                // What an alert adds to an operator's emergency leaves with the alert.
                if old.operatorOwned {
                    let added = Set(e.areas).subtracting(old.areas).union(old.capAreas ?? [])
                    e.capAreas = added.isEmpty ? nil : added.sorted()
                }
                e.updatedAt = at
                try tx.saveEmergency(e)
                let id = try tx.appendEvent(.emergencyChanged, subject: e.id, payload: e, actor: actor, at: at)
                if e.areas != old.areas { try alerts(tx, .emergencyChanged(e, previous: old), eventID: id, at: at) }
                result = e
            case let .withdraw(emergencyID):
                guard var e = try tx.emergency(id: emergencyID) else { break }
                e.status = .selesai
                e.endedAt = at
                e.updatedAt = at
                e.note = "dicabut oleh \(key)"
                try tx.saveEmergency(e)
                try tx.stopEscalations(about: e.id)
                let id = try tx.appendEvent(.emergencyEnded, subject: e.id, payload: e, actor: actor, at: at)
                try alerts(tx, .emergencyEnded(e, stillDown: try postsStillDown(tx, in: e)), eventID: id, at: at)
                result = e
            case .ignore, .duplicate:
                break
            }
            return CAPOutcome(key: key, decision: decision.summary, emergency: result, matches: records)
        }
        if outcome.emergency != nil { notify("cap alert", at: at) }
        return outcome
    }

    /// Ends CAP-owned emergencies whose alerts expired more than `grace` ago, and takes the
    /// kelurahan such alerts added to an operator's emergency out of it again. Returns the ids
    /// of the emergencies ended or narrowed.
    @discardableResult
    public func lowerExpiredCAP(at: Date, grace: TimeInterval) throws -> [String] {
        let due = try store.emergencies(includeEnded: false).filter {
            !$0.exercise && ($0.capExpires.map { at.timeIntervalSince($0) > grace } ?? false)
        }
        let actor = Actor("cap-expiry", via: .timer)
        var lowered: [String] = []
        for e in due where !e.operatorOwned {
            _ = try end(e.id, actor: actor, at: at, note: "peringatan CAP kedaluwarsa")
            lowered.append(e.id)
        }
        for old in due where old.operatorOwned && old.capAreas?.isEmpty == false {
            try store.write { tx in
                var e = old
                e.setAreas(old.areas.filter { !(old.capAreas ?? []).contains($0) }, at: at)
                e.capAreas = nil
                e.capIdentifiers = []
                e.capExpires = nil
                e.updatedAt = at
                try tx.saveEmergency(e)
                let id = try tx.appendEvent(.emergencyChanged, subject: e.id, payload: e, actor: actor, at: at)
                try tx.audit("cap.expire", subject: e.id, detail: "kelurahan of expired CAP alerts left: \((old.capAreas ?? []).joined(separator: ","))",
                             actor: actor, at: at)
                if e.areas != old.areas { try alerts(tx, .emergencyChanged(e, previous: old), eventID: id, at: at) }
            }
            lowered.append(old.id)
        }
        if !lowered.isEmpty { notify("cap expiry", at: at) }
        return lowered
    }

    // MARK: Acknowledgements and escalation

    /// An operator's acknowledgement (or a drill's): stops the alert's escalation.
    public func acknowledge(code: String, actor: Actor, at: Date) throws -> OutboxMessage? {
        try acknowledge(code: code, from: nil, actor: actor, at: at).message
    }

    /// `OK <kode>` from `phone` (SMS; nil for an operator): see ``StoreTransaction/acknowledge(code:from:at:)``.
    /// The first acknowledgement of an alert is an event and an audit line, in its transaction.
    public func acknowledge(code: String, from phone: String?, actor: Actor, at: Date) throws -> PoskoStore.Acknowledgement {
        try store.write { tx in try acknowledge(tx, code: code, from: phone, actor: actor, at: at) }
    }

    func acknowledge(_ tx: StoreTransaction, code: String, from phone: String?, actor: Actor, at: Date) throws -> PoskoStore.Acknowledgement {
        let outcome = try tx.acknowledge(code: code, from: phone, at: at)
        if case let .acknowledged(m, first: true) = outcome {
            try tx.appendEvent(.alertAcknowledged, subject: m.id, payload: ["code": code.uppercased(), "recipient": m.recipient], actor: actor, at: at)
            try tx.audit("alert.ack", subject: m.id, detail: m.recipient, actor: actor, at: at)
        }
        return outcome
    }

    /// Sends a failed message again, from its first channel with fresh tries: an operator's
    /// decision once the outage that failed it is over. Audited. Throws not-found for an
    /// unknown id and a conflict for a message that has not failed (it is still being sent,
    /// or it arrived).
    public func resend(messageID: String, actor: Actor, at: Date) throws -> OutboxMessage {
        try store.write { tx in
            guard let state = try String.fetchOne(tx.db.cachedStatement(sql: "SELECT state FROM outbox WHERE id = ?"), arguments: [messageID]) else {
                throw StoreError.notFound("message '\(messageID.prefix(60))' does not exist")
            }
            guard state == OutboxMessage.State.failed.rawValue else {
                throw StoreError.conflict("message '\(messageID.prefix(60))' is \(state), not failed; only a failed message is sent again")
            }
            try tx.db.cachedStatement(sql: """
                UPDATE outbox SET state = 'pending', channel_index = 0, attempts = 0, next_attempt_at = ?, claimed_until = NULL,
                  report_due_at = NULL, reported_at = NULL, held_by = NULL, last_error = NULL
                WHERE id = ?
                """).execute(arguments: [at.timeIntervalSince1970, messageID])
            try tx.audit("message.resend", subject: messageID, detail: "sent again from its first channel", actor: actor, at: at)
        }
        guard let m = try store.message(id: messageID) else { throw StoreError.notFound("message '\(messageID.prefix(60))' does not exist") }
        return m
    }

    /// Sends every unacknowledged alert whose time has come one step up its kecamatan's
    /// eskalasi chain, and schedules the next step.
    /// A step to the alert's own recipient's role (the camat's own alert, with the camat first
    /// in the chain) is passed over at its time, without a message. Alerts of the same text
    /// escalated at once to the same step of a kecamatan go as one message naming every
    /// recipient who has not confirmed (a flood alert unanswered by five lurah is one SMS to the
    /// camat, not five); its code acknowledges them all. Returns how many alerts were escalated.
    @discardableResult
    public func escalateDue(at: Date) throws -> Int {
        let due = try store.dueEscalations(now: at)
        guard !due.isEmpty else { return 0 }
        let set = playbooks
        struct GroupKey: Hashable { var kecamatan: String; var role: ContactRole; var step: Int; var text: String; var exercise: Bool }
        return try store.write { tx in
            var groups: [(key: GroupKey, originals: [OutboxMessage], eventID: Int64)] = []
            var groupOfKey: [GroupKey: Int] = [:]
            for m in due {
                // An acknowledgement (or another timer's pass) may have come since the list was read.
                guard try tx.escalationDue(m.id, step: m.escalationStep, at: at) else { continue }
                let chain = m.kecamatan.flatMap { set.playbook(kecamatan: $0)?.eskalasi } ?? []
                guard m.escalationStep < chain.count, let kec = m.kecamatan else {
                    try tx.db.cachedStatement(sql: "UPDATE outbox SET escalate_at = NULL WHERE id = ?").execute(arguments: [m.id])
                    continue
                }
                let step = chain[m.escalationStep]
                let next = m.escalationStep + 1 < chain.count ? m.createdAt.addingTimeInterval(Double(chain[m.escalationStep + 1].setelah)) : nil
                try tx.db.cachedStatement(sql: "UPDATE outbox SET escalation_step = ?, escalate_at = ? WHERE id = ?")
                    .execute(arguments: [m.escalationStep + 1, next?.timeIntervalSince1970, m.id])
                if step.ke.rawValue == m.role { continue }
                let eventID = try tx.appendEvent(.alertEscalated, subject: m.id,
                                                 payload: ["to": step.ke.rawValue, "step": "\(m.escalationStep + 1)", "recipient": m.recipient],
                                                 actor: .timer, at: at)
                try tx.audit("alert.escalate", subject: m.id, detail: "\(m.recipient) -> \(step.ke.rawValue)", actor: .timer, at: at)
                let key = GroupKey(kecamatan: kec, role: step.ke, step: m.escalationStep + 1, text: m.text, exercise: m.exercise)
                if let g = groupOfKey[key] {
                    groups[g].originals.append(m)
                } else {
                    groupOfKey[key] = groups.count
                    groups.append((key, [m], eventID))
                }
            }
            for g in groups {
                try alerts(tx, .escalation(originals: g.originals.map { ($0.id, $0.recipient) }, role: g.key.role, kecamatan: g.key.kecamatan,
                                           step: g.key.step, text: g.key.text), eventID: g.eventID, at: at, exercise: g.key.exercise)
            }
            return groups.reduce(0) { $0 + $1.originals.count }
        }
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
