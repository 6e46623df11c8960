import Foundation
import PoskoDelivery
import Testing

@Suite("Standard Webhooks signing")
struct WebhookSignerTests {
    struct VectorFile: Decodable {
        var timestamp_tolerance_seconds: Int
        var vectors: [Vector]
    }

    struct Vector: Decodable, Sendable {
        var name: String
        var secret: String
        var msg_id: String
        var timestamp: Int64
        var payload: String
        var headers: [String: String]
        var verify_at_unix: Int64
        var expected: String
        var expected_signature_for_payload: String
    }

    static func loadVectors() throws -> VectorFile {
        let data = try Data(contentsOf: DeliveryTestSupport.webhookVectorsURL)
        return try JSONDecoder().decode(VectorFile.self, from: data)
    }

    /// Runs where shared/ is present; with CI set, a missing file fails instead of skipping.
    @Test(.enabled(if: DeliveryTestSupport.webhookVectorsAvailable || DeliveryTestSupport.isCI,
                   "shared/data/standard-webhooks/test-vectors.json not found (set CI to make this a failure)"))
    func sharedTestVectors() throws {
        let file = try Self.loadVectors()
        #expect(file.timestamp_tolerance_seconds == 300)
        #expect(file.vectors.count >= 3)
        for vector in file.vectors {
            let secret = try WebhookSecret(vector.secret)
            let body = Data(vector.payload.utf8)
            let signer = WebhookSigner(secret: secret)
            #expect(signer.signature(id: vector.msg_id, timestamp: vector.timestamp, body: body) == vector.expected_signature_for_payload,
                    "\(vector.name)")
            let headers = signer.headers(id: vector.msg_id, timestamp: vector.timestamp, body: body)
            #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])

            let verifier = WebhookVerifier(secrets: [secret])
            let now = Date(timeIntervalSince1970: TimeInterval(vector.verify_at_unix))
            if vector.expected == "valid" {
                #expect(throws: Never.self, "\(vector.name)") {
                    try verifier.verify(headers: vector.headers, body: body, now: now)
                }
            } else {
                #expect(throws: WebhookVerificationError.self, "\(vector.name)") {
                    try verifier.verify(headers: vector.headers, body: body, now: now)
                }
            }
            // Any change to the body breaks the signature.
            #expect(throws: WebhookVerificationError.noMatchingSignature) {
                try verifier.verify(headers: vector.headers, body: Data((vector.payload + " ").utf8), now: now)
            }
        }
    }

    static let official = (secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                           timestamp: Int64(1_614_265_330), body: Data(#"{"test": 2432232314}"#.utf8),
                           signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

    @Test func officialSpecVectorWithoutSharedDirectory() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.official.secret))
        #expect(signer.signature(id: Self.official.id, timestamp: Self.official.timestamp, body: Self.official.body) == Self.official.signature)
        // The prefix is optional.
        let bare = WebhookSigner(secret: try WebhookSecret(String(Self.official.secret.dropFirst(6))))
        #expect(bare.signature(id: Self.official.id, timestamp: Self.official.timestamp, body: Self.official.body) == Self.official.signature)
    }

    @Test func rotationSignsWithEverySecretAndVerifiesWithAny() throws {
        let old = try WebhookSecret(Self.official.secret)
        let new = WebhookSecret.generate()
        let signer = WebhookSigner(secrets: [old, new])
        let header = signer.signature(id: "msg_1", timestamp: 1_700_000_000, body: Data("{}".utf8))
        let entries = header.split(separator: " ")
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.hasPrefix("v1,") })
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        for secret in [old, new] {
            #expect(throws: Never.self) {
                try WebhookVerifier(secrets: [secret]).verify(id: "msg_1", timestamp: "1700000000", signature: header,
                                                              body: Data("{}".utf8), now: now)
            }
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try WebhookVerifier(secrets: [WebhookSecret.generate()]).verify(
                id: "msg_1", timestamp: "1700000000", signature: header, body: Data("{}".utf8), now: now)
        }
    }

    @Test(arguments: [
        (Int64(0), nil as WebhookVerificationError?),
        (300, nil),
        (-300, nil),
        (301, .timestampTooOld),
        (-301, .timestampTooNew),
    ])
    func toleranceWindowIsInclusive(age: Int64, expected: WebhookVerificationError?) throws {
        let secret = try WebhookSecret(Self.official.secret)
        let verifier = WebhookVerifier(secrets: [secret])
        let now = Date(timeIntervalSince1970: TimeInterval(Self.official.timestamp + age))
        let verify = {
            try verifier.verify(id: Self.official.id, timestamp: String(Self.official.timestamp),
                                signature: Self.official.signature, body: Self.official.body, now: now)
        }
        if let expected {
            #expect(throws: expected) { try verify() }
        } else {
            #expect(throws: Never.self) { try verify() }
        }
    }

    @Test(arguments: [
        ("v2,abc v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", true),
        ("nocomma v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", true),
        ("v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", true),
        ("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", false),
        ("v1,not-base64!!", false),
        ("v1,", false),
        ("garbage", false),
    ])
    func signatureHeaderVariants(header: String, valid: Bool) throws {
        let verifier = WebhookVerifier(secrets: [try WebhookSecret(Self.official.secret)])
        let now = Date(timeIntervalSince1970: TimeInterval(Self.official.timestamp))
        let verify = {
            try verifier.verify(id: Self.official.id, timestamp: String(Self.official.timestamp), signature: header,
                                body: Self.official.body, now: now)
        }
        if valid {
            #expect(throws: Never.self) { try verify() }
        } else {
            #expect(throws: WebhookVerificationError.noMatchingSignature) { try verify() }
        }
    }

    @Test func missingHeadersAndBadTimestamp() throws {
        let verifier = WebhookVerifier(secrets: [try WebhookSecret(Self.official.secret)])
        let now = Date()
        #expect(throws: WebhookVerificationError.missingHeader("webhook-id")) {
            try verifier.verify(headers: [:], body: Data(), now: now)
        }
        #expect(throws: WebhookVerificationError.invalidTimestamp) {
            try verifier.verify(headers: ["Webhook-Id": "x", "Webhook-Timestamp": "soon", "Webhook-Signature": "v1,x"], body: Data(), now: now)
        }
    }

    @Test(arguments: ["", "whsec_", "whsec_!!!notbase64", "whsec_c2hvcnQ="])
    func badSecretsFailWithoutEchoingThem(_ secret: String) {
        do {
            _ = try WebhookSecret(secret)
            Issue.record("accepted a bad secret")
        } catch {
            let text = String(describing: error)
            #expect(!text.isEmpty)
            if secret.count > 6 { #expect(!text.contains(secret.dropFirst(6))) }
        }
    }

    @Test func secretsAreRedactedInDescriptions() throws {
        let secret = try WebhookSecret(Self.official.secret)
        #expect(!"\(secret)".contains("MfKQ9r8"))
        #expect(!String(reflecting: secret).contains("MfKQ9r8"))
        #expect(secret.exportedString() == Self.official.secret)
        let generated = WebhookSecret.generate()
        #expect(try WebhookSecret(generated.exportedString()).exportedString() == generated.exportedString())
    }
}
