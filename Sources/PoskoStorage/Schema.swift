import GRDB

/// The database schema, as ordered migrations. A migration is never edited once shipped;
/// changes come as new migrations.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            // Append-only: every change to emergencies, reports, plans, overrides, reloads.
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("via", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("payload", .text).notNull()
            }
            try db.create(index: "event_kind", on: "event", columns: ["kind", "id"])
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull()
                t.column("actor", .text).notNull()
                t.column("via", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("detail", .text).notNull()
            }
            // Current state, derived from the events in the same transaction.
            try db.create(table: "emergency") { t in
                t.primaryKey("id", .text)
                t.column("body", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("exercise", .boolean).notNull()
                t.column("declared_at", .double).notNull()
            }
            try db.create(table: "post_status") { t in
                t.column("post_id", .text).notNull()
                t.column("bidang", .text).notNull()
                t.column("status", .text).notNull()
                t.column("capacity", .integer)
                t.column("reporter", .text).notNull()
                t.column("note", .text)
                t.column("at", .double).notNull()
                t.primaryKey(["post_id", "bidang"])
            }
            try db.create(table: "post_checkin") { t in
                t.primaryKey("post_id", .text)
                t.column("at", .double).notNull()
            }
            try db.create(table: "cadre_availability") { t in
                t.primaryKey("cadre_id", .text)
                t.column("available", .boolean).notNull()
                t.column("post_id", .text)
                t.column("at", .double).notNull()
            }
            try db.create(table: "plan") { t in
                t.primaryKey("version", .integer)
                t.column("at", .double).notNull()
                t.column("body", .text).notNull()
                t.column("diff", .text).notNull()
            }
            try db.create(table: "plan_override") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("body", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("at", .double).notNull()
            }
            // Durable outbox: one row per message; attempts are kept for the operator view.
            try db.create(table: "outbox") { t in
                t.primaryKey("id", .text)
                t.column("created_at", .double).notNull()
                t.column("event_id", .integer)
                t.column("dedup_key", .text).notNull().unique()
                t.column("recipient", .text).notNull()
                t.column("role", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("channels", .text).notNull()
                t.column("channel_index", .integer).notNull().defaults(to: 0)
                t.column("kecamatan", .text)
                t.column("text", .text).notNull()
                t.column("payload", .text)
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("next_attempt_at", .double).notNull()
                t.column("claimed_until", .double)
                t.column("last_error", .text)
                t.column("delivered_at", .double)
                t.column("ack_code", .text)
                t.column("acked_at", .double)
                t.column("escalation_step", .integer).notNull().defaults(to: 0)
                t.column("escalate_at", .double)
                t.column("exercise", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["state", "next_attempt_at"])
            try db.create(index: "outbox_ack", on: "outbox", columns: ["ack_code"])
            // Dedup keys of alerts merged into an earlier message of the same recipient.
            try db.create(table: "outbox_merge") { t in
                t.primaryKey("dedup_key", .text)
                t.column("message_id", .text).notNull()
            }
            try db.create(table: "attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("message_id", .text).notNull().indexed()
                t.column("at", .double).notNull()
                t.column("channel", .text).notNull()
                t.column("result", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("latency_ms", .double).notNull()
            }
            // Every CAP alert received, with what Posko decided: replays are idempotent.
            try db.create(table: "cap_alert") { t in
                t.primaryKey("key", .text)
                t.column("received_at", .double).notNull()
                t.column("status", .text).notNull()
                t.column("msg_type", .text).notNull()
                t.column("decision", .text).notNull()
                t.column("matches", .text).notNull()
                t.column("xml", .text).notNull()
            }
            try db.create(table: "endpoint_state") { t in
                t.primaryKey("name", .text)
                t.column("disabled_at", .double)
                t.column("reason", .text)
            }
        }
        // Grouping looks up a recipient's latest alert of a kind.
        m.registerMigration("v2-outbox-recipient") { db in
            try db.create(index: "outbox_recipient", on: "outbox", columns: ["recipient", "kind", "created_at"])
        }
        // Plan versions keep their lines in chunks shared between versions (PlanArchive).
        m.registerMigration("v3-plan-chunks") { db in
            try db.create(table: "plan_chunk") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("body", .text).notNull()
            }
            try db.alter(table: "plan") { t in
                t.add(column: "layout", .text).notNull().defaults(to: "whole")
            }
        }
        // Escalation timers (daemon and drills) look up the earliest and the due escalations.
        m.registerMigration("v4-outbox-escalation") { db in
            try db.execute(sql: "CREATE INDEX outbox_escalation ON outbox (escalate_at) WHERE escalate_at IS NOT NULL AND acked_at IS NULL")
        }
        // The append-only tables number their rows without AUTOINCREMENT. No row of them is ever
        // deleted, so the next id is the same (the largest + 1); AUTOINCREMENT read and wrote
        // its counter in `sqlite_sequence` for every insert, one more page in every commit
        // (reports: an event and an audit row each, a group commit every few reports).
        m.registerMigration("v5-rowid-keys") { db in
            try rebuild(db, "event") { t in
                t.primaryKey("id", .integer)
                t.column("at", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("via", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("payload", .text).notNull()
            }
            try db.create(index: "event_kind", on: "event", columns: ["kind", "id"])
            try rebuild(db, "audit") { t in
                t.primaryKey("id", .integer)
                t.column("at", .double).notNull()
                t.column("actor", .text).notNull()
                t.column("via", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try rebuild(db, "plan_override") { t in
                t.primaryKey("id", .integer)
                t.column("body", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("at", .double).notNull()
            }
            try rebuild(db, "attempt") { t in
                t.primaryKey("id", .integer)
                t.column("message_id", .text).notNull()
                t.column("at", .double).notNull()
                t.column("channel", .text).notNull()
                t.column("result", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("latency_ms", .double).notNull()
            }
            try db.create(index: "attempt_on_message_id", on: "attempt", columns: ["message_id"])
            try rebuild(db, "plan_chunk") { t in
                t.primaryKey("id", .integer)
                t.column("body", .text).notNull()
            }
        }
        // Kannel retries an MO whose callback failed or timed out (`http-request-retry`): the
        // ids of the MOs already handled, so a retry is not handled twice.
        m.registerMigration("v6-inbound-sms") { db in
            try db.create(table: "inbound_sms", options: .withoutRowID) { t in
                t.primaryKey("message_id", .text)
                t.column("received_at", .double).notNull()
            }
        }
        // An SMS a gateway took but holds (queued while its SMSC is down) fails over at
        // `report_due_at` unless a delivery report of any kind came first (`reported_at`); the
        // gateway still holds it (`held_by`, its channel index), so when the other channels
        // fail too the message waits for that gateway instead of being queued there again.
        m.registerMigration("v7-outbox-report-due") { db in
            try db.alter(table: "outbox") { t in
                t.add(column: "report_due_at", .double)
                t.add(column: "reported_at", .double)
                t.add(column: "held_by", .integer)
            }
            try db.execute(sql: "CREATE INDEX outbox_report_due ON outbox (report_due_at) WHERE report_due_at IS NOT NULL")
        }
        m.registerMigration("v8-outbox-acked-via") { db in
            try db.alter(table: "outbox") { t in t.add(column: "acked_via", .text) }
        }
        // Claiming takes due messages in (next_attempt_at, id) order a batch at a time: with the
        // id in the index it reads the batch off the index instead of sorting every due message
        // for each batch (a province declaration makes thousands due at once). Grouping looks for
        // a recipient's pending message of a kind among the pending ones only, not among every
        // message the recipient had (BPBD's status alerts of a whole season).
        m.registerMigration("v9-outbox-indexes") { db in
            try db.drop(index: "outbox_due")
            try db.create(index: "outbox_claim", on: "outbox", columns: ["state", "next_attempt_at", "id"])
            try db.execute(sql: "CREATE INDEX outbox_waiting ON outbox (recipient, kind, created_at) WHERE state = 'pending'")
        }
        return m
    }

    /// Replaces `table` by one defined by `body` with the same columns, rows and ids (SQLite
    /// cannot alter a key); its indexes go with the old table and are created again by the caller.
    private static func rebuild(_ db: Database, _ table: String, body: (TableDefinition) -> Void) throws {
        let columns = try db.columns(in: table).map(\.name.quotedDatabaseIdentifier).joined(separator: ", ")
        try db.create(table: "\(table)_rebuilt", body: body)
        try db.execute(sql: "INSERT INTO \(table)_rebuilt (\(columns)) SELECT \(columns) FROM \(table)")
        try db.drop(table: table)
        try db.rename(table: "\(table)_rebuilt", to: table)
    }
}
