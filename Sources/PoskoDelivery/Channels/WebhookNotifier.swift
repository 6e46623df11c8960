import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// One webhook endpoint.
public struct WebhookEndpoint: Sendable {
    /// Channel name as written in the configuration.
    public var name: String
    public var url: String
    /// Active signing secrets; more than one while rotating (each gives one `v1,` signature).
    public var secrets: [WebhookSecret]
    /// Extra headers (must not contain line breaks).
    public var headers: [String: String]
    /// Deadline of one request, including reading the reply.
    public var timeout: Duration

    public init(name: String, url: String, secrets: [WebhookSecret], headers: [String: String] = [:], timeout: Duration = .seconds(10)) {
        self.name = name
        self.url = url
        self.secrets = secrets
        self.headers = headers
        self.timeout = timeout
    }
}

/// POSTs a JSON payload signed per Standard Webhooks.
///
/// `webhook-id` is the message reference (stable across retries, so receivers de-duplicate),
/// `webhook-timestamp` comes from the injected `now` at the time of each attempt.
/// 2xx → delivered; 408, 425, 429, 5xx, timeouts, connection errors → retryable (with
/// `Retry-After`, seconds or HTTP date); 410 → permanent and `disableEndpoint`; other → permanent.
public struct WebhookNotifier: Notifier {
    public let endpoint: WebhookEndpoint
    private let signer: WebhookSigner
    private let httpClient: HTTPClient
    private let now: @Sendable () -> Date
    private let logger: Logger

    public var channelName: String { endpoint.name }

    public init(
        endpoint: WebhookEndpoint,
        httpClient: HTTPClient,
        now: @escaping @Sendable () -> Date,
        logger: Logger = Logger(label: "posko.delivery.webhook")
    ) {
        self.endpoint = endpoint
        self.signer = WebhookSigner(secrets: endpoint.secrets)
        self.httpClient = httpClient
        self.now = now
        var logger = logger
        logger[metadataKey: "channel"] = .string(endpoint.name)
        self.logger = logger
    }

    /// The body sent for `message`: its `payload`, or a small JSON document when it has none.
    public static func body(for message: OutboundMessage) -> Data {
        if let payload = message.payload { return payload }
        let document: [String: Any] = [
            "type": message.eventType,
            "data": ["reference": message.reference, "address": message.address, "text": message.text],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// The request for `message` at time `timestamp` (exposed for tests and benchmarks).
    public func request(for message: OutboundMessage, timestamp: Int64) -> HTTPClientRequest {
        let body = Self.body(for: message)
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for (name, value) in endpoint.headers where !name.contains(where: \.isNewline) && !value.contains(where: \.isNewline) {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "User-Agent", value: "Posko-Webhooks")
        for header in signer.headers(id: message.reference, timestamp: timestamp, body: body) {
            request.headers.replaceOrAdd(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    public func send(_ message: OutboundMessage) async -> DeliveryResult {
        guard !message.reference.isEmpty, !message.reference.contains(where: { $0.isNewline || $0 == " " }) else {
            return .permanent(reason: "\(endpoint.name): message reference is not usable as webhook-id")
        }
        let timestamp = Int64(now().timeIntervalSince1970.rounded(.down))
        let outcome = await ChannelHTTP.perform(request(for: message, timestamp: timestamp), client: httpClient, timeout: endpoint.timeout)
        let result = interpret(outcome)
        switch result {
        case .delivered(let response), .queued(let response):
            logger.debug("webhook delivered", metadata: ["reference": .string(message.reference), "response": .string(response)])
        case .retryable(let reason, _):
            logger.warning("webhook failed, retryable", metadata: ["reference": .string(message.reference), "reason": .string(reason)])
        case .permanent(let reason, let disable):
            logger.error("webhook failed permanently", metadata: [
                "reference": .string(message.reference), "reason": .string(reason), "disable": .stringConvertible(disable),
            ])
        }
        return result
    }

    func interpret(_ outcome: ChannelHTTPOutcome) -> DeliveryResult {
        let name = endpoint.name
        switch outcome {
        case .transportFailure(let reason, let permanent):
            return permanent ? .permanent(reason: "\(name): \(reason)") : .retryable(reason: "\(name): \(reason)")
        case .response(let status, let headers, let body):
            if (200...299).contains(status) {
                return .delivered(response: "HTTP \(status)")
            }
            if status == 410 {
                return .permanent(reason: "\(name): HTTP 410 Gone: endpoint disabled", disableEndpoint: true)
            }
            return ChannelHTTP.failure(status: status, headers: headers, body: body, now: now()).prefixed("\(name): ")
        }
    }
}
