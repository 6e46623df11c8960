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
        // Another scheme (a proxy's Basic credentials) is no Posko token: open routes serve, the
        // others answer 401 as without a header. A Bearer token Posko does not know is refused.
        if let header = request.headers[.authorization], let token = Self.bearerToken(header) {
            guard let identity = tokens.table.identity(for: String(token)) else { throw APIError.unauthorized }
            context.identity = identity
        }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>` (scheme in any case, blanks before the token ignored; the
    /// HTTP parser has already dropped those after it); nil for another scheme. Byte-wise:
    /// every operator request passes here.
    static func bearerToken(_ header: String) -> Substring? {
        let utf8 = header.utf8
        let scheme = "bearer".utf8
        guard utf8.count > scheme.count, zip(utf8, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        var start = utf8.index(utf8.startIndex, offsetBy: scheme.count)
        guard isBlank(utf8[start]) else { return nil }
        while start < utf8.endIndex, isBlank(utf8[start]) { start = utf8.index(after: start) }
        return header[start...]
    }
}
