import Foundation
import GRDB
import PoskoCore
import Synchronization

/// The current reassignment plan: recomputed after relevant events, versioned and stored
/// with its diff, overrides respected; each change tells the moved cadres where to go.
public final class PlanKeeper: Sendable {
    let coordinator: Coordinator
    let settings: PlannerSettings
    private struct Memory {
        var digest = ""
        var index: PlanningIndex?
        var plan: Plan?
        /// `plan.moved`, computed once per plan (coverage asks for it often).
        var moved: [PostField: Int] = [:]
        /// The coordinator's change count the last run saw (the plan is behind when it moved on).
        var seenChanges = -1
        /// Where `plan`'s line chunks are stored.
        var stored = PlanArchive.Known()
        var cache: PlanCache?
        /// The last evaluation, updated for what changed since.
        var tracker: ContinuityTracker?
        /// Coverage cells of the last run's states and plan.
        var book = CoverageBook()
        /// Kelurahan × field cells below the coverage threshold at the last stored version, and
        /// the cells of `book` whose numbers changed since (by index; after a fresh start of the
        /// book, every index).
        var lowCells: Set<String> = []
        var unsettled: [Int] = []
    }

    private let memory = Mutex(Memory())

    public init(coordinator: Coordinator, settings: PlannerSettings = .standard) throws {
        self.coordinator = coordinator
        self.settings = settings
        // A stored plan that does not read (damaged row, missing chunk) is not a reason to stay
        // down in an emergency: the keeper starts without it and the first run plans afresh.
        let latest = try coordinator.store.read { db in try? PlanArchive.load(version: nil, db: db) }
        if let latest {
            memory.withLock {
                $0.plan = latest.plan
                $0.moved = latest.plan.moved
                $0.stored = latest.known
            }
        }
    }

    /// A keeper that starts without a stored plan.
    public init(fresh coordinator: Coordinator, settings: PlannerSettings = .standard) {
        self.coordinator = coordinator
        self.settings = settings
    }

    public var current: Plan? { memory.withLock { $0.plan } }

    /// Demand the current plan moves away from each post × field (for coverage).
    public var moved: [PostField: Int] { memory.withLock { $0.moved } }

    /// Whether reports or other changes came in since the last run: a re-plan is on its way
    /// (the daemon's planner waits a moment to take a burst of reports in one run).
    public var isBehind: Bool { memory.withLock { $0.seenChanges } < coordinator.changeCount }

    /// Coverage per kelurahan × field as of the last run (its states and plan); empty before one.
    public var cells: [CoverageCell] { memory.withLock { $0.book.cells } }

    /// Recomputes the plan at `at`. Stores a new version (with its diff, an event, an audit
    /// entry and the cadres' alerts, in one transaction) only when something changed.
    /// `state`: the store's current operational state when the caller has it already (a drill
    /// keeps it between changes); read from the store when nil. `states`: its evaluation at
    /// `at` (`ContinuityEvaluator.evaluate`), when the caller has that too.
    @discardableResult
    public func replan(at: Date, state known: OperationalState? = nil, states evaluated: [PostFieldState]? = nil) throws -> PlanDiff? {
        let set = coordinator.playbooks
        // Read before the state: a change after this makes the plan behind again.
        let changes = coordinator.changeCount
        defer { memory.withLock { $0.seenChanges = max($0.seenChanges, changes) } }
        let state = try known ?? coordinator.store.operationalState()
        let overrides = try activeOverrides()
        let (index, previous, cache, taken, previousMoved) = memory.withLock {
            m -> (PlanningIndex, Plan?, PlanCache?, ContinuityTracker?, [PostField: Int]) in
            if m.index == nil || m.digest != set.digest {
                m.index = PlanningIndex(set: set, settings: settings)
                m.digest = set.digest
                m.cache = nil
                m.tracker = nil
            }
            // Handed over, not shared: the planner then updates the cache in place.
            let cache = m.cache, tracker = m.tracker
            m.cache = nil
            m.tracker = nil
            return (m.index!, m.plan, cache, tracker, m.moved)
        }
        let states: [PostFieldState]
        if let evaluated {
            states = evaluated
        } else {
            var tracker = taken ?? ContinuityTracker(set: set)
            states = tracker.update(state: state, now: at)
            memory.withLock { if $0.digest == set.digest { $0.tracker = tracker } }
        }
        // Without a plan in memory (first run, or a stored one that did not read) numbering
        // continues after the stored versions.
        let version = try (previous?.version ?? coordinator.store.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(version) FROM plan")) ?? 0
        }) + 1
        // Handed over like the cache (nothing below throws before it is kept again).
        var book = memory.withLock { m in
            let book = m.book
            m.book = CoverageBook()
            return book
        }
        let (plan, newCache) = Planner.plan(index: index, states: states, state: state, overrides: overrides, previous: previous,
                                            cache: consume cache, settings: settings, version: version, at: at)
        if let previous, Self.sameContent(previous, plan) {
            // Not a new version: keep the previous one's number and time, with this run's
            // lines (the ones the next run shares chunks with) and cache.
            var kept = plan
            kept.version = previous.version
            kept.at = previous.at
            keep(book.update(set, states: states, moved: previousMoved, movedChanged: []), of: book)
            memory.withLock {
                $0.stored = $0.stored.carried(from: previous, to: kept)
                $0.plan = kept
                $0.cache = newCache.relabeled(as: kept)
            }
            return nil
        }
        // The rebuilt chunks' JSON on another thread while this one works out the diff and coverage.
        let known = memory.withLock { $0.stored }
        let encoding = PlanArchive.Encoding(plan, known: known, startNow: settings.parallelism > 1)
        let diff = PlanDiff.between(previous, plan)
        let moved = previous == nil ? plan.moved : Self.moved(previousMoved, after: diff)
        let movedChanged = previous == nil ? nil : [diff.removed, diff.changed, diff.added].joined().map { PostField($0.from, $0.bidang) }
        keep(book.update(set, states: states, moved: moved, movedChanged: movedChanged), of: book)
        var (lowCells, unsettled) = memory.withLock { ($0.lowCells, Set($0.unsettled)) }
        let settling = unsettled.filter { $0 < book.cells.count }.sorted()
        if settling.count == book.cells.count {
            // Every cell is settled (a fresh start of the book, say): cells no longer there go.
            lowCells.formIntersection(book.cells.map(Self.key))
        }
        // Cells that fell below the threshold since the last version, in the cells' order.
        let threshold = coordinator.routing.coverageThreshold
        var fallen: [CoverageCell] = []
        for c in settling {
            let cell = book.cells[c]
            let key = Self.key(cell)
            let isLow = cell.demand > 0 && cell.coverage < threshold
            if isLow == lowCells.contains(key) { continue }
            if isLow {
                fallen.append(cell)
                lowCells.insert(key)
            } else {
                lowCells.remove(key)
            }
        }
        // Released cadres are told to go home only where home works again.
        let releasedHomes = Set(diff.cadres.filter { $0.kind == .returned }.compactMap { set.cadres[$0.cadreID]?.pos })
        var workingHomes = Set<String>()
        if !releasedHomes.isEmpty {
            for s in states where (s.status == .berjalan || s.status == .terganggu) && releasedHomes.contains(s.postID) { workingHomes.insert(s.postID) }
        }
        let encoded = encoding.wait()
        let stored = try coordinator.store.write { tx in
            let stored = try PlanArchive.store(plan, diff: diff, known: known, encoded: encoded, db: tx.db)
            let eventID = try tx.appendEvent(.planComputed, subject: "v\(plan.version)",
                                             payload: ["version": "\(plan.version)", "moved": "\(plan.totals.moved)", "changes": "\(diff.lines.count)"],
                                             actor: .system, at: at)
            try tx.audit("plan.compute", subject: "v\(plan.version)", detail: "\(diff.lines.count) changes, \(plan.totals.moved) moved",
                         actor: .system, at: at)
            for change in diff.cadres {
                guard let cadre = set.cadres[change.cadreID] else { continue }
                switch change.kind {
                case .assigned, .moved:
                    if let to = change.newTo.flatMap({ set.posts[$0] }), let bidang = change.newBidang {
                        try coordinator.alerts(tx, .cadreAssigned(cadre: cadre, to: to, bidang: bidang, distanceKm: change.distanceKm ?? 0,
                                                                  planVersion: plan.version),
                                               eventID: eventID, at: at)
                    }
                case .returned:
                    if let from = change.oldTo.flatMap({ set.posts[$0] }) {
                        let why: CadreRelease = if state.unavailableCadres.contains(cadre.id) { .unavailable }
                            else if let home = set.posts[cadre.pos], !workingHomes.contains(home.id) { .homeDown(home) }
                            else { .homeOpen }
                        try coordinator.alerts(tx, .cadreReleased(cadre: cadre, from: from, why: why, planVersion: plan.version), eventID: eventID, at: at)
                    }
                }
            }
            // Camat and BPBD hear when a kelurahan × field falls below the threshold, once per fall.
            if !fallen.isEmpty { try coordinator.alerts(tx, .coverageLow(fallen, at: at), eventID: eventID, at: at) }
            return stored
        }
        memory.withLock {
            $0.plan = plan
            $0.moved = moved
            $0.stored = stored
            $0.cache = newCache
            $0.lowCells = lowCells
            $0.unsettled = []
        }
        return diff
    }

    /// Puts the book back, with the cells it changed still to be settled against the threshold.
    private func keep(_ changed: [Int], of book: CoverageBook) {
        memory.withLock {
            $0.book = book
            $0.unsettled.append(contentsOf: changed)
        }
    }

    /// `Plan.moved` of the new plan from the previous plan's and the diff between them (the
    /// diff lists every source × field × target whose amount changed).
    static func moved(_ previous: [PostField: Int], after diff: PlanDiff) -> [PostField: Int] {
        var out = previous
        for change in [diff.removed, diff.changed, diff.added].joined() {
            let key = PostField(change.from, change.bidang)
            let amount = (out[key] ?? 0) + change.newAmount - change.oldAmount
            out[key] = amount > 0 ? amount : nil
        }
        return out
    }

    static func key(_ cell: CoverageCell) -> String { "\(cell.kelurahan)|\(cell.bidang.rawValue)" }

    static func sameContent(_ a: Plan, _ b: Plan) -> Bool {
        a.assignments == b.assignments && a.cadreAssignments == b.cadreAssignments && a.unmet == b.unmet
            && a.cadreShortages == b.cadreShortages && a.overrides == b.overrides
    }

    // MARK: Stored plans

    public func plan(version: Int) throws -> Plan? {
        try coordinator.store.read { db in try PlanArchive.load(version: version, db: db)?.plan }
    }

    public func diff(from: Int?, to: Int) throws -> PlanDiff? {
        guard let new = try plan(version: to) else { return nil }
        return PlanDiff.between(try from.flatMap { try plan(version: $0) }, new)
    }

    // MARK: Overrides

    public func activeOverrides() throws -> [PlanOverride] {
        try coordinator.store.read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM plan_override WHERE active ORDER BY id")).map { try JSON.decode(PlanOverride.self, $0) }
        }
    }

    /// Adds a coordinator override (pin, forbid a post, forbid an arc); audited.
    public func addOverride(_ o: PlanOverride, actor: Actor, at: Date) throws -> PlanOverride {
        let set = coordinator.playbooks
        for (field, id) in [("from", o.from), ("to", o.to), ("post", o.post)] {
            if let id, set.posts[id] == nil { throw RequestError(field: field, "unknown post '\(id.prefix(64))'") }
        }
        switch o.action {
        case .pin where o.from == nil || o.to == nil || o.bidang == nil:
            throw RequestError(field: "action", "pin needs from, to and bidang")
        case .forbidArc where o.from == nil || o.to == nil:
            throw RequestError(field: "action", "forbid_arc needs from and to")
        case .forbidPost where o.post == nil:
            throw RequestError(field: "post", "forbid_post needs post")
        default: break
        }
        // What could never apply is refused, not stored to show up as "tidak berlaku" later.
        if o.action != .forbidPost, let from = o.from, from == o.to {
            throw RequestError(field: "to", "'to' is the same post as 'from'; an override is between two posts")
        }
        if let bidang = o.bidang {
            for (field, id) in [("from", o.from), ("to", o.to), ("post", o.post)] {
                if let id, let post = set.posts[id], post.layanan[bidang] == nil {
                    throw RequestError(field: field, "post '\(id)' does not serve \(bidang.rawValue) (it serves: \(post.layanan.keys.map(\.rawValue).sorted().joined(separator: ", ")))")
                }
            }
        }
        let stored: PlanOverride = try coordinator.store.write { tx in
            for body in try String.fetchAll(tx.db.cachedStatement(sql: "SELECT body FROM plan_override WHERE active")) {
                let active = try JSON.decode(PlanOverride.self, body)
                if active.action == o.action, active.from == o.from, active.to == o.to, active.post == o.post, active.bidang == o.bidang {
                    throw StoreError.conflict("the same override is already active (\(active.id))")
                }
            }
            let n = (try Int.fetchOne(tx.db.cachedStatement(sql: "SELECT COUNT(*) FROM plan_override")) ?? 0) + 1
            var o = o
            o.id = "O-\(n)"
            try tx.db.cachedStatement(sql: "INSERT INTO plan_override (body, active, at) VALUES (?, 1, ?)")
                .execute(arguments: [try JSON.encode(o), at.timeIntervalSince1970])
            try tx.appendEvent(.overrideSet, subject: o.id, payload: o, actor: actor, at: at)
            try tx.audit("plan.override", subject: o.id, detail: "\(o.action.rawValue) \(o.from ?? o.post ?? "") \(o.to ?? "")", actor: actor, at: at)
            return o
        }
        coordinator.noteChange("override", at: at)
        return stored
    }

    public func removeOverride(id: String, actor: Actor, at: Date) throws {
        try coordinator.store.write { tx in
            let rows = try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT id, body FROM plan_override WHERE active"))
            guard let row = rows.first(where: { (try? JSON.decode(PlanOverride.self, $0["body"]))?.id == id }) else {
                throw StoreError.notFound("override '\(id.prefix(20))' does not exist or is not active")
            }
            try tx.db.cachedStatement(sql: "UPDATE plan_override SET active = 0 WHERE id = ?")
                .execute(arguments: [row["id"] as Int64])
            try tx.appendEvent(.overrideCleared, subject: id, payload: ["id": id], actor: actor, at: at)
            try tx.audit("plan.override_cleared", subject: id, detail: "", actor: actor, at: at)
        }
        coordinator.noteChange("override cleared", at: at)
    }
}
