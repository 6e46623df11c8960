import AsyncHTTPClient
import Foundation
import PoskoCore
import PoskoDelivery
import PoskoTesting
import Testing

@Suite("Generic HTTP SMS gateway")
struct HTTPSMSGatewayNotifierTests {
    static let message = OutboundMessage(reference: "ref-7", address: "+6281234567",
                                         text: "Pos \"melati\" TUTUP\nke pos mawar & 50% 🌧")

    func run(
        _ configure: (String) -> HTTPSMSGatewayConfiguration,
        reply: CannedResponse,
        message: OutboundMessage = Self.message
    ) async throws -> (DeliveryResult, RecordedRequest?) {
        let gateway = try await LoopbackHTTPRecorder.start { _ in reply }
        let notifier = try HTTPSMSGatewayNotifier(configuration: configure(gateway.baseURL), httpClient: HTTPClient.shared,
                                                  now: { Date(timeIntervalSince1970: 1_700_000_000) })
        let result = await notifier.send(message)
        let request = gateway.requests().first
        await gateway.shutdown()
        return (result, request)
    }

    /// Jasmin-style: JSON body, bearer token from a secret.
    static func jsonGateway(_ base: String) -> HTTPSMSGatewayConfiguration {
        HTTPSMSGatewayConfiguration(
            name: "jasmin", method: "POST", urlTemplate: base + "/secure/send?ref={reference}",
            bodyTemplate: #"{"to":"{to}","from":"{from}","content":"{text}","dlr":"yes"}"#,
            headers: ["Content-Type": "application/json", "Authorization": "Bearer {token}"],
            secrets: ["token": "tok-S3CRET-123"], from: "POSKO",
            successStatus: 200...299, successBodyPattern: #"^\{"data":"Success"#)
    }

    @Test func jsonTemplateIsEscapedAndSucceedsOnPattern() async throws {
        let (result, recorded) = try await run(Self.jsonGateway, reply: CannedResponse(status: 200, body: #"{"data":"Success \"07033084-5cfd\""}"#))
        guard case .delivered(let response) = result else {
            Issue.record("expected delivered, got \(result)")
            return
        }
        #expect(response.hasPrefix("HTTP 200"))
        let request = try #require(recorded)
        #expect(request.method == "POST")
        #expect(request.path == "/secure/send")
        #expect(request.query == "ref=ref-7")
        #expect(request.header("authorization") == "Bearer tok-S3CRET-123")
        let object = try JSONSerialization.jsonObject(with: request.body)
        let json = try #require(object as? [String: String])
        #expect(json == ["to": "+6281234567", "from": "POSKO", "content": Self.message.text, "dlr": "yes"])
    }

    @Test func successStatusButBodyMismatchIsPermanentAndRedacted() async throws {
        let (result, _) = try await run(Self.jsonGateway, reply: CannedResponse(status: 200, body: #"{"error":"bad token tok-S3CRET-123"}"#))
        guard case .permanent(let reason, false) = result else {
            Issue.record("expected permanent, got \(result)")
            return
        }
        #expect(reason.contains("does not match the success pattern"))
        #expect(!reason.contains("tok-S3CRET-123"))
        #expect(reason.contains("***"))
    }

    /// Zenziva-style: GET with everything in the query; success decided by the body.
    static func zenzivaGateway(_ base: String) -> HTTPSMSGatewayConfiguration {
        HTTPSMSGatewayConfiguration(
            name: "zenziva", method: "GET",
            urlTemplate: base + "/api/sendsms/?userkey={userkey}&passkey={passkey}&to={to_digits}&message={text}",
            secrets: ["userkey": "uk123", "passkey": "pk-very-secret"],
            successBodyPattern: #""status"\s*:\s*"1""#)
    }

    @Test func urlTemplateIsPercentEncoded() async throws {
        let (result, request) = try await run(Self.zenzivaGateway, reply: CannedResponse(status: 200, body: #"{"messageId":"1","to":"6281234567","status":"1","text":"Success"}"#))
        #expect(result == .delivered(response: #"HTTP 200: {"messageId":"1","to":"6281234567","status":"1","text":"Success"} (2 segment(s), ucs2)"#) || {
            if case .delivered = result { return true } else { return false }
        }())
        let query = try #require(request?.query)
        #expect(query.hasPrefix("userkey=uk123&passkey=pk-very-secret&to=6281234567&message="))
        let encodedText = try #require(query.components(separatedBy: "&message=").last)
        let decoded = try #require(SMSQueryEncoding.decodeBytes(encodedText))
        #expect(String(decoding: decoded, as: UTF8.self) == Self.message.text)
    }

    @Test func zenzivaErrorBodyIsPermanentWithoutSecrets() async throws {
        let (result, _) = try await run(Self.zenzivaGateway,
                                        reply: CannedResponse(status: 200, body: #"{"status":"0","text":"Userkey / Passkey Salah: pk-very-secret"}"#))
        guard case .permanent(let reason, _) = result else {
            Issue.record("expected permanent, got \(result)")
            return
        }
        #expect(!reason.contains("pk-very-secret"))
        #expect(reason.contains("Passkey Salah"))
    }

    @Test func formBody() async throws {
        let (_, request) = try await run({ base in
            HTTPSMSGatewayConfiguration(name: "form", method: "POST", urlTemplate: base + "/send",
                                        bodyTemplate: "to={to}&text={text}&id={reference}",
                                        headers: ["Content-Type": "application/x-www-form-urlencoded"])
        }, reply: CannedResponse(status: 201))
        let body = String(decoding: try #require(request?.body), as: UTF8.self)
        #expect(body.hasPrefix("to=%2B6281234567&text=Pos%20%22melati%22%20TUTUP%0Ake%20pos%20mawar%20%26%2050%25%20%F0%9F%8C%A7&id=ref-7"))
    }

    @Test(arguments: [
        (CannedResponse(status: 500, body: "db down"), "retryable"),
        (CannedResponse(status: 429, headers: ["Retry-After": "30"], body: "slow down"), "retry30"),
        (CannedResponse(status: 401, body: "unauthorised"), "permanent"),
        (CannedResponse(status: 502, headers: ["Content-Type": "text/html"],
                        body: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"), "html502"),
        (CannedResponse(status: 403, headers: ["Content-Type": "text/html"],
                        body: "<!DOCTYPE html><html><body><h1>Forbidden</h1></body></html>"), "html403"),
        (CannedResponse(status: 200, headers: ["Content-Type": "text/html"],
                        body: "<!DOCTYPE html><html><head><title>Login</title></head></html>"), "html200"),
    ])
    func failureMapping(reply: CannedResponse, expected: String) async throws {
        let (result, _) = try await run(Self.jsonGateway, reply: reply)
        switch (expected, result) {
        case ("retryable", .retryable(let reason, nil)): #expect(reason == "jasmin: HTTP 500: db down")
        case ("retry30", .retryable(_, .seconds(30)?)): break
        case ("permanent", .permanent(let reason, false)): #expect(reason == "jasmin: HTTP 401: unauthorised")
        case ("html502", .retryable(let reason, nil)):
            #expect(reason == "jasmin: HTTP 502: gateway answered an HTML error page (502 Bad Gateway)")
        case ("html403", .permanent(let reason, false)):
            #expect(reason == "jasmin: HTTP 403: gateway answered an HTML error page (Forbidden)")
        case ("html200", .permanent(let reason, false)): #expect(reason.contains("an HTML page (Login)"), "\(reason)")
        default: Issue.record("expected \(expected), got \(result)")
        }
    }

    @Test func gatewayDownIsRetryable() async throws {
        let refusing = try RefusingLoopbackPort()
        defer { refusing.close() }
        let port = refusing.port
        let notifier = try HTTPSMSGatewayNotifier(
            configuration: HTTPSMSGatewayConfiguration(name: "down", method: "GET", urlTemplate: "http://127.0.0.1:\(port)/send?to={to}",
                                                       timeout: .seconds(2)),
            httpClient: HTTPClient.shared)
        let result = await notifier.send(Self.message)
        guard case .retryable(let reason, nil) = result else {
            Issue.record("expected retryable, got \(result)")
            return
        }
        #expect(reason.hasPrefix("down: "))
    }

    /// With `retryConnectionEstablishment = false` (recommended for Posko's shared client: the
    /// dispatcher owns retries) a refused connection fails at once instead of at the deadline.
    @Test func refusedConnectionFailsFastWithoutPoolRetries() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // Long enough that a pool retrying the connection would still be at it at 30 s.
        configuration.timeout.connect = .seconds(60)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let refusing = try RefusingLoopbackPort()
        defer { refusing.close() }
        let port = refusing.port
        let notifier = try HTTPSMSGatewayNotifier(
            configuration: HTTPSMSGatewayConfiguration(name: "down", method: "GET", urlTemplate: "http://127.0.0.1:\(port)/send?to={to}",
                                                       timeout: .seconds(60)),
            httpClient: client)
        let clock = ContinuousClock()
        let start = clock.now
        let result = await notifier.send(Self.message)
        let elapsed = clock.now - start
        try await client.shutdown()
        #expect(result == .retryable(reason: "down: connection refused"))
        // Not the 60 s request deadline: the refusal itself ends the attempt. (It takes
        // milliseconds; a margin of half the deadline, because in a full parallel test run the
        // task may wait seconds for a thread while other tests keep the pool busy.)
        #expect(elapsed < .seconds(30))
    }

    @Test(arguments: [
        (HTTPSMSGatewayConfiguration(name: "x", urlTemplate: "http://h/{nope}"), HTTPSMSGatewayConfigurationError.unknownPlaceholder("nope", in: "urlTemplate")),
        (HTTPSMSGatewayConfiguration(name: "x", urlTemplate: "ftp://h/"), .invalidURL),
        (HTTPSMSGatewayConfiguration(name: "x", method: "TRACE", urlTemplate: "http://h/"), .invalidMethod("TRACE")),
        (HTTPSMSGatewayConfiguration(name: "x", urlTemplate: "http://h/", successBodyPattern: "(unclosed"), .invalidPattern),
        (HTTPSMSGatewayConfiguration(name: "x", urlTemplate: "http://h/", headers: ["X": "a\r\nInjected: 1"]), .headerContainsLineBreak("X")),
        (HTTPSMSGatewayConfiguration(name: "x", urlTemplate: "http://h/", bodyTemplate: "{\"a\":\"{secretx}\"}"),
         .unknownPlaceholder("secretx", in: "bodyTemplate")),
    ])
    func invalidConfigurationsAreRejected(configuration: HTTPSMSGatewayConfiguration, expected: HTTPSMSGatewayConfigurationError) {
        #expect(throws: expected) {
            _ = try HTTPSMSGatewayNotifier(configuration: configuration, httpClient: HTTPClient.shared)
        }
    }

    @Test func literalBracesInJSONTemplatesStayLiteral() async throws {
        let (_, request) = try await run({ base in
            HTTPSMSGatewayConfiguration(name: "nested", urlTemplate: base + "/send",
                                        bodyTemplate: #"{"messages":[{"to":"{to}","body":{"text":"{text}"}}],"opts":{}}"#,
                                        headers: ["Content-Type": "application/json"])
        }, reply: CannedResponse(status: 200))
        let object = try JSONSerialization.jsonObject(with: try #require(request?.body)) as? [String: Any]
        let first = (object?["messages"] as? [[String: Any]])?.first
        #expect(first?["to"] as? String == "+6281234567")
        #expect((first?["body"] as? [String: Any])?["text"] as? String == Self.message.text)
    }
}
