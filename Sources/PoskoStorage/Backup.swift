import Foundation
import GRDB

/// A consistent copy of a Posko database, taken while the daemon runs (SQLite's online backup
/// from a read transaction: the daemon keeps writing meanwhile), checked before it is kept.
public enum StoreBackup {
    public struct Summary: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var events: Int
        /// The last migration the copy has, e.g. `v7-outbox-report-due`.
        public var schema: String
    }

    /// Copies `posko.sqlite` of `directory` to `path`, which must not exist. The copy is
    /// written beside `path` first and renamed into place only once its integrity check
    /// passes, so a failed backup leaves no file that looks like one.
    public static func copy(directory: String, to path: String) throws -> Summary {
        let source = (directory as NSString).appendingPathComponent("posko.sqlite")
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError.notFound("no Posko database at \(source)")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError.conflict("\(path) exists; a backup does not overwrite a file")
        }
        let partial = path + ".partial"
        func removePartial() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) } }
        removePartial()
        // Owner-only, as the daemon's own files are (names and phone numbers of cadres), whatever
        // the umask of the cron job that makes it; SQLite takes an empty file as a new database.
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.invalid("cannot create \(partial): no such directory, or it is not writable")
        }
        do {
            var config = Configuration()
            config.readonly = true
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
            let from = try DatabaseQueue(path: source, configuration: config)
            let to = try DatabaseQueue(path: partial)
            try from.backup(to: to)
            try from.close()
            let (check, events, schema) = try to.writeWithoutTransaction { db in
                // The copy keeps the source's WAL mode; as a file on its own it needs no log.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return (try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "",
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0,
                        try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? "")
            }
            try to.close()
            guard check == "ok" else { throw StoreError.invalid("the copy failed its integrity check: \(check.prefix(200))") }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return Summary(path: path, bytes: bytes, events: events, schema: schema)
        } catch {
            removePartial()
            throw error
        }
    }
}
