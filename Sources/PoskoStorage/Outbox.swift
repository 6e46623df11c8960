import Foundation
import GRDB
import PoskoCore

/// A message in the durable outbox.
public struct OutboxMessage: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Waiting for its next attempt (or for its grouping window to close).
        case pending
        /// Claimed by the dispatcher; a crash leaves it here until the lease runs out.
        case sending
        /// Accepted by an SMS gateway; a delivery report may still come.
        case sent
        /// Delivered (webhook 2xx, or an SMS delivery report).
        case delivered
        /// Every channel failed permanently or ran out of tries.
        case failed
    }

    public var id: String
    public var createdAt: Date
    public var eventID: Int64?
    public var recipient: String
    public var role: String
    public var kind: String
    public var routes: [ChannelRoute]
    public var channelIndex: Int
    public var text: String
    public var payload: String?
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    public var ackCode: String?
    public var ackedAt: Date?
    /// The escalation whose code confirmed this alert (its recipient answered for this one's);
    /// nil when the recipient (or an operator) confirmed it.
    public var ackedVia: String?
    public var escalationStep: Int
    public var escalateAt: Date?
    public var kecamatan: String?
    public var exercise: Bool

    public var route: ChannelRoute? { channelIndex < routes.count ? routes[channelIndex] : nil }

    /// The text as sent: with the reply code when an acknowledgement is wanted.
    public var smsText: String { ackCode.map { "\(text) Balas OK \($0)" } ?? text }
}

public struct AttemptRecord: Codable, Sendable, Equatable {
    public var messageID: String
    public var at: Date
    public var channel: String
    public var result: String
    public var detail: String
    public var latencyMs: Double
}

extension OutboxMessage {
    /// The columns every outbox read selects, in the order ``init(row:)`` reads them by position
    /// (reading a row by column name lowercases the name on each access).
    static let columns = """
        id, created_at, event_id, recipient, role, kind, channels, channel_index, text, payload, state, attempts, \
        next_attempt_at, last_error, delivered_at, ack_code, acked_at, escalation_step, escalate_at, kecamatan, exercise, acked_via
        """

    /// A row of `SELECT \(columns) FROM outbox …`.
    init(row: Row) throws {
        id = row[0]
        createdAt = Date(timeIntervalSince1970: row[1])
        eventID = row[2]
        recipient = row[3]
        role = row[4]
        kind = row[5]
        routes = try JSON.decode([ChannelRoute].self, row[6])
        channelIndex = row[7]
        text = row[8]
        payload = row[9]
        state = State(rawValue: row[10]) ?? .pending
        attempts = row[11]
        nextAttemptAt = Date(timeIntervalSince1970: row[12])
        lastError = row[13]
        deliveredAt = (row[14] as Double?).map(Date.init(timeIntervalSince1970:))
        ackCode = row[15]
        ackedAt = (row[16] as Double?).map(Date.init(timeIntervalSince1970:))
        escalationStep = row[17]
        escalateAt = (row[18] as Double?).map(Date.init(timeIntervalSince1970:))
        kecamatan = row[19]
        exercise = row[20]
        ackedVia = row[21]
    }
}

/// The outbox reads the dispatcher makes all the time (each batch, each second, each draft): each
/// reads through an index only the rows it may return, so their cost does not grow with the
/// outbox's history (`SchemaTests` checks their query plans).
enum OutboxQueries {
    /// The recipient's latest untried message of a kind that is not due before now (`?`:
    /// recipient, kind, now, exercise): one waiting for its grouping window, or one the dispatcher
    /// started over after an outage — a later alert merges into it, so the recipient gets each
    /// post's latest state once. Read through `outbox_waiting`, which holds only pending messages
    /// (`+next_attempt_at` keeps SQLite from preferring the range over every pending message due
    /// later, the same alert's thousands included).
    static let waitingToGroup = """
        SELECT id, text FROM outbox WHERE recipient = ? AND kind = ? AND state = 'pending'
        AND attempts = 0 AND +next_attempt_at >= ? AND exercise = ? ORDER BY created_at DESC LIMIT 1
        """

    /// Due pending messages and lapsed claims in (next_attempt_at, id) order (`?1` now, `?2` the
    /// limit): each part read off the `outbox_claim` index up to the limit, then the two merged
    /// (one sorted query over both sorted every due message, payload and all, for each batch).
    static let claim = """
        SELECT \(OutboxMessage.columns) FROM (
          SELECT * FROM (SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2)
          UNION ALL
          SELECT * FROM (SELECT * FROM outbox WHERE state = 'sending' AND claimed_until <= ?1 ORDER BY next_attempt_at, id LIMIT ?2)
        ) ORDER BY next_attempt_at, id LIMIT ?2
        """

    /// SMS whose delivery report is overdue (`?`: now). `+state`: read through the partial index
    /// of the few messages awaiting a report, not through every message in state `sent` (a
    /// gateway without delivery reports leaves all its messages there for good).
    static let unreported = """
        SELECT id, channels, channel_index FROM outbox
        WHERE report_due_at IS NOT NULL AND report_due_at <= ? AND +state = 'sent' ORDER BY report_due_at, id
        """

    /// The next message's attempt or delivery report deadline.
    static let nextDue = """
        SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM outbox WHERE state = 'pending'
          UNION ALL SELECT MIN(report_due_at) FROM outbox WHERE report_due_at IS NOT NULL AND +state = 'sent')
        """
}

extension StoreTransaction {
    /// Writes alert drafts to the outbox, in the caller's transaction. Identical alerts
    /// (same dedup key) are stored once. Groupable alerts (status, plan, coverage) go out at
    /// once unless the recipient got one of the same kind within the grouping window; then
    /// they wait for the window's end, and later ones merge into the waiting message, so a
    /// burst of changes is one SMS but the first change is never delayed.
    @discardableResult
    public func enqueue(_ drafts: [AlertDraft], eventID: Int64?, at: Date, routing: AlertRouting,
                        escalation: (AlertDraft) -> TimeInterval? = { _ in nil }) throws -> [String] {
        var ids: [String] = []
        for (index, d) in drafts.enumerated() {
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM outbox WHERE dedup_key = ?"), arguments: [d.dedupKey]) == true { continue }
            if d.groupable, let row = try Row.fetchOne(db.cachedStatement(sql: OutboxQueries.waitingToGroup), arguments: [d.recipient, d.kind, at.timeIntervalSince1970, d.exercise]) {
                try db.cachedStatement(sql: "UPDATE outbox SET text = ? WHERE id = ?")
                    .execute(arguments: [AlertText.merged(row["text"], d.text), row["id"] as String])
                try db.cachedStatement(sql: "INSERT INTO outbox_merge (dedup_key, message_id) VALUES (?, ?)")
                    .execute(arguments: [d.dedupKey, row["id"] as String])
                ids.append(row["id"])
                continue
            }
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM outbox_merge WHERE dedup_key = ?"), arguments: [d.dedupKey]) == true { continue }
            // Unique because dedup keys are: one event's alerts can number thousands (a province
            // plan), too many for a short code.
            var hash = FNV1a64()
            hash.combine(d.dedupKey)
            let id = "m-\(eventID ?? 0)-\(index + 1)-\(hash.hex)"
            var ack: String?
            if d.needsAck {
                var salt = 0
                repeat {
                    ack = AckCode.make(from: id, salt: salt)
                    salt += 1
                } while try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM outbox WHERE ack_code = ? AND acked_at IS NULL"), arguments: [ack]) == true
            }
            var notBefore = at
            if d.groupable, let last = try Double.fetchOne(db.cachedStatement(sql: """
                SELECT MAX(created_at) FROM outbox WHERE recipient = ? AND kind = ? AND created_at > ? AND exercise = ?
                """), arguments: [d.recipient, d.kind, at.timeIntervalSince1970 - routing.groupingWindow, d.exercise]) {
                notBefore = max(at, Date(timeIntervalSince1970: last + routing.groupingWindow))
            }
            try db.cachedStatement(sql: """
                INSERT INTO outbox (id, created_at, event_id, dedup_key, recipient, role, kind, channels, channel_index, kecamatan,
                  text, payload, state, attempts, next_attempt_at, ack_code, escalation_step, escalate_at, exercise)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'pending', 0, ?, ?, 0, ?, ?)
                """).execute(arguments: [id, at.timeIntervalSince1970, eventID, d.dedupKey, d.recipient, d.role, d.kind, JSON.encode(d.routes),
                                 d.kecamatan, d.text, d.payload, notBefore.timeIntervalSince1970, ack,
                                 escalation(d).map { at.addingTimeInterval($0).timeIntervalSince1970 }, d.exercise])
            ids.append(id)
        }
        return ids
    }
}

/// The dispatcher's and the operator's view of the outbox.
extension PoskoStore {
    /// Claims due messages for sending. A claim is a lease: a message whose sender died
    /// (kill -9) is claimable again after the lease, with the same id.
    public func claimDue(now: Date, limit: Int, lease: TimeInterval = 60) throws -> [OutboxMessage] {
        try writer.write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: OutboxQueries.claim), arguments: [now.timeIntervalSince1970, limit])
            var out: [OutboxMessage] = []
            for row in rows {
                try db.cachedStatement(sql: "UPDATE outbox SET state = 'sending', claimed_until = ? WHERE id = ?")
                    .execute(arguments: [now.addingTimeInterval(lease).timeIntervalSince1970, row[0] as String])
                var m = try OutboxMessage(row: row)
                m.state = .sending
                out.append(m)
            }
            return out
        }
    }

    public enum SendOutcome: Sendable, Equatable {
        /// `final`: nothing more will be heard of it (webhook 2xx); otherwise the message is
        /// `sent`, waiting for its delivery report.
        case delivered(final: Bool, response: String)
        /// The gateway holds it (its SMSC is down): `sent` too, but nobody has it yet; with
        /// `reportBy`, the next channel sends it when no delivery report came by then.
        case queued(response: String, reportBy: Date?)
        case retry(at: Date, reason: String)
        /// The last channel's tries failed temporarily: back to the first channel at `at`.
        case restart(at: Date, reason: String)
        case failover(reason: String)
        case failed(reason: String)
    }

    /// One send through a channel, to be recorded.
    public struct SendAttempt: Sendable {
        public var message: OutboxMessage
        public var channel: String
        public var outcome: SendOutcome
        public var at: Date
        public var latencyMs: Double

        public init(message: OutboxMessage, channel: String, outcome: SendOutcome, at: Date, latencyMs: Double) {
            self.message = message
            self.channel = channel
            self.outcome = outcome
            self.at = at
            self.latencyMs = latencyMs
        }
    }

    /// Records attempts, each moving its message on: delivered/sent, retry later, next channel,
    /// or failed. The attempts given together are one transaction; concurrent callers record
    /// together (group commit), without blocking the caller's thread.
    public func record(_ attempts: [SendAttempt]) async throws {
        try await batchedWrite { tx in
            for a in attempts { try Self.record(tx.db, a) }
        }
    }

    static func record(_ db: Database, _ a: SendAttempt) throws {
        let (id, at) = (a.message.id, a.at)
        let (result, detail): (String, String) = switch a.outcome {
        case let .delivered(final, r): (final ? "delivered" : "sent", r)
        case let .queued(r, _): ("queued", r)
        case let .retry(_, r), let .restart(_, r): ("retryable", r)
        case let .failover(r): ("permanent", r)
        case let .failed(r): ("permanent", r)
        }
        try db.cachedStatement(sql: "INSERT INTO attempt (message_id, at, channel, result, detail, latency_ms) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [id, at.timeIntervalSince1970, a.channel, result, String(detail.prefix(500)), a.latencyMs])
        // A delivery report can overtake this record (the gateway answers the DLR before the
        // accept is committed); then the message has already moved on. The report time is not
        // set when the SMSC's accept report came first.
        func accepted(final: Bool, reportBy: Date?) throws {
            try db.cachedStatement(sql: """
                UPDATE outbox SET state = ?, attempts = attempts + 1, delivered_at = ?, claimed_until = NULL, last_error = NULL,
                  report_due_at = CASE WHEN reported_at IS NULL THEN ? END
                WHERE id = ? AND state = 'sending'
                """).execute(arguments: [final ? "delivered" : "sent", final ? at.timeIntervalSince1970 : nil, reportBy?.timeIntervalSince1970, id])
        }
        switch a.outcome {
        case let .delivered(final, _): try accepted(final: final, reportBy: nil)
        case let .queued(_, reportBy): try accepted(final: false, reportBy: reportBy)
        default:
            // Likewise a failed delivery report may have failed the message over already: the
            // send's own failure must not move it a second time (past a channel never tried).
            guard try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM outbox WHERE id = ?"), arguments: [id]) == "sending" else { return }
        }
        switch a.outcome {
        case .delivered, .queued: break
        case let .retry(next, reason):
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'pending', attempts = attempts + 1, next_attempt_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?")
                .execute(arguments: [next.timeIntervalSince1970, reason, id])
        case let .restart(next, reason):
            guard try !waitForHolder(db, id: id, reason: reason) else { return }
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'pending', channel_index = 0, attempts = 0, next_attempt_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?")
                .execute(arguments: [next.timeIntervalSince1970, reason, id])
        case let .failover(reason):
            try Self.failover(db, id: id, reason: reason, at: at, countingAttempt: true)
        case let .failed(reason):
            guard try !waitForHolder(db, id: id, reason: reason) else { return }
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'failed', attempts = attempts + 1, claimed_until = NULL, last_error = ? WHERE id = ?")
                .execute(arguments: [reason, id])
        }
    }

    /// When a gateway the message went through earlier still holds it (took it queued, see
    /// `failOverUnreported`), the other channels having failed it waits for that gateway again
    /// (`sent` there) rather than being queued there a second time or failed. False when no
    /// gateway holds it.
    static func waitForHolder(_ db: Database, id: String, reason: String) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE outbox SET state = 'sent', channel_index = held_by, claimed_until = NULL, report_due_at = NULL,
              last_error = ? || '; waiting for the gateway that holds it'
            WHERE id = ? AND held_by IS NOT NULL
            """).execute(arguments: [reason, id])
        return db.changesCount > 0
    }

    /// Next channel of the recipient, or failed when there is none. `countingAttempt`: a send's
    /// own failure (one more try on the last channel, counted like the others); a delivery
    /// report is none.
    static func failover(_ db: Database, id: String, reason: String, at: Date, countingAttempt: Bool = false) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT channels, channel_index FROM outbox WHERE id = ?"), arguments: [id]) else { return }
        let routes = try JSON.decode([ChannelRoute].self, row["channels"])
        let next = (row["channel_index"] as Int) + 1
        if next < routes.count {
            try db.cachedStatement(sql: """
                UPDATE outbox SET state = 'pending', channel_index = ?, attempts = 0, next_attempt_at = ?, claimed_until = NULL, last_error = ?,
                  report_due_at = NULL, reported_at = NULL
                WHERE id = ?
                """).execute(arguments: [next, at.timeIntervalSince1970, reason, id])
        } else {
            guard try !waitForHolder(db, id: id, reason: reason) else { return }
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'failed', attempts = attempts + ?, claimed_until = NULL, last_error = ?, report_due_at = NULL WHERE id = ?")
                .execute(arguments: [countingAttempt ? 1 : 0, reason, id])
        }
    }

    /// A delivery report from an SMS gateway: delivered, or failed (which fails over). `channel`
    /// is the route channel it came through (`sms:<name>`) when the report says: a failure
    /// reported by a gateway the message has since left (its report was late) is recorded but
    /// moves nothing, while a delivery from it still ends the message's sending. False when no
    /// message has that id.
    @discardableResult
    public func deliveryReport(messageID: String, channel: String? = nil, delivered: Bool, detail: String, at: Date) throws -> Bool {
        try writer.write { db in try Self.deliveryReport(db, messageID: messageID, channel: channel, delivered: delivered, detail: detail, at: at) }
    }

    /// Delivery reports with the same outcome, in order, in one transaction (a drill's
    /// simulated gateway reports thousands at one moment).
    public func deliveryReports(messageIDs: [String], delivered: Bool, detail: String, at: Date) throws {
        try writer.write { db in
            for id in messageIDs { try Self.deliveryReport(db, messageID: id, channel: nil, delivered: delivered, detail: detail, at: at) }
        }
    }

    @discardableResult
    private static func deliveryReport(_ db: Database, messageID: String, channel: String?, delivered: Bool, detail: String, at: Date) throws -> Bool {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, channels, channel_index, held_by FROM outbox WHERE id = ?"),
                                         arguments: [messageID]) else { return false }
        let state: String = row[0]
        try db.cachedStatement(sql: "INSERT INTO attempt (message_id, at, channel, result, detail, latency_ms) VALUES (?, ?, 'dlr', ?, ?, 0)")
            .execute(arguments: [messageID, at.timeIntervalSince1970, delivered ? "dlr_delivered" : "dlr_failed", String(detail.prefix(300))])
        if delivered {
            // Whatever the other channels did meanwhile (failed over, failed): it arrived.
            if state != "delivered" {
                try db.cachedStatement(sql: "UPDATE outbox SET state = 'delivered', delivered_at = ?, report_due_at = NULL, held_by = NULL WHERE id = ?")
                    .execute(arguments: [at.timeIntervalSince1970, messageID])
            }
            return true
        }
        // The gateway that held it has given up on it: nothing to wait for there any more.
        if let heldBy = row[3] as Int?, let channel, try channelIndex(channel, row) == heldBy {
            try db.cachedStatement(sql: "UPDATE outbox SET held_by = NULL WHERE id = ?").execute(arguments: [messageID])
        }
        if state == "sent" || state == "sending", try isCurrent(channel, row) {
            try Self.failover(db, id: messageID, reason: "delivery report: \(detail)", at: at)
        }
        return true
    }

    /// Whether `channel` (nil: not known) is the channel of the outbox row `row`
    /// (`state, channels, channel_index`).
    private static func isCurrent(_ channel: String?, _ row: Row) throws -> Bool {
        guard let channel else { return true }
        return try channelIndex(channel, row) == row[2]
    }

    /// The index of `channel` among the row's routes.
    private static func channelIndex(_ channel: String, _ row: Row) throws -> Int? {
        try JSON.decode([ChannelRoute].self, row[1]).firstIndex { $0.channel == channel }
    }

    /// A gateway's progress report (the SMSC accepted or buffered the message): it has left
    /// the gateway's queue, so it no longer fails over for want of a report. False when no
    /// message has that id.
    @discardableResult
    public func deliveryProgress(messageID: String, channel: String? = nil, at: Date) throws -> Bool {
        try writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, channels, channel_index FROM outbox WHERE id = ?"),
                                             arguments: [messageID]) else { return false }
            // Also while the send is still being recorded: the record then sets no report time.
            if try Self.isCurrent(channel, row) {
                try db.cachedStatement(sql: "UPDATE outbox SET report_due_at = NULL, reported_at = ? WHERE id = ?")
                    .execute(arguments: [at.timeIntervalSince1970, messageID])
            }
            return true
        }
    }

    /// Fails over every SMS accepted by a gateway that has not reported on it by its report
    /// time (queued there: Kannel answers `3: Queued` while its SMSC is down). On the last
    /// channel it stays `sent` (the gateway may still deliver it); there is no better one.
    /// Returns the ids moved to their next channel.
    @discardableResult
    public func failOverUnreported(now: Date) throws -> [String] {
        let sql = OutboxQueries.unreported
        // Looked for first without the writer: the dispatcher asks every second (and a drill at
        // every step), and there is almost never one.
        guard try read({ try Row.fetchOne($0.cachedStatement(sql: sql), arguments: [now.timeIntervalSince1970]) }) != nil else { return [] }
        return try writer.write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [now.timeIntervalSince1970])
            var moved: [String] = []
            for row in rows {
                let id: String = row[0]
                let routes = try JSON.decode([ChannelRoute].self, row[1])
                let index: Int = row[2]
                let gateway = routes.indices.contains(index) ? routes[index].channel : "the gateway"
                let reason = "no delivery report from \(gateway) in time (queued there?)"
                try db.cachedStatement(sql: "INSERT INTO attempt (message_id, at, channel, result, detail, latency_ms) VALUES (?, ?, 'dlr', 'dlr_timeout', ?, 0)")
                    .execute(arguments: [id, now.timeIntervalSince1970, reason])
                if index + 1 < routes.count {
                    try db.cachedStatement(sql: "UPDATE outbox SET held_by = ? WHERE id = ?").execute(arguments: [index, id])
                    try Self.failover(db, id: id, reason: reason, at: now)
                    moved.append(id)
                } else {
                    try db.cachedStatement(sql: "UPDATE outbox SET report_due_at = NULL WHERE id = ?").execute(arguments: [id])
                }
            }
            return moved
        }
    }

    /// What an `OK <kode>` did.
    public enum Acknowledgement: Sendable, Equatable {
        /// No alert has the code.
        case unknown
        /// Alerts have the code, but none was sent to the number that replied.
        case notForSender
        /// The alert (acknowledged now, or `first: false` when it already was).
        case acknowledged(OutboxMessage, first: Bool)

        public var message: OutboxMessage? {
            if case let .acknowledged(m, _) = self { return m }
            return nil
        }
    }

    /// The alert an escalation message escalated (its payload's `original`).
    /// The alerts an escalation is about (`originals`; `original` alone in escalations made
    /// before they were grouped).
    static func escalatedMessageIDs(_ m: OutboxMessage) -> [String] {
        guard let data = m.payload?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        if let list = object["originals"] as? [String], !list.isEmpty { return list }
        return (object["original"] as? String).map { [$0] } ?? []
    }

    /// Messages whose escalation time has come without an acknowledgement.
    public func dueEscalations(now: Date) throws -> [OutboxMessage] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(OutboxMessage.columns) FROM outbox WHERE escalate_at IS NOT NULL AND escalate_at <= ? AND acked_at IS NULL ORDER BY escalate_at, id"),
                             arguments: [now.timeIntervalSince1970]).map(OutboxMessage.init(row:))
        }
    }

    public func messages(limit: Int = 100, state: OutboxMessage.State? = nil) throws -> [OutboxMessage] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(OutboxMessage.columns) FROM outbox \(state == nil ? "" : "WHERE state = ?") ORDER BY created_at DESC, id DESC LIMIT ?"),
                             arguments: state.map { [$0.rawValue, limit] } ?? [limit]).map(OutboxMessage.init(row:))
        }
    }

    public func message(id: String) throws -> OutboxMessage? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT \(OutboxMessage.columns) FROM outbox WHERE id = ?"), arguments: [id]).map(OutboxMessage.init(row:)) }
    }

    public func attempts(messageID: String) throws -> [AttemptRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM attempt WHERE message_id = ? ORDER BY id"), arguments: [messageID]).map {
                AttemptRecord(messageID: $0["message_id"], at: Date(timeIntervalSince1970: $0["at"]), channel: $0["channel"],
                              result: $0["result"], detail: $0["detail"], latencyMs: $0["latency_ms"])
            }
        }
    }

    /// Messages not yet finished (pending or in flight): the outbox depth.
    public func outboxDepth() throws -> Int {
        try read { try Int.fetchOne($0.cachedStatement(sql: "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')")) ?? 0 }
    }

    /// When the dispatcher has something to do next: a message's next attempt, or an SMS's
    /// delivery report falling due.
    public func nextDueAt() throws -> Date? {
        try read { db in
            try Double.fetchOne(db.cachedStatement(sql: OutboxQueries.nextDue)).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func disableEndpoint(_ name: String, reason: String, at: Date) throws {
        try writer.write { db in
            try db.cachedStatement(sql: "INSERT INTO endpoint_state (name, disabled_at, reason) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET disabled_at = excluded.disabled_at, reason = excluded.reason")
                .execute(arguments: [name, at.timeIntervalSince1970, reason])
        }
    }

    public func disabledEndpoints() throws -> Set<String> {
        try read { Set(try String.fetchAll($0.cachedStatement(sql: "SELECT name FROM endpoint_state WHERE disabled_at IS NOT NULL"))) }
    }

    /// Enables every disabled webhook endpoint again, returning each with the reason it was
    /// disabled. The daemon calls it when it starts and when its configuration is reloaded: an
    /// operator who restarts or reloads has had the chance to fix the receiver, and a 410 must
    /// not silence BPBD's webhook for the rest of the season (the next 410 disables it again).
    @discardableResult
    public func enableEndpoints() throws -> [(name: String, reason: String)] {
        try writer.write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT name, reason FROM endpoint_state WHERE disabled_at IS NOT NULL ORDER BY name"))
            try db.execute(sql: "UPDATE endpoint_state SET disabled_at = NULL WHERE disabled_at IS NOT NULL")
            return rows.map { (name: $0["name"], reason: ($0["reason"] as String?) ?? "") }
        }
    }
}

extension PoskoStore {
    /// The earliest pending escalation, for timers that sleep until it.
    public func nextEscalationAt() throws -> Date? {
        try read { db in
            try Double.fetchOne(db.cachedStatement(sql: "SELECT MIN(escalate_at) FROM outbox WHERE escalate_at IS NOT NULL AND acked_at IS NULL"))
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Attempt counts per channel and result, and messages per state (drill reports, metrics).
    public func deliveryStats() throws -> (attempts: [String: [String: Int]], states: [String: Int]) {
        try read { db in
            var attempts: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT channel, result, COUNT(*) AS n FROM attempt GROUP BY channel, result")) {
                attempts[row["channel"], default: [:]][row["result"]] = row["n"]
            }
            var states: [String: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")) { states[row["state"]] = row["n"] }
            return (attempts, states)
        }
    }

    /// Every message, oldest first (drills score from these).
    public func allMessages() throws -> [OutboxMessage] {
        try read { db in try Row.fetchAll(db.cachedStatement(sql: "SELECT \(OutboxMessage.columns) FROM outbox ORDER BY created_at, id")).map(OutboxMessage.init(row:)) }
    }

    /// When each message was first accepted by a channel, or (one a gateway held while its SMSC
    /// was down) reported delivered.
    public func firstAcceptance() throws -> [String: Date] {
        try read { db in
            var out: [String: Date] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT message_id, MIN(at) AS at FROM attempt WHERE result IN ('sent', 'delivered', 'dlr_delivered') GROUP BY message_id
                """)) {
                out[row["message_id"]] = Date(timeIntervalSince1970: row["at"])
            }
            return out
        }
    }
}

extension PoskoStore {
    /// At start-up: messages left "sending" by a process that died (kill -9) go back to
    /// pending, to be re-sent with the same id. One dispatcher owns a database, so at start
    /// nothing can really be in flight. Returns how many were recovered.
    @discardableResult
    public func recoverInFlight(now: Date) throws -> Int {
        try writer.write { db in
            try db.cachedStatement(sql: "UPDATE outbox SET state = 'pending', claimed_until = NULL, next_attempt_at = ? WHERE state = 'sending'")
                .execute(arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }
}

extension StoreTransaction {
    /// Whether an alert's escalation `step` is still due at `at`: not acknowledged, and not
    /// moved on by another pass since it was read.
    func escalationDue(_ id: String, step: Int, at: Date) throws -> Bool {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT escalation_step, escalate_at, acked_at FROM outbox WHERE id = ?"),
                                         arguments: [id]) else { return false }
        guard (row["acked_at"] as Double?) == nil, (row["escalation_step"] as Int) == step,
              let due = row["escalate_at"] as Double? else { return false }
        return due <= at.timeIntervalSince1970
    }

    /// Ends the escalation of every unacknowledged alert raised by an event about `subject`
    /// (an emergency that has ended).
    func stopEscalations(about subject: String) throws {
        try db.cachedStatement(sql: """
            UPDATE outbox SET escalate_at = NULL
            WHERE escalate_at IS NOT NULL AND event_id IN (SELECT id FROM event WHERE subject = ?)
            """).execute(arguments: [subject])
    }
}

extension StoreTransaction {
    /// `OK <kode>`: stops the alert's escalation. `from`: the number that replied (an SMS); only
    /// an alert sent to it can be acknowledged, so a typo or a stranger cannot silence someone
    /// else's alert. Without it (an operator, a drill) any alert with the code can. An
    /// escalation's code also acknowledges the alert it escalated, which stops its chain.
    func acknowledge(code: String, from phone: String?, at: Date) throws -> PoskoStore.Acknowledgement {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(OutboxMessage.columns) FROM outbox WHERE ack_code = ? ORDER BY created_at DESC, id DESC"),
                                    arguments: [code.uppercased()])
        let candidates = try rows.map(OutboxMessage.init(row:))
        guard !candidates.isEmpty else { return .unknown }
        guard var m = candidates.first(where: { m in phone.map { p in m.routes.contains { !$0.isWebhook && $0.address == p } } ?? true }) else {
            return .notForSender
        }
        guard m.ackedAt == nil else { return .acknowledged(m, first: false) }
        let ack = try db.cachedStatement(sql: "UPDATE outbox SET acked_at = ?, escalate_at = NULL WHERE id = ? AND acked_at IS NULL")
        try ack.execute(arguments: [at.timeIntervalSince1970, m.id])
        if m.kind == "escalation" {
            let originals = PoskoStore.escalatedMessageIDs(m)
            let ackVia = try db.cachedStatement(sql: "UPDATE outbox SET acked_at = ?, acked_via = ?, escalate_at = NULL WHERE id = ? AND acked_at IS NULL")
            for original in originals { try ackVia.execute(arguments: [at.timeIntervalSince1970, m.id, original]) }
            // Who answers the escalation has read the alert: their own copy of it (the camat's
            // of the declaration) is confirmed too, and goes no further up the chain.
            if !originals.isEmpty {
                try db.execute(sql: """
                    UPDATE outbox SET acked_at = ?, escalate_at = NULL
                    WHERE recipient = ? AND acked_at IS NULL AND ack_code IS NOT NULL AND kind != 'escalation'
                      AND event_id IN (SELECT event_id FROM outbox WHERE id IN (\(databaseQuestionMarks(count: originals.count))))
                    """, arguments: StatementArguments([at.timeIntervalSince1970, m.recipient] as [any DatabaseValueConvertible] + originals))
            }
        }
        m.ackedAt = at
        return .acknowledged(m, first: true)
    }
}
