import Foundation
import GRDB
import PoskoCore
@testable import PoskoStorage
import PoskoTesting
import Testing

/// Checkpoints run beside the writer: `checkpoint()` puts what is committed into the
/// database file itself while writes go on.
@Suite struct CheckpointTests {
    /// Audit rows in the database file alone, without its write-ahead log (what a power cut
    /// before the log reached the disk would leave).
    func rowsInTheFileAlone(_ dir: TempDir) throws -> Int {
        let copy = dir.path + "/copy-\(UUID().uuidString).sqlite"
        try FileManager.default.copyItem(atPath: dir.path + "/posko.sqlite", toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let queue = try DatabaseQueue(path: copy)
        defer { try? queue.close() }
        return try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit") ?? 0 }
    }

    func audit(_ store: PoskoStore, _ i: Int, detail: String = "") async throws {
        try await store.batchedWrite { tx in
            try tx.audit("test.write", subject: "s\(i)", detail: detail, actor: Actor("test", via: .api), at: Date())
        }
    }

    @Test func aCheckpointPutsCommittedWritesInTheFileWhileWritesGoOn() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try PoskoStore.open(directory: dir.path)
        try store.checkpoint()  // the schema
        for i in 0..<50 { try await audit(store, i) }
        #expect(try rowsInTheFileAlone(dir) == 0)

        // Writers keep committing while checkpoints run on their own connection.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for i in 50..<450 { try await audit(store, i) } }
            group.addTask {
                for _ in 0..<20 {
                    let pages = try #require(try store.checkpoint())
                    #expect(pages.checkpointed <= pages.logPages)
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            try await group.waitForAll()
        }
        let last = try #require(try store.checkpoint())
        #expect(last.logPages > 0)
        #expect(last.checkpointed == last.logPages)
        #expect(try rowsInTheFileAlone(dir) == 450)
        try store.close()
    }

    @Test func anInMemoryStoreHasNothingToCheckpoint() throws {
        #expect(try PoskoStore.inMemory().checkpoint() == nil)
    }
}
