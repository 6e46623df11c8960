import Foundation
import GRDB
import PoskoCore

/// Plan versions on disk. A version's `plan` row holds its head (time, totals, override
/// outcomes and the ids of its line chunks); the lines are in `plan_chunk`, one row per
/// chunk, shared by every version that kept the chunk. A re-plan after one report writes
/// the few chunks it rebuilt, not the whole plan (a province plan is ~120,000 lines, ~34 MB
/// of JSON). Rows written before migration v3 hold the whole plan (`layout = 'whole'`).
enum PlanArchive {
    struct Head: Codable {
        var version: Int
        var at: Date
        var overrides: [PlanOverrideOutcome]
        var totals: PlanTotals
        var assignments: [Int64]
        var cadreAssignments: [Int64]
        var unmet: [Int64]
        var cadreShortages: [Int64]
    }

    /// What the `diff` column keeps: the counts. The diff itself is a pure function of two
    /// stored versions (`PlanDiff.between`), served by `/v1/plan/diff`.
    struct DiffSummary: Codable {
        var fromVersion: Int?
        var toVersion: Int
        var added: Int
        var removed: Int
        var changed: Int
        var cadres: Int
    }

    /// Chunk ids of a plan held in memory, by the address of each chunk's storage. The planner
    /// passes an unchanged chunk on with its storage, so a chunk whose address is known
    /// (while the plan that holds it is alive) is already stored.
    struct Known: Sendable {
        var ids: [Int: Int64] = [:]

        /// The ids for `new`, a plan with the same lines as `old` (whose ids these are), in
        /// other storage. Chunks that differ (or a different chunking) are left out: they
        /// are written again with the next version.
        func carried(from old: Plan, to new: Plan) -> Known {
            var out = Known()
            func carry<E>(_ a: PlanLines<E>, _ b: PlanLines<E>) {
                guard a.chunks.count == b.chunks.count else { return }
                for (x, y) in zip(a.chunks, b.chunks) where x == y {
                    if let id = ids[PlanLines<E>.storage(of: x)] { out.ids[PlanLines<E>.storage(of: y)] = id }
                }
            }
            carry(old.assignments, new.assignments)
            carry(old.cadreAssignments, new.cadreAssignments)
            carry(old.unmet, new.unmet)
            carry(old.cadreShortages, new.cadreShortages)
            return out
        }
    }

    /// The JSON of the chunks of `plan` that `known` does not have, by chunk (see `Known`):
    /// what ``store(_:diff:known:encoded:db:)`` writes, made beforehand on another thread (a
    /// re-plan encodes its rebuilt chunks while it computes the diff, then helps with the rest).
    struct Encoding: Sendable {
        let keys: [Int]
        let json: PlanBackgroundEach<String?>

        init(_ plan: Plan, known: Known, startNow: Bool) {
            var keys: [Int] = [], jobs: [@Sendable () -> String?] = []
            var seen = Set<Int>()
            func add<E: PlanLineJSON>(_ lines: PlanLines<E>) {
                for chunk in lines.chunks {
                    let key = PlanLines<E>.storage(of: chunk)
                    guard known.ids[key] == nil, seen.insert(key).inserted else { continue }
                    keys.append(key)
                    // One that does not encode is left to `store`, which says why.
                    jobs.append { try? E.json(chunk) }
                }
            }
            add(plan.assignments)
            add(plan.cadreAssignments)
            add(plan.unmet)
            add(plan.cadreShortages)
            self.keys = keys
            json = PlanBackgroundEach(jobs.count, startNow: startNow) { [jobs] i in jobs[i]() }
        }

        func wait() -> [Int: String] {
            var out: [Int: String] = [:]
            for (key, json) in zip(keys, json.wait()) { out[key] = json }
            return out
        }
    }

    /// Stores `plan` as a new version, writing only the chunks `known` (the chunks of the
    /// previous plan, still in memory) does not have; their JSON from `encoded` when there.
    /// Returns the chunk ids of `plan`.
    static func store(_ plan: Plan, diff: PlanDiff, known: Known, encoded: [Int: String] = [:], db: Database) throws -> Known {
        var next = Known()
        let insert = try db.cachedStatement(sql: "INSERT INTO plan_chunk (body) VALUES (?)")
        func ids<E: PlanLineJSON>(_ lines: PlanLines<E>) throws -> [Int64] {
            try lines.chunks.map { chunk in
                let key = PlanLines<E>.storage(of: chunk)
                if let id = known.ids[key] ?? next.ids[key] {
                    next.ids[key] = id
                    return id
                }
                try insert.execute(arguments: [try encoded[key] ?? E.json(chunk)])
                next.ids[key] = db.lastInsertedRowID
                return db.lastInsertedRowID
            }
        }
        let head = Head(version: plan.version, at: plan.at, overrides: plan.overrides, totals: plan.totals,
                        assignments: try ids(plan.assignments), cadreAssignments: try ids(plan.cadreAssignments),
                        unmet: try ids(plan.unmet), cadreShortages: try ids(plan.cadreShortages))
        let summary = DiffSummary(fromVersion: diff.fromVersion, toVersion: diff.toVersion, added: diff.added.count,
                                  removed: diff.removed.count, changed: diff.changed.count, cadres: diff.cadres.count)
        try db.cachedStatement(sql: "INSERT INTO plan (version, at, body, diff, layout) VALUES (?, ?, ?, ?, 'chunked')")
            .execute(arguments: [plan.version, plan.at.timeIntervalSince1970, try JSON.encode(head), try JSON.encode(summary)])
        return next
    }

    /// The stored version (the latest when nil), with the chunk ids of its lines.
    static func load(version: Int?, db: Database) throws -> (plan: Plan, known: Known)? {
        let row = if let version {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT body, layout FROM plan WHERE version = ?"), arguments: [version])
        } else {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT body, layout FROM plan ORDER BY version DESC LIMIT 1"))
        }
        guard let row else { return nil }
        let body: String = row["body"]
        guard row["layout"] as String == "chunked" else { return (try JSON.decode(Plan.self, body), Known()) }
        let head = try JSON.decode(Head.self, body)
        var known = Known()
        let select = try db.cachedStatement(sql: "SELECT body FROM plan_chunk WHERE id = ?")
        func lines<E: Decodable>(_ ids: [Int64]) throws -> PlanLines<E> {
            PlanLines(chunks: try ids.map { id in
                guard let text = try String.fetchOne(select, arguments: [id]) else {
                    throw StoreError.invalid("plan v\(head.version): line chunk \(id) is missing")
                }
                let chunk = try JSON.decode([E].self, text)
                known.ids[PlanLines<E>.storage(of: chunk)] = id
                return chunk
            })
        }
        let plan = Plan(version: head.version, at: head.at, assignments: try lines(head.assignments),
                        cadreAssignments: try lines(head.cadreAssignments), unmet: try lines(head.unmet),
                        cadreShortages: try lines(head.cadreShortages), overrides: head.overrides, totals: head.totals)
        return (plan, known)
    }
}
