import AsyncHTTPClient
import Foundation
import PoskoDelivery
import PoskoTesting
import Testing

/// Webhook delivery against a real local receiver that verifies signatures with Python's hmac.
@Suite("Webhook notifier against a Python receiver",
       .enabled(if: DeliveryTestSupport.pythonAvailable || DeliveryTestSupport.isCI, "python3 not found (set CI to fail instead)"))
struct WebhookNotifierTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func withReceiver(secrets: [String] = [Self.secret], _ body: (PythonWebhookReceiver) async throws -> Void) async throws {
        let receiver = try await PythonWebhookReceiver.start(secrets: secrets)
        do {
            try await body(receiver)
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    func notifier(_ url: String, secrets: [String] = [Self.secret], timeout: Duration = .seconds(5),
                  now: @escaping @Sendable () -> Date = { Date() }) throws -> WebhookNotifier {
        let endpoint = WebhookEndpoint(name: "bpbd-hook", url: url, secrets: try secrets.map { try WebhookSecret($0) },
                                       headers: ["X-Posko-Drill": "0"], timeout: timeout)
        return WebhookNotifier(endpoint: endpoint, httpClient: HTTPClient.shared, now: now)
    }

    static let payload = Data(#"{"type":"emergency.declared","pesan":"Hujan lebat — waspada 🌧","kelurahan":"12.75.04.1006"}"#.utf8)

    @Test func deliversSignedPayloadVerifiedIndependently() async throws {
        try await withReceiver { receiver in
            let pinned = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 7)
            let notifier = try notifier(receiver.url("/ok"), now: { pinned })
            let message = OutboundMessage(reference: "msg_01HZX5", address: "bpbd-hook", text: "", payload: Self.payload,
                                          eventType: "emergency.declared")
            let result = await notifier.send(message)
            #expect(result == .delivered(response: "HTTP 204"))
            let log = try await receiver.log()
            let entry = try #require(log.first)
            #expect(entry.valid, "Python rejected the signature: \(entry.error ?? "")")
            #expect(entry.id == "msg_01HZX5")
            #expect(entry.timestamp == String(Int64(pinned.timeIntervalSince1970)))
            #expect(entry.content_type == "application/json")
            #expect(entry.body == String(decoding: Self.payload, as: UTF8.self))
        }
    }

    @Test func defaultBodyWhenMessageHasNoPayload() async throws {
        try await withReceiver { receiver in
            let result = try await notifier(receiver.url("/ok")).send(
                OutboundMessage(reference: "ref-2", address: "x", text: "Pos melati TUTUP \"banjir\"", eventType: "post.closed"))
            #expect(result == .delivered(response: "HTTP 204"))
            let entry = try #require(try await receiver.log().first)
            #expect(entry.valid)
            let json = try JSONSerialization.jsonObject(with: Data(entry.body.utf8)) as? [String: Any]
            #expect(json?["type"] as? String == "post.closed")
            #expect((json?["data"] as? [String: Any])?["text"] as? String == "Pos melati TUTUP \"banjir\"")
        }
    }

    @Test func rotationReceiverKnowsOnlyTheNewSecret() async throws {
        let newSecret = WebhookSecret.generate().exportedString()
        try await withReceiver(secrets: [newSecret]) { receiver in
            let result = try await notifier(receiver.url("/ok"), secrets: [Self.secret, newSecret])
                .send(OutboundMessage(reference: "rot-1", address: "x", text: "", payload: Self.payload))
            #expect(result == .delivered(response: "HTTP 204"))
            let entry = try #require(try await receiver.log().first)
            #expect(entry.valid)
            #expect(entry.signatures == 2)
        }
    }

    @Test func staleClockIsRejectedByReceiver() async throws {
        try await withReceiver { receiver in
            let result = try await notifier(receiver.url("/ok"), now: { Date().addingTimeInterval(-3600) })
                .send(OutboundMessage(reference: "old-1", address: "x", text: "", payload: Self.payload))
            guard case .permanent(let reason, let disable) = result else {
                Issue.record("expected permanent, got \(result)")
                return
            }
            #expect(reason.contains("HTTP 401"))
            #expect(!disable)
            #expect(try await receiver.log().first?.error == "timestamp outside tolerance")
        }
    }

    @Test func statusMapping() async throws {
        try await withReceiver { receiver in
            let message = OutboundMessage(reference: "st-1", address: "x", text: "", payload: Self.payload)
            let cases: [(String, (DeliveryResult) -> Bool)] = [
                ("/status/200", { $0 == .delivered(response: "HTTP 200") }),
                ("/status/202", { $0 == .delivered(response: "HTTP 202") }),
                ("/status/500", { if case .retryable(let r, nil) = $0 { r.contains("HTTP 500") } else { false } }),
                ("/status/503?retry_after=120", { if case .retryable(_, .seconds(120)?) = $0 { true } else { false } }),
                ("/status/429?retry_after=7", { if case .retryable(let r, .seconds(7)?) = $0 { r.contains("HTTP 429") } else { false } }),
                ("/status/408", { if case .retryable = $0 { true } else { false } }),
                ("/status/410", { if case .permanent(_, true) = $0 { true } else { false } }),
                ("/status/400", { if case .permanent(let r, false) = $0 { r.contains("HTTP 400") } else { false } }),
                ("/status/404", { if case .permanent(_, false) = $0 { true } else { false } }),
                ("/status/301", { if case .permanent(_, false) = $0 { true } else { false } }),
            ]
            for (path, check) in cases {
                let result = try await notifier(receiver.url(path)).send(message)
                #expect(check(result), "\(path) gave \(result)")
            }
            #expect(try await receiver.log().allSatisfy(\.valid))
        }
    }

    @Test func retryAfterAsHTTPDateUsesInjectedClock() async throws {
        try await withReceiver { receiver in
            let now = Date()
            let later = now.addingTimeInterval(90)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let header = formatter.string(from: later).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let result = try await notifier(receiver.url("/status/429?retry_after=\(header)"), now: { now })
                .send(OutboundMessage(reference: "ra-1", address: "x", text: "", payload: Self.payload))
            guard case .retryable(_, let after?) = result else {
                Issue.record("expected retryable with Retry-After, got \(result)")
                return
            }
            #expect(after >= .seconds(89) && after <= .seconds(91))
        }
    }

    @Test func slowReceiverTimesOutRetryable() async throws {
        try await withReceiver { receiver in
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await notifier(receiver.url("/slow?seconds=10"), timeout: .milliseconds(500))
                .send(OutboundMessage(reference: "slow-1", address: "x", text: "", payload: Self.payload))
            let elapsed = clock.now - start
            #expect(result == .retryable(reason: "bpbd-hook: timeout"))
            // Not the receiver's 10 s; the margin over 500 ms is for a loaded test run, where
            // this task waits for a thread before it sees the result.
            #expect(elapsed < .seconds(5))
        }
    }

    @Test func connectionRefusedIsRetryable() async throws {
        let refusing = try RefusingLoopbackPort()
        defer { refusing.close() }
        let result = try await notifier("http://127.0.0.1:\(refusing.port)/hook", timeout: .seconds(2))
            .send(OutboundMessage(reference: "down-1", address: "x", text: "", payload: Self.payload))
        guard case .retryable(let reason, nil) = result else {
            Issue.record("expected retryable, got \(result)")
            return
        }
        #expect(reason.contains("connection refused") || reason.contains("timeout"), "\(reason)")
    }

    @Test func unusableReferenceIsPermanent() async throws {
        let result = try await notifier("http://127.0.0.1:9/").send(OutboundMessage(reference: "a b", address: "x", text: ""))
        guard case .permanent = result else {
            Issue.record("expected permanent, got \(result)")
            return
        }
    }
}

@Suite("Retry-After parsing")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 784_111_777) // Sun, 06 Nov 1994 08:49:37 GMT

    @Test(arguments: [
        ("120", Duration.seconds(120) as Duration?),
        (" 0 ", .seconds(0)),
        ("Sun, 06 Nov 1994 08:51:37 GMT", .seconds(120)),
        ("Sunday, 06-Nov-94 08:50:37 GMT", .seconds(60)),
        ("Sun Nov  6 08:49:47 1994", .seconds(10)),
        ("Sun, 06 Nov 1994 08:00:00 GMT", .zero),
        ("soon", nil),
        ("-5", nil),
        ("", nil),
        ("Sun, 32 Nov 1994 08:49:37 GMT", nil),
    ])
    func parses(_ value: String, _ expected: Duration?) {
        #expect(RetryAfter.parse(value, now: Self.now) == expected)
    }
}
