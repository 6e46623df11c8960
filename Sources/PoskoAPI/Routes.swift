import Foundation
import Hummingbird
import NIOCore
import PoskoCore
import PoskoStorage

/// Builds the router with every route of the API (documented in openapi.yaml).
public func buildRouter(_ deps: APIDependencies) -> Router<PoskoRequestContext> {
    let router = Router(context: PoskoRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: deps.metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(tokens: deps.tokens))
    HealthRoutes(deps: deps).register(router)
    let v1 = router.group("v1")
    EmergencyRoutes(deps: deps).register(v1)
    PostRoutes(deps: deps).register(v1)
    PlaybookRoutes(deps: deps).register(v1)
    return router
}

struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = PoskoRequestContext
    let metrics: PoskoMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            metrics.counter("posko_http_requests_total", [("method", request.method.rawValue), ("route", route), ("status", "\(status)")]).increment()
            metrics.timer("posko_http_request_duration_seconds", [("route", route)]).recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}

/// A JSON response with a given status.
struct JSONResponse<T: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var value: T

    init(_ value: T, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try APIJSON.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct HealthRoutes {
    let deps: APIDependencies

    func register(_ router: Router<PoskoRequestContext>) {
        router.get("healthz") { _, _ in JSONResponse(["status": "ok"]) }
        router.get("readyz") { _, _ -> JSONResponse<[String: String]> in
            guard deps.ready() else { throw APIError(.serviceUnavailable, code: "not_ready", "starting up") }
            return JSONResponse(["status": "ready", "playbooks": deps.coordinator.playbooks.digest])
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: deps.metrics.render())))
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}

enum OpenAPIDocument {
    static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "openapi: 3.0.3\n" }
        return text
    }()
}
