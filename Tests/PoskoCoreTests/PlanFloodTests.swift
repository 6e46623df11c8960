import Foundation
import Testing
@testable import PoskoCore

/// The Binjai sample playbooks with Kota Binjai's river-side posts closed by a flood.
@Suite struct PlanFloodTests {
    let set = PlanFixtures.binjai

    @Test func movesDisplacedDemandOnlyToSafeRunningPosts() throws {
        #expect(set.posts.count > 100)
        let state = PlanFixtures.flood()
        let run = PlanFixtures.plan(set, state)
        let plan = run.plan
        let byField = Dictionary(uniqueKeysWithValues: run.states.map { (PostField($0.postID, $0.bidang), $0) })

        #expect(plan.totals.displaced > 0)
        #expect(plan.totals.moved + plan.totals.unmet == plan.totals.displaced)
        #expect(!plan.assignments.isEmpty)

        var sent: [PostField: Int] = [:], taken: [PostField: Int] = [:]
        for a in plan.assignments {
            let target = try #require(byField[a.target])
            // Never into a post exposed to the flood, never into a closed post.
            #expect(target.activeHazards.isEmpty, "\(a.to) is in the flood area")
            #expect(target.status == .berjalan || target.status == .terganggu)
            #expect(set.posts[a.to]?.rawan.contains(.banjir) == false || !target.affected)
            #expect(a.amount > 0)
            #expect(a.distanceKm <= (a.bidang == .kesehatan ? 3 : 5))
            sent[a.source, default: 0] += a.amount
            taken[a.target, default: 0] += a.amount
        }
        for (field, amount) in sent { #expect(amount <= byField[field]?.displaced ?? 0) }
        for (field, amount) in taken { #expect(amount <= byField[field]?.spare ?? 0, "\(field) over capacity") }
        // Per source: moved + unmet = displaced.
        var unmet: [PostField: Int] = [:]
        for u in plan.unmet { unmet[PostField(u.post, u.bidang), default: 0] += u.amount }
        for s in run.states where s.displaced > 0 {
            let key = PostField(s.postID, s.bidang)
            #expect((sent[key] ?? 0) + (unmet[key] ?? 0) == s.displaced)
        }
        #expect(plan.moved == sent)
    }

    @Test func everyLineIsExplainedInIndonesian() throws {
        let plan = PlanFixtures.plan(set, PlanFixtures.flood()).plan
        let km = try Regex(#"\d+,\d km"#)
        for a in plan.assignments {
            let from = try #require(set.posts[a.from]), to = try #require(set.posts[a.to])
            #expect(a.reason.hasPrefix("\(from.nama) tutup (banjir); ke \(to.nama), "), "\(a.reason)")
            #expect(a.reason.contains(km))
            #expect(a.reason.contains(a.fallbackRank.map { "cadangan #\($0)" } ?? "bukan cadangan"))
            #expect(a.reason.contains("sisa kapasitas "))
        }
        for u in plan.unmet { #expect(!u.reason.isEmpty) }
        for c in plan.cadreAssignments { #expect(c.reason.contains(c.nama) && c.reason.contains(km)) }
        for s in plan.cadreShortages { #expect(s.reason.contains("butuh \(s.needed) kader")) }
        // The playbook's first fallback is used when it has room: berngam-1 → berngam-3.
        let first = plan.assignments.first { $0.from == "berngam-1" && $0.to == "berngam-3" }
        #expect(first?.fallbackRank == 1)
        #expect(first?.reason.contains("Posyandu Melati Berngam (contoh) tutup (banjir); ke Posyandu Flamboyan Berngam (contoh), cadangan #1, 0,6 km, sisa kapasitas") == true)
    }

    @Test func cadresAreMatchedOnceBySkillAndRange() throws {
        var state = PlanFixtures.flood()
        // One cadre of a closed post said TIDAK HADIR; one of a running post said HADIR.
        let closedCadre = try #require(set.cadres(atPost: "berngam-1").first)
        state.unavailableCadres.insert(closedCadre.id)
        let volunteer = try #require(set.cadres(atPost: "satria-1").first)
        state.availableCadres[volunteer.id] = ""
        let run = PlanFixtures.plan(set, state)
        let plan = run.plan
        #expect(!plan.cadreAssignments.isEmpty)
        let closed = Set(run.states.filter { $0.status == .tutup }.map(\.postID))
        var seen = Set<String>()
        for c in plan.cadreAssignments {
            #expect(seen.insert(c.cadreID).inserted, "\(c.cadreID) assigned twice")
            let cadre = try #require(set.cadres[c.cadreID])
            #expect(cadre.keahlian.contains(c.bidang))
            #expect(c.home == cadre.pos)
            #expect(c.distanceKm <= cadre.jangkauanKm + 0.0005)
            #expect(c.cadreID != closedCadre.id, "a cadre who replied TIDAK HADIR was sent")
            #expect(closed.contains(cadre.pos) || c.cadreID == volunteer.id, "\(c.cadreID)'s home post still works")
            // Sent only where demand arrived.
            #expect(plan.received[PostField(c.to, c.bidang)] ?? 0 > 0)
        }
        #expect(plan.totals.cadresAssigned == plan.cadreAssignments.count)
        #expect(plan.totals.cadresAssigned <= plan.totals.cadresAvailable)
    }

    @Test func samePlanForSameInputByteForByte() throws {
        let state = PlanFixtures.flood()
        let a = PlanFixtures.plan(set, state).plan
        let b = PlanFixtures.plan(set, state).plan
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(a) == encoder.encode(b))
        let decoded = try JSONDecoder().decode(Plan.self, from: encoder.encode(a))
        #expect(decoded == a)
    }

    @Test func kelurahanViewShowsWhatLeavesAndArrives() throws {
        let plan = PlanFixtures.plan(set, PlanFixtures.flood()).plan
        let view = plan.view(kelurahan: "12.75.02.1001")
        #expect(!view.outgoing.isEmpty)
        #expect(view.outgoing.allSatisfy { $0.fromKelurahan == "12.75.02.1001" })
        #expect(view.incoming.allSatisfy { $0.toKelurahan == "12.75.02.1001" })
        #expect(view.incoming.contains { $0.to == "berngam-3" })
        #expect(plan.view(kelurahan: "12.99.99.9999").isEmpty)
    }

    @Test func continuityViewCountsMovedDemandAsServed() throws {
        let state = PlanFixtures.flood()
        let run = PlanFixtures.plan(set, state)
        let without = ContinuityView.build(set, states: run.states, at: PlanFixtures.now)
        let with = ContinuityView.build(set, states: run.states, moved: run.plan.moved, planVersion: 1, at: PlanFixtures.now)
        #expect(with.totalServed == without.totalServed + run.plan.totals.moved)
    }
}
