import Foundation
import Hummingbird
import NIOCore
import PoskoCore

enum Body {
    static let defaultLimit = 1 << 20

    /// The request body, or 413 when it is larger than `limit`.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "too_large", "request body is larger than \(limit) bytes")
        }
    }

    /// Decodes a JSON body; errors name the field at fault, also a member the type does not have.
    static func decode<T: JSONRequestBody>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        if let ct = request.headers[.contentType], !ct.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "expected Content-Type application/json, got \(ct.prefix(80))")
        }
        let buffer = try await collect(request, limit: limit)
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("request body is empty; expected a JSON object") }
        // A status report, the busiest body, is usually a flat object: read without JSONDecoder.
        if let flat = T.self as? any FlatJSONDecodable.Type, let members = buffer.withUnsafeReadableBytes({ FlatJSON.object($0) }) {
            try rejectUnknown(members.map(\.key), of: T.self)
            if let value = flat.init(flat: members) as? T { return value }
        }
        let data = Data(buffer: buffer)
        let parsed = try? JSONSerialization.jsonObject(with: data)
        let value: T
        do {
            value = try APIJSON.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, parses: parsed != nil)
        }
        if let object = parsed as? [String: Any] { try rejectUnknown(Array(object.keys), of: T.self) }
        return value
    }

    private static func rejectUnknown(_ keys: [String], of type: (some JSONRequestBody).Type) throws {
        guard let unknown = keys.filter({ !type.members.contains($0) }).min() else { return }
        throw APIError.badRequest("unknown field '\(unknown.prefix(40))' (expected: \(type.members.sorted().joined(separator: ", ")))", field: String(unknown.prefix(40)))
    }

    /// `parses`: the body is JSON (a decoding error without a path is then a value the type
    /// cannot hold, such as 10.5 for a whole number).
    static func describe(_ error: DecodingError, parses: Bool = false) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, ctx):
            let field = path(ctx.codingPath + [key])
            return .badRequest("missing required field '\(field)'", field: field)
        case let .typeMismatch(type, ctx):
            let field = path(ctx.codingPath)
            return .badRequest("field '\(field)' has the wrong type (expected \(describe(type)))", field: field)
        case let .valueNotFound(type, ctx):
            let field = path(ctx.codingPath)
            return .badRequest("field '\(field)' must not be null (expected \(describe(type)))", field: field)
        case let .dataCorrupted(ctx):
            if ctx.codingPath.isEmpty {
                return .badRequest(parses ? "a value has the wrong type: \(ctx.debugDescription)" : "request body is not valid JSON")
            }
            let field = path(ctx.codingPath)
            return .badRequest("field '\(field)' is invalid: \(ctx.debugDescription)", field: field)
        @unknown default:
            return .badRequest("request body could not be decoded")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "a string"
        case is Int.Type, is Int?.Type: "an integer"
        // Foundation reports a list as Array<Any>, without its element type.
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Dictionary") || "\(type)".contains("Request") ? "an object" : "\(type)"
        }
    }
}

/// Query parameters that must be well-formed when given: a bad one is a 400 naming it, not
/// silently the default.
enum Query {
    /// A whole number of at least `minimum`, or nil when the parameter is absent.
    static func int(_ request: Request, _ name: String, minimum: Int = 1, what: String = "a whole number") throws -> Int? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let v = Int(text), v >= minimum else {
            throw APIError.badRequest("'\(name)' must be \(what) (from \(minimum)), got '\(text.prefix(20))'", field: name)
        }
        return v
    }

    /// One of `values`, or nil when the parameter is absent.
    static func oneOf<T: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let v = T(rawValue: String(text)) else {
            throw APIError.badRequest("unknown \(name) '\(text.prefix(20))' (expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))", field: name)
        }
        return v
    }
}
