import Foundation
import Hummingbird
import NIOCore
import PoskoCore
import PoskoStorage

/// Builds the router with every route of the API (documented in openapi.yaml).
public func buildRouter(_ deps: APIDependencies) -> Router<PoskoRequestContext> {
    buildRoutes(deps).router
}

/// The router and the list of its routes (method, OpenAPI-style path), so a test can
/// check every route against openapi.yaml.
public func buildRoutes(_ deps: APIDependencies) -> (router: Router<PoskoRequestContext>, routes: [RouteSpec]) {
    let router = Router(context: PoskoRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: deps.metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(tokens: deps.tokens))
    let root = Registrar(router: router, prefix: "")
    HealthRoutes(deps: deps).register(root)
    let v1 = root.group("v1")
    EmergencyRoutes(deps: deps).register(v1)
    PostRoutes(deps: deps).register(v1)
    PlaybookRoutes(deps: deps).register(v1)
    AlertRoutes(deps: deps).register(v1)
    DrillRoutes(deps: deps).register(v1)
    PlanRoutes(deps: deps).register(v1)
    root.refuseOtherMethods()
    return (router, root.recorded)
}

public struct RouteSpec: Hashable, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var description: String { "\(method) \(path)" }

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }
}

/// Registers routes on the router and remembers them.
final class Registrar: @unchecked Sendable {
    typealias Handler<R: ResponseGenerator> = @Sendable (Request, PoskoRequestContext) async throws -> R
    let router: Router<PoskoRequestContext>
    let prefix: String
    private let box: Box

    final class Box: @unchecked Sendable {
        var routes: [RouteSpec] = []
        /// Router paths in registration order, with their methods.
        var methods: [(path: String, methods: [HTTPRequest.Method])] = []
    }

    init(router: Router<PoskoRequestContext>, prefix: String, box: Box = Box()) {
        self.router = router
        self.prefix = prefix
        self.box = box
    }

    var recorded: [RouteSpec] { box.routes }

    func group(_ path: String) -> Registrar { Registrar(router: router, prefix: prefix + "/" + path, box: box) }

    private func add<R: ResponseGenerator>(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler<R>) {
        let full = prefix + "/" + path
        router.on(RouterPath(full), method: method, use: handler)
        var methods = [method]
        if method == .get {
            // HEAD: the GET's status and headers without its body (health checks use it).
            router.on(RouterPath(full), method: .head) { request, context -> Response in
                let r = try await handler(request, context).response(from: request, context: context)
                return Response(status: r.status, headers: r.headers, body: .init())
            }
            methods.append(.head)
        }
        if let i = box.methods.firstIndex(where: { $0.path == full }) { box.methods[i].methods += methods } else { box.methods.append((full, methods)) }
        let openAPIPath = full.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        box.routes.append(RouteSpec(method: method.rawValue.lowercased(), path: "/" + openAPIPath))
    }

    func get<R: ResponseGenerator>(_ path: String, use handler: @escaping Handler<R>) { add(.get, path, handler) }
    func post<R: ResponseGenerator>(_ path: String, use handler: @escaping Handler<R>) { add(.post, path, handler) }
    func patch<R: ResponseGenerator>(_ path: String, use handler: @escaping Handler<R>) { add(.patch, path, handler) }
    func delete<R: ResponseGenerator>(_ path: String, use handler: @escaping Handler<R>) { add(.delete, path, handler) }

    /// A known path asked with a method it does not have is a 405 naming the ones it has (not
    /// a 404, which would say the resource is not there); OPTIONS answers with them. Not
    /// recorded: not operations.
    func refuseOtherMethods() {
        for (path, methods) in box.methods {
            let allow = (methods + [.options]).map(\.rawValue).joined(separator: ", ")
            router.on(RouterPath(path), method: .options) { _, _ -> Response in
                Response(status: .noContent, headers: [.allow: allow])
            }
            for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .trace] where !methods.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    var e = APIError(.methodNotAllowed, code: "method_not_allowed", "\(method.rawValue) is not allowed here; use \(allow)")
                    e.headers[.allow] = allow
                    throw e
                }
            }
        }
    }
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
        let buffer = if let value = value as? any JSONWritable {
            ByteBuffer(bytes: try JSONWriter.bytes(value, dates: .iso8601))
        } else {
            ByteBuffer(bytes: try APIJSON.encoder.encode(value))
        }
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}

struct HealthRoutes {
    let deps: APIDependencies

    func register(_ router: Registrar) {
        router.get("healthz") { _, _ in JSONResponse(["status": "ok"]) }
        router.get("readyz") { _, _ -> JSONResponse<[String: String]> in
            guard deps.ready() else { throw APIError(.serviceUnavailable, code: "not_ready", "starting up") }
            return JSONResponse(["status": "ready", "playbooks": deps.coordinator.playbooks.digest])
        }
        router.get("metrics") { _, _ in
            var active: [[String]: Int] = [:]
            for e in try deps.coordinator.store.emergencies(includeEnded: false) {
                active[[e.hazard.rawValue, e.origin.rawValue], default: 0] += 1
            }
            deps.metrics.recordActiveEmergencies(active)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
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
