import Foundation
import PoskoApp
import PoskoCore
import PoskoStorage
import PoskoTesting
import Synchronization
import Testing

/// `posko drill` on the ready-made Binjai scenarios: same pipeline, deterministic reports.
@Suite struct DrillTests {
    static let scenarios = ["banjir-bingai", "banjir-gangguan-sms", "banjir-panjang-kader", "siaga-langsung"]

    @Test(arguments: scenarios)
    func scenarioPlaysAndWritesIdenticalReportsTwice(name: String) async throws {
        let path = RepoPaths.path("Playbooks/latihan/\(name).yaml")
        let boundaries = RepoPaths.path("Config/wilayah/binjai_boundaries.geojson")
        let first = try TempDir(), second = try TempDir()
        defer { first.remove(); second.remove() }
        let a = try await DrillFiles.run(scenarioPath: path, playbooks: nil)
        try DrillFiles.write(a, to: first.path, boundaries: boundaries)
        let b = try await DrillFiles.run(scenarioPath: path, playbooks: nil)
        try DrillFiles.write(b, to: second.path, boundaries: boundaries)
        for file in ["report.md", "report.html", "report.json"] {
            let x = try Data(contentsOf: first.url.appendingPathComponent(file))
            let y = try Data(contentsOf: second.url.appendingPathComponent(file))
            #expect(!x.isEmpty)
            #expect(x == y, "\(file) differs between two runs")
        }
        #expect(a.stoppedEarly == nil)
        #expect(!a.expectations.isEmpty)
        #expect(a.messages.firstAlertMinutes.values.allSatisfy { $0 <= 15 })
        let html = try String(contentsOf: first.url.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("id=\"coverage-timeline\""))
        #expect(html.contains("id=\"coverage-map\""))
        #expect(html.contains("<polyline"))
    }

    /// The river flood closes posts in five kelurahan and the plan serves their demand elsewhere:
    /// the report says where the flood hit and that the plan held, although coverage never fell.
    @Test func theReportShowsWhereDemandWasDisplaced() async throws {
        let r = try await DrillFiles.run(scenarioPath: RepoPaths.path("Playbooks/latihan/banjir-bingai.yaml"), playbooks: nil)
        // berngam-1/2, setia-1, kartini-1 (kesehatan degraded to 20), limau-sundai-1, sukaramai-1.
        #expect(Set(r.peakDisplaced.keys) == ["12.75.02.1001", "12.75.02.1003", "12.75.02.1004", "12.75.03.1003", "12.75.03.1006"])
        #expect(r.peakDisplaced.values.allSatisfy { $0 > 0 && $0 <= 1 })
        // Before the first report nothing is displaced; after the closures Binjai Kota and Binjai Barat are.
        #expect(r.coverage.first?.overallDisplaced == 0)
        let afterClosures = try #require(r.coverage.first { $0.at >= r.start.addingTimeInterval(3 * 3600) })
        #expect(Set(afterClosures.displaced.keys) == ["12.75.02", "12.75.03"])
        #expect(afterClosures.overallDisplaced > 0)
        #expect(r.strengths.contains { $0.hasPrefix("Rencana menjaga cakupan keseluruhan ≥ 80%") })
    }

    @Test func outageFailsOverAndSilentLurahEscalates() async throws {
        let r = try await DrillFiles.run(scenarioPath: RepoPaths.path("Playbooks/latihan/banjir-gangguan-sms.yaml"), playbooks: nil)
        // The primary gateway was down for 6 hours: messages went out through the second one.
        #expect((r.messages.attemptsByChannel["sms:kannel-utama"]?["retryable"] ?? 0) > 0)
        #expect((r.messages.attemptsByChannel["sms:sms-cadangan"]?["sent"] ?? 0) > 0)
        // Two lurah never answer: their alerts go up the chain.
        #expect(r.messages.escalations >= 2)
        #expect(r.timeline.contains { $0.kind == "escalation" })
    }

    /// The main gateway's SMSC is down for three hours (as Kannel does, it takes each SMS and
    /// holds it): after ten minutes without a report the backup gateway sends them, and when
    /// the SMSC is back the held ones go out too; every alert reaches its recipient.
    @Test func anSMSCOutageIsBridgedByTheBackupGateway() async throws {
        let text = """
            nama: smsc
            mulai: "2026-11-01T06:00:00+07:00"
            durasi: 6h
            kanal: { sms: [kannel-utama, sms-cadangan], webhook: [bpbd-binjai] }
            injeksi:
              - { pada: 0m, gangguan: { kanal: kannel-utama, selama: 3h, jenis: smsc } }
              - { pada: 5m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"] } }
            """
        let (parsed, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "s.yaml", playbooks: SamplePlaybooks.set)
        let scenario = try #require(parsed, "\(diagnostics)")
        let r = try await DrillRunner(scenario: scenario, playbooks: SamplePlaybooks.set).run(planning: DrillRunner.Planning.planner)
        #expect(r.timeline.contains { $0.kind == "outage" && $0.text.contains("gateway menahan SMS") })
        let m = r.messages
        #expect((m.attemptsByChannel["dlr"]?["dlr_timeout"] ?? 0) >= 2, "lurah and camat held: \(m.attemptsByChannel)")
        #expect((m.attemptsByChannel["sms:sms-cadangan"]?["sent"] ?? 0) >= 2, "\(m.attemptsByChannel)")
        #expect(m.byState.keys.sorted() == ["delivered"], "\(m.byState)")
        // The lurah learns of the flood from the backup ten minutes on, not three hours later.
        let minutes = try #require(m.firstAlertMinutes.values.max())
        #expect(minutes >= 10 && minutes < 15, "\(m.firstAlertMinutes)")
    }

    @Test func cadresWhoDropOutAreReplacedByThePlan() async throws {
        let r = try await DrillFiles.run(scenarioPath: RepoPaths.path("Playbooks/latihan/banjir-panjang-kader.yaml"), playbooks: nil)
        #expect(r.timeline.contains { $0.kind == "sms" && $0.text.contains("Tercatat TIDAK HADIR") })
        #expect(r.timeline.contains { $0.kind == "plan" })
        #expect(r.events.contains { $0.kind == "cadre.availability" })
        #expect(r.events.contains { $0.kind == "plan.computed" })
        // At 6 h the flood widens to Rambung Timur: its lurah is scored like those of the
        // declaration, and its posts are not silent the moment they come under it.
        #expect(r.messages.firstAlertMinutes["lurah:12.75.05.1008"] != nil)
        #expect(!r.timeline.contains { $0.at == r.start.addingTimeInterval(6 * 3600) && $0.kind == "deadline" }, "\(r.timeline.filter { $0.kind == "deadline" })")
    }

    /// With its only SMS gateway's SMSC down, the declaration waits at the gateway: the lurah is
    /// informed when it is released (not "never"), and answers it then.
    @Test func anSMSHeldByADownSMSCCountsWhenItIsDelivered() async throws {
        let text = """
        nama: x
        mulai: "2026-11-01T06:00:00+07:00"
        durasi: 3h
        balasan: { konfirmasi: 1.0, jeda: 10m }
        injeksi:
          - { pada: 0m, gangguan: { kanal: sms-utama, selama: 1h, jenis: smsc } }
          - { pada: 5m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"] } }
        harapan:
          - { jenis: lurah_terinformasi, dalam: 15m }
        """
        let result = try await playWithPlanner(text).result
        let minutes = try #require(result.messages.firstAlertMinutes["lurah:12.75.02.1001"], "\(result.messages.firstAlertMinutes)")
        #expect((55...56).contains(minutes), "released when the SMSC came back: \(minutes)")
        #expect(result.expectations.first?.passed == false)
        #expect(result.messages.acknowledged > 0, "the lurah and camat answer once it arrives")
    }

    /// An inject the pipeline refuses at play time (here a second banjir over an area already
    /// flooded) did not happen: the report names it among the gaps.
    @Test func anInjectThatFailsIsAGapInTheReport() async throws {
        let text = """
        nama: x
        mulai: "2026-11-01T06:00:00+07:00"
        durasi: 3h
        injeksi:
          - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02"] } }
          - { pada: 1h, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"] } }
        """
        let (result) = try await playWithPlanner(text).result
        #expect(result.timeline.contains { $0.kind == "error" })
        #expect(result.gaps.contains { $0.hasPrefix("1 injeksi tidak dapat dijalankan, pertama: Inject di s.yaml:") }, "\(result.gaps)")
    }

    /// A scenario named from inside latihan/ finds the playbooks above it.
    @Test func theDefaultPlaybooksAreAboveTheScenariosDirectoryFromAnywhere() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(DrillFiles.defaultPlaybooks(for: "banjir-bingai.yaml") == URL(fileURLWithPath: cwd).deletingLastPathComponent().path)
        #expect(DrillFiles.defaultPlaybooks(for: "Playbooks/latihan/banjir-bingai.yaml") == cwd + "/Playbooks")
        #expect(DrillFiles.defaultPlaybooks(for: "/srv/posko/Playbooks/latihan/x.yaml") == "/srv/posko/Playbooks")
    }

    @Test(arguments: [
        ("injeksi:\n  - { pada: 2h, lapor: { pos: tidak-ada, bidang: semua, status: tutup } }\n", "unknown post 'tidak-ada'"),
        ("injeksi:\n  - { pada: 2h, akhiri: { darurat: 1 } }\n  - { pada: 1h, akhiri: { darurat: 1 } }\n", "darurat 1 has not been declared yet"),
        ("injeksi:\n  - { pada: 1h, nyatakan: { bahaya: banjir, wilayah: [\"12.75.02\"] } }\n  - { pada: 30m, akhiri: { darurat: 1 } }\n", "injects must be in time order: 30m comes after 1h"),
        ("injeksi:\n  - { pada: \"2026-10-31T23:00:00+07:00\", nyatakan: { bahaya: banjir, wilayah: [\"12.75.02\"] } }\n", "is before the drill starts"),
        ("injeksi:\n  - { pada: 1h, gangguan: { kanal: tidak-ada, selama: 1h } }\n", "unknown channel 'tidak-ada'"),
        ("injeksi:\n  - { pada: 1h, gangguan: { kanal: sms-utama, selama: 1h, jenis: hujan } }\n", "gangguan.jenis must be putus"),
        ("injeksi:\n  - { pada: 1h, gangguan: { kanal: bpbd-binjai, selama: 1h, jenis: smsc } }\n", "jenis smsc is for an SMS channel"),
        ("injeksi:\n  - { pada: 1h, lapor: { pos: berngam-2, bidang: pendidikan, status: tutup } }\n", "post 'berngam-2' does not serve pendidikan"),
        ("injeksi:\n  - { pada: 1h, lapor: { pos: berngam-1, bidang: kesehatan, status: terganggu, kapasitas: 500 } }\n",
         "capacity 500 exceeds the post's kapasitas 80 for kesehatan"),
        ("injeksi:\n  - { pada: 1h, lapor: { pos: berngam-1, bidang: semua, status: tutup, kapasitas: 5 } }\n", "capacity is only reported with status terganggu"),
        ("injeksi:\n  - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: [\"12.75.02\"] } }\n  - { pada: 1h, akhiri: { darurat: 1 } }\n"
         + "  - { pada: 2h, ubah: { darurat: 1, status: tanggap_darurat } }\n", "darurat 1 has already ended"),
        ("injeksi:\n  - { pada: 1h, diam: [\"lurah 12.75.04.1001\"] }\n", "unknown recipient 'lurah 12.75.04.1001'"),
    ])
    func badScenariosAreReportedWithLocations(injects: String, message: String) throws {
        let text = "nama: x\nmulai: \"2026-11-01T06:00:00+07:00\"\ndurasi: 72h\n" + injects
        let (scenario, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "s.yaml", playbooks: SamplePlaybooks.set)
        #expect(scenario == nil)
        let errors = diagnostics.errors
        #expect(errors.contains { $0.message.contains(message) }, "\(errors)")
        #expect(errors.allSatisfy { $0.file == "s.yaml" && $0.line > 1 })
    }

    /// Parses `text` (a scenario over the sample playbooks) and plays it with the daemon's planner.
    private func playWithPlanner(_ text: String) async throws -> (scenario: DrillScenario, result: DrillResult) {
        let (parsed, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "s.yaml", playbooks: SamplePlaybooks.set)
        let scenario = try #require(parsed, "\(diagnostics)")
        return (scenario, try await DrillRunner(scenario: scenario, playbooks: SamplePlaybooks.set).run(planning: DrillRunner.Planning.planner))
    }

    /// Every open post checks in before its deadline (lapor_rutin 1); berngam-1 is closed from
    /// 10 minutes to 30 hours, silent meanwhile, then reports `berjalan`.
    static let closedForADay = """
        nama: rutin
        mulai: "2026-11-01T06:00:00+07:00"
        durasi: 48h
        balasan: { lapor_rutin: 1 }
        injeksi:
          - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"] } }
          - { pada: 10m, lapor: { pos: berngam-1, bidang: semua, status: tutup } }
          - { pada: 30h, lapor: { pos: berngam-1, bidang: semua, status: berjalan } }
        """

    @Test func closedPostsSkipRoutineCheckInsUntilTheyReopen() async throws {
        // berngam-1 must not check in while closed, then checks in again.
        let (scenario, r) = try await playWithPlanner(Self.closedForADay)
        func checkIns(_ post: String, _ hours: ClosedRange<Double>) -> Int {
            r.events.filter {
                $0.kind == "post.checkin" && $0.subject == post
                    && hours.contains($0.at.timeIntervalSince(scenario.mulai) / 3600)
            }.count
        }
        #expect(checkIns("berngam-1", 0.2...30) == 0)
        #expect(checkIns("berngam-1", 30...48) >= 2)
        #expect(checkIns("berngam-2", 0...30) >= 4)
    }

    @Test func aVersionWhoseExplanationsAloneChangedSaysSo() async throws {
        // Closed berngam-1 misses its check-in deadline while every other post checks in: its
        // lines now say "tidak melapor" instead of "tutup", a new version that moves nothing.
        let (_, r) = try await playWithPlanner(Self.closedForADay)
        let plans = r.timeline.filter { $0.kind == "plan" }.map(\.text)
        #expect(plans.contains { $0.contains("perubahan;") }, "\(plans)")
        #expect(plans.contains { $0.contains("penugasan tetap, penjelasan diperbarui;") }, "\(plans)")
        #expect(!plans.contains { $0.contains(" 0 perubahan") }, "\(plans)")
    }

    @Test func overrideInjectsReachThePlanner() async throws {
        // berngam-1 closes; its first fallback berngam-3 takes the demand until the coordinator
        // forbids berngam-3 as a target an hour later.
        let text = """
            nama: override
            mulai: "2026-11-01T06:00:00+07:00"
            durasi: 3h
            injeksi:
              - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"] } }
              - { pada: 10m, lapor: { pos: berngam-1, bidang: semua, status: tutup } }
              - { pada: 1h, override: { jenis: forbid_post, pos: berngam-3, catatan: "akses jalan putus" } }
            """
        let (parsed, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "o.yaml", playbooks: SamplePlaybooks.set)
        let scenario = try #require(parsed, "\(diagnostics)")
        let keeper = Mutex<PlanKeeper?>(nil)
        let r = try await DrillRunner(scenario: scenario, playbooks: SamplePlaybooks.set).run { coordinator in
            let k = PlanKeeper(fresh: coordinator)
            keeper.withLock { $0 = k }
            return .planner(k)
        }
        let k = try #require(keeper.withLock { $0 })
        let versions = try (1...(try #require(k.current?.version))).compactMap { try k.plan(version: $0) }
        let overrideAt = scenario.mulai.addingTimeInterval(3600)
        let before = try #require(versions.last { $0.at < overrideAt })
        let after = try #require(versions.last)
        #expect(before.assignments.contains { $0.from == "berngam-1" && $0.to == "berngam-3" }, "the fallback serves first")
        #expect(after.at >= overrideAt)
        #expect(!after.assignments.contains { $0.to == "berngam-3" })
        #expect(after.assignments.contains { $0.from == "berngam-1" }, "the demand goes elsewhere")
        #expect(r.timeline.contains { $0.kind == "inject" && $0.text == "Override O-1: larang pos berngam-3 sebagai tujuan" })
        #expect(r.events.contains { $0.kind == "override.set" && $0.subject == "O-1" })
    }

    @Test(arguments: [
        ("{ jenis: sematkan, dari: berngam-1, ke: berngam-3 }", "unknown jenis 'sematkan'"),
        ("{ jenis: pin, dari: berngam-1, ke: berngam-3 }", "override pin needs 'dari', 'ke', 'bidang' ('bidang' is missing)"),
        ("{ jenis: forbid_arc, dari: berngam-1, ke: tidak-ada }", "unknown post 'tidak-ada'"),
        ("{ jenis: forbid_post, pos: berngam-3, bidang: gizi }", "unknown bidang 'gizi'"),
    ])
    func badOverrideInjectsAreReportedWithLocations(override: String, message: String) throws {
        let text = "nama: x\nmulai: \"2026-11-01T06:00:00+07:00\"\ndurasi: 3h\ninjeksi:\n  - { pada: 1h, override: \(override) }\n"
        let (scenario, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "s.yaml", playbooks: SamplePlaybooks.set)
        #expect(scenario == nil)
        #expect(diagnostics.errors.contains { $0.message.contains(message) && $0.line == 5 }, "\(diagnostics.errors)")
    }

    @Test func aScenarioLongerThanTheHorizonIsRejected() {
        let text = "nama: x\nmulai: \"2026-11-01T06:00:00+07:00\"\ndurasi: 30d\ninjeksi: []\n"
        let (scenario, diagnostics) = DrillScenarioParser.parse(Data(text.utf8), file: "s.yaml", playbooks: SamplePlaybooks.set)
        #expect(scenario == nil)
        #expect(diagnostics.errors.map(\.message) == ["durasi 30d is longer than the drill horizon of 14d"])
    }

    @Test func aRunawayDrillStopsWithAClearMessage() async throws {
        let path = RepoPaths.path("Playbooks/latihan/banjir-bingai.yaml")
        let (scenario, _) = DrillScenarioParser.parse(try Data(contentsOf: URL(fileURLWithPath: path)), file: path, playbooks: SamplePlaybooks.set)
        let r = try await DrillRunner(scenario: try #require(scenario), playbooks: SamplePlaybooks.set, maxSteps: 20).run()
        #expect(r.stoppedEarly?.hasPrefix("latihan dihentikan setelah 20 langkah") == true)
        #expect(r.gaps.contains { $0.hasPrefix("Latihan dihentikan setelah 20 langkah") })
    }
}
