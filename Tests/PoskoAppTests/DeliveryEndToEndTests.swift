import Foundation
import PoskoDelivery
import PoskoTesting
import Testing

/// The daemon with a real Kannel (bearerbox + smsbox + fake SMSC) and a real webhook
/// receiver: alerts out by SMS and signed webhook, delivery reports and SMS commands in.
@Suite(.serialized, .enabled(if: KannelHarness.shouldRunTests)) struct DeliveryEndToEndTests {
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func messages(_ daemon: DaemonProcess) async throws -> [[String: Any]] {
        let body = try await daemon.call(.GET, "/v1/messages?limit=500", token: TestTokens.viewer).1
        return ((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
    }

    func eventually(_ timeout: Double = 20, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func floodReachesLurahBySMSAndBPBDBySignedWebhookAndSMSCommandsComeBack() async throws {
        let receiver = try await LoopbackHTTPRecorder.start()
        defer { Task { await receiver.shutdown() } }
        let port = try freeLoopbackPort()
        let kannel = try await KannelHarness.start(.init(moURL: "http://127.0.0.1:\(port)/v1/sms/mo?secret=inbound-secret-for-tests"))
        let daemon = try DaemonProcess(configText: DaemonProcess.kannelConfig(kannel, webhookURL: receiver.baseURL + "/hooks"), port: port)
        // On a failure: the harness's deinit kills its boxes. Its shutdown is awaited at the end
        // (a Task started here would be cut short when the test run ends, leaving bearerbox running).
        defer { daemon.stop() }
        _ = try daemon.dir.write("secrets/kannel.password", kannel.configuration.password + "\n")
        try await daemon.start()
        #expect(daemon.port == port, "\(daemon.stderr)")

        let (status, _) = try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"banjir","areas":["12.75.02.1001","12.75.02.1003"]}"#)
        #expect(status == 201)
        // Every affected lurah and the camat get the SMS through Kannel's fake SMSC.
        for number in ["81300020001", "81300020003", "81100000002"] {
            let text = try await kannel.waitForText(toSuffix: number) { $0.contains("Darurat BANJIR") }
            #expect(text.hasPrefix("[POSKO] Darurat BANJIR (Siaga Darurat) di Kel. Berngam, Kel. Setia."))
            #expect(text.range(of: #"Balas OK [A-Z0-9]{4}$"#, options: .regularExpression) != nil, "\(text)")
        }
        // BPBD gets a webhook whose signature verifies.
        let hooks = try await receiver.waitForRequests(count: 1, timeout: .seconds(20)) { $0.path == "/hooks" }
        let hook = try #require(hooks.first)
        let verifier = WebhookVerifier(secrets: [try WebhookSecret(Self.webhookSecret)])
        #expect(throws: Never.self) {
            try verifier.verify(id: hook.header("webhook-id") ?? "", timestamp: hook.header("webhook-timestamp") ?? "",
                                signature: hook.header("webhook-signature") ?? "", body: hook.body, now: Date())
        }
        #expect(String(decoding: hook.body, as: UTF8.self).contains("emergency.declared"))
        // Kannel's delivery reports mark the SMS delivered.
        #expect(try await eventually {
            let lurah = try await messages(daemon).filter { ($0["recipient"] as? String)?.hasPrefix("lurah:") == true }
            return lurah.count == 2 && lurah.allSatisfy { $0["state"] as? String == "delivered" }
        })

        // A cadre's LAPOR by SMS becomes a report, and the cadre gets a confirmation.
        try await kannel.injectMO(from: "6281200000089", to: "1111", text: "lapor  setia-1 SEMUA tutup air masuk")
        #expect(try await eventually {
            let post = try await daemon.call(.GET, "/v1/posts/setia-1", token: TestTokens.viewer).1
            return post.contains("\"status\":\"tutup\"")
        })
        _ = try await kannel.waitForText(toSuffix: "81200000089") { $0.contains("Laporan diterima: setia-1 SEMUA TUTUP") }

        // The report re-plans: a cadre of the closed post is sent elsewhere and learns where by SMS.
        var cadreMessage: [String: Any]?
        #expect(try await eventually {
            cadreMessage = try await messages(daemon).first { $0["kind"] as? String == "plan.cadre" }
            return cadreMessage != nil
        }, "no plan.cadre alert after setia-1 closed")
        let detail = try await daemon.call(.GET, "/v1/messages/\(cadreMessage?["id"] as? String ?? "")", token: TestTokens.viewer).1
        let routes = try #require((try JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any])?["routes"] as? [[String: Any]])
        let phone = try #require(routes.first?["address"] as? String)
        let plan = try await daemon.call(.GET, "/v1/plan", token: TestTokens.viewer).1
        let cadreID = String((cadreMessage?["recipient"] as? String ?? "").dropFirst("kader:".count))
        #expect(plan.contains(cadreID), "the cadre alerted is not in the current plan: \(plan.prefix(400))")
        let sms = try await kannel.waitForText(toSuffix: String(phone.suffix(11))) { $0.contains("bertugas di") }
        #expect(sms.range(of: #"bertugas di .+ \([a-z0-9-]+\) untuk "#, options: .regularExpression) != nil, "\(sms)")

        // An unknown sender gets a help reply and an audit entry; nothing else changes.
        try await kannel.injectMO(from: "6289999999999", to: "1111", text: "halo")
        _ = try await kannel.waitForText(toSuffix: "89999999999") { $0.contains("belum terdaftar") }
        let audit = try await daemon.call(.GET, "/v1/audit", token: TestTokens.admin).1
        #expect(audit.contains("sms.unknown_sender"))
        #expect(audit.contains("post.report"))

        // A forged callback without the secret is refused.
        let forged = try await daemon.call(.GET, "/v1/sms/mo?from=6281200000089&text=LAPOR%20setia-2%20SEMUA%20TUTUP", token: nil)
        #expect(forged.0 == 403)
        #expect(!daemon.stderr.contains(kannel.configuration.password))

        // Kannel retries a callback it got no answer to (http-request-retry): an MO id is
        // handled once — one report, one reply — and the retry is audited.
        let retried = "/v1/sms/mo?secret=inbound-secret-for-tests&from=6281200000089&to=1111&text=LAPOR%20setia-2%20SEMUA%20TUTUP&id=kannel-mo-7"
        #expect(try await daemon.call(.GET, retried, token: nil).0 == 200)
        #expect(try await daemon.call(.GET, retried, token: nil).0 == 200)
        let replies = try await messages(daemon).filter { ($0["text"] as? String)?.contains("Laporan diterima: setia-2") == true }
        #expect(replies.count == 1)
        let audited = try await daemon.call(.GET, "/v1/audit?limit=500", token: TestTokens.admin).1
        #expect(audited.contains("sms.duplicate"))
        #expect(audited.components(separatedBy: "\"subject\":\"setia-2\"").count - 1 == 1, "one report of setia-2")
        daemon.stop()
        await kannel.shutdown()
    }

    /// Kannel answers `3: Queued` while its SMSC is down and holds the SMS for as long as that
    /// lasts. With no delivery report by `dlr_timeout` the alert goes out on the backup gateway;
    /// when the SMSC comes back, Kannel's late reports (naming its channel) end the alert as
    /// delivered and fail nothing over twice.
    @Test func anSMSQueuedAtKannelGoesOutOnTheBackupGatewayWhenNoReportComes() async throws {
        let backup = try await LoopbackHTTPRecorder.start()
        defer { Task { await backup.shutdown() } }
        let port = try freeLoopbackPort()
        var harness = KannelHarness.Configuration(moURL: "http://127.0.0.1:\(port)/v1/sms/mo?secret=inbound-secret-for-tests")
        harness.startFakeSMSC = false
        let kannel = try await KannelHarness.start(harness)
        let config = DaemonProcess.kannelConfig(kannel, webhookURL: "http://127.0.0.1:9/hooks")
            .replacingOccurrences(of: "sms_order: [kannel-utama]", with: """
                sms_order: [kannel-utama, cadangan]
                  http_sms:
                    - { name: cadangan, url: "\(backup.baseURL)/sms?to={to}&text={text}&ref={reference}" }
                """)
            .replacingOccurrences(of: "/v1/sms/dlr\" }", with: "/v1/sms/dlr\", dlr_timeout: 10s }")
        #expect(config.contains("dlr_timeout: 10s") && config.contains("http_sms:"), "\(config)")
        let daemon = try DaemonProcess(configText: config, port: port)
        // On a failure: the harness's deinit kills its boxes. Its shutdown is awaited at the end
        // (a Task started here would be cut short when the test run ends, leaving bearerbox running).
        defer { daemon.stop() }
        _ = try daemon.dir.write("secrets/kannel.password", kannel.configuration.password + "\n")
        try await daemon.start()

        let declared = Date()
        #expect(try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"banjir","areas":["12.75.02.1001"]}"#).0 == 201)
        let lurahMessage = { () async throws -> [String: Any]? in
            try await messages(daemon).first { $0["recipient"] as? String == "lurah:12.75.02.1001" }
        }
        // Accepted (queued) by Kannel: sent, waiting for a report; nothing on the backup yet.
        #expect(try await eventually { try await lurahMessage()?["state"] as? String == "sent" })
        #expect(backup.requests().isEmpty)

        // No report in 10 s: the backup gateway gets it, with the same reference.
        let viaBackup = try await backup.waitForRequests(timeout: .seconds(30)) { $0.query?.contains("81300020001") == true }
        #expect(Date().timeIntervalSince(declared) >= 9.5, "failed over before dlr_timeout")
        let id = try #require(try await lurahMessage()?["id"] as? String)
        #expect(viaBackup[0].query?.contains("ref=\(id)") == true)
        let detail = try await daemon.call(.GET, "/v1/messages/\(id)", token: TestTokens.viewer).1
        #expect(detail.contains("dlr_timeout") && detail.contains("no delivery report from sms:kannel-utama in time"), "\(detail.prefix(600))")

        // The SMSC comes back: Kannel sends what it held, and its reports (from the channel the
        // alert has left) mark it delivered.
        try await kannel.startFakeSMSC()
        _ = try await kannel.waitForText(toSuffix: "81300020001") { $0.contains("Darurat BANJIR") }
        let delivered = try await eventually { try await lurahMessage()?["state"] as? String == "delivered" }
        let final = try await lurahMessage() ?? [:]
        #expect(delivered, "\(final)")
        #expect(backup.requests().filter { $0.query?.contains("81300020001") == true }.count == 1, "sent on the backup once")
        #expect(!daemon.stderr.contains(kannel.configuration.password))
        daemon.stop()
        await kannel.shutdown()
    }
}
