import Foundation
import Testing
@testable import PoskoCore

/// Re-planning: stability, incremental recomputation, going home, the diff.
@Suite struct PlanIncrementalTests {
    let set = PlanFixtures.binjai

    /// A post far from the flood that receives nothing.
    func unrelatedPost(_ plan: Plan) throws -> String {
        let used = Set(plan.assignments.map(\.to) + plan.cadreAssignments.map(\.to) + plan.cadreAssignments.map(\.home))
        return try #require(set.posts.filter { $0.kecamatan == "12.75.05" && !used.contains($0.id) }
            .map(\.id).sorted().last)
    }

    @Test func unrelatedDegradedPostLeavesThePlanByteIdentical() throws {
        let index = PlanningIndex(set: set)
        var state = PlanFixtures.flood()
        let first = PlanFixtures.plan(set, state, index: index)
        let post = try unrelatedPost(first.plan)
        // Degraded, but still able to serve its own demand.
        let load = try #require(set.posts[post]?.layanan[.sosial] ?? set.posts[post]?.layanan[.kesehatan])
        let bidang: Bidang = set.posts[post]?.layanan[.sosial] != nil ? .sosial : .kesehatan
        PlanFixtures.report(&state, set, post, .terganggu, bidang: bidang, capacity: load.sasaran)
        let second = PlanFixtures.plan(set, state, index: index, previous: first.plan, cache: first.cache, version: 2)
        #expect(try second.plan.linesJSON() == first.plan.linesJSON())
        #expect(PlanDiff.between(first.plan, second.plan).isEmpty)
        #expect(second.cache.stats.incremental)
        #expect(second.cache.stats.changedSlots == 1)
        #expect(second.cache.stats.flow.solved + second.cache.stats.flow.repaired <= 1)
        // Without the cache (same previous plan) the answer is the same.
        let cold = PlanFixtures.plan(set, state, index: index, previous: first.plan, version: 2)
        #expect(try cold.plan.linesJSON() == first.plan.linesJSON())
    }

    /// A silent post that then reports TUTUP is the same to the solver (no capacity either way),
    /// so nothing is solved again, but its lines and its cadres' lines say "tutup" now instead of
    /// "tidak melapor" — as a plan made from scratch says. (A closed post never goes silent: it
    /// has no check-in to miss.)
    @Test func aSilentPostThatReportsClosedKeepsItsSolutionAndOnlyItsWordsChange() throws {
        let index = PlanningIndex(set: set)
        var state = PlanFixtures.flood()
        state.emergencies[0].declaredAt = PlanFixtures.now.addingTimeInterval(-86_400)
        let closed = PlanFixtures.plan(set, state, index: index)
        let post = try #require(PlanFixtures.riverPosts(set).first { p in
            closed.plan.assignments.contains { $0.from == p } && closed.plan.cadreAssignments.contains { $0.home == p }
        })
        let name = try #require(set.posts[post]?.nama)
        let deadline = try #require(set.posts[post]?.laporSetiap)
        // It has not reported, and its last check-in is past the deadline: silent.
        for key in state.reports.keys where key.postID == post { state.reports[key] = nil }
        state.lastCheckIn[post] = PlanFixtures.now.addingTimeInterval(-Double(deadline) - 60)
        let first = PlanFixtures.plan(set, state, index: index)
        #expect(first.states.filter { $0.postID == post }.allSatisfy { $0.status == .tidakDiketahui })
        let silentLines = first.plan.assignments.filter { $0.from == post }
        #expect(!silentLines.isEmpty && silentLines.allSatisfy { $0.reason.hasPrefix("\(name) tidak melapor") }, "\(silentLines.map(\.reason))")

        PlanFixtures.report(&state, set, post, .tutup)
        let second = PlanFixtures.plan(set, state, index: index, previous: first.plan, cache: first.cache, version: 2)
        let stats = second.cache.stats
        #expect(stats.relabelledSlots > 0 && stats.relabelledCadres > 0, "\(stats)")
        #expect(stats.changedSlots == 0 && stats.changedCadres == 0, "nothing to solve again: \(stats)")
        func moves(_ p: Plan) -> [String] { p.assignments.map { "\($0.from)>\($0.to) \($0.bidang) \($0.amount)" } }
        func cadres(_ p: Plan) -> [String] { p.cadreAssignments.map { "\($0.cadreID)>\($0.to) \($0.bidang)" } }
        #expect(moves(second.plan) == moves(first.plan) && cadres(second.plan) == cadres(first.plan))
        #expect(!second.plan.assignments.contains { $0.reason.contains("\(name) tidak melapor") })
        // What a plan made without the cache says, and the plan of the closed post from scratch.
        let cold = PlanFixtures.plan(set, state, index: index, previous: first.plan, version: 2)
        #expect(try cold.plan.linesJSON() == second.plan.linesJSON())
        #expect(try second.plan.linesJSON() == closed.plan.linesJSON())
    }

    @Test func changeInOneKecamatanDoesNotReshuffleAnother() throws {
        let index = PlanningIndex(set: set)
        var state = PlanFixtures.flood()
        // A second flood area far away (Binjai Selatan, 12.75.05) with its own closures.
        state.emergencies[0].areas = ["12.75.02", "12.75.05"]
        for post in PlanFixtures.riverPosts(set, kecamatan: "12.75.05") { PlanFixtures.report(&state, set, post, .tutup) }
        let first = PlanFixtures.plan(set, state, index: index)
        let south = first.plan.assignments.filter { set.posts[$0.from]?.kecamatan == "12.75.05" }
        #expect(!south.isEmpty)
        // One Kota Binjai post reopens.
        PlanFixtures.report(&state, set, "berngam-2", .berjalan)
        let second = PlanFixtures.plan(set, state, index: index, previous: first.plan, cache: first.cache, version: 2)
        let southAfter = second.plan.assignments.filter { set.posts[$0.from]?.kecamatan == "12.75.05" }
        if Set(south.flatMap { [$0.from, $0.to] }).isDisjoint(with: Set(first.plan.assignments.filter { $0.from == "berngam-2" }.map(\.to))) {
            #expect(Array(southAfter) == Array(south))
        }
        #expect(second.cache.stats.flow.kept > 0)
        #expect(!second.plan.assignments.contains { $0.from == "berngam-2" })
        let diff = PlanDiff.between(first.plan, second.plan)
        #expect(diff.removed.contains { $0.from == "berngam-2" })
        #expect(diff.removed.allSatisfy { $0.description.hasPrefix("dihentikan: ") })
    }

    @Test func everythingGoesHomeWhenThePostsRunAgain() throws {
        let index = PlanningIndex(set: set)
        var state = PlanFixtures.flood()
        let first = PlanFixtures.plan(set, state, index: index)
        #expect(!first.plan.assignments.isEmpty && !first.plan.cadreAssignments.isEmpty)
        for post in PlanFixtures.riverPosts() { PlanFixtures.report(&state, set, post, .berjalan) }
        let second = PlanFixtures.plan(set, state, index: index, previous: first.plan, cache: first.cache, version: 2)
        #expect(second.plan.isEmpty)
        #expect(second.plan.totals.displaced == 0)
        let diff = PlanDiff.between(first.plan, second.plan)
        #expect(diff.removed.count == Set(first.plan.assignments.map { "\($0.from)>\($0.to)>\($0.bidang)" }).count)
        #expect(diff.added.isEmpty && diff.changed.isEmpty)
        #expect(diff.cadres.count == first.plan.cadreAssignments.count)
        #expect(diff.cadres.allSatisfy { $0.kind == .returned && $0.description.contains("kembali ke pos asal") })
        // The same without the cache.
        #expect(PlanFixtures.plan(set, state, index: index, previous: first.plan, version: 2).plan.isEmpty)
    }

    @Test func diffDescribesAddedChangedAndMovedLines() throws {
        let index = PlanningIndex(set: set)
        var state = OperationalState()
        state.emergencies = PlanFixtures.flood().emergencies
        for id in set.posts.map(\.id) { state.lastCheckIn[id] = PlanFixtures.now }
        let calm = PlanFixtures.plan(set, state, index: index)
        #expect(calm.plan.isEmpty)
        PlanFixtures.report(&state, set, "berngam-1", .tutup)
        let one = PlanFixtures.plan(set, state, index: index, previous: calm.plan, cache: calm.cache, version: 2)
        let added = PlanDiff.between(calm.plan, one.plan)
        #expect(added.added.count == Set(one.plan.assignments.map { "\($0.from)>\($0.to)>\($0.bidang)" }).count)
        #expect(added.added.allSatisfy { $0.description.hasPrefix("baru: ") && $0.description.contains("dari berngam-1") })
        #expect(added.cadres.allSatisfy { $0.kind == .assigned })
        #expect(PlanDiff.between(nil, one.plan).added.count == added.added.count)
        #expect(PlanDiff.between(one.plan, one.plan).isEmpty)
        let data = try JSONEncoder().encode(added)
        #expect(try JSONDecoder().decode(PlanDiff.self, from: data) == added)
    }

    /// Incremental runs (local repair forced on small clusters) stay feasible and explained
    /// through a random sequence of reports, and match a full re-plan's coverage closely.
    @Test(arguments: [UInt64(7), 11, 23])
    func randomReportSequencesStayFeasible(seed: UInt64) throws {
        var rng = PlanTestRandom(seed: seed)
        var settings = PlannerSettings()
        settings.exactComponentLimit = 3
        settings.repairHops = 1
        let index = PlanningIndex(set: set, settings: settings)
        var state = PlanFixtures.flood()
        // A pinned line too: its chunk is rebuilt around it when other slots there change.
        let river = try #require(PlanFixtures.riverPosts().first)
        let bidang = try #require(Bidang.allCases.first { set.posts[river]?.layanan[$0] != nil })
        let target = try #require(set.posts.filter {
            $0.kecamatan == "12.75.02" && !$0.rawan.contains(.banjir) && $0.layanan[bidang] != nil
        }.map(\.id).sorted().first)
        let pins = [PlanOverride.pin(id: "ovr-pin", from: river, to: target, bidang: bidang)]
        var run = PlanFixtures.plan(set, state, index: index, overrides: pins, settings: settings)
        #expect(run.plan.assignments.filter { $0.overrideID == "ovr-pin" }.count == 1)
        let posts = set.posts.map(\.id).sorted()
        var repaired = 0
        for step in 0..<25 {
            let post = posts[Int(rng.next() % UInt64(posts.count))]
            let statuses: [ServiceStatus] = [.tutup, .berjalan, .terganggu]
            let status = statuses[Int(rng.next() % 3)]
            if status == .terganggu {
                PlanFixtures.report(&state, set, post, .terganggu, capacity: Int(rng.next() % 60))
            } else {
                PlanFixtures.report(&state, set, post, status)
            }
            if rng.next() % 4 == 0, let cadre = set.cadres(atPost: post).first {
                state.availableCadres[cadre.id] = ""
            }
            let next = PlanFixtures.plan(set, state, index: index, overrides: pins, previous: run.plan, cache: run.cache,
                                         settings: settings, version: step + 2)
            repaired += next.cache.stats.flow.repaired + next.cache.stats.cadres.repaired
            try checkFeasible(next)
            checkDiff(run.plan, next.plan, "step \(step)")
            // The cache's digests (updated only where something changed) read as a cold run's:
            // planning again with nothing changed finds nothing to redo.
            let again = PlanFixtures.plan(set, state, index: index, overrides: pins, previous: next.plan, cache: next.cache,
                                          settings: settings, version: step + 2)
            #expect(again.cache.stats.changedSlots == 0 && again.cache.stats.changedCadres == 0, "step \(step)")
            #expect(again.plan.assignments == next.plan.assignments && again.plan.cadreAssignments == next.plan.cadreAssignments)
            let full = PlanFixtures.plan(set, state, index: index, overrides: pins, previous: run.plan, settings: settings,
                                         version: step + 2)
            // The pinned line once, as a plan from scratch has it (its chunk may have been
            // rebuilt from the previous plan's lines, which held the previous run's pin).
            #expect(next.plan.assignments.filter { $0.overrideID != nil }.map(\.reason)
                == full.plan.assignments.filter { $0.overrideID != nil }.map(\.reason), "step \(step)")
            #expect(next.plan.totals.displaced == full.plan.totals.displaced)
            // Local repair may leave a little on the table, never much.
            #expect(Double(next.plan.totals.moved) >= 0.97 * Double(full.plan.totals.moved), "step \(step)")
            run = next
        }
        #expect(repaired > 0)
    }

    /// A repair holds the sources outside its region fixed and takes their units off their
    /// targets' room, once: a held source that kept the last plan's units has two arcs to its
    /// target (the discounted one and the full-price one), which once made the repair count its
    /// units twice and leave demand unmet next to room.
    @Test func aRepairTakesAHeldSourcesUnitsOffItsTargetOnce() throws {
        typealias P = PlanFixtures.TinyPost
        let lat = 3.6, lon = 98.5
        // On a line, 5 km travel bound: d reaches t0 only, r reaches t0 and t, f reaches t only.
        let set = PlanFixtures.tiny([
            P(id: "d", lat: lat - PlanFixtures.km(10), lon: lon, layanan: ["sosial": (150, 100)]),
            P(id: "t0", lat: lat - PlanFixtures.km(6), lon: lon, layanan: ["sosial": (120, 20)]),
            P(id: "r", lat: lat - PlanFixtures.km(3), lon: lon, layanan: ["sosial": (100, 60)]),
            P(id: "t", lat: lat, lon: lon, layanan: ["sosial": (50, 20)]),
            P(id: "f", lat: lat + PlanFixtures.km(4), lon: lon, layanan: ["sosial": (30, 10)]),
        ])
        var settings = PlannerSettings()
        settings.exactComponentLimit = 1
        settings.repairHops = 1
        let index = PlanningIndex(set: set, settings: settings)
        var state = OperationalState()
        PlanFixtures.report(&state, set, "r", .tutup)
        PlanFixtures.report(&state, set, "f", .tutup)
        let cold = PlanFixtures.plan(set, state, index: index, settings: settings)
        // Solved again after a plan: f keeps its units on t through a discounted arc beside the
        // full-price one.
        let first = PlanFixtures.plan(set, state, index: index, previous: cold.plan, settings: settings)
        #expect(first.plan.assignments.contains { $0.from == "f" && $0.to == "t" && $0.amount == 10 })
        #expect(first.plan.totals.moved == 70)
        // d closes: the repair re-solves d and r (through t0) and holds f.
        PlanFixtures.report(&state, set, "d", .tutup)
        let next = PlanFixtures.plan(set, state, index: index, previous: first.plan, cache: first.cache, settings: settings, version: 2)
        #expect(next.cache.stats.flow.repaired == 1 && next.cache.stats.flow.solved == 0)
        // t's 30 units of room: 10 for f, 20 for r; t0's 100 for r and d; 40 of d's and r's unmet.
        #expect(next.plan.assignments.filter { $0.to == "t" }.reduce(0) { $0 + $1.amount } == 30)
        #expect(next.plan.totals.moved == 130 && next.plan.totals.unmet == 40)
    }

    /// The clusters repaired in one run are solved concurrently: a run that repairs several gives
    /// the same plan on one thread as on two, and it is feasible.
    @Test func severalRepairsInOneRunDoNotDependOnThreads() throws {
        var two = PlannerSettings()
        two.exactComponentLimit = 3
        two.repairHops = 1
        two.parallelism = 2
        var one = two
        one.parallelism = 1
        let index = PlanningIndex(set: set, settings: two)
        var state = PlanFixtures.flood()
        var runs = [two, one].map { PlanFixtures.plan(set, state, index: index, settings: $0) }
        var rng = PlanTestRandom(seed: 5)
        let posts = set.posts.map(\.id).sorted()
        var most = 0
        for step in 0..<12 {
            // Reports from all over the city at once.
            for _ in 0..<6 {
                let post = posts[Int(rng.next() % UInt64(posts.count))]
                PlanFixtures.report(&state, set, post, [.tutup, .berjalan, .terganggu][Int(rng.next() % 3)], capacity: Int(rng.next() % 60))
            }
            runs = zip([two, one], runs).map { settings, run in
                PlanFixtures.plan(set, state, index: index, previous: run.plan, cache: run.cache, settings: settings, version: step + 2)
            }
            #expect(runs[0].plan.assignments == runs[1].plan.assignments, "step \(step)")
            #expect(runs[0].plan.cadreAssignments == runs[1].plan.cadreAssignments, "step \(step)")
            #expect(runs[0].plan.unmet == runs[1].plan.unmet && runs[0].cache.stats == runs[1].cache.stats, "step \(step)")
            try checkFeasible(runs[0])
            most = max(most, runs[0].cache.stats.flow.repaired)
        }
        #expect(most >= 2)
    }

    /// The diff against its definition, from every line of both plans: each source × field ×
    /// target whose total amount differs, in key order; each cadre whose post or field differs.
    func checkDiff(_ old: Plan, _ new: Plan, _ comment: Comment) {
        func amounts(_ plan: Plan) -> [String: Int] {
            plan.assignments.reduce(into: [:]) { $0["\($1.from)|\($1.bidang.rawValue)|\($1.to)", default: 0] += $1.amount }
        }
        let before = amounts(old), after = amounts(new)
        let keys = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
        let diff = PlanDiff.between(old, new)
        let got = (diff.removed + diff.changed + diff.added).map { "\($0.from)|\($0.bidang.rawValue)|\($0.to) \($0.oldAmount)→\($0.newAmount)" }
        let want = keys.map { "\($0) \(before[$0] ?? 0)→\(after[$0] ?? 0)" }
        #expect(got.sorted() == want.sorted(), comment)
        for part in [diff.removed, diff.changed, diff.added] {
            let order = part.map { ($0.from, $0.bidang, $0.to) }
            #expect(zip(order, order.dropFirst()).allSatisfy { $0 < $1 }, comment)
        }
        func posts(_ plan: Plan) -> [String: String] {
            Dictionary(uniqueKeysWithValues: plan.cadreAssignments.map { ($0.cadreID, "\($0.to)|\($0.bidang.rawValue)") })
        }
        let was = posts(old), now = posts(new)
        let cadres = Set(was.keys).union(now.keys).filter { was[$0] != now[$0] }.sorted()
        #expect(diff.cadres.map(\.cadreID) == cadres, comment)
        #expect(diff.cadres.map { "\($0.oldTo.map { "\($0)|" } ?? "")\($0.oldBidang?.rawValue ?? "")" } == cadres.map { was[$0] ?? "" }, comment)
        // A cadre sent (or sent elsewhere) carries the distance of the new line; one going home none.
        let distance = Dictionary(uniqueKeysWithValues: new.cadreAssignments.map { ($0.cadreID, $0.distanceKm) })
        #expect(diff.cadres.map(\.distanceKm) == diff.cadres.map { distance[$0.cadreID] }, comment)
    }

    func checkFeasible(_ run: PlanFixtures.Run) throws {
        let plan = run.plan
        var sent: [PostField: Int] = [:], taken: [PostField: Int] = [:], unmet: [PostField: Int] = [:]
        for a in plan.assignments {
            sent[a.source, default: 0] += a.amount
            taken[a.target, default: 0] += a.amount
            #expect(!a.reason.isEmpty)
        }
        for u in plan.unmet { unmet[PostField(u.post, u.bidang), default: 0] += u.amount }
        for s in run.states {
            let key = PostField(s.postID, s.bidang)
            #expect((sent[key] ?? 0) + (unmet[key] ?? 0) == s.displaced, "\(key)")
            #expect((taken[key] ?? 0) <= s.spare, "\(key) over capacity")
        }
        #expect(plan.totals.moved + plan.totals.unmet == plan.totals.displaced)
        var cadres = Set<String>()
        for c in plan.cadreAssignments {
            #expect(cadres.insert(c.cadreID).inserted)
            let cadre = try #require(set.cadres[c.cadreID])
            #expect(cadre.keahlian.contains(c.bidang) && c.distanceKm <= cadre.jangkauanKm + 0.0005)
        }
    }
}

struct PlanTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
