import Foundation
import GRDB
@testable import PoskoStorage
import Synchronization
import Testing

/// Group commit: writes submitted while a commit runs share the next transaction; a write
/// that fails fails alone and leaves nothing behind, and the others are stored once.
@Suite struct WriteBatcherTests {
    struct Refused: Error {}

    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { try $0.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)") }
        return queue
    }

    func insert(_ v: String) -> WriteBatcher.Operation {
        { tx in try tx.db.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: [v]) }
    }

    func values(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { try String.fetchAll($0, sql: "SELECT v FROM t ORDER BY v") }
    }

    /// Submits `blocker` first (it holds the writer for a while, so the rest queue up behind
    /// it and go together in the next transaction), then `operations` at once; the outcome of each.
    func submit(_ batcher: WriteBatcher, blocker: @escaping WriteBatcher.Operation,
                _ operations: [WriteBatcher.Operation]) async -> [Bool] {
        async let first: Void = batcher.submit(blocker)
        try? await Task.sleep(for: .milliseconds(20))
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for (i, op) in operations.enumerated() {
                group.addTask { ((try? await batcher.submit(op)) != nil ? (i, true) : (i, false)) }
            }
            var out = [Bool](repeating: false, count: operations.count)
            for await (i, ok) in group { out[i] = ok }
            return out
        }
        _ = try? await first
        return outcomes
    }

    @Test func aFailingWriteFailsAloneAndLeavesNothing() async throws {
        let queue = try database()
        let batcher = WriteBatcher(writer: queue)
        var operations = (0..<8).map { insert("good-\($0)") }
        // Writes a row, then fails: the row must not stay.
        operations.insert({ tx in
            try tx.db.execute(sql: "INSERT INTO t (v) VALUES ('bad')")
            throw Refused()
        }, at: 3)
        let outcomes = await submit(batcher, blocker: { tx in
            Thread.sleep(forTimeInterval: 0.2)
            try tx.db.execute(sql: "INSERT INTO t (v) VALUES ('blocker')")
        }, operations)
        #expect(outcomes == (0..<9).map { $0 != 3 })
        #expect(try values(queue) == ["blocker"] + (0..<8).map { "good-\($0)" })
        // Its error reaches its caller.
        await #expect(throws: Refused.self) {
            try await batcher.submit { _ in throw Refused() }
        }
    }

    @Test func writesThatAllSucceedRunOnceEach() async throws {
        let queue = try database()
        let batcher = WriteBatcher(writer: queue)
        let runs = Mutex([Int](repeating: 0, count: 8))
        let operations: [WriteBatcher.Operation] = (0..<8).map { i in
            { tx in
                runs.withLock { $0[i] += 1 }
                try tx.db.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: ["w-\(i)"])
            }
        }
        let outcomes = await submit(batcher, blocker: { _ in Thread.sleep(forTimeInterval: 0.2) }, operations)
        #expect(outcomes == [Bool](repeating: true, count: 8))
        #expect(runs.withLock { $0 } == [Int](repeating: 1, count: 8))
        #expect(try values(queue) == (0..<8).map { "w-\($0)" })
    }

    /// Batches are committed on the writer's queue one after the other while writes keep
    /// coming; after a turn of `batchesPerTurn` they queue up again, so another writer (the
    /// planner, the outbox) gets in during a steady stream of reports, not after it.
    @Test func aSteadyStreamOfWritesLetsAnotherWriterIn() async throws {
        let queue = try database()
        let batcher = WriteBatcher(writer: queue, maxBatch: 4, batchesPerTurn: 8)
        let slowInsert: WriteBatcher.Operation = { tx in
            Thread.sleep(forTimeInterval: 0.0001)
            try tx.db.execute(sql: "INSERT INTO t (v) VALUES ('stream')")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask { for _ in 0..<100 { try await batcher.submit(slowInsert) } }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(20))
                try await queue.writeWithoutTransaction { try $0.execute(sql: "INSERT INTO t (v) VALUES ('other')") }
            }
            try await group.waitForAll()
        }
        let after = try await queue.read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t WHERE id > (SELECT id FROM t WHERE v = 'other')")
        }
        // It waited at most a turn (8 batches of 4), not for the 3,200 writes to end.
        #expect(try #require(after) > 1_600)
    }
}
