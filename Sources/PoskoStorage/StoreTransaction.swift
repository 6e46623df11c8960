import Foundation
import GRDB
import PoskoCore

/// Typed operations inside one write transaction. The pipeline composes them so that an
/// event, its state change, its audit entry and the alerts it causes commit together.
public struct StoreTransaction {
    public let db: Database

    // MARK: Event log and audit
    // The hot path (every report) uses cached statements: preparing SQL each time was a
    // tenth of a report's CPU.

    @discardableResult
    public func appendEvent<P: Encodable>(_ kind: EventKind, subject: String, payload: P, actor: Actor, at: Date) throws -> Int64 {
        try appendEvent(kind, subject: subject, json: JSON.encode(payload), actor: actor, at: at)
    }

    /// An event whose payload is already encoded (see `JSON.encode`).
    func appendEvent(_ kind: EventKind, subject: String, json payload: String, actor: Actor, at: Date) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO event (at, kind, actor, via, subject, payload) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [at.timeIntervalSince1970, kind.rawValue, actor.name, actor.via.rawValue, subject, payload])
        return db.lastInsertedRowID
    }

    public func audit(_ action: String, subject: String, detail: String, actor: Actor, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO audit (at, actor, via, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [at.timeIntervalSince1970, actor.name, actor.via.rawValue, action, subject, detail])
    }

    // MARK: Emergencies

    public func emergency(id: String) throws -> Emergency? {
        guard let body = try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM emergency WHERE id = ?"), arguments: [id]) else { return nil }
        return try JSON.decode(Emergency.self, body)
    }

    public func saveEmergency(_ e: Emergency) throws {
        try db.cachedStatement(sql: """
            INSERT INTO emergency (id, body, active, exercise, declared_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET body = excluded.body, active = excluded.active
            """).execute(arguments: [e.id, JSON.encode(e), e.isActive, e.exercise, e.declaredAt.timeIntervalSince1970])
    }

    public func nextEmergencyID(at: Date) throws -> String {
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM emergency")) ?? 0
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Jakarta")
        f.dateFormat = "yyyyMMdd"
        return "D-\(f.string(from: at))-\(String(format: "%03d", count + 1))"
    }

    // MARK: Reports and cadres

    public func saveReport(_ r: StatusReport) throws {
        try db.cachedStatement(sql: """
            INSERT INTO post_status (post_id, bidang, status, capacity, reporter, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(post_id, bidang) DO UPDATE SET status = excluded.status, capacity = excluded.capacity,
              reporter = excluded.reporter, note = excluded.note, at = excluded.at
            """).execute(arguments: [r.postID, r.bidang.rawValue, r.status.rawValue, r.capacity, r.reporter, r.note, r.at.timeIntervalSince1970])
        try checkIn(r.postID, at: r.at)
    }

    /// A sign of life from a post (any report is one too): its check-in deadline starts again.
    public func checkIn(_ postID: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO post_checkin (post_id, at) VALUES (?, ?) ON CONFLICT(post_id) DO UPDATE SET at = max(at, excluded.at)")
            .execute(arguments: [postID, at.timeIntervalSince1970])
    }

    public func setCadre(_ cadreID: String, available: Bool, post: String?, at: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO cadre_availability (cadre_id, available, post_id, at) VALUES (?, ?, ?, ?)
            ON CONFLICT(cadre_id) DO UPDATE SET available = excluded.available, post_id = excluded.post_id, at = excluded.at
            """).execute(arguments: [cadreID, available, post, at.timeIntervalSince1970])
    }

    /// Everything the core needs to evaluate continuity.
    public func operationalState() throws -> OperationalState {
        try PoskoStore.operationalState(db)
    }
}

extension PoskoStore {
    static func operationalState(_ db: Database) throws -> OperationalState {
        var state = OperationalState()
        state.emergencies = try emergencies(db)
        // Columns by position and rows through cursors: a province state is ~100,000 rows, and
        // by-name look-ups (case-insensitive) were a fifth of reading it.
        state.reports.reserveCapacity(try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM post_status")) ?? 0)
        let reports = try Row.fetchCursor(db.cachedStatement(sql: "SELECT post_id, bidang, status, capacity, reporter, note, at FROM post_status"))
        while let row = try reports.next() {
            if let r = report(row) { state.reports[PostField(r.postID, r.bidang)] = r }
        }
        state.lastCheckIn.reserveCapacity(try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM post_checkin")) ?? 0)
        let checkIns = try Row.fetchCursor(db.cachedStatement(sql: "SELECT post_id, at FROM post_checkin"))
        while let row = try checkIns.next() {
            state.lastCheckIn[row[0]] = Date(timeIntervalSince1970: row[1])
        }
        let cadres = try Row.fetchCursor(db.cachedStatement(sql: "SELECT cadre_id, available, post_id FROM cadre_availability"))
        while let row = try cadres.next() { cadre(row, into: &state) }
        return state
    }

    // Read on every report, timer tick and drill step: cached statements skip re-parsing the SQL.
    static func emergencies(_ db: Database) throws -> [Emergency] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM emergency ORDER BY declared_at, id")).map { try JSON.decode(Emergency.self, $0) }
    }

    /// A `post_status` row (post_id, bidang, status, capacity, reporter, note, at).
    static func report(_ row: Row) -> StatusReport? {
        guard let bidang = Bidang(rawValue: row[1]), let status = ServiceStatus(rawValue: row[2]) else { return nil }
        return StatusReport(postID: row[0], bidang: bidang, status: status, capacity: row[3], reporter: row[4], note: row[5],
                            at: Date(timeIntervalSince1970: row[6]))
    }

    /// A `cadre_availability` row (cadre_id, available, post_id) into the state, replacing what it said before.
    static func cadre(_ row: Row, into state: inout OperationalState) {
        let id: String = row[0]
        if row[1] as Bool {
            state.unavailableCadres.remove(id)
            state.availableCadres[id] = row[2] as String? ?? ""
        } else {
            state.availableCadres[id] = nil
            state.unavailableCadres.insert(id)
        }
    }

    /// The current state, from memory brought up to date with the rows changed since the last
    /// read (see `StateCache`).
    public func operationalState() throws -> OperationalState {
        try stateCache.state(self)
    }

    public func emergencies(includeEnded: Bool = true) throws -> [Emergency] {
        try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM emergency \(includeEnded ? "" : "WHERE active") ORDER BY declared_at, id"))
                .map { try JSON.decode(Emergency.self, $0) }
        }
    }

    public struct AuditEntry: Codable, Sendable, Equatable {
        public var id: Int64
        public var at: Date
        public var actor: String
        public var via: String
        public var action: String
        public var subject: String
        public var detail: String
    }

    public func audit(limit: Int = 100, beforeID: Int64? = nil) throws -> [AuditEntry] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?"),
                             arguments: [beforeID ?? Int64.max, limit]).map {
                AuditEntry(id: $0["id"], at: Date(timeIntervalSince1970: $0["at"]), actor: $0["actor"], via: $0["via"],
                           action: $0["action"], subject: $0["subject"], detail: $0["detail"])
            }
        }
    }

    public func events(afterID: Int64 = 0, limit: Int = 1000) throws -> [LoggedEvent] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM event WHERE id > ? ORDER BY id LIMIT ?"), arguments: [afterID, limit]).compactMap(Self.loggedEvent)
        }
    }

    public func eventCount() throws -> Int {
        try read { try Int.fetchOne($0.cachedStatement(sql: "SELECT COUNT(*) FROM event")) ?? 0 }
    }
}

extension PoskoStore {
    public static let publicKinds: [EventKind] = [.emergencyDeclared, .emergencyChanged, .emergencyEnded]

    /// Public alerts: emergency events, newest first.
    public func publicAlertEvents(limit: Int = 50, exercise: Bool? = nil) throws -> [(event: LoggedEvent, emergency: Emergency)] {
        try events(kinds: Self.publicKinds, limit: limit).compactMap { e in
            guard let em = try? JSON.decode(Emergency.self, e.payload) else { return nil }
            if let exercise, em.exercise != exercise { return nil }
            return (e, em)
        }
    }

    public func events(kinds: [EventKind], limit: Int) throws -> [LoggedEvent] {
        try read { db in
            let marks = kinds.map { _ in "?" }.joined(separator: ",")
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM event WHERE kind IN (\(marks)) ORDER BY id DESC LIMIT ?"),
                                    arguments: StatementArguments(kinds.map(\.rawValue) + [String(limit)])).compactMap(Self.loggedEvent)
        }
    }

    public func event(id: Int64) throws -> LoggedEvent? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM event WHERE id = ?"), arguments: [id]).flatMap(Self.loggedEvent) }
    }

    /// The event before `id` about the same subject among `kinds` (what a CAP Update references).
    public func previousEvent(before id: Int64, subject: String, kinds: [EventKind]) throws -> LoggedEvent? {
        try read { db in
            let marks = kinds.map { _ in "?" }.joined(separator: ",")
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.eventColumns) FROM event WHERE id < ? AND subject = ? AND kind IN (\(marks)) ORDER BY id DESC LIMIT 1"),
                                    arguments: StatementArguments([String(id), subject] + kinds.map(\.rawValue))).flatMap(Self.loggedEvent)
        }
    }

    /// The columns every event read selects, in the order ``loggedEvent(_:)`` reads them by
    /// position (by name, each access lowercases the name; a drill report reads ~100,000 events).
    static let eventColumns = "id, at, kind, actor, via, subject, payload"

    static func loggedEvent(_ r: Row) -> LoggedEvent? {
        guard let kind = EventKind(rawValue: r[2]), let via = Interface(rawValue: r[4]) else { return nil }
        return LoggedEvent(id: r[0], at: Date(timeIntervalSince1970: r[1]), kind: kind,
                           actor: Actor(r[3], via: via), subject: r[5], payload: r[6])
    }
}

extension StoreTransaction {
    /// The kelurahan each received CAP alert (by key) reached, as recorded when it came.
    func capAreas(keys: [String]) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for key in Set(keys) {
            guard let matches = try String.fetchOne(db.cachedStatement(sql: "SELECT matches FROM cap_alert WHERE key = ?"), arguments: [key]) else { continue }
            out[key] = try JSON.decode([Coordinator.CAPMatchRecord].self, matches).map(\.kelurahan)
        }
        return out
    }
}
