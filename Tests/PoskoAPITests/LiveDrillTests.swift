import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PoskoAPI
import PoskoApp
import PoskoCore
import PoskoTesting
import Testing

/// A drill played live on the daemon never mixes with real emergencies.
@Suite struct LiveDrillTests {
    static let scenario = """
    nama: "Latihan langsung"
    mulai: "2026-11-01T06:00:00+07:00"
    durasi: 2h
    injeksi:
      - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: ["12.75.02.1001"], status: siaga_darurat } }
      - { pada: 1h, akhiri: { darurat: 1 } }
    """

    func withServer(_ body: @escaping @Sendable (any TestClientProtocol, APIFixture, LiveDrills) async throws -> Void) async throws {
        let fx = try APIFixture(routing: AlertRouting(smsChannels: ["utama"], webhooks: ["bpbd-binjai"]))
        let drills = LiveDrills(coordinator: fx.coordinator, logger: Logger(label: "test"))
        let app = Application(router: buildRouter(fx.dependencies(drills: drills.control)), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(client, fx, drills) }
    }

    static let op: HTTPFields = [.authorization: "Bearer \(TestTokens.operator_)", .contentType: "application/yaml"]

    @Test func liveDrillMessagesSayLatihanAndRealStateIsUntouched() async throws {
        try await withServer { client, fx, _ in
            let r = try await client.execute(uri: "/v1/drills?speed=3600", method: .post, headers: Self.op, body: ByteBuffer(string: Self.scenario))
            #expect(r.status == .accepted, "\(String(buffer: r.body))")
            var exercise: Emergency?
            for _ in 0..<50 where exercise == nil {
                exercise = try fx.coordinator.store.emergencies().first
                try await Task.sleep(for: .milliseconds(50))
            }
            let e = try #require(exercise)
            #expect(e.exercise)
            let texts = try fx.coordinator.store.messages().map(\.smsText)
            #expect(!texts.isEmpty)
            #expect(texts.allSatisfy { $0.hasPrefix("LATIHAN [POSKO]") })
            // The real continuity view does not see the exercise emergency.
            let states = ContinuityEvaluator.evaluate(fx.coordinator.playbooks, state: try fx.coordinator.store.operationalState(), now: fx.clock.now)
            #expect(!states.contains { $0.affected })
            // Its CAP document is an Exercise.
            let alerts = try fx.coordinator.store.publicAlertEvents()
            let id = try #require(alerts.first?.event.id)
            let cap = String(buffer: try await client.execute(uri: "/v1/alerts/\(id)/cap", method: .get, headers: [.authorization: "Bearer \(TestTokens.viewer)"]).body)
            #expect(cap.contains("<status>Exercise</status>"))
            // Played at 3600×: the end inject comes after about a second.
            var ended = false
            for _ in 0..<60 where !ended {
                ended = try fx.coordinator.store.emergencies(includeEnded: false).isEmpty
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ended)
        }
    }

    /// The README's live drill: the shipped live scenario is accepted and played; the three
    /// virtual-clock scenarios (they report posts closed) are refused with the reason.
    @Test func theShippedLiveScenarioPlaysAndTheOthersAreRefused() async throws {
        try await withServer { client, fx, _ in
            let live = try String(contentsOfFile: RepoPaths.path("Playbooks/latihan/siaga-langsung.yaml"), encoding: .utf8)
            let r = try await client.execute(uri: "/v1/drills?speed=3600", method: .post, headers: Self.op, body: ByteBuffer(string: live))
            #expect(r.status == .accepted, "\(String(buffer: r.body))")
            var declared: Emergency?
            for _ in 0..<50 where declared == nil {
                declared = try fx.coordinator.store.emergencies().first
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(declared?.exercise == true)
            #expect(declared?.areas == ["12.75.02.1001", "12.75.02.1003", "12.75.03.1006"])
            for name in ["banjir-bingai", "banjir-gangguan-sms", "banjir-panjang-kader"] {
                let text = try String(contentsOfFile: RepoPaths.path("Playbooks/latihan/\(name).yaml"), encoding: .utf8)
                let refused = try await client.execute(uri: "/v1/drills?speed=60", method: .post, headers: Self.op, body: ByteBuffer(string: text))
                #expect(refused.status.code / 100 == 4, "\(name): \(refused.status)")
            }
        }
    }

    @Test func aRealEmergencyStopsTheDrill() async throws {
        try await withServer { client, fx, drills in
            let slow = Self.scenario.replacingOccurrences(of: "pada: 1h", with: "pada: 2h")
            let r = try await client.execute(uri: "/v1/drills?speed=1", method: .post, headers: Self.op, body: ByteBuffer(string: slow))
            #expect(r.status == .accepted)
            for _ in 0..<50 where try fx.coordinator.store.emergencies().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            _ = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.03"]), actor: Actor("op", via: .api), at: fx.clock.now)
            var info: LiveDrillInfo?
            for _ in 0..<40 {
                info = drills.control.list().first
                if info?.state == .stopped { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(info?.state == .stopped)
            #expect(info?.stopReason == "keadaan darurat nyata dinyatakan; latihan dihentikan")
            let active = try fx.coordinator.store.emergencies(includeEnded: false)
            #expect(active.count == 1)
            #expect(active.first?.exercise == false)
        }
    }

    @Test func liveDrillsRejectInjectsThatWouldTouchRealPosts() async throws {
        try await withServer { client, _, _ in
            let bad = Self.scenario + "\n  - { pada: 1h30m, lapor: { pos: berngam-1, bidang: semua, status: tutup } }\n"
            let r = try await client.execute(uri: "/v1/drills", method: .post, headers: Self.op, body: ByteBuffer(string: bad))
            #expect(r.status == .unprocessableContent)
            #expect(String(buffer: r.body).contains("a live drill cannot play this inject"))
            // With its file name (as `posko drill --live` sends it) the location names the file.
            let named = try await client.execute(uri: "/v1/drills?file=..%2Fbanjir-x.yaml", method: .post, headers: Self.op, body: ByteBuffer(string: bad))
            #expect(String(buffer: named.body).contains("banjir-x.yaml:"), "\(String(buffer: named.body))")
        }
    }

    /// One drill at a time; a scenario without `akhiri` ends its emergencies at its `durasi`;
    /// a bad `speed` is a 400; the drill's declaration does not ask anyone to LAPOR real posts.
    @Test func aDrillEndsItsEmergenciesAtItsDurationAndRunsAlone() async throws {
        try await withServer { client, fx, drills in
            let open = Self.scenario.replacingOccurrences(of: "\n  - { pada: 1h, akhiri: { darurat: 1 } }", with: "")
                .replacingOccurrences(of: "durasi: 2h", with: "durasi: 1h")
            #expect(!open.contains("akhiri"))
            let bad = try await client.execute(uri: "/v1/drills?speed=abc", method: .post, headers: Self.op, body: ByteBuffer(string: open))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("'speed' must be a number"), "\(String(buffer: bad.body))")
            let r = try await client.execute(uri: "/v1/drills?speed=1800", method: .post, headers: Self.op, body: ByteBuffer(string: open))
            #expect(r.status == .accepted, "\(String(buffer: r.body))")
            let second = try await client.execute(uri: "/v1/drills?speed=1800", method: .post, headers: Self.op, body: ByteBuffer(string: open))
            #expect(second.status == .conflict && String(buffer: second.body).contains("is running; stop it first"), "\(String(buffer: second.body))")
            var info: LiveDrillInfo?
            for _ in 0..<60 {
                info = drills.control.list().first
                if info?.state == .finished { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(info?.state == .finished)
            #expect(try fx.coordinator.store.emergencies(includeEnded: false).isEmpty, "its emergency ended with it")
            let declared = try #require(try fx.coordinator.store.messages().first { $0.kind == "emergency.declared" && $0.recipient.hasPrefix("lurah:") })
            #expect(declared.smsText.contains("Ini latihan: jangan kirim LAPOR.") && !declared.smsText.contains("LAPOR <pos>"), "\(declared.smsText)")
        }
    }

    /// Drills live in memory: a daemon that stopped mid-drill leaves its exercise emergencies
    /// active, and the next start ends them (a real one is left alone).
    @Test func anInterruptedDrillsEmergenciesEndWhenTheDaemonStartsAgain() throws {
        let fx = try APIFixture()
        let op = Actor("op", via: .api)
        let exercise = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: fx.clock.now, exercise: true)
        let real = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.03"]), actor: op, at: fx.clock.now)
        let ended = try LiveDrills(coordinator: fx.coordinator, logger: Logger(label: "test")).endOrphans(at: fx.clock.now)
        #expect(ended == [exercise.id])
        #expect(try fx.coordinator.store.emergencies(includeEnded: false).map(\.id) == [real.id])
    }
}
