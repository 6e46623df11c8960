import Foundation
import Hummingbird
import PoskoCore
import Synchronization

public enum Role: String, CaseIterable, Sendable, Comparable, Codable {
    case viewer
    case `operator`
    case admin

    public static func < (a: Role, b: Role) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// The live token table; swapped whole on a configuration reload.
public final class TokenStore: Sendable {
    private let box: Mutex<TokenTable>
    public init(_ table: TokenTable) { box = Mutex(table) }
    public var table: TokenTable { box.withLock { $0 } }
    public func replace(with table: TokenTable) { box.withLock { $0 = table } }
}

public struct Identity: Sendable, Equatable {
    public var name: String
    public var role: Role
}

/// Bearer tokens known to the daemon. Compared in constant time; never logged.
public struct TokenTable: Sendable {
    struct Entry: Sendable { var token: [UInt8]; var identity: Identity }
    private var entries: [Entry] = []

    public init() {}

    public mutating func add(token: String, name: String, role: Role) {
        entries.append(Entry(token: Array(token.utf8), identity: Identity(name: name, role: role)))
    }

    public var isEmpty: Bool { entries.isEmpty }

    public func identity(for token: String) -> Identity? {
        let given = Array(token.utf8)
        var found: Identity?
        for e in entries {
            var diff = UInt8(e.token.count == given.count ? 0 : 1)
            for i in 0..<e.token.count { diff |= e.token[i] ^ (i < given.count ? given[i] : 0) }
            if diff == 0 { found = e.identity }
        }
        return found
    }
}

public struct PoskoRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var requestDecoder: JSONDecoder { APIJSON.decoder }
    public var responseEncoder: JSONEncoder { APIJSON.encoder }

    /// The caller's identity if it has at least `role`; 401/403 otherwise.
    public func require(_ role: Role) throws -> Identity {
        guard let identity else { throw APIError.unauthorized }
        guard identity.role >= role else { throw APIError.forbidden(role) }
        return identity
    }

    public func actor(_ role: Role) throws -> Actor {
        Actor(try require(role).name, via: .api)
    }
}

enum APIJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

/// Reads `Authorization: Bearer <token>`; routes decide which role they need.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = PoskoRequestContext
    let tokens: TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer "), let identity = tokens.table.identity(for: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
                throw APIError.unauthorized
            }
            context.identity = identity
        }
        return try await next(request, context)
    }
}
