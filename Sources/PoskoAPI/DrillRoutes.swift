import Foundation
import Hummingbird
import PoskoCore

/// Live drills: start a scenario on the running daemon, list, stop.
struct DrillRoutes {
    let deps: APIDependencies

    /// The scenario's file name (what `posko drill --live` sends), for its errors' locations:
    /// its last path component, letters, digits, `.`, `_` and `-` only, at most 80 of them.
    static func fileName(_ text: String) -> String? {
        let base = text.split(separator: "/").last.map(String.init) ?? ""
        let kept = String(base.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || "0123456789._-".unicodeScalars.contains($0)) }.prefix(80))
        return kept.isEmpty ? nil : kept
    }

    func register(_ v1: Registrar) {
        v1.post("drills") { request, context in
            let actor = try context.actor(.operator)
            guard let drills = deps.drills else { throw APIError.notFound("live drills are not available") }
            var speed = 1.0
            if let text = request.uri.queryParameters["speed"] {
                guard let value = Double(text), value.isFinite else {
                    throw APIError.badRequest("'speed' must be a number (1 is real time), got '\(text.prefix(20))'", field: "speed")
                }
                speed = value
            }
            let body = try await Body.collect(request, limit: 1 << 20)
            guard body.readableBytes > 0 else { throw APIError.badRequest("request body is empty; expected a drill scenario (YAML)") }
            let file = request.uri.queryParameters["file"].flatMap { Self.fileName(String($0)) }
            return JSONResponse(try drills.start(Data(buffer: body), speed, file, actor), status: .accepted)
        }
        v1.get("drills") { _, context in
            _ = try context.require(.viewer)
            return JSONResponse(["drills": deps.drills?.list() ?? []])
        }
        v1.delete("drills/:id") { _, context in
            let actor = try context.actor(.operator)
            guard let drills = deps.drills else { throw APIError.notFound("live drills are not available") }
            return JSONResponse(try drills.stop(context.parameters.require("id"), actor))
        }
    }
}
