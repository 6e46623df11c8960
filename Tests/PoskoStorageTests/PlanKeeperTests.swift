import Foundation
import PoskoCore
import PoskoStorage
import PoskoTesting
import Testing

/// The stored plan and what its changes tell people: moved cadres and, when a kelurahan ×
/// field falls below the coverage threshold, camat and BPBD.
@Suite struct PlanKeeperTests {
    static let routing = AlertRouting(smsChannels: ["utama"], webhooks: ["bpbd-binjai"], groupingWindow: 60, coverageThreshold: 0.8)
    static let t0 = Date(timeIntervalSince1970: 1_795_400_000)
    static let op = Actor("op", via: .api)

    func coverageAlerts(_ c: Coordinator) throws -> [OutboxMessage] {
        try c.store.messages().filter { $0.kind == "coverage.low" }
    }

    /// Kelurahan × field cells an alert names (its webhook payload lists them).
    func cellsNamed(in message: OutboxMessage) throws -> Set<String> {
        let payload = try JSONDecoder().decode([String: String].self, from: Data((message.payload ?? "").utf8))
        return Set((payload["cells"] ?? "").split(separator: ",").map { $0.replacingOccurrences(of: "/", with: "|") })
    }

    @Test func fallingBelowTheThresholdAlertsCamatAndBPBDOncePerFall() throws {
        let set = SamplePlaybooks.set
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: set, routing: Self.routing)
        let keeper = PlanKeeper(fresh: c)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02"], status: "tanggap_darurat"), actor: Self.op, at: Self.t0)
        // Every post of Binjai Kota closes: what the neighbours cannot absorb stays unmet.
        let kota = try #require(set.playbook(kecamatan: "12.75.02"))
        for post in kota.pos {
            _ = try c.report(ReportRequest(post: post.id, bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0)
        }
        let t1 = Self.t0.addingTimeInterval(5)
        try keeper.replan(at: t1)
        let plan = try #require(keeper.current)
        let states = ContinuityEvaluator.evaluate(set, state: try c.store.operationalState(), now: t1)
        let view = ContinuityView.build(set, states: states, moved: plan.moved, at: t1)
        let low = Set(view.cells.filter { $0.demand > 0 && $0.coverage < 0.8 }.map { "\($0.kelurahan)|\($0.bidang.rawValue)" })
        try #require(!low.isEmpty, "the scenario must leave some kelurahan × field below 80%")
        #expect(low.count < view.cells.count, "some cells stay covered by the plan, so the alert names only the low ones")

        let alerts = try coverageAlerts(c)
        #expect(Set(alerts.map(\.recipient)) == ["camat:12.75.02", "bpbd:bpbd-binjai"])
        for alert in alerts {
            #expect(try cellsNamed(in: alert) == low)
            #expect(alert.text.hasPrefix("[POSKO] Cakupan layanan di bawah 80%: Kel. "), "\(alert.text)")
        }

        // A later plan change elsewhere does not alert again about the cells that were already low.
        let barat = try #require(set.playbook(kecamatan: "12.75.03")?.pos.first)
        _ = try c.report(ReportRequest(post: barat.id, bidang: "semua", status: "tutup"), actor: Self.op, at: t1.addingTimeInterval(60))
        #expect(try keeper.replan(at: t1.addingTimeInterval(61)) != nil, "the closure changes the plan")
        let later = try coverageAlerts(c).filter { a in !alerts.contains { $0.id == a.id } }
        for alert in later { #expect(try cellsNamed(in: alert).isDisjoint(with: low), "\(alert.text)") }
        let alertsSoFar = alerts.count + later.count

        // Posts reopen: coverage recovers and nobody is alerted about it.
        for post in kota.pos {
            _ = try c.report(ReportRequest(post: post.id, bidang: "semua", status: "berjalan"), actor: Self.op, at: t1.addingTimeInterval(120))
        }
        try keeper.replan(at: t1.addingTimeInterval(121))
        #expect(try coverageAlerts(c).count == alertsSoFar)
    }
}
