import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PoskoAPI
import PoskoCore
import PoskoTesting
import Testing
import Yams

/// The HTTP API on a real server (port 0) over an in-memory store.
@Suite struct APITests {
    func withServer(_ fixture: APIFixture? = nil, _ body: @escaping @Sendable (any TestClientProtocol, APIFixture) async throws -> Void) async throws {
        let fx = try fixture ?? APIFixture()
        let app = Application(router: buildRouter(fx.dependencies()), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(client, fx) }
    }

    static func auth(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { var code: String; var message: String; var field: String? }
        var error: Detail
    }

    static func error(_ r: TestResponse) throws -> ErrorBody.Detail {
        try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: r.body)).error
    }

    static func decode<T: Decodable>(_ t: T.Type, _ r: TestResponse) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try d.decode(T.self, from: Data(buffer: r.body))
    }

    @Test func declareReportAndSeeCoverageDrop() async throws {
        try await withServer { client, fx in
            let declared = try await client.execute(uri: "/v1/emergencies", method: .post, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"hazard":"banjir","areas":["12.75.02.1001","12.75.02.1003"],"status":"tanggap_darurat"}"#))
            #expect(declared.status == .created)
            let e = try Self.decode(Emergency.self, declared)
            #expect(e.areas == ["12.75.02.1001", "12.75.02.1003"])
            #expect(e.status == .tanggapDarurat)

            let before = try Self.decode(ContinuityView.self, try await client.execute(uri: "/v1/continuity", method: .get, headers: Self.auth(TestTokens.viewer)))
            for post in ["berngam-1", "berngam-2", "setia-1"] {
                let r = try await client.execute(uri: "/v1/reports", method: .post, headers: Self.auth(TestTokens.operator_),
                    body: Self.json(#"{"post":"\#(post)","bidang":"semua","status":"tutup","note":"air setinggi 1 m"}"#))
                #expect(r.status == .created)
            }
            let after = try Self.decode(ContinuityView.self, try await client.execute(uri: "/v1/continuity", method: .get, headers: Self.auth(TestTokens.viewer)))
            #expect(after.totalServed < before.totalServed)
            let berngamHealth = try #require(after.cells.first { $0.kelurahan == "12.75.02.1001" && $0.bidang == .kesehatan })
            // berngam-1 (64) and berngam-2 (69) closed, berngam-3 (37) still serves: 37 of 170.
            #expect(berngamHealth.demand == 170)
            #expect(berngamHealth.served == 37)
            #expect(after.affectedPosts.contains { $0.postID == "setia-1" && $0.status == .tutup })

            let audit = try await client.execute(uri: "/v1/audit", method: .get, headers: Self.auth(TestTokens.admin))
            #expect(String(buffer: audit.body).contains("emergency.declare"))
            #expect(try fx.coordinator.store.eventCount() == 4)
        }
    }

    /// A query parameter that is given must make sense: a 400 or 404 naming it, not silently
    /// the default (every message, a list of nothing).
    @Test(arguments: [
        ("/v1/messages?state=gagal", 400, "state", "unknown state 'gagal' (expected one of: pending, sending, sent, delivered, failed)"),
        ("/v1/messages?limit=abc", 400, "limit", "'limit' must be a whole number (from 1), got 'abc'"),
        ("/v1/audit?limit=0", 400, "limit", "'limit' must be a whole number (from 1), got '0'"),
        ("/v1/events?after=-1", 400, "after", "'after' must be a whole number (from 0), got '-1'"),
        ("/v1/posts?kelurahan=12.75.99.9999", 404, "kelurahan", "kelurahan '12.75.99.9999' does not exist"),
        ("/v1/posts?kecamatan=12.75.09", 404, "kecamatan", "no playbook for kecamatan '12.75.09'"),
    ])
    func badQueryParametersAreNamed(uri: String, status: Int, field: String, message: String) async throws {
        try await withServer { client, _ in
            let r = try await client.execute(uri: uri, method: .get, headers: Self.auth(TestTokens.admin))
            #expect(Int(r.status.code) == status, "\(String(buffer: r.body))")
            let e = try Self.error(r)
            #expect(e.field == field)
            #expect(e.message == message)
        }
    }

    /// A hazard already declared over an area is changed, not declared again: a second banjir over
    /// a kelurahan of an active banjir is a 409 naming it (a retried `posko declare` texts no one
    /// twice); another hazard there is an emergency of its own. A note-only change tells the
    /// note and asks no one to confirm it.
    @Test func aHazardAlreadyDeclaredThereIsChangedNotDeclaredAgain() async throws {
        try await withServer(try APIFixture(routing: AlertRouting(smsChannels: ["utama"], webhooks: []))) { client, fx in
            let op = Self.auth(TestTokens.operator_)
            let e = try Self.decode(Emergency.self, try await client.execute(uri: "/v1/emergencies", method: .post, headers: op,
                body: Self.json(#"{"hazard":"banjir","areas":["12.75.02"]}"#)))
            let messages = try fx.coordinator.store.messages().count
            let again = try await client.execute(uri: "/v1/emergencies", method: .post, headers: op,
                body: Self.json(#"{"hazard":"banjir","areas":["12.75.03", "12.75.02.1001"]}"#))
            #expect(again.status == .conflict)
            #expect(try Self.error(again).message.contains("\(e.id)") && Self.error(again).message.contains("12.75.02.1001"), "\(String(buffer: again.body))")
            #expect(try fx.coordinator.store.messages().count == messages, "nobody texted twice")
            let other = try await client.execute(uri: "/v1/emergencies", method: .post, headers: op,
                body: Self.json(#"{"hazard":"tanah_longsor","areas":["12.75.02.1001"]}"#))
            #expect(other.status == .created)
            let noted = try await client.execute(uri: "/v1/emergencies/\(e.id)", method: .patch, headers: op, body: Self.json(#"{"note":"air mulai surut"}"#))
            #expect(noted.status == .ok)
            let texts = try fx.coordinator.store.messages().filter { $0.kind == "emergency.changed" && $0.recipient.hasPrefix("lurah:") }
            #expect(!texts.isEmpty && texts.allSatisfy { $0.text.hasSuffix("\(e.id): catatan: air mulai surut.") && $0.ackCode == nil }, "\(texts.map(\.smsText))")
        }
    }

    /// A report body with a member the API does not know, or a number that is not whole, is a 400
    /// that says so (the flat fast path and the decoder agree).
    @Test(arguments: [
        (#"{"post":"berngam-1","bidang":"kesehatan","status":"tutup","catatan":"air"}"#, "catatan",
         "unknown field 'catatan' (expected: bidang, capacity, note, post, reporter, status)"),
        (#"{"post":"berngam-1","bidang":"kesehatan","status":"terganggu","capacity":10.5}"#, nil as String?, "a value has the wrong type"),
        (#"{"post":"berngam-1","bidang":"kesehatan","status":"tutup","extra":{"a":[1]}}"#, "extra",
         "unknown field 'extra' (expected: bidang, capacity, note, post, reporter, status)"),
    ])
    func badReportBodiesAre400s(body: String, field: String?, message: String) async throws {
        try await withServer { client, fx in
            let r = try await client.execute(uri: "/v1/reports", method: .post, headers: Self.auth(TestTokens.operator_), body: Self.json(body))
            #expect(r.status == .badRequest)
            let err = try Self.error(r)
            #expect(err.field == field)
            #expect(err.message.hasPrefix(message), "\(err.message)")
            #expect(try fx.coordinator.store.eventCount() == 0)
        }
    }

    @Test func escalateAndEndAndImpossibleTransitions() async throws {
        try await withServer { client, fx in
            let e = try Self.decode(Emergency.self, try await client.execute(uri: "/v1/emergencies", method: .post, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"hazard":"banjir","areas":["12.75.02"]}"#)))
            #expect(e.status == .siagaDarurat)
            let patched = try await client.execute(uri: "/v1/emergencies/\(e.id)", method: .patch, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"status":"tanggap_darurat"}"#))
            #expect(try Self.decode(Emergency.self, patched).status == .tanggapDarurat)
            // The same change again changes nothing: refused, no event (so nobody is alerted).
            let events = try fx.coordinator.store.eventCount()
            let same = try await client.execute(uri: "/v1/emergencies/\(e.id)", method: .patch, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"status":"tanggap_darurat"}"#))
            #expect(same.status == .unprocessableContent)
            #expect(try Self.error(same).field == "status")
            #expect(try fx.coordinator.store.eventCount() == events)
            let ended = try await client.execute(uri: "/v1/emergencies/\(e.id)/end", method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(ended.status == .ok)
            let again = try await client.execute(uri: "/v1/emergencies/\(e.id)/end", method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(again.status == .conflict)
            #expect(try Self.error(again).message == "emergency '\(e.id)' has already ended")
            let missing = try await client.execute(uri: "/v1/emergencies/D-nope/end", method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(missing.status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"hazard":"banjir","areas":["12.75.02"]"#, 400, nil as String?, "request body is not valid JSON"),
        (#"{"areas":["12.75.02"]}"#, 400, "hazard", "missing required field 'hazard'"),
        (#"{"hazard":"banjir","areas":"12.75.02"}"#, 400, "areas", "field 'areas' has the wrong type (expected a list)"),
        (#"{"hazard":"lahar","areas":["12.75.02"]}"#, 422, "hazard", "unknown hazard 'lahar' (expected one of: \(Hazard.names))"),
        (#"{"hazard":"banjir","areas":["12.75.09.1001"]}"#, 422, "areas", "unknown wilayah code '12.75.09.1001'"),
        (#"{"hazard":"banjir","areas":[]}"#, 422, "areas", "at least one kecamatan or kelurahan code is required"),
        (#"{"hazard":"banjir","areas":["12.75"]}"#, 422, "areas", "'12.75' is a kota; give kecamatan or kelurahan codes"),
        (#"{"hazard":"banjir","areas":["12.75.02"],"status":"bahaya"}"#, 422, "status", "unknown status 'bahaya' (expected siaga_darurat, tanggap_darurat or transisi_darurat)"),
        ("", 400, nil, "request body is empty; expected a JSON object"),
        // A misspelt optional member would have declared at the default status.
        (#"{"hazard":"banjir","areas":["12.75.02"],"stauts":"tanggap_darurat"}"#, 400, "stauts",
         "unknown field 'stauts' (expected: areas, hazard, note, status)"),
    ])
    func badDeclareBodiesAreRejectedAndNothingStored(body: String, status: Int, field: String?, message: String) async throws {
        try await withServer { client, fx in
            let r = try await client.execute(uri: "/v1/emergencies", method: .post, headers: Self.auth(TestTokens.operator_), body: Self.json(body))
            #expect(r.status.code == status)
            let err = try Self.error(r)
            #expect(err.message == message)
            #expect(err.field == field)
            #expect(try fx.coordinator.store.eventCount() == 0)
            #expect(try fx.coordinator.store.emergencies().isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"post":"tidak-ada","bidang":"kesehatan","status":"tutup"}"#, "post", "unknown post 'tidak-ada'"),
        (#"{"post":"berngam-1","bidang":"olahraga","status":"tutup"}"#, "bidang", "unknown SPM field 'olahraga' (expected one of: \(Bidang.names), semua)"),
        (#"{"post":"berngam-1","bidang":"sosial","status":"libur"}"#, "status", "unknown status 'libur' (expected berjalan, terganggu or tutup)"),
        (#"{"post":"berngam-1","bidang":"pekerjaan_umum","status":"tutup"}"#, "bidang", "post 'berngam-1' does not serve pekerjaan_umum"),
        (#"{"post":"berngam-1","bidang":"kesehatan","status":"terganggu","capacity":500}"#, "capacity", "capacity 500 exceeds the post's kapasitas 80 for kesehatan"),
        (#"{"post":"berngam-1","bidang":"kesehatan","status":"tutup","capacity":5}"#, "capacity", "capacity is only reported with status terganggu"),
    ])
    func badReportsAreRejectedWithTheField(body: String, field: String, message: String) async throws {
        // (422s: the body read; see badReportBodiesAre400s for bodies that do not.)
        try await withServer { client, fx in
            let r = try await client.execute(uri: "/v1/reports", method: .post, headers: Self.auth(TestTokens.operator_), body: Self.json(body))
            #expect(r.status == .unprocessableContent)
            let err = try Self.error(r)
            #expect(err.field == field)
            #expect(err.message == message)
            #expect(try fx.coordinator.store.eventCount() == 0)
        }
    }

    @Test func authIsEnforcedWithJSONErrors() async throws {
        try await withServer { client, _ in
            let none = try await client.execute(uri: "/v1/emergencies", method: .get)
            #expect(none.status == .unauthorized)
            #expect(try Self.error(none).code == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer realm=\"posko\"")
            let bad = try await client.execute(uri: "/v1/emergencies", method: .get, headers: [.authorization: "Bearer wrong"])
            #expect(bad.status == .unauthorized)
            let basic = try await client.execute(uri: "/v1/emergencies", method: .get, headers: [.authorization: "Basic abc"])
            #expect(basic.status == .unauthorized)
            // The scheme in any case, blanks around the token ignored; a bare or glued scheme is no token.
            for (header, status) in [("bearer  \(TestTokens.viewer) ", HTTPResponse.Status.ok), ("BEARER\t\(TestTokens.viewer)", .ok),
                                     ("Bearer", .unauthorized), ("Bearer ", .unauthorized), ("Bearer\(TestTokens.viewer)", .unauthorized),
                                     ("Bearer \(TestTokens.viewer)x", .unauthorized)] {
                let r = try await client.execute(uri: "/v1/emergencies", method: .get, headers: [.authorization: header])
                #expect(r.status == status, "\(header.prefix(8))")
            }
            let viewerWrites = try await client.execute(uri: "/v1/emergencies", method: .post, headers: Self.auth(TestTokens.viewer),
                body: Self.json(#"{"hazard":"banjir","areas":["12.75.02"]}"#))
            #expect(viewerWrites.status == .forbidden)
            #expect(try Self.error(viewerWrites).message == "this action needs the operator role")
            let operatorAudit = try await client.execute(uri: "/v1/audit", method: .get, headers: Self.auth(TestTokens.operator_))
            #expect(operatorAudit.status == .forbidden)
            // Health, readiness and metrics are open.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get, headers: [.authorization: "Basic cHJveHk6eA=="]).status == .ok,
                    "a proxy's credentials are not a Posko token")
            #expect(try await client.execute(uri: "/healthz", method: .get, headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            // Tokens never appear in responses.
            #expect(!String(buffer: bad.body).contains("wrong"))
        }
    }

    /// After an outage that outlasted every retry, an operator sends a failed alert again.
    @Test func anOperatorSendsAFailedMessageAgainFromItsFirstChannel() async throws {
        let fx = try APIFixture(routing: AlertRouting(smsChannels: ["utama", "cadangan"], webhooks: [], groupingWindow: 60))
        try await withServer(fx) { client, fx in
            let store = fx.coordinator.store
            _ = try fx.coordinator.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: fx.clock.now)
            let claimed = try store.claimDue(now: fx.clock.now, limit: 10)
            let lurah = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1001" })
            try await store.record([.init(message: lurah, channel: "sms:utama", outcome: .failover(reason: "503"), at: fx.clock.now, latencyMs: 1)])
            let failing = try #require(try store.claimDue(now: fx.clock.now, limit: 10).first { $0.id == lurah.id })
            try await store.record([.init(message: failing, channel: "sms:cadangan", outcome: .failed(reason: "503"), at: fx.clock.now, latencyMs: 1)])
            #expect(try store.message(id: lurah.id)?.state == .failed)
            let uri = "/v1/messages/\(lurah.id)/resend"

            #expect(try await client.execute(uri: uri, method: .post, headers: Self.auth(TestTokens.viewer)).status == .forbidden)
            fx.clock.advance(3600)
            let r = try await client.execute(uri: uri, method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(r.status == .ok)
            let m = try #require(try store.message(id: lurah.id))
            #expect(m.state == .pending && m.channelIndex == 0 && m.attempts == 0 && m.lastError == nil)
            #expect(m.nextAttemptAt == fx.clock.now, "due at once")
            #expect(String(buffer: r.body).contains("\"channel\":\"sms:utama\""))
            #expect(try store.audit(limit: 5).contains { $0.action == "message.resend" && $0.subject == lurah.id && $0.actor == "operator-test" })
            #expect(try store.claimDue(now: fx.clock.now, limit: 10).map(\.id).contains(lurah.id), "the dispatcher takes it")

            let again = try await client.execute(uri: uri, method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(again.status == .conflict)
            #expect(try Self.error(again).message.contains("is sending, not failed"))
            let unknown = try await client.execute(uri: "/v1/messages/m-nope/resend", method: .post, headers: Self.auth(TestTokens.operator_))
            #expect(unknown.status == .notFound)
        }
    }

    @Test func oversizedBodyIs413AndServerKeepsServing() async throws {
        try await withServer { client, fx in
            let big = String(repeating: "x", count: 100 * 1024)
            let r = try await client.execute(uri: "/v1/reports", method: .post, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"post":"berngam-1","bidang":"kesehatan","status":"tutup","note":"\#(big)"}"#))
            #expect(r.status == .contentTooLarge)
            #expect(try Self.error(r).code == "too_large")
            #expect(try fx.coordinator.store.eventCount() == 0)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test func metricsCountRequestsAndReports() async throws {
        try await withServer { client, _ in
            _ = try await client.execute(uri: "/v1/reports", method: .post, headers: Self.auth(TestTokens.operator_),
                body: Self.json(#"{"post":"berngam-1","bidang":"kesehatan","status":"tutup"}"#))
            let m = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(m.contains(#"posko_reports_total{status="tutup",via="api"} 1"#))
            #expect(m.contains("posko_http_requests_total"))
            #expect(m.contains(#"posko_build_info{version="#))
        }
    }

    @Test func unknownRouteIsJSON404() async throws {
        try await withServer { client, _ in
            let r = try await client.execute(uri: "/v1/nope", method: .get, headers: Self.auth(TestTokens.viewer))
            #expect(r.status == .notFound)
            #expect(try Self.error(r).code == "not_found")
            // A known path with a method it does not have: 405 with the methods it has.
            let put = try await client.execute(uri: "/v1/emergencies", method: .put, headers: Self.auth(TestTokens.operator_))
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, HEAD, POST, OPTIONS")
            #expect(try Self.error(put).message == "PUT is not allowed here; use GET, HEAD, POST, OPTIONS")
            let options = try await client.execute(uri: "/v1/emergencies", method: .options, headers: Self.auth(TestTokens.operator_))
            #expect(options.status == .noContent && options.headers[.allow] == "GET, HEAD, POST, OPTIONS")
            // HEAD: what GET says, without the body (monitors check /healthz so).
            let head = try await client.execute(uri: "/healthz", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(try await client.execute(uri: "/v1/emergencies", method: .head).status == .unauthorized)
            let deleteReport = try await client.execute(uri: "/v1/posts/berngam-1", method: .delete, headers: Self.auth(TestTokens.operator_))
            #expect(deleteReport.status == .methodNotAllowed)
            #expect(try await client.execute(uri: "/healthz", method: .post).status == .methodNotAllowed)
        }
    }

    /// Every route the router has is documented in openapi.yaml, and every documented
    /// operation exists.
    @Test func everyRouteIsInTheOpenAPIDocument() throws {
        let fx = try APIFixture()
        let routes = Set(buildRoutes(fx.dependencies()).routes)
        let text = try String(contentsOfFile: RepoPaths.path("Sources/PoskoAPI/openapi.yaml"), encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(doc["openapi"] as? String == "3.0.3")
        let paths = try #require(doc["paths"] as? [String: Any])
        var documented = Set<RouteSpec>()
        for (path, item) in paths {
            for method in ((item as? [String: Any]) ?? [:]).keys where ["get", "post", "patch", "put", "delete"].contains(method) {
                documented.insert(RouteSpec(method: method, path: path))
            }
        }
        #expect(routes.subtracting(documented).isEmpty, "undocumented: \(routes.subtracting(documented))")
        #expect(documented.subtracting(routes).isEmpty, "documented but missing: \(documented.subtracting(routes))")
    }

    @Test func openAPIDocumentIsServed() async throws {
        try await withServer { client, _ in
            let r = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(r.status == .ok)
            #expect(String(buffer: r.body).hasPrefix("openapi: 3.0.3"))
        }
    }
}
