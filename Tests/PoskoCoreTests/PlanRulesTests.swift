import Foundation
import Testing
@testable import PoskoCore

/// Hand-checked cases on tiny playbook sets: amounts, unmet reasons, overrides, optimality.
@Suite struct PlanRulesTests {
    typealias P = PlanFixtures.TinyPost
    let lat = 3.60, lon = 98.47

    /// A (closed, 80 displaced) with B (spare 50) and C (spare 20) in reach and D (spare 100)
    /// 6 km away: 70 move, 10 stay unmet for lack of capacity.
    @Test func movesMinOfDisplacedAndReachableSpare() throws {
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, layanan: ["sosial": (100, 80)], cadangan: ["c"]),
            P(id: "b", lat: lat + PlanFixtures.km(1), lon: lon, layanan: ["sosial": (100, 50)]),
            P(id: "c", lat: lat + PlanFixtures.km(2), lon: lon, layanan: ["sosial": (40, 20)]),
            P(id: "d", lat: lat + PlanFixtures.km(6), lon: lon, layanan: ["sosial": (150, 50)]),
        ])
        var state = OperationalState()
        PlanFixtures.report(&state, set, "a", .tutup)
        let plan = PlanFixtures.plan(set, state).plan
        #expect(plan.totals.displaced == 80)
        #expect(plan.totals.moved == 70)
        #expect(plan.totals.unmet == 10)
        let toB = plan.assignments.first { $0.to == "b" }, toC = plan.assignments.first { $0.to == "c" }
        #expect(toB?.amount == 50)
        #expect(toC?.amount == 20)
        #expect(toC?.fallbackRank == 1)
        #expect(toC?.reason == "Pos a tutup; ke Pos c, cadangan #1, 2,0 km, sisa kapasitas 20")
        #expect(toB?.reason == "Pos a tutup; ke Pos b, bukan cadangan, 1,0 km, sisa kapasitas 50")
        #expect(!plan.assignments.contains { $0.to == "d" })
        let unmet = try #require(plan.unmet.first)
        #expect(unmet.blocker == .noCapacity && unmet.amount == 10)
        #expect(unmet.reason == "Pos a tutup; kapasitas pos sekitar penuh (2 pos dalam 5 km)")
    }

    @Test func prefersFallbackOrderOverSmallDistanceGains() throws {
        // b is 0.3 km nearer than the listed fallback c, well below the non-fallback penalty.
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, layanan: ["sosial": (100, 40)], cadangan: ["c"]),
            P(id: "b", lat: lat + PlanFixtures.km(0.9), lon: lon, layanan: ["sosial": (100, 20)]),
            P(id: "c", lat: lat + PlanFixtures.km(1.2), lon: lon, layanan: ["sosial": (100, 20)]),
        ])
        var state = OperationalState()
        PlanFixtures.report(&state, set, "a", .tutup)
        let plan = PlanFixtures.plan(set, state).plan
        #expect(plan.assignments.map(\.to) == ["c"])
        #expect(plan.assignments.first?.amount == 40)
    }

    @Test func explainsOutOfRange() throws {
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, layanan: ["kesehatan": (100, 60)]),
            P(id: "far", lat: lat + PlanFixtures.km(4), lon: lon, layanan: ["kesehatan": (200, 60)]),
        ])
        var state = OperationalState()
        PlanFixtures.report(&state, set, "a", .tutup)
        let plan = PlanFixtures.plan(set, state).plan
        #expect(plan.assignments.isEmpty)
        let unmet = try #require(plan.unmet.first)
        #expect(unmet.blocker == .outOfRange)
        #expect(unmet.amount == 60)
        #expect(unmet.reason == "Pos a tutup; tidak ada pos berjalan dalam 3 km")
    }

    @Test func explainsThatEveryPostInReachIsInTheHazardArea() throws {
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, rawan: ["banjir"], layanan: ["sosial": (100, 60)]),
            P(id: "b", lat: lat + PlanFixtures.km(1), lon: lon, rawan: ["banjir"], layanan: ["sosial": (200, 60)]),
            P(id: "c", lat: lat + PlanFixtures.km(2), lon: lon, rawan: ["banjir"], layanan: ["sosial": (200, 60)]),
        ])
        var state = OperationalState()
        state.emergencies = [Emergency(id: "e", hazard: .banjir, status: .tanggapDarurat, areas: ["12.75.02"],
                                       declaredAt: PlanFixtures.now, source: "operator:test")]
        for id in ["a", "b", "c"] { state.lastCheckIn[id] = PlanFixtures.now }
        PlanFixtures.report(&state, set, "a", .tutup)
        let plan = PlanFixtures.plan(set, state).plan
        #expect(plan.assignments.isEmpty)
        let unmet = try #require(plan.unmet.first)
        #expect(unmet.blocker == .hazard)
        #expect(unmet.reason == "Pos a tutup (banjir); semua pos dalam jangkauan 5 km berada di wilayah bahaya banjir")
    }

    /// A pin may send demand beyond the field's travel bound (the operator's call): its line says so.
    @Test func aPinBeyondTheTravelBoundSaysSo() throws {
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, layanan: ["sosial": (100, 60)]),
            P(id: "far", lat: lat + PlanFixtures.km(6.5), lon: lon, layanan: ["sosial": (200, 60)]),
        ])
        var state = OperationalState()
        PlanFixtures.report(&state, set, "a", .tutup)
        #expect(PlanFixtures.plan(set, state).plan.assignments.isEmpty, "out of reach without the pin")
        let pinned = PlanFixtures.plan(set, state, overrides: [.pin(id: "ovr-1", from: "a", to: "far", bidang: .sosial)]).plan
        let line = try #require(pinned.assignments.first)
        #expect(line.to == "far" && line.reason.contains("6,5 km (melebihi batas \(PlanText.bound(PlannerSettings.standard.travelKm(.sosial)))), sisa kapasitas"), "\(line.reason)")
    }

    @Test func pinsAndForbidsAreHonouredAndEchoed() throws {
        let set = PlanFixtures.tiny([
            P(id: "a", lat: lat, lon: lon, layanan: ["sosial": (100, 60)], cadangan: ["b"]),
            P(id: "b", lat: lat + PlanFixtures.km(0.5), lon: lon, layanan: ["sosial": (200, 60)]),
            P(id: "c", lat: lat + PlanFixtures.km(1.5), lon: lon, layanan: ["sosial": (200, 60)]),
            P(id: "d", lat: lat + PlanFixtures.km(2.5), lon: lon, layanan: ["sosial": (200, 60)]),
        ])
        var state = OperationalState()
        PlanFixtures.report(&state, set, "a", .tutup)
        let free = PlanFixtures.plan(set, state).plan
        #expect(free.assignments.map(\.to) == ["b"])

        // Pin a → d (not the cheapest): the whole demand goes to d, marked with the override.
        let pinned = PlanFixtures.plan(set, state, overrides: [.pin(id: "ovr-1", from: "a", to: "d", bidang: .sosial)]).plan
        let line = try #require(pinned.assignments.first)
        #expect(pinned.assignments.count == 1)
        #expect(line.to == "d" && line.amount == 60 && line.overrideID == "ovr-1")
        #expect(line.reason.contains("sesuai penetapan operator (ovr-1)"))
        #expect(pinned.overrides.first?.applied == true && pinned.overrides.first?.amount == 60)

        // Forbid b as a target, and the arc a → c: d is left.
        let forbidden = PlanFixtures.plan(set, state, overrides: [
            .forbidPost(id: "ovr-2", post: "b"), .forbidArc(id: "ovr-3", from: "a", to: "c", bidang: .sosial),
        ]).plan
        #expect(forbidden.assignments.map(\.to) == ["d"])
        #expect(forbidden.overrides.map(\.id) == ["ovr-2", "ovr-3"])
        #expect(forbidden.overrides.allSatisfy { $0.applied })

        // Forbidding wins over a pin; an unknown post is reported, not fatal.
        let conflict = PlanFixtures.plan(set, state, overrides: [
            .forbidPost(id: "ovr-4", post: "d"), .pin(id: "ovr-5", from: "a", to: "d", bidang: .sosial),
            .pin(id: "ovr-6", from: "a", to: "nowhere", bidang: .sosial),
        ]).plan
        #expect(!conflict.assignments.contains { $0.to == "d" })
        let refused = try #require(conflict.overrides.first { $0.id == "ovr-5" })
        #expect(!refused.applied && refused.reason.contains("dilarang oleh ovr-4"))
        #expect(conflict.overrides.first { $0.id == "ovr-6" }?.applied == false)

        // Everything in reach forbidden: the unmet line names the overrides.
        let blocked = PlanFixtures.plan(set, state, overrides: [
            .forbidPost(id: "x1", post: "b"), .forbidPost(id: "x2", post: "c"), .forbidPost(id: "x3", post: "d"),
        ]).plan
        let unmet = try #require(blocked.unmet.first)
        #expect(unmet.blocker == .forbidden)
        #expect(unmet.reason.hasSuffix("pos dalam jangkauan dilarang operator (x1, x2, x3)"))
    }

    @Test func stopsAComponentAtTheIterationBoundWithoutFailingThePlan() throws {
        var settings = PlannerSettings()
        settings.maxIterations = 1
        let run = PlanFixtures.plan(PlanFixtures.binjai, PlanFixtures.flood(), settings: settings)
        let limited = run.plan.unmet.filter { $0.blocker == .iterationLimit }
        #expect(!limited.isEmpty)
        #expect(limited.allSatisfy { $0.reason.hasSuffix("perhitungan dihentikan (batas iterasi)") })
        #expect(run.plan.totals.moved + run.plan.totals.unmet == run.plan.totals.displaced)
        #expect(run.cache.stats.flow.iterationLimitHits > 0)
    }

    /// The service flow is optimal: its cost equals the solver's optimum on the same problem
    /// stated independently as a plain `FlowProblem` (one field of the Binjai flood).
    @Test func flowStageMatchesTheSolverOnTheEquivalentProblem() throws {
        let set = PlanFixtures.binjai
        var settings = PlannerSettings()
        settings.candidateLimit = 1000  // every post in reach, so the problem is easy to restate
        let index = PlanningIndex(set: set, settings: settings)
        let run = PlanFixtures.plan(set, PlanFixtures.flood(), index: index, settings: settings)
        for bidang in [Bidang.kesehatan, .trantibumlinmas] {
            let states = run.states.filter { $0.bidang == bidang }
            var problem = FlowProblem(supplies: [], demands: [], arcs: [], unmetCost: settings.unmetCost)
            var cost: [String: Int] = [:]
            let spare = Dictionary(uniqueKeysWithValues: states.map { ($0.postID, $0.spare) })
            for s in states where s.spare > 0 { problem.supplies.append(.init(id: "t:" + s.postID, capacity: s.spare)) }
            for s in states where s.displaced > 0 {
                problem.demands.append(.init(id: "s:" + s.postID, amount: s.displaced))
                for c in index.candidates(for: PostField(s.postID, bidang)) where (spare[c.postID] ?? 0) > 0 {
                    let penalty = c.fallbackRank.map { ($0 - 1) * settings.fallbackRankPenalty } ?? settings.nonFallbackPenalty
                    let arcCost = Int((c.distanceKm * 1000).rounded()) + penalty + settings.stabilityThreshold
                    problem.arcs.append(.init(from: "s:" + s.postID, to: "t:" + c.postID, cost: arcCost))
                    cost[s.postID + ">" + c.postID] = arcCost
                }
            }
            let optimum = try MinCostFlow.solve(problem).solution.objective
            var planCost = 0
            for a in run.plan.assignments where a.bidang == bidang { planCost += a.amount * (cost[a.from + ">" + a.to] ?? .max / 4) }
            for u in run.plan.unmet where u.bidang == bidang { planCost += u.amount * settings.unmetCost }
            #expect(planCost == optimum, "\(bidang)")
        }
    }

    @Test func indexListsCandidatesNearestFirstWithFallbackRank() throws {
        let index = PlanningIndex(set: PlanFixtures.binjai)
        let candidates = index.candidates(for: PostField("berngam-1", .kesehatan))
        #expect(!candidates.isEmpty)
        #expect(candidates.allSatisfy { $0.distanceKm <= 3 && $0.postID != "berngam-1" })
        #expect(candidates.map(\.distanceKm) == candidates.map(\.distanceKm).sorted())
        #expect(candidates.first { $0.postID == "berngam-3" }?.fallbackRank == 1)
        #expect(candidates.first { $0.postID == "satria-3" }?.fallbackRank == 2)
        #expect(index.candidates(for: PostField("nope", .kesehatan)).isEmpty)
        let wider = index.candidates(for: PostField("berngam-1", .sosial))
        #expect(wider.count >= candidates.count && wider.allSatisfy { $0.distanceKm <= 5 })
    }

    @Test func settingsDecodeWithDefaultsAndFieldNames() throws {
        let json = #"{"maxTravelKm": {"kesehatan": 2.5, "sosial": 4}, "unitsPerCadre": 30}"#
        let s = try JSONDecoder().decode(PlannerSettings.self, from: Data(json.utf8))
        #expect(s.travelKm(.kesehatan) == 2.5 && s.travelKm(.sosial) == 4 && s.travelKm(.pendidikan) == 5)
        #expect(s.unitsPerCadre == 30 && s.candidateLimit == PlannerSettings().candidateLimit)
        let again = try JSONDecoder().decode(PlannerSettings.self, from: JSONEncoder().encode(s))
        #expect(again == s)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PlannerSettings.self, from: Data(#"{"maxTravelKm": {"gizi": 1}}"#.utf8))
        }
    }
}
