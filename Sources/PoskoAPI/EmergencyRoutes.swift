import Foundation
import Hummingbird
import PoskoCore
import PoskoStorage

struct EmergencyRoutes {
    let deps: APIDependencies

    struct EmergencyList: Codable, Sendable { var emergencies: [Emergency] }
    struct EndRequest: Codable, Sendable, JSONRequestBody {
        static let members: Set<String> = ["note"]
        var note: String?
    }

    func register(_ v1: Registrar) {
        v1.get("emergencies") { request, context in
            _ = try context.require(.viewer)
            let active = request.uri.queryParameters["active"].map { $0 == "true" } ?? false
            return JSONResponse(EmergencyList(emergencies: try deps.coordinator.store.emergencies(includeEnded: !active)))
        }
        v1.post("emergencies") { request, context in
            let actor = try context.actor(.operator)
            let body = try await Body.decode(DeclareRequest.self, request, limit: deps.maxBodyBytes)
            let e = try deps.coordinator.declare(body, actor: actor, at: deps.now())
            deps.metrics.counter("posko_emergencies_total", [("event", "declared"), ("hazard", e.hazard.rawValue)]).increment()
            return JSONResponse(e, status: .created)
        }
        v1.get("emergencies/:id") { _, context in
            _ = try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard let e = try deps.coordinator.store.emergencies().first(where: { $0.id == id }) else {
                throw APIError.notFound("emergency '\(id)' does not exist")
            }
            return JSONResponse(e)
        }
        v1.patch("emergencies/:id") { request, context in
            let actor = try context.actor(.operator)
            let id = try context.parameters.require("id")
            let body = try await Body.decode(ChangeRequest.self, request, limit: deps.maxBodyBytes)
            let e = try deps.coordinator.change(id, body, actor: actor, at: deps.now())
            deps.metrics.counter("posko_emergencies_total", [("event", "changed"), ("hazard", e.hazard.rawValue)]).increment()
            return JSONResponse(e)
        }
        v1.post("emergencies/:id/end") { request, context in
            let actor = try context.actor(.operator)
            let id = try context.parameters.require("id")
            var note: String?
            if (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0 {
                note = try await Body.decode(EndRequest.self, request, limit: deps.maxBodyBytes).note
            }
            let e = try deps.coordinator.end(id, actor: actor, at: deps.now(), note: note)
            deps.metrics.counter("posko_emergencies_total", [("event", "ended"), ("hazard", e.hazard.rawValue)]).increment()
            return JSONResponse(e)
        }
    }
}
