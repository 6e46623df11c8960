import Foundation
import GRDB
import PoskoCore
import Testing
@testable import PoskoStorage
import PoskoTesting

@Suite struct SchemaTests {
    /// A database written before v5: its append-only tables numbered rows with AUTOINCREMENT.
    /// After the migration its rows and ids are all there, the indexes too, and the next row
    /// gets the next id.
    @Test func rowidKeysKeepRowsIdsAndIndexes() throws {
        let db = try DatabaseQueue()
        try Schema.migrator.migrate(db, upTo: "v4-outbox-escalation")
        try db.write { db in
            for i in 1...3 {
                try db.execute(sql: "INSERT INTO event (at, kind, actor, via, subject, payload) VALUES (?, 'post.reported', 'op', 'api', ?, '{}')",
                               arguments: [Double(i), "pos-\(i)"])
                try db.execute(sql: "INSERT INTO audit (at, actor, via, action, subject, detail) VALUES (?, 'op', 'api', 'post.report', ?, '')",
                               arguments: [Double(i), "pos-\(i)"])
            }
            try db.execute(sql: "INSERT INTO attempt (message_id, at, channel, result, detail, latency_ms) VALUES ('m1', 1, 'sms:a', 'ok', '', 3)")
            try db.execute(sql: "INSERT INTO plan_chunk (body) VALUES ('[1]'), ('[2]')")
            try db.execute(sql: "INSERT INTO plan_override (body, active, at) VALUES ('{}', 1, 1)")
        }
        try Schema.migrator.migrate(db)
        try db.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('event', 'audit', 'attempt', 'plan_chunk', 'plan_override')")
            #expect(tables.count == 5)
            #expect(tables.allSatisfy { !$0.uppercased().contains("AUTOINCREMENT") }, "\(tables)")
            #expect(try String.fetchAll(db, sql: "SELECT subject FROM event ORDER BY id") == ["pos-1", "pos-2", "pos-3"])
            #expect(try Int64.fetchAll(db, sql: "SELECT id FROM audit ORDER BY id") == [1, 2, 3])
            #expect(try String.fetchAll(db, sql: "SELECT body FROM plan_chunk ORDER BY id") == ["[1]", "[2]"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM attempt WHERE message_id = 'm1'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM plan_override") == 1)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            #expect(indexes.contains("event_kind") && indexes.contains("attempt_on_message_id"), "\(indexes)")
            // The query plans still use them.
            let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM event WHERE kind = 'post.reported' ORDER BY id")
                .map { $0["detail"] as String }
            #expect(plan.joined().contains("event_kind"), "\(plan)")
        }
        let store = try PoskoStore(writer: db)
        let id = try store.write { tx in
            try tx.appendEvent(.checkIn, subject: "pos-4", payload: ["post": "pos-4"], actor: Actor("op", via: .api), at: Date())
        }
        #expect(id == 4)
    }
}

extension SchemaTests {
    /// Migrating a database file whose tables are rebuilt writes them all to the write-ahead
    /// log; the daemon starts with the log emptied, not a copy of the tables beside the file.
    @Test func aMigratedDatabaseFileStartsWithAnEmptyLog() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path + "/posko.sqlite"
        do {
            let old = try DatabaseQueue(path: path)
            try old.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            try Schema.migrator.migrate(old, upTo: "v4-outbox-escalation")
            let payload = String(repeating: "x", count: 1_000)
            try old.write { db in
                for i in 0..<4_000 {
                    try db.execute(sql: "INSERT INTO event (at, kind, actor, via, subject, payload) VALUES (?, 'post.reported', 'op', 'api', 's', ?)",
                                   arguments: [Double(i), payload])
                }
            }
            try old.close()
        }
        let store = try PoskoStore.open(directory: dir.path)
        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(log < 100_000, "write-ahead log of \(log) bytes after the migration")
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event") } == 4_000)
        try store.close()
    }

    /// The reads the dispatcher makes for every batch, every second and every alert draft go
    /// through an index to the rows they may return: a season's outbox (tens of thousands of
    /// sent messages) must not make each of them read it all.
    @Test func theDispatchersFrequentReadsUseTheirIndexes() throws {
        let db = try DatabaseQueue()
        try Schema.migrator.migrate(db)
        func plan(_ sql: String, _ arguments: StatementArguments = []) throws -> [String] {
            try db.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String } }
        }
        let group = try plan(OutboxQueries.waitingToGroup, ["lurah:x", "status", 0, false])
        #expect(group == ["SEARCH outbox USING INDEX outbox_waiting (recipient=? AND kind=?)"], "\(group)")
        let claim = try plan(OutboxQueries.claim, [0, 64])
        // Due messages come off the index in order, up to the limit: not all of them sorted per batch.
        let due = claim.firstIndex(of: "SEARCH outbox USING INDEX outbox_claim (state=? AND next_attempt_at<?)")
        #expect(due.map { claim.indices.contains($0 + 1) && !claim[$0 + 1].hasPrefix("USE TEMP B-TREE") } == true, "\(claim)")
        let unreported = try plan(OutboxQueries.unreported, [0])
        #expect(unreported.first?.hasPrefix("SEARCH outbox USING INDEX outbox_report_due") == true, "\(unreported)")
        let next = try plan(OutboxQueries.nextDue)
        #expect(next.contains { $0.hasPrefix("SEARCH outbox USING INDEX outbox_report_due") }, "\(next)")
        for (name, details) in [("group", group), ("claim", claim), ("unreported", unreported), ("next", next)] {
            #expect(!details.contains { $0.hasPrefix("SCAN outbox") }, "\(name) reads the whole outbox: \(details)")
        }
    }
}
