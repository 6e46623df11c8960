import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PoskoAPI
import PoskoCore
import PoskoStorage
import PoskoTesting
import Testing

/// BMKG CAP alerts in through `POST /v1/cap`, Posko's own CAP documents out.
@Suite struct CAPAPITests {
    static let bmkg = "data/bmkg/CSU20260924001_alert.xml"
    /// The Binjai kelurahan the BMKG alert's polygon 33 touches (computed independently; see GeoAreaMatcherTests).
    static let touched = ["12.75.01.1007", "12.75.01.1008", "12.75.01.1009", "12.75.04.1006", "12.75.04.1007"]

    /// 2026-09-24 14:00 WIB: the BMKG alert was sent at 13:25 and is in force until 16:55.
    static let received = Date(timeIntervalSince1970: 1_790_233_200)

    func withServer(_ body: @escaping @Sendable (any TestClientProtocol, APIFixture) async throws -> Void) async throws {
        let fx = try APIFixture(start: Self.received, routing: AlertRouting(smsChannels: ["utama"], webhooks: ["bpbd-binjai"]))
        let app = Application(router: buildRouter(fx.dependencies()), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(client, fx) }
    }

    static let op: HTTPFields = [.authorization: "Bearer \(TestTokens.operator_)", .contentType: "application/xml"]

    static func outcome(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    static func variant(_ xml: String, identifier: String, msgType: String? = nil, status: String? = nil, references: String? = nil) -> String {
        var x = xml.replacingOccurrences(of: "<identifier>2.49.0.1.360.0.2026.09.24.07.12.001</identifier>", with: "<identifier>\(identifier)</identifier>")
        if let msgType { x = x.replacingOccurrences(of: "<msgType>Alert</msgType>", with: "<msgType>\(msgType)</msgType>") }
        if let status { x = x.replacingOccurrences(of: "<status>Actual</status>", with: "<status>\(status)</status>") }
        if let references { x = x.replacingOccurrences(of: "<scope>Public</scope>", with: "<scope>Public</scope>\n  <references>\(references)</references>") }
        return x
    }

    @Test func bmkgAlertOpensExactlyTheTouchedKelurahanAndItsCancelWithdrawsIt() async throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let xml = try String(contentsOfFile: path, encoding: .utf8)
        try await withServer { client, fx in
            let r = try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: xml))
            #expect(r.status == .ok)
            let o = try Self.outcome(r)
            #expect(o["decision"] as? String == "open banjir over 5 kelurahan")
            let emergency = try #require(o["emergency"] as? [String: Any])
            #expect(emergency["areas"] as? [String] == Self.touched)
            #expect(emergency["status"] as? String == "siaga_darurat")
            let matches = try #require(o["matches"] as? [[String: Any]])
            #expect(matches.allSatisfy { ($0["reason"] as? String)?.contains("poligon 34 dari peringatan BMKG memotong batas Kel.") == true })
            // Lurah of the five kelurahan and both camat are alerted in the same transaction.
            let recipients = Set(try fx.coordinator.store.messages().map(\.recipient))
            #expect(recipients.isSuperset(of: Set(Self.touched.map { "lurah:\($0)" })))

            // /metrics counts it among the active emergencies, opened by CAP.
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("posko_emergencies_active{hazard=\"banjir\",source=\"cap\"} 1"), "\(metrics)")

            // A replay changes nothing.
            let again = try Self.outcome(try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: xml)))
            #expect(again["decision"] as? String == "duplicate: already received")
            #expect(try fx.coordinator.store.emergencies().count == 1)

            // Its Cancel withdraws the emergency.
            let cancel = Self.variant(xml, identifier: "2.49.0.1.360.0.2026.09.24.07.12.002", msgType: "Cancel",
                                      references: "cuaca.ekstrem@bmkg.go.id,2.49.0.1.360.0.2026.09.24.07.12.001,2026-09-24T13:25:00+07:00")
            let c = try Self.outcome(try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: cancel)))
            #expect((c["decision"] as? String)?.hasPrefix("withdraw D-") == true)
            #expect(try fx.coordinator.store.emergencies(includeEnded: false).isEmpty)
            let after = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(after.contains("posko_emergencies_active{hazard=\"banjir\",source=\"cap\"} 0"), "\(after)")
        }
    }

    /// A feed replaying old items, or an alert delivered late: once every info has expired,
    /// nobody is alerted about a hazard that is over.
    @Test func anAlertReceivedAfterItExpiredChangesNothing() async throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let fx = try APIFixture(start: Date(timeIntervalSince1970: 1_790_243_700 + 60), routing: AlertRouting(smsChannels: ["utama"], webhooks: ["bpbd-binjai"]))
        let outcome = try fx.capIntake.ingest(try Data(contentsOf: URL(fileURLWithPath: path)), actor: Actor("op", via: .api), at: fx.clock.now)
        #expect(outcome.decision == "ignored: the alert expired at 2026-09-24T16:55:00+07:00, before it was received")
        #expect(outcome.emergency == nil)
        #expect(try fx.coordinator.store.emergencies().isEmpty)
        #expect(try fx.coordinator.store.messages().isEmpty)
    }

    /// Two banjir emergencies are active; the alert's kelurahan in Binjai Timur are already in the
    /// second one. Only the three uncovered kelurahan are added, to the emergency that covers the
    /// alert most; the first (Berngam alone) is left as it was.
    @Test func anAlertWidensTheEmergencyThatCoversItNotTheFirstOfItsHazard() throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let fx = try APIFixture(start: Self.received)
        let op = Actor("op", via: .api)
        let berngam = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"], status: "tanggap_darurat"), actor: op, at: fx.clock.now)
        let timur = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.04"], status: "tanggap_darurat"), actor: op, at: fx.clock.now)
        let outcome = try fx.capIntake.ingest(try Data(contentsOf: URL(fileURLWithPath: path)), actor: op, at: fx.clock.now)
        #expect(outcome.decision == "widen \(timur.id) to 4 kelurahan")
        let now = Dictionary(uniqueKeysWithValues: try fx.coordinator.store.emergencies().map { ($0.id, $0.areas) })
        #expect(now[timur.id] == ["12.75.01.1007", "12.75.01.1008", "12.75.01.1009", "12.75.04"])
        #expect(now[berngam.id] == ["12.75.02.1001"])
        #expect(now.count == 2)
    }

    /// A small CAP 1.2 alert naming kelurahan by Kemendagri geocode.
    static func geocoded(_ identifier: String, msgType: String = "Alert", references: [String] = [], kelurahan: [String]) -> Data {
        let refs = references.isEmpty ? "" : "<references>" + references.map { "bmkg@test,\($0),2026-09-24T13:00:00+07:00" }.joined(separator: " ") + "</references>"
        let areas = kelurahan.map { "<area><areaDesc>Kel. \($0)</areaDesc><geocode><valueName>KEMENDAGRI</valueName><value>\($0)</value></geocode></area>" }.joined()
        return Data("""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>\(identifier)</identifier><sender>bmkg@test</sender>
            <sent>2026-09-24T13:30:00+07:00</sent><status>Actual</status><msgType>\(msgType)</msgType><scope>Public</scope>\(refs)
            <info><category>Met</category><event>Banjir</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
            <expires>2026-09-24T20:00:00+07:00</expires><headline>Banjir</headline>\(areas)</info></alert>
            """.utf8)
    }

    /// Two BMKG alerts merged into one emergency: updating or cancelling one takes away only its
    /// own kelurahan (a cancel of one ended the whole emergency, an update dropped the other's
    /// areas); cancelling the last ends it.
    @Test func cancellingOneOfTwoMergedAlertsKeepsTheOthersAreas() throws {
        let fx = try APIFixture(start: Self.received)
        let cap = fx.capIntake
        let op = Actor("bmkg", via: .cap)
        func ingest(_ d: Data) throws -> Coordinator.CAPOutcome { try cap.ingest(d, actor: op, at: fx.clock.now) }
        let first = try ingest(Self.geocoded("A1", kelurahan: ["12.75.02.1001"]))
        let e = try #require(first.emergency)
        #expect(try ingest(Self.geocoded("B1", kelurahan: ["12.75.03.1001"])).decision == "widen \(e.id) to 2 kelurahan")
        // A1 is updated to Setia: Bandar Senembah (B1's) stays.
        let updated = try ingest(Self.geocoded("A2", msgType: "Update", references: ["A1"], kelurahan: ["12.75.02.1003"]))
        #expect(updated.emergency?.areas == ["12.75.02.1003", "12.75.03.1001"], "\(updated)")
        // B1 is cancelled: A2's Setia stays, the emergency goes on.
        let cancelled = try ingest(Self.geocoded("B2", msgType: "Cancel", references: ["B1"], kelurahan: []))
        #expect(cancelled.decision == "update \(e.id) to 1 kelurahan", "\(cancelled)")
        #expect(try fx.coordinator.store.emergencies(includeEnded: false).first?.areas == ["12.75.02.1003"])
        // A2 cancelled too: nothing of it is left, so it ends.
        let last = try ingest(Self.geocoded("A3", msgType: "Cancel", references: ["A2"], kelurahan: []))
        #expect(last.decision == "withdraw \(e.id)")
        #expect(try fx.coordinator.store.emergencies(includeEnded: false).isEmpty)
    }

    /// A BMKG alert reaching past an operator's flood widens it; when the alert has expired,
    /// the kelurahan it added leave again and the operator's own stay — unless the operator has
    /// set the areas since (they are the operator's then).
    @Test func kelurahanABMKGAlertAddedToAnOperatorsEmergencyLeaveWhenItExpires() throws {
        let expires = Date(timeIntervalSince1970: 1_790_254_800)  // 2026-09-24T20:00:00+07:00
        for operatorSetsAreas in [false, true] {
            let fx = try APIFixture(start: Self.received)
            let op = Actor("op", via: .api)
            let e = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: fx.clock.now)
            let widened = try fx.capIntake.ingest(Self.geocoded("A1", kelurahan: ["12.75.02.1001", "12.75.02.1003"]),
                                                  actor: Actor("bmkg", via: .cap), at: fx.clock.now)
            #expect(widened.emergency?.areas == ["12.75.02.1001", "12.75.02.1003"])
            #expect(widened.emergency?.capAreas == ["12.75.02.1003"])
            if operatorSetsAreas {
                _ = try fx.coordinator.change(e.id, ChangeRequest(areas: ["12.75.02.1001", "12.75.02.1003"]), actor: op, at: fx.clock.now)
            }
            #expect(try fx.coordinator.lowerExpiredCAP(at: expires.addingTimeInterval(3600), grace: 7200).isEmpty)
            let lowered = try fx.coordinator.lowerExpiredCAP(at: expires.addingTimeInterval(7201), grace: 7200)
            let now = try #require(try fx.coordinator.store.emergencies(includeEnded: false).first)
            #expect(now.id == e.id && now.isActive, "the operator's emergency goes on")
            if operatorSetsAreas {
                #expect(lowered.isEmpty)
                #expect(now.areas == ["12.75.02.1001", "12.75.02.1003"])
            } else {
                #expect(lowered == [e.id])
                #expect(now.areas == ["12.75.02.1001"] && now.capAreas == nil && now.capIdentifiers.isEmpty)
                #expect(try fx.coordinator.store.audit(limit: 5).contains { $0.action == "cap.expire" && $0.subject == e.id })
                #expect(try fx.coordinator.lowerExpiredCAP(at: expires.addingTimeInterval(9000), grace: 7200).isEmpty, "once")
            }
        }
    }

    @Test func expiredCAPEmergencyIsLoweredAfterTheGraceTime() throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let fx = try APIFixture(start: Self.received)
        let outcome = try fx.capIntake.ingest(try Data(contentsOf: URL(fileURLWithPath: path)), actor: Actor("op", via: .api), at: fx.clock.now)
        let e = try #require(outcome.emergency)
        // The alert expires 2026-09-24T16:55:00+07:00.
        let expires = try #require(e.capExpires)
        #expect(expires == Date(timeIntervalSince1970: 1_790_243_700))
        #expect(try fx.coordinator.lowerExpiredCAP(at: expires.addingTimeInterval(3600), grace: 7200).isEmpty)
        #expect(try fx.coordinator.lowerExpiredCAP(at: expires.addingTimeInterval(7201), grace: 7200) == [e.id])
        #expect(try fx.coordinator.store.emergencies(includeEnded: false).isEmpty)
    }

    @Test func operatorTakeoverSurvivesCancel() async throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let xml = try String(contentsOfFile: path, encoding: .utf8)
        try await withServer { client, fx in
            _ = try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: xml))
            let e = try #require(try fx.coordinator.store.emergencies().first)
            _ = try fx.coordinator.change(e.id, ChangeRequest(status: "tanggap_darurat"), actor: Actor("op", via: .api), at: fx.clock.now)
            let cancel = Self.variant(xml, identifier: "x-cancel", msgType: "Cancel",
                                      references: "cuaca.ekstrem@bmkg.go.id,2.49.0.1.360.0.2026.09.24.07.12.001,2026-09-24T13:25:00+07:00")
            let c = try Self.outcome(try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: cancel)))
            #expect(c["decision"] as? String == "ignored: emergency \(e.id) was taken over by an operator; not withdrawn")
            #expect(try fx.coordinator.store.emergencies(includeEnded: false).count == 1)
        }
    }

    @Test(arguments: ["Exercise", "Test", "Draft"])
    func nonActualAlertsNeverOpenAnEmergency(status: String) async throws {
        guard let path = try RepoPaths.requireShared(Self.bmkg) else { return }
        let xml = Self.variant(try String(contentsOfFile: path, encoding: .utf8), identifier: "x-\(status)", status: status)
        try await withServer { client, fx in
            let o = try Self.outcome(try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: xml)))
            #expect((o["decision"] as? String)?.hasPrefix("ignored: status \(status)") == true)
            #expect(try fx.coordinator.store.emergencies().isEmpty)
            #expect(try fx.coordinator.store.messages().isEmpty)
        }
    }

    @Test(arguments: [
        ("not xml at all", "invalid CAP document"),
        (#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"#, "invalid CAP document"),
        (#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>a</identifier></alert>"#, "unsupported CAP namespace"),
        (#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><sender>a</sender></alert>"#, "alert is missing <identifier>"),
    ])
    func badDocumentsAre400AndStoreNothing(body: String, expected: String) async throws {
        try await withServer { client, fx in
            let r = try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(string: body))
            #expect(r.status == .badRequest)
            #expect(String(buffer: r.body).contains(expected), "\(String(buffer: r.body))")
            #expect(try fx.coordinator.store.eventCount() == 0)
        }
    }

    @Test func capBodyOver10MBIs413() async throws {
        try await withServer { client, _ in
            let r = try await client.execute(uri: "/v1/cap", method: .post, headers: Self.op, body: ByteBuffer(repeating: 0x20, count: (10 << 20) + 1))
            #expect(r.status == .contentTooLarge)
        }
    }

    /// An update's <references> names the alert it updates as that alert was sent: identifier
    /// and <sent> must match, or a receiver cannot chain them (it gave the declaration's time).
    @Test func referencesNameTheUpdatedAlertAsItWasSent() async throws {
        try await withServer { client, fx in
            let op = Actor("op", via: .api)
            let t = fx.clock.now
            let e = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: t)
            _ = try fx.coordinator.change(e.id, ChangeRequest(status: "tanggap_darurat"), actor: op, at: t.addingTimeInterval(90))
            _ = try fx.coordinator.end(e.id, actor: op, at: t.addingTimeInterval(200))
            let viewer: HTTPFields = [.authorization: "Bearer \(TestTokens.viewer)"]
            let list = try #require((try JSONSerialization.jsonObject(with: Data(buffer: try await client.execute(uri: "/v1/alerts", method: .get, headers: viewer).body))
                as? [String: Any])?["alerts"] as? [[String: Any]])
            var sent: [String: String] = [:]  // identifier → sent
            var references: [String] = []
            for a in list {
                let doc = String(buffer: try await client.execute(uri: "/v1/alerts/\(try #require(a["id"] as? Int))/cap", method: .get, headers: viewer).body)
                func element(_ name: String) -> String? {
                    guard let open = doc.range(of: "<\(name)>"), let close = doc.range(of: "</\(name)>", range: open.upperBound..<doc.endIndex) else { return nil }
                    return String(doc[open.upperBound..<close.lowerBound])
                }
                let identifier = try #require(element("identifier")), time = try #require(element("sent"))
                sent[identifier] = time
                if let r = element("references") { references.append(r) }
            }
            #expect(references.count == 2)
            for r in references {
                let parts = r.split(separator: ",").map(String.init)
                #expect(parts.count == 3 && sent[parts[1]] == parts[2], "\(r) vs \(sent)")
            }
        }
    }

    /// Every CAP document Posko publishes (declared, changed, ended; real and exercise)
    /// validates against the CAP 1.2 schema.
    @Test func publishedDocumentsValidateAgainstTheCAPSchema() async throws {
        guard let xsd = try RepoPaths.requireShared("data/cap/CAP-v1.2.xsd"), let xmllint = try RepoPaths.requireTool("xmllint") else { return }
        try await withServer { client, fx in
            let at = fx.clock.now
            let e = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"], note: "air & lumpur <1 m>"),
                                               actor: Actor("op", via: .api), at: at)
            _ = try fx.coordinator.change(e.id, ChangeRequest(status: "tanggap_darurat", areas: ["12.75.02"]), actor: Actor("op", via: .api), at: at)
            _ = try fx.coordinator.end(e.id, actor: Actor("op", via: .api), at: at)
            _ = try fx.coordinator.declare(DeclareRequest(hazard: "tanah_longsor", areas: ["12.75.05"]), actor: Actor("drill", via: .drill), at: at, exercise: true)
            let alerts = try await client.execute(uri: "/v1/alerts", method: .get, headers: [.authorization: "Bearer \(TestTokens.viewer)"])
            let list = try #require((try JSONSerialization.jsonObject(with: Data(buffer: alerts.body)) as? [String: Any])?["alerts"] as? [[String: Any]])
            #expect(list.count == 4)
            let dir = try TempDir()
            defer { dir.remove() }
            var statuses: [String] = []
            for a in list {
                let id = try #require(a["id"] as? Int)
                let doc = String(buffer: try await client.execute(uri: "/v1/alerts/\(id)/cap", method: .get, headers: [.authorization: "Bearer \(TestTokens.viewer)"]).body)
                let file = try dir.write("alert-\(id).xml", doc)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: xmllint)
                p.arguments = ["--noout", "--schema", xsd, file]
                let pipe = Pipe()
                p.standardError = pipe
                try p.run()
                p.waitUntilExit()
                let err = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(p.terminationStatus == 0, "\(err)\n\(doc)")
                #expect(doc.contains("<geocode><valueName>KEMENDAGRI</valueName>") || doc.contains("<valueName>KEMENDAGRI</valueName>"))
                #expect(doc.contains("+07:00"))
                if let s = doc.range(of: #"<status>[A-Za-z]+</status>"#, options: .regularExpression) { statuses.append(String(doc[s])) }
            }
            #expect(statuses.filter { $0 == "<status>Exercise</status>" }.count == 1)
            #expect(statuses.filter { $0 == "<status>Actual</status>" }.count == 3)
            let feed = try await client.execute(uri: "/v1/cap/feed.atom", method: .get, headers: [.authorization: "Bearer \(TestTokens.viewer)"])
            #expect(String(buffer: feed.body).contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"))
        }
    }
}
