import Foundation
import Hummingbird
import NIOCore
import PoskoCore
import PoskoStorage

/// Public alerts (with their CAP documents), outbox messages and their attempts,
/// acknowledgements, CAP intake, and Kannel's callbacks.
struct AlertRoutes {
    let deps: APIDependencies

    struct PublicAlert: Codable, Sendable {
        var id: Int64
        var kind: String
        var at: Date
        var emergency: Emergency
        var cap: String
        var messages: [MessageSummary]
    }

    struct MessageSummary: Codable, Sendable {
        var id: String
        var recipient: String
        var kind: String
        var channel: String?
        var state: String
        var attempts: Int
        var ackCode: String?
        var ackedAt: Date?
        /// The escalation whose answer confirmed it, when its recipient did not.
        var ackedVia: String?
        var escalationStep: Int
        var lastError: String?
        var createdAt: Date
        var deliveredAt: Date?
        var text: String

        init(_ m: OutboxMessage) {
            id = m.id
            recipient = m.recipient
            kind = m.kind
            channel = m.route?.channel
            state = m.state.rawValue
            attempts = m.attempts
            ackCode = m.ackCode
            ackedAt = m.ackedAt
            ackedVia = m.ackedVia
            escalationStep = m.escalationStep
            lastError = m.lastError
            createdAt = m.createdAt
            deliveredAt = m.deliveredAt
            text = m.smsText
        }
    }

    struct MessageDetail: Codable, Sendable {
        var message: MessageSummary
        var routes: [ChannelRoute]
        var attempts: [AttemptRecord]
    }

    struct AckRequest: Codable, Sendable, JSONRequestBody {
        static let members: Set<String> = ["code"]
        var code: String
    }

    func register(_ v1: Registrar) {
        v1.get("alerts") { request, context in
            _ = try context.require(.viewer)
            let limit = min(500, try Query.int(request, "limit") ?? 50)
            let all = try deps.coordinator.store.messages(limit: 5000)
            let byEvent = Dictionary(grouping: all, by: { $0.eventID ?? 0 })
            let alerts = try deps.coordinator.store.publicAlertEvents(limit: limit).map { pair in
                PublicAlert(id: pair.event.id, kind: pair.event.kind.rawValue, at: pair.event.at, emergency: pair.emergency,
                            cap: "/v1/alerts/\(pair.event.id)/cap", messages: (byEvent[pair.event.id] ?? []).map(MessageSummary.init))
            }
            return JSONResponse(["alerts": alerts])
        }
        v1.get("alerts/:id/cap") { _, context in
            _ = try context.require(.viewer)
            let xml = try capDocument(context.parameters.require("id"))
            return Response(status: .ok, headers: [.contentType: "application/cap+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: xml)))
        }
        v1.get("cap/feed.atom") { _, context in
            _ = try context.require(.viewer)
            let events = try deps.coordinator.store.publicAlertEvents(limit: 50)
            let entries = try events.map { pair in
                CAPFeed.Entry(alert: try capAlert(pair.event, pair.emergency), link: "\(deps.publicBaseURL)/v1/alerts/\(pair.event.id)/cap")
            }
            let updated = CAPDateTime(date: events.first?.event.at ?? Date(timeIntervalSince1970: 0))
            let xml = CAPFeed.atom(entries: entries, feedID: "\(deps.publicBaseURL)/v1/cap/feed.atom", updated: updated,
                                   selfURL: "\(deps.publicBaseURL)/v1/cap/feed.atom")
            return Response(status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: xml)))
        }
        v1.post("cap") { request, context in
            let actor = try context.actor(.operator)
            let body = try await Body.collect(request, limit: 10 << 20)
            guard body.readableBytes > 0 else { throw APIError.badRequest("request body is empty; expected a CAP 1.2 XML document") }
            return JSONResponse(try deps.ingestCAP(Data(buffer: body), actor))
        }
        v1.get("messages") { request, context in
            _ = try context.require(.viewer)
            let state = try Query.oneOf(request, "state", OutboxMessage.State.self)
            let limit = min(1000, try Query.int(request, "limit") ?? 100)
            return JSONResponse(["messages": try deps.coordinator.store.messages(limit: limit, state: state).map(MessageSummary.init)])
        }
        v1.get("messages/:id") { _, context in
            _ = try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard let m = try deps.coordinator.store.message(id: id) else { throw APIError.notFound("message '\(id.prefix(60))' does not exist") }
            return JSONResponse(MessageDetail(message: MessageSummary(m), routes: m.routes, attempts: try deps.coordinator.store.attempts(messageID: id)))
        }
        v1.post("messages/:id/resend") { _, context in
            let actor = try context.actor(.operator)
            return JSONResponse(MessageSummary(try deps.coordinator.resend(messageID: context.parameters.require("id"), actor: actor, at: deps.now())))
        }
        v1.post("acks") { request, context in
            let actor = try context.actor(.operator)
            let body = try await Body.decode(AckRequest.self, request, limit: deps.maxBodyBytes)
            guard let m = try deps.coordinator.acknowledge(code: body.code, actor: actor, at: deps.now()) else {
                throw APIError(.notFound, code: "not_found", "no alert has reply code '\(body.code.prefix(10))'", field: "code")
            }
            return JSONResponse(MessageSummary(m))
        }
        v1.get("sms/mo") { request, _ in
            let handlers = try smsHandlers(request)
            let reply = try await handlers.mo(request.uri.query ?? "")
            deps.metrics.counter("posko_sms_inbound_total").increment()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        v1.get("sms/dlr") { request, _ in
            let handlers = try smsHandlers(request)
            try await handlers.dlr(request.uri.query ?? "")
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
    }

    /// Kannel's callbacks carry the shared secret as `secret=`; compared in constant time.
    func smsHandlers(_ request: Request) throws -> SMSHandlers {
        guard let handlers = deps.sms else { throw APIError(.notFound, code: "not_found", "inbound SMS is not configured") }
        let given = Array((request.uri.queryParameters["secret"].map(String.init) ?? "").utf8)
        let expected = Array(handlers.secret.utf8)
        var diff = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count { diff |= expected[i] ^ (i < given.count ? given[i] : 0) }
        guard diff == 0 else {
            deps.metrics.counter("posko_sms_callbacks_rejected_total").increment()
            throw APIError(.forbidden, code: "forbidden", "missing or wrong callback secret")
        }
        return handlers
    }

    func capAlert(_ event: LoggedEvent, _ e: Emergency) throws -> CAPAlert {
        let previous = event.kind == .emergencyDeclared ? nil
            : try deps.coordinator.store.previousEvent(before: event.id, subject: event.subject, kinds: PoskoStore.publicKinds)
        return deps.capPublisher.alert(eventID: event.id, kind: event.kind, emergency: e, at: event.at, previous: previous.map { ($0.id, $0.at) },
                                       playbooks: deps.coordinator.playbooks)
    }

    func capDocument(_ idText: String) throws -> String {
        guard let id = Int64(idText), let event = try deps.coordinator.store.event(id: id),
              PoskoStore.publicKinds.contains(event.kind), let data = event.payload.data(using: .utf8) else {
            throw APIError.notFound("alert '\(idText.prefix(30))' does not exist")
        }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        let e = try d.decode(Emergency.self, from: data)
        return CAPWriter.document(for: try capAlert(event, e))
    }
}
