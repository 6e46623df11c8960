import Foundation
import Hummingbird
import NIOCore
import PoskoCore
import PoskoStorage

/// Every error the API returns: a status and a JSON body
/// `{"error": {"code": "...", "message": "...", "field": "..."}}`.
public struct APIError: HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    struct Body: Codable {
        struct Detail: Codable { var code: String; var message: String; var field: String? }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(Body(error: .init(code: code, message: message, field: field)))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code: "bad_request", message, field: field)
    }

    public static let unauthorized: APIError = {
        var e = APIError(.unauthorized, code: "unauthorized", "missing or invalid bearer token")
        e.headers[.wwwAuthenticate] = "Bearer realm=\"posko\""
        return e
    }()

    public static func forbidden(_ needed: Role) -> APIError {
        APIError(.forbidden, code: "forbidden", "this action needs the \(needed.rawValue) role")
    }

    public static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }

    /// Maps domain errors to API errors; anything unknown becomes a 500 without details.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as RequestError: return APIError(.unprocessableContent, code: "invalid", e.message, field: e.field)
        case let e as StoreError:
            switch e {
            case let .notFound(m): return APIError(.notFound, code: "not_found", m)
            case let .conflict(m): return APIError(.conflict, code: "conflict", m)
            case let .invalid(m): return APIError(.unprocessableContent, code: "invalid", m)
            }
        case let e as HTTPError:
            return APIError(e.status, code: e.status == .notFound ? "not_found" : "http_error", e.body ?? e.status.reasonPhrase)
        default:
            return APIError(.internalServerError, code: "internal", "internal error; see the server log")
        }
    }
}

/// Turns any thrown error into the JSON error body, and logs server-side failures.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = APIError.from(error)
            if api.status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: type(of: error)))"])
            }
            return try api.response(from: request, context: context)
        }
    }
}
