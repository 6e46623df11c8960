import Foundation
import GRDB
import PoskoCore

/// Errors a caller can act on; the API maps them to 404 / 409 / 422.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .notFound(m), let .conflict(m), let .invalid(m): m
        }
    }
}

/// Posko's state on one SQLite database (a file in WAL mode, or in memory for tests and
/// drills). Every change appends to the event log, updates the current-state tables and
/// writes an audit entry in one transaction.
public final class PoskoStore: Sendable {
    public let writer: any DatabaseWriter
    let batcher: WriteBatcher
    let stateCache = StateCache()
    /// The writer when it is a `DatabaseQueue` (see `read`).
    private let queue: DatabaseQueue?
    /// A connection of its own for checkpoints (file databases only).
    private let checkpointer: DatabaseQueue?

    /// Opens (creating if needed) `posko.sqlite` in `directory`, WAL mode, and migrates.
    public static func open(directory: String) throws -> PoskoStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("posko.sqlite")
        var config = Configuration()
        config.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a process crash (kill -9); fsync at checkpoints.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
            // Checkpoints are `checkpoint()`'s; the writer's own is a backstop.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.writerCheckpointPages)")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        var checkpointConfig = Configuration()
        checkpointConfig.label = "posko.checkpoint"
        checkpointConfig.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
        return try PoskoStore(writer: pool, checkpointer: DatabaseQueue(path: path, configuration: checkpointConfig))
    }

    /// The log's size (pages) from which `checkpoint()` has the writer finish the checkpoint.
    static let writerPassPages = 1_000
    /// The log's size (pages) at which the writer checkpoints by itself, in its commit: only
    /// when `checkpoint()` has not run (at SQLite's default 1,000 it did so every ~50 ms under
    /// load, inside the group commit every waiting report was waiting for).
    static let writerCheckpointPages = 16_384

    /// An in-memory database, for tests and drills.
    public static func inMemory() throws -> PoskoStore {
        try PoskoStore(writer: DatabaseQueue())
    }

    public init(writer: any DatabaseWriter, checkpointer: DatabaseQueue? = nil) throws {
        self.writer = writer
        self.checkpointer = checkpointer
        queue = writer as? DatabaseQueue
        batcher = WriteBatcher(writer: writer)
        let migrating = try writer.read { try !Schema.migrator.hasCompletedMigrations($0) }
        try Schema.migrator.migrate(writer)
        // A migration that rebuilt tables leaves a write-ahead log as large as they are (SQLite
        // reuses the file and does not shrink it): start the daemon with an empty one. Best
        // effort: a log that stays large costs disk space until the next start, nothing else.
        if migrating, checkpointer != nil {
            _ = try? writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        writer.add(transactionObserver: stateCache)
    }

    /// Copies the write-ahead log's committed pages into the database file and syncs it, on
    /// a connection of its own (SQLite's passive checkpoint: the writer keeps committing
    /// meanwhile). Under a steady stream of writes that never gets the whole log into the
    /// file at a moment without a write, and only then does the next commit start the log
    /// over: so a log of `writerPassPages` or more is checkpointed once more by the writer,
    /// between two commits, which copies only what arrived since the first pass. Returns the
    /// log's pages and how many of them are in the database file now; `nil` when there was
    /// nothing to do: an in-memory database, or the log busy until the next call.
    @discardableResult
    public func checkpoint() async throws -> (logPages: Int, checkpointed: Int)? {
        guard let checkpointer else { return nil }
        do {
            var r = try await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
            if r.walFrameCount >= Self.writerPassPages {
                r = try await writer.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
            return (r.walFrameCount, r.checkpointedFrameCount)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return nil
        }
    }

    public func close() throws {
        try checkpointer?.close()
        if let pool = writer as? DatabasePool { try pool.close() }
        if let queue = writer as? DatabaseQueue { try queue.close() }
    }

    /// Runs `body` in one write transaction.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(StoreTransaction(db: db)) }
    }

    /// Runs `body` in a transaction shared with other concurrent callers (group commit);
    /// returns once it is committed.
    public func batchedWrite(_ body: @escaping @Sendable (StoreTransaction) throws -> Void) async throws {
        try await batcher.submit(body)
    }

    /// Runs `body` on a consistent view of the database. On a `DatabaseQueue` (tests, drills)
    /// without GRDB's read-only isolation: that toggles `PRAGMA query_only` around every read,
    /// and changing a pragma flag expires every prepared statement, so each statement after a
    /// read was compiled again. A queue runs one block at a time, so the view is consistent.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        if let queue { return try queue.unsafeRead(body) }
        return try writer.read(body)
    }
}

enum JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .secondsSince1970
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    /// The stored JSON of `value`; a ``JSONWritable`` (status reports on the ingest path) writes
    /// the same document itself.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        if let value = value as? any JSONWritable { return try JSONWriter.text(value, dates: .secondsSince1970) }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }
}
