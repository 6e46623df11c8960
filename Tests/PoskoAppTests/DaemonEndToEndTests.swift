import Foundation
import PoskoStorage
import PoskoTesting
import Testing

/// The README's story, on the real executable: start, declare a flood, report posts closed,
/// see coverage drop, reload on SIGHUP (good and bad edits), stop on SIGTERM.
@Suite(.serialized) struct DaemonEndToEndTests {
    @Test func operatorSessionFromStartToSIGTERM() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        #expect(daemon.port > 0, "\(daemon.stderr)")
        #expect(try await daemon.call(.GET, "/readyz", token: nil).0 == 200)

        let (declared, body) = try await daemon.call(.POST, "/v1/emergencies",
            body: #"{"hazard":"banjir","areas":["12.75.02.1001","12.75.02.1003"],"status":"tanggap_darurat"}"#)
        #expect(declared == 201, "\(body)")
        let before = try await daemon.call(.GET, "/v1/continuity", token: TestTokens.viewer).1
        for post in ["berngam-1", "berngam-2", "setia-1"] {
            let (status, _) = try daemon.cli(["report", post, "semua", "tutup", "--note", "banjir"])
            #expect(status == 0)
        }
        let after = try await daemon.call(.GET, "/v1/continuity", token: TestTokens.viewer).1
        // The closed posts' demand is displaced (the planner may already have moved it, so the
        // total served is not compared here).
        #expect(Self.number(before, "totalDisplaced") == 0)
        #expect(Self.number(after, "totalDisplaced") > 0)
        #expect(after.contains("\"postID\":\"setia-1\""))

        // The planner moves the displaced demand and says so in the continuity view.
        var planned = false
        for _ in 0..<100 where !planned {
            let plan = try await daemon.call(.GET, "/v1/plan", token: TestTokens.viewer)
            planned = plan.0 == 200 && plan.1.contains("\"from\":\"berngam-1\"")
            if !planned { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(planned, "no plan moved berngam-1's demand")
        // The diff from the previous version; a version that does not exist or is no number is an error.
        let diff = try await daemon.call(.GET, "/v1/plan/diff", token: TestTokens.viewer)
        #expect(diff.0 == 200 && diff.1.contains("\"toVersion\""), "\(diff)")
        let missing = try await daemon.call(.GET, "/v1/plan/diff?from=999", token: TestTokens.viewer)
        #expect(missing.0 == 404 && missing.1.contains("plan version 999 does not exist"), "\(missing)")
        let junk = try await daemon.call(.GET, "/v1/plan/diff?from=abc", token: TestTokens.viewer)
        #expect(junk.0 == 400 && junk.1.contains("\"field\":\"from\""), "\(junk)")
        let afterPlan = try await daemon.call(.GET, "/v1/continuity", token: TestTokens.viewer).1
        #expect(afterPlan.contains("\"planVersion\""))
        // Berngam's own posts serve 37 of 170 for kesehatan; the plan serves more of it elsewhere.
        #expect(Self.cellServed(afterPlan, kelurahan: "12.75.02.1001", bidang: "kesehatan") > 37)

        let (statusCode, status) = try daemon.cli(["status"])
        #expect(statusCode == 0)
        #expect(status.contains("banjir"))
        #expect(status.contains("tanggap_darurat"))
        #expect(status.contains("Cakupan layanan:"))
        #expect(status.contains("rencana v"))
        // The drop shows even when the plan covers it: the coverage without the plan, and
        // Berngam's kesehatan among the cells whose own posts closed.
        let withoutPlan = status.firstMatch(of: /tanpa rencana ([0-9.]+)%/).flatMap { Double($0.1) }
        #expect(withoutPlan.map { $0 < 100 } == true, "\(status)")
        #expect(status.split(separator: "\n").contains { $0.hasPrefix("12.75.02.1001") && $0.contains("kesehatan") }, "\(status)")

        // A good edit is picked up on SIGHUP...
        let digest0 = try Self.digest(await daemon.call(.GET, "/readyz", token: nil).1)
        let file = daemon.dir.path + "/Playbooks/12.75.02-binjai-kota.yaml"
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "Posyandu Melati Berngam (contoh)", with: "Posyandu Melati Baru (contoh)")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let digest1 = try await Self.waitForDigestChange(daemon, from: digest0)
        #expect(digest1 != digest0)
        #expect(try await daemon.call(.GET, "/v1/posts/berngam-1", token: TestTokens.viewer).1.contains("Posyandu Melati Baru"))

        // ...a bad one is rejected and the live set stays.
        try (text + "\nbogus_key: 1\n").write(toFile: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(800))
        #expect(try Self.digest(await daemon.call(.GET, "/readyz", token: nil).1) == digest1)
        let audit = try await daemon.call(.GET, "/v1/audit", token: TestTokens.admin).1
        #expect(audit.contains("playbooks.reload_rejected"))
        #expect(daemon.stderr.contains("unknown key 'bogus_key'"))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        #expect(daemon.stderr.contains("posko stopped"))
        // Secrets never reach the log.
        #expect(!daemon.stderr.contains(TestTokens.operator_))
    }

    @Test func cliListsAlertsAndStartsALiveDrill() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        #expect(try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"banjir","areas":["12.75.02.1001"]}"#).0 == 201)
        let (code, listing) = try daemon.cli(["alerts"])
        #expect(code == 0)
        #expect(listing.contains("bpbd:bpbd-binjai"))
        #expect(listing.contains("emergency.declared"))
        let scenario = try daemon.dir.write("latihan.yaml", """
            nama: "Latihan CLI"
            mulai: "2026-11-01T06:00:00+07:00"
            durasi: 1h
            injeksi:
              - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: ["12.75.05"] } }
            """)
        let (drillCode, started) = try daemon.cli(["drill", "--live", scenario, "--speed", "60"])
        // A real emergency is active: the drill waits its turn, with a clear reason.
        #expect(drillCode == 1)
        #expect(started.contains("a real emergency is active; drills wait until it has ended"), "\(started)")
        let id = try #require(try JSONSerialization.jsonObject(with: Data(try await daemon.call(.GET, "/v1/emergencies", token: TestTokens.viewer).1.utf8))
            as? [String: Any]).flatMap { ($0["emergencies"] as? [[String: Any]])?.first?["id"] as? String }
        #expect(try await daemon.call(.POST, "/v1/emergencies/\(id ?? "")/end").0 == 200)
        let (okCode, ok) = try daemon.cli(["drill", "--live", scenario, "--speed", "60"])
        #expect(okCode == 0)
        #expect(ok.contains("Latihan langsung L-"), "\(ok)")
    }

    /// An operator backs the database up while the daemon runs and writes; the copy opens
    /// with what was declared. A backup never overwrites a file.
    @Test func aBackupTakenWhileTheDaemonRunsHoldsItsState() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        #expect(try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"banjir","areas":["12.75.02.1001"]}"#).0 == 201)
        // Reports keep coming while the copy is taken.
        let writing = Task {
            for i in 0..<40 {
                _ = try? await daemon.call(.POST, "/v1/reports", body: #"{"post":"berngam-\#(i % 3 + 1)","bidang":"kesehatan","status":"\#(i % 2 == 0 ? "tutup" : "berjalan")"}"#)
            }
        }
        let out = daemon.dir.path + "/cadangan.sqlite"
        let (code, text) = try daemon.cli(["backup", "--state-directory", daemon.dir.path + "/state", "--out", out], client: false)
        await writing.value
        #expect(code == 0, "\(text)")
        #expect(text.contains("Cadangan tersimpan: \(out)") && text.contains("pemeriksaan integritas: ok"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the copy holds names and phone numbers: owner only")

        let restored = daemon.dir.path + "/restored"
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: out, toPath: restored + "/posko.sqlite")
        let store = try PoskoStore.open(directory: restored)
        #expect(try store.emergencies().map(\.areas) == [["12.75.02.1001"]])

        let (again, refused) = try daemon.cli(["backup", "--state-directory", daemon.dir.path + "/state", "--out", out], client: false)
        #expect(again == 1)
        #expect(refused.contains("posko: backup failed: \(out) exists; a backup does not overwrite a file"), "\(refused)")
        let (missing, none) = try daemon.cli(["backup", "--state-directory", daemon.dir.path + "/nowhere", "--out", out + "2"], client: false)
        #expect(missing == 1)
        #expect(none.contains("no Posko database at"), "\(none)")
        let (noDir, noDirText) = try daemon.cli(["backup", "--state-directory", daemon.dir.path + "/state", "--out", daemon.dir.path + "/nope/x.sqlite"], client: false)
        #expect(noDir == 1)
        #expect(noDirText.contains("cannot create \(daemon.dir.path)/nope/x.sqlite.partial"), "\(noDirText)")
    }

    @Test func stateSurvivesRestart() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        #expect(try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"banjir","areas":["12.75.03"]}"#).0 == 201)
        // Within a few seconds it is in the database file itself, not only in the write-ahead
        // log (the daemon checkpoints every 0.2 s): a power cut would keep it.
        var inFile = false
        for _ in 0..<50 where !inFile {
            try await Task.sleep(for: .milliseconds(100))
            inFile = try withDatabaseFileAlone(daemon.dir.path + "/state/posko.sqlite") { try $0.emergencies().count } == 1
        }
        #expect(inFile)
        daemon.signal(SIGKILL)
        _ = try await daemon.waitForExit()
        let second = try DaemonProcess(configText: try String(contentsOfFile: daemon.dir.path + "/posko.yaml", encoding: .utf8))
        defer { second.stop() }
        try await second.start()
        let list = try await second.call(.GET, "/v1/emergencies", token: TestTokens.viewer).1
        #expect(list.contains("12.75.03"))
    }

    @Test func badConfigFailsWithOneLine() async throws {
        let daemon = try DaemonProcess(configText: "listen: { host: 127.0.0.1, port: 70000 }\nlisten_typo: 1\n")
        defer { daemon.stop() }
        try await daemon.start()
        #expect(try await daemon.waitForExit() == 1)
        let lines = daemon.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(daemon.stderr)")
        #expect(daemon.stderr.contains("listen.port must be between 0 and 65535, found 70000"))
        #expect(daemon.stderr.contains("unknown key 'listen_typo'"))
    }

    @Test func busyPortFailsWithOneLine() async throws {
        let first = try DaemonProcess()
        defer { first.stop() }
        try await first.start()
        let second = try DaemonProcess(port: first.port)
        defer { second.stop() }
        try await second.start()
        #expect(try await second.waitForExit() == 1)
        #expect(second.stderr.contains("posko: cannot listen on 127.0.0.1:\(first.port): address already in use"), "\(second.stderr)")
    }

    @Test func unwritableStateDirectoryFailsWithOneLine() async throws {
        let daemon = try DaemonProcess(configText: DaemonProcess.defaultConfig.replacingOccurrences(of: "{dir}/state", with: "/proc/posko-state"))
        defer { daemon.stop() }
        try await daemon.start()
        #expect(try await daemon.waitForExit() == 1)
        #expect(daemon.stderr.hasPrefix("posko: "), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("/proc/posko-state"))
        #expect(daemon.stderr.split(separator: "\n").count == 1)
    }

    static func number(_ json: String, _ key: String) -> Int {
        guard let d = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return -1 }
        return d[key] as? Int ?? -1
    }

    static func cellServed(_ json: String, kelurahan: String, bidang: String) -> Int {
        guard let d = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let cells = d["cells"] as? [[String: Any]] else { return -1 }
        return cells.first { $0["kelurahan"] as? String == kelurahan && $0["bidang"] as? String == bidang }?["served"] as? Int ?? -1
    }

    static func digest(_ json: String) throws -> String {
        let d = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return d?["playbooks"] as? String ?? ""
    }

    static func waitForDigestChange(_ daemon: DaemonProcess, from old: String) async throws -> String {
        for _ in 0..<100 {
            let d = try digest(await daemon.call(.GET, "/readyz", token: nil).1)
            if d != old { return d }
            try await Task.sleep(for: .milliseconds(50))
        }
        return old
    }
}
