import Foundation
@testable import PoskoCore
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

    /// A cadre the plan no longer needs is told what to do: go home when the home post works
    /// again; a cadre who said TIDAK HADIR hears the task is cancelled, not "go back to your post".
    @Test func releasedCadresAreToldWhatToDo() throws {
        let set = SamplePlaybooks.set
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: set, routing: Self.routing)
        let keeper = PlanKeeper(fresh: c)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"], status: "tanggap_darurat"), actor: Self.op, at: Self.t0)
        _ = try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0)
        try keeper.replan(at: Self.t0.addingTimeInterval(5))
        let sent = try #require(keeper.current?.cadreAssignments.filter { $0.home == "berngam-1" })
        try #require(sent.count >= 2, "the scenario needs two of berngam-1's cadres sent elsewhere")
        func released(_ cadre: String) throws -> [String] {
            try c.store.messages().filter { $0.recipient == "kader:\(cadre)" && $0.payload?.contains("plan.cadre_released") == true }.map(\.text)
        }
        let away = sent[0].cadreID, stays = sent[1].cadreID
        try c.cadreAvailability(away, available: false, post: nil, actor: Self.op, at: Self.t0.addingTimeInterval(60))
        try keeper.replan(at: Self.t0.addingTimeInterval(65))
        let cancelled = try released(away)
        #expect(cancelled.count == 1 && cancelled[0].hasSuffix("dibatalkan karena Anda TIDAK HADIR. Terima kasih."), "\(cancelled)")
        _ = try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "berjalan"), actor: Self.op, at: Self.t0.addingTimeInterval(120))
        try keeper.replan(at: Self.t0.addingTimeInterval(125))
        let home = try released(stays)
        #expect(home.count == 1 && home[0].hasSuffix("selesai. Kembali ke pos asal. Terima kasih."), "\(home)")
    }

    /// An override that could never apply is refused with the field at fault, and the same
    /// override twice is a conflict.
    @Test func overridesThatCouldNeverApplyAreRefused() throws {
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: SamplePlaybooks.set, routing: Self.routing)
        let keeper = PlanKeeper(fresh: c)
        func pin(_ from: String, _ to: String, _ bidang: Bidang) -> PlanOverride {
            PlanOverride(id: "", action: .pin, from: from, to: to, post: nil, bidang: bidang, note: nil)
        }
        func refusal(_ o: PlanOverride) -> String? {
            do { _ = try keeper.addOverride(o, actor: Self.op, at: Self.t0); return nil } catch let e as RequestError { return "\(e.field): \(e.message)" } catch {
                return "\(error)"
            }
        }
        #expect(refusal(pin("berngam-1", "berngam-1", .kesehatan)) == "to: 'to' is the same post as 'from'; an override is between two posts")
        #expect(refusal(pin("berngam-1", "berngam-2", .pendidikan))?.hasPrefix("to: post 'berngam-2' does not serve pendidikan (it serves: ") == true)
        #expect(refusal(pin("berngam-1", "setia-1", .kesehatan)) == nil)
        #expect(refusal(pin("berngam-1", "setia-1", .kesehatan))?.contains("the same override is already active (O-1)") == true)
        #expect(try keeper.activeOverrides().count == 1)
    }

    /// The plan says when reports came in after it was made (`posko status` then says a new one
    /// is on its way, rather than showing the old plan as if it were current).
    @Test func thePlanKnowsWhenItIsBehind() throws {
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: SamplePlaybooks.set, routing: Self.routing)
        let keeper = PlanKeeper(fresh: c)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Self.op, at: Self.t0)
        #expect(keeper.isBehind)
        try keeper.replan(at: Self.t0.addingTimeInterval(1))
        #expect(!keeper.isBehind)
        _ = try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0.addingTimeInterval(2))
        #expect(keeper.isBehind)
        try keeper.replan(at: Self.t0.addingTimeInterval(3))
        #expect(!keeper.isBehind)
    }

    @Test func aReleaseTextSaysWhetherToGoHome() throws {
        let set = SamplePlaybooks.set
        let cadre = try #require(set.cadres["k-0075"])
        let post = try #require(set.posts["berngam-3"]), home = try #require(set.posts["berngam-1"])
        #expect(AlertText.cadreReleased(cadre, post, why: .homeDown(home))
            == "[POSKO] Kader Contoh 0075: tugas di \(post.nama) selesai. Pos asal berngam-1 masih tutup; tunggu penugasan berikutnya. Terima kasih.")
        #expect(AlertText.cadreReleased(cadre, post, why: .homeOpen).hasSuffix("Kembali ke pos asal. Terima kasih."))
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

    func chunkRows(_ c: Coordinator) throws -> Int {
        try c.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM plan_chunk") ?? 0 }
    }

    /// Every stored version reads back as the plan it was; a re-plan after one report writes
    /// only the chunks it rebuilt; a restarted keeper starts from the latest version.
    @Test func versionsAreStoredOnceAndReadBackWhole() throws {
        let set = SamplePlaybooks.set
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: set, routing: Self.routing)
        // Short travel bounds keep the kecamatan apart (Binjai is small enough for one cluster).
        var settings = PlannerSettings.standard
        settings.defaultMaxTravelKm = 1.5
        settings.maxTravelKm = [:]
        settings.maxCadreTravelKm = 1.5
        let keeper = PlanKeeper(fresh: c, settings: settings)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.01", "12.75.03", "12.75.04", "12.75.05"], status: "tanggap_darurat"),
                          actor: Self.op, at: Self.t0)
        var t = Self.t0
        var plans: [Plan] = []
        var cadresSent = 0
        // Posts at both ends of the index (Binjai Utara, Binjai Selatan), so the lines span chunks.
        for playbook in [set.playbooks[0], set.playbooks[2], set.playbooks[4]] {
            for post in playbook.pos.prefix(4) {
                t = t.addingTimeInterval(60)
                _ = try c.report(ReportRequest(post: post.id, bidang: "semua", status: "tutup"), actor: Self.op, at: t)
                if let diff = try keeper.replan(at: t) {
                    let plan = try #require(keeper.current)
                    plans.append(plan)
                    // Each cadre sent hears where, for which field and how far (the plan line's distance).
                    let messages = try c.store.messages(limit: 10_000)
                    for change in diff.cadres where change.kind != .returned {
                        let line = try #require(plan.cadreAssignments.first { $0.cadreID == change.cadreID })
                        let told = "(\(line.to)) untuk \(line.bidang.label), \(AlertText.km(line.distanceKm))"
                        #expect(messages.contains { $0.recipient == "kader:\(line.cadreID)" && $0.text.contains(told) }, "\(told)")
                        cadresSent += 1
                    }
                }
                // The keeper updates `moved` from the diff; it must read as the plan's own.
                #expect(keeper.moved == keeper.current?.moved)
            }
        }
        try #require(plans.count >= 3, "closing posts one by one changes the plan")
        #expect(cadresSent > 0, "closing posts sends cadres out")
        let first = try #require(plans.first), last = try #require(plans.last)
        try #require(last.assignments.chunks.count + last.unmet.chunks.count > 1, "the plan must span several chunks")

        for plan in plans { #expect(try keeper.plan(version: plan.version) == plan, "v\(plan.version) reads back") }
        let diff = try #require(try keeper.diff(from: first.version, to: last.version))
        #expect(diff == PlanDiff.between(first, last))

        // One more closure in one kecamatan rebuilds few chunks: the rest are not written again.
        let before = try chunkRows(c)
        let total = [last.assignments.chunks.count, last.cadreAssignments.chunks.count, last.unmet.chunks.count,
                     last.cadreShortages.chunks.count].reduce(0, +)
        let other = try #require(set.playbooks[3].pos.last)
        _ = try c.report(ReportRequest(post: other.id, bidang: "kesehatan", status: "tutup"), actor: Self.op, at: t.addingTimeInterval(60))
        try #require(try keeper.replan(at: t.addingTimeInterval(61)) != nil)
        let written = try chunkRows(c) - before
        #expect(written >= 1 && written < total, "wrote \(written) of \(total) chunks")
        let newest = try #require(keeper.current)
        let stored = try #require(try keeper.plan(version: newest.version))
        #expect(stored == newest)
        // The diff of plans sharing chunks (in memory) is the diff of their stored copies (sharing none).
        #expect(PlanDiff.between(last, newest) == PlanDiff.between(try keeper.plan(version: last.version), stored))
        #expect(!PlanDiff.between(last, newest).isEmpty)

        // A keeper started on the same database continues from the stored plan.
        let restarted = try PlanKeeper(coordinator: c, settings: settings)
        #expect(restarted.current == newest)
        #expect(try restarted.replan(at: t.addingTimeInterval(62)) == nil, "nothing changed since")
    }

    /// Databases from before migration v3 hold each version whole; those still read.
    @Test func aVersionStoredWholeStillReads() throws {
        let set = SamplePlaybooks.set
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: set, routing: Self.routing)
        let keeper = PlanKeeper(fresh: c)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02"], status: "tanggap_darurat"), actor: Self.op, at: Self.t0)
        let post = try #require(set.playbook(kecamatan: "12.75.02")?.pos.first)
        _ = try c.report(ReportRequest(post: post.id, bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0)
        try #require(try keeper.replan(at: Self.t0.addingTimeInterval(1)) != nil)
        var plan = try #require(keeper.current)
        plan.version = 40
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let body = String(decoding: try encoder.encode(plan), as: UTF8.self)
        try c.store.write { tx in
            try tx.db.execute(sql: "INSERT INTO plan (version, at, body, diff, layout) VALUES (40, ?, ?, '{}', 'whole')",
                              arguments: [plan.at.timeIntervalSince1970, body])
        }
        #expect(try PlanKeeper(coordinator: c).current == plan)
        #expect(try keeper.plan(version: 40) == plan)
    }

    /// A stored version whose lines are gone does not keep the daemon from starting: the
    /// keeper starts without it, plans afresh and stores the next version.
    @Test func aDamagedStoredVersionIsSkippedAtStart() throws {
        let set = SamplePlaybooks.set
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: set, routing: Self.routing)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02"], status: "tanggap_darurat"), actor: Self.op, at: Self.t0)
        let post = try #require(set.playbook(kecamatan: "12.75.02")?.pos.first)
        _ = try c.report(ReportRequest(post: post.id, bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0)
        try #require(try PlanKeeper(fresh: c).replan(at: Self.t0.addingTimeInterval(1)) != nil)
        try c.store.write { tx in try tx.db.execute(sql: "DELETE FROM plan_chunk") }

        let keeper = try PlanKeeper(coordinator: c)
        #expect(keeper.current == nil)
        #expect(throws: (any Error).self) { try keeper.plan(version: 1) }
        try #require(try keeper.replan(at: Self.t0.addingTimeInterval(2)) != nil)
        let plan = try #require(keeper.current)
        #expect(plan.version == 2, "numbering continues after the stored version")
        #expect(try keeper.plan(version: 2) == plan)
    }
}

/// The planner service re-plans on the coordinator's change notices.
@Suite struct ChangeNoticeTests {
    @Test func aBurstOfChangesLeavesOnePendingNoticeTheNewest() async throws {
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: SamplePlaybooks.set)
        let t = Date(timeIntervalSince1970: 1_795_400_000)
        for i in 0..<100 { c.noteChange("report \(i)", at: t) }
        var notices = c.changeStream.makeAsyncIterator()
        // A planner busy during the burst plans once more, seeing all of it: not 100 times.
        #expect(await notices.next()?.reason == "report 99")
        #expect(c.changeCount == 100)
    }
}
