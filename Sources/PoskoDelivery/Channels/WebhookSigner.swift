import Crypto
import Foundation

/// A Standard Webhooks signing secret (`whsec_<base64>`). Never printed: `description` is redacted.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let key: SymmetricKey

    /// Parses `whsec_<base64>` (the prefix is optional; unpadded base64 is accepted).
    /// The error never contains the secret.
    public init(_ secret: String) throws(WebhookSecretError) {
        var body = Substring(secret.trimmingCharacters(in: .whitespacesAndNewlines))
        if body.hasPrefix("whsec_") { body = body.dropFirst("whsec_".count) }
        guard !body.isEmpty else { throw WebhookSecretError.empty }
        var base64 = String(body)
        let remainder = base64.utf8.count % 4
        if remainder == 2 { base64 += "==" } else if remainder == 3 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), !data.isEmpty else { throw WebhookSecretError.notBase64 }
        guard data.count >= 16 else { throw WebhookSecretError.tooShort(bytes: data.count) }
        self.key = SymmetricKey(data: data)
    }

    /// A secret from raw key bytes (e.g. freshly generated).
    public init(keyBytes: some DataProtocol) {
        self.key = SymmetricKey(data: Data(keyBytes))
    }

    /// A new random 32-byte secret.
    public static func generate() -> WebhookSecret {
        WebhookSecret(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) {
        self.key = key
    }

    /// The `whsec_...` form, for showing once to an administrator; never log it.
    public func exportedString() -> String {
        "whsec_" + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    public var description: String { "whsec_<redacted>" }
    public var debugDescription: String { "WebhookSecret(<redacted>)" }
}

public enum WebhookSecretError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case notBase64
    case tooShort(bytes: Int)

    public var description: String {
        switch self {
        case .empty: "webhook secret is empty"
        case .notBase64: "webhook secret is not valid base64 after the whsec_ prefix"
        case .tooShort(let bytes): "webhook secret is too short (\(bytes) bytes, at least 16 required)"
        }
    }
}

/// Signs webhook requests per Standard Webhooks:
/// `webhook-signature: v1,<base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))>`, one entry per
/// active secret, separated by spaces (so receivers can rotate secrets without downtime).
public struct WebhookSigner: Sendable {
    public let secrets: [WebhookSecret]

    public init(secrets: [WebhookSecret]) {
        self.secrets = secrets
    }

    public init(secret: WebhookSecret) {
        self.secrets = [secret]
    }

    /// The value of the `webhook-signature` header.
    public func signature(id: String, timestamp: Int64, body: some DataProtocol) -> String {
        secrets.map { "v1," + Self.sign(key: $0.key, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }

    /// All three headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    public func headers(id: String, timestamp: Int64, body: some DataProtocol) -> [(name: String, value: String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
        ]
    }

    static func mac(key: SymmetricKey, id: String, timestamp: String, body: some DataProtocol) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }

    static func sign(key: SymmetricKey, id: String, timestamp: Int64, body: some DataProtocol) -> String {
        Data(mac(key: key, id: id, timestamp: String(timestamp), body: body)).base64EncodedString()
    }
}

public enum WebhookVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingHeader(String)
    case invalidTimestamp
    case timestampTooOld
    case timestampTooNew
    case noMatchingSignature

    public var description: String {
        switch self {
        case .missingHeader(let name): "missing header \(name)"
        case .invalidTimestamp: "webhook-timestamp is not an integer"
        case .timestampTooOld: "webhook-timestamp is too old"
        case .timestampTooNew: "webhook-timestamp is too far in the future"
        case .noMatchingSignature: "no matching v1 signature"
        }
    }
}

/// Verifies Standard Webhooks signatures (what a receiver does); used by Posko's own tests and by
/// anyone who consumes Posko's webhooks in Swift.
public struct WebhookVerifier: Sendable {
    public let secrets: [WebhookSecret]
    /// Allowed clock difference, inclusive (the spec's default is 5 minutes).
    public let tolerance: Duration

    public init(secrets: [WebhookSecret], tolerance: Duration = .seconds(300)) {
        self.secrets = secrets
        self.tolerance = tolerance
    }

    /// Checks the headers against the raw body at receiver time `now`.
    public func verify(
        id: String?,
        timestamp: String?,
        signature: String?,
        body: some DataProtocol,
        now: Date
    ) throws(WebhookVerificationError) {
        guard let id, !id.isEmpty else { throw .missingHeader("webhook-id") }
        guard let timestamp, !timestamp.isEmpty else { throw .missingHeader("webhook-timestamp") }
        guard let signature, !signature.isEmpty else { throw .missingHeader("webhook-signature") }
        guard let seconds = Int64(timestamp) else { throw .invalidTimestamp }
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let toleranceSeconds = tolerance.components.seconds
        if seconds < nowSeconds - toleranceSeconds { throw .timestampTooOld }
        if seconds > nowSeconds + toleranceSeconds { throw .timestampTooNew }

        let candidates: [Data] = signature.split(separator: " ").compactMap { entry in
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == "v1" else { return nil }
            return Data(base64Encoded: String(entry[entry.index(after: comma)...]))
        }
        for secret in secrets {
            let expected = WebhookSigner.mac(key: secret.key, id: id, timestamp: timestamp, body: body)
            for candidate in candidates where candidate.count == SHA256.byteCount {
                if expected == candidate { return } // constant-time comparison in swift-crypto
            }
        }
        throw .noMatchingSignature
    }

    /// Convenience for a header lookup (names case-insensitive).
    public func verify(headers: [String: String], body: some DataProtocol, now: Date) throws(WebhookVerificationError) {
        var lower: [String: String] = [:]
        for (name, value) in headers { lower[name.lowercased()] = value }
        try verify(id: lower["webhook-id"], timestamp: lower["webhook-timestamp"], signature: lower["webhook-signature"],
                   body: body, now: now)
    }
}
