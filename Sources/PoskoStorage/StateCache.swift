import Foundation
import GRDB
import PoskoCore
import Synchronization

/// The operational state kept in memory between reads: a transaction observer notes which
/// rows of the state tables each committed transaction touched, and the next read re-reads
/// only those rows (a province's state is ~60,000 rows; a report touches seven). Every write
/// through the store's writer is seen, raw SQL included; a deleted row or a failed refresh
/// makes the next read a full one.
final class StateCache: TransactionObserver, Sendable {
    static let tables: Set<String> = ["emergency", "post_status", "post_checkin", "cadre_availability"]

    private struct Shared {
        var state: OperationalState?
        /// Rows changed by committed transactions since `state` was brought up to date.
        var dirty: [String: Set<Int64>] = [:]
        var full = true
    }

    private let shared = Mutex(Shared())
    /// Tells this cache's states apart from other caches' (`StateChanges.source`).
    private let source = UInt64.random(in: 1...UInt64.max)
    /// Rows changed by the open transaction (touched on the writer's queue only).
    private let open = Mutex((dirty: [String: Set<Int64>](), full: false))
    /// One refresh at a time: two readers that each took a part of `dirty` would otherwise
    /// overwrite each other's result.
    private let refreshing = Mutex(())

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        Self.tables.contains(eventKind.tableName)
    }

    func databaseDidChange(with event: DatabaseEvent) {
        open.withLock {
            if event.kind == .delete { $0.full = true } else { $0.dirty[event.tableName, default: []].insert(event.rowID) }
        }
    }

    func databaseDidCommit(_ db: Database) {
        let committed = open.withLock { o in defer { o = ([:], false) }; return o }
        shared.withLock { s in
            if committed.full { s.full = true }
            for (table, rows) in committed.dirty { s.dirty[table, default: []].formUnion(rows) }
        }
    }

    func databaseDidRollback(_ db: Database) {
        open.withLock { $0 = ([:], false) }
    }

    /// The current state: the cached one brought up to date, or a full read.
    func state(_ store: PoskoStore) throws -> OperationalState {
        try refreshing.withLock { _ in
            let (cached, dirty, full) = shared.withLock { s in
                defer { s.dirty = [:]; s.full = false }
                return (s.state, s.dirty, s.full)
            }
            do {
                // Rows committed after the dirty set was taken stay dirty and are read again
                // next time (reading a row twice gives its latest value twice).
                let state = try store.read { db in
                    if let cached, !full { return try Self.refresh(cached, dirty: dirty, db) }
                    var state = try PoskoStore.operationalState(db)
                    state.changes = StateChanges(source: source, revision: (cached?.changes?.revision ?? 0) + 1)
                    return state
                }
                shared.withLock { $0.state = state }
                return state
            } catch {
                shared.withLock { $0.full = true }
                throw error
            }
        }
    }

    private static func refresh(_ cached: OperationalState, dirty: [String: Set<Int64>], _ db: Database) throws -> OperationalState {
        var state = cached
        if dirty["emergency"] != nil { state.emergencies = try PoskoStore.emergencies(db) }
        var posts: [String] = []
        if let rows = dirty["post_status"] {
            let select = try db.cachedStatement(sql: "SELECT post_id, bidang, status, capacity, reporter, note, at FROM post_status WHERE rowid = ?")
            for id in rows {
                guard let row = try Row.fetchOne(select, arguments: [id]), let r = PoskoStore.report(row) else { continue }
                state.reports[PostField(r.postID, r.bidang)] = r
                posts.append(r.postID)
            }
        }
        if let rows = dirty["post_checkin"] {
            let select = try db.cachedStatement(sql: "SELECT post_id, at FROM post_checkin WHERE rowid = ?")
            for id in rows {
                guard let row = try Row.fetchOne(select, arguments: [id]) else { continue }
                let post: String = row[0]
                state.lastCheckIn[post] = Date(timeIntervalSince1970: row[1])
                posts.append(post)
            }
        }
        if dirty["post_status"] != nil || dirty["post_checkin"] != nil { state.changes = state.changes?.next(writing: posts) }
        if let rows = dirty["cadre_availability"] {
            let select = try db.cachedStatement(sql: "SELECT cadre_id, available, post_id FROM cadre_availability WHERE rowid = ?")
            for id in rows {
                guard let row = try Row.fetchOne(select, arguments: [id]) else { continue }
                PoskoStore.cadre(row, into: &state)
            }
        }
        return state
    }
}
