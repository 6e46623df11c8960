import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PoskoCore

/// Configuration of a generic HTTP SMS gateway (Zenziva-, Jasmin-style, ...).
///
/// Templates hold placeholders `{to}`, `{to_digits}` (without `+`), `{from}`, `{text}`,
/// `{reference}` and the names in `secrets` (e.g. `{passkey}`). Values are escaped for where
/// they stand: percent-encoded in the URL and in a form body, JSON-string-escaped in a JSON
/// body (write the quotes in the template: `{"to":"{to}","text":"{text}"}`), verbatim in a raw
/// body and in headers. Literal braces that are not a `{name}` stay as they are.
public struct HTTPSMSGatewayConfiguration: Sendable {
    public enum BodyEncoding: String, Sendable {
        case json, form, raw
    }

    public var name: String
    /// `GET`, `POST`, `PUT`, ...
    public var method: String
    public var urlTemplate: String
    public var bodyTemplate: String?
    /// How `{...}` values are escaped in the body; by default from the `Content-Type` header
    /// (`json` → json, `x-www-form-urlencoded` → form, otherwise raw).
    public var bodyEncoding: BodyEncoding?
    public var headers: [String: String]
    /// Named secrets usable as placeholders; their values never appear in results or logs.
    public var secrets: [String: String]
    public var from: String?
    /// Status codes that mean accepted.
    public var successStatus: ClosedRange<Int>
    /// When set, an accepted status also needs a body matching this regular expression
    /// (many gateways answer 200 with an error in the body).
    public var successBodyPattern: String?
    /// Cut longer texts (at a word boundary) to this many segments; nil: send as given.
    public var maxSegments: Int?
    public var timeout: Duration

    public init(
        name: String,
        method: String = "POST",
        urlTemplate: String,
        bodyTemplate: String? = nil,
        bodyEncoding: BodyEncoding? = nil,
        headers: [String: String] = [:],
        secrets: [String: String] = [:],
        from: String? = nil,
        successStatus: ClosedRange<Int> = 200...299,
        successBodyPattern: String? = nil,
        maxSegments: Int? = nil,
        timeout: Duration = .seconds(10)
    ) {
        self.name = name
        self.method = method
        self.urlTemplate = urlTemplate
        self.bodyTemplate = bodyTemplate
        self.bodyEncoding = bodyEncoding
        self.headers = headers
        self.secrets = secrets
        self.from = from
        self.successStatus = successStatus
        self.successBodyPattern = successBodyPattern
        self.maxSegments = maxSegments
        self.timeout = timeout
    }
}

public enum HTTPSMSGatewayConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownPlaceholder(String, in: String)
    case invalidPattern
    case invalidMethod(String)
    case invalidURL
    case headerContainsLineBreak(String)

    public var description: String {
        switch self {
        case .unknownPlaceholder(let name, let place): "unknown placeholder {\(name)} in \(place)"
        case .invalidPattern: "successBodyPattern is not a valid regular expression"
        case .invalidMethod(let method): "unsupported HTTP method \(method)"
        case .invalidURL: "urlTemplate must start with http:// or https://"
        case .headerContainsLineBreak(let name): "header \(name) contains a line break"
        }
    }
}

/// A parsed `{name}` template.
struct MessageTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case placeholder(String)
    }

    enum Escaping: Sendable {
        case url, form, json, raw
    }

    let pieces: [Piece]

    /// `{` + `[a-z_][a-z0-9_]*` + `}` is a placeholder; any other brace is literal text.
    init(_ template: String, allowed: Set<String>, place: String) throws(HTTPSMSGatewayConfigurationError) {
        var pieces: [Piece] = []
        var literal = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "{", let close = template[index...].firstIndex(of: "}") {
                let name = template[template.index(after: index)..<close]
                if Self.isIdentifier(name) {
                    guard allowed.contains(String(name)) else { throw .unknownPlaceholder(String(name), in: place) }
                    if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                    pieces.append(.placeholder(String(name)))
                    index = template.index(after: close)
                    continue
                }
            }
            literal.append(character)
            index = template.index(after: index)
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    private static func isIdentifier(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    func render(_ values: [String: String], escaping: Escaping) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .placeholder(let name):
                let value = values[name] ?? ""
                switch escaping {
                case .url, .form: out += SMSQueryEncoding.encode(value)
                case .json: out += Self.jsonEscape(value)
                case .raw: out += value
                }
            }
        }
        return out
    }

    /// The inside of a JSON string literal (RFC 8259): quotes, backslash and control characters escaped.
    static func jsonEscape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Sends SMS through a generic HTTP gateway described by `HTTPSMSGatewayConfiguration`.
public struct HTTPSMSGatewayNotifier: Notifier {
    public let configuration: HTTPSMSGatewayConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger
    private let method: HTTPMethod
    private let url: MessageTemplate
    private let body: MessageTemplate?
    private let bodyEscaping: MessageTemplate.Escaping
    private let headers: [(name: String, value: MessageTemplate)]
    private let pattern: String?
    private let now: @Sendable () -> Date

    public var channelName: String { configuration.name }

    public init(
        configuration: HTTPSMSGatewayConfiguration,
        httpClient: HTTPClient,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "posko.delivery.http-sms")
    ) throws(HTTPSMSGatewayConfigurationError) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.now = now
        var logger = logger
        logger[metadataKey: "channel"] = .string(configuration.name)
        self.logger = logger

        let allowed = Set(["to", "to_digits", "from", "text", "reference"]).union(configuration.secrets.keys)
        let upper = configuration.method.uppercased()
        guard ["GET", "POST", "PUT", "PATCH"].contains(upper) else { throw .invalidMethod(configuration.method) }
        self.method = HTTPMethod(rawValue: upper)
        let lowerURL = configuration.urlTemplate.lowercased()
        guard lowerURL.hasPrefix("http://") || lowerURL.hasPrefix("https://") else { throw .invalidURL }
        self.url = try MessageTemplate(configuration.urlTemplate, allowed: allowed, place: "urlTemplate")
        if let template = configuration.bodyTemplate {
            self.body = try MessageTemplate(template, allowed: allowed, place: "bodyTemplate")
        } else {
            self.body = nil
        }
        var headers: [(name: String, value: MessageTemplate)] = []
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) {
            if name.contains(where: \.isNewline) || value.contains(where: \.isNewline) { throw .headerContainsLineBreak(name) }
            headers.append((name, try MessageTemplate(value, allowed: allowed, place: "header \(name)")))
        }
        self.headers = headers
        let contentType = configuration.headers.first { $0.key.lowercased() == "content-type" }?.value.lowercased() ?? ""
        switch configuration.bodyEncoding {
        case .json?: self.bodyEscaping = .json
        case .form?: self.bodyEscaping = .form
        case .raw?: self.bodyEscaping = .raw
        case nil:
            if contentType.contains("json") { self.bodyEscaping = .json }
            else if contentType.contains("x-www-form-urlencoded") { self.bodyEscaping = .form }
            else { self.bodyEscaping = .raw }
        }
        if let pattern = configuration.successBodyPattern {
            guard (try? Regex(pattern)) != nil else { throw .invalidPattern }
        }
        self.pattern = configuration.successBodyPattern
    }

    private var secretValues: [String] { Array(configuration.secrets.values) }

    public func send(_ message: OutboundMessage) async -> DeliveryResult {
        var sms = SMSText(message.text)
        var truncated = false
        if let limit = configuration.maxSegments, sms.segmentCount > limit {
            let cut = SMSText.truncate(sms.text, maxSegments: max(1, limit))
            sms = SMSText(cut.text)
            truncated = cut.truncated
        }
        guard !sms.text.isEmpty else { return .permanent(reason: "\(configuration.name): empty SMS text") }
        var values = configuration.secrets
        values["to"] = message.address
        values["to_digits"] = message.address.filter { $0.isASCII && $0.isNumber }
        values["from"] = configuration.from ?? ""
        values["text"] = sms.text
        values["reference"] = message.reference

        var request = HTTPClientRequest(url: url.render(values, escaping: .url))
        request.method = method
        request.headers.add(name: "User-Agent", value: "Posko")
        for header in headers {
            let value = header.value.render(values, escaping: .raw)
            guard !value.contains(where: \.isNewline) else {
                return .permanent(reason: "\(configuration.name): header \(header.name) would contain a line break")
            }
            request.headers.replaceOrAdd(name: header.name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(string: body.render(values, escaping: bodyEscaping)))
        }

        let outcome = await ChannelHTTP.perform(request, client: httpClient, timeout: configuration.timeout)
        let result = interpret(outcome, truncated: truncated, sms: sms)
        switch result {
        case .delivered(let response), .queued(let response):
            logger.debug("SMS accepted by gateway", metadata: ["reference": .string(message.reference), "response": .string(response)])
        case .retryable(let reason, _):
            logger.warning("SMS send failed, retryable", metadata: ["reference": .string(message.reference), "reason": .string(reason)])
        case .permanent(let reason, _):
            logger.error("SMS send failed permanently", metadata: ["reference": .string(message.reference), "reason": .string(reason)])
        }
        return result
    }

    func interpret(_ outcome: ChannelHTTPOutcome, truncated: Bool, sms: SMSText) -> DeliveryResult {
        let name = configuration.name
        switch outcome {
        case .transportFailure(let reason, let permanent):
            let reason = ChannelHTTP.redact("\(name): \(reason)", secrets: secretValues)
            return permanent ? .permanent(reason: reason) : .retryable(reason: reason)
        case .response(let status, let headers, let raw):
            let body = ChannelHTTP.redact(raw, secrets: secretValues)  // whole, before it is shortened
            if configuration.successStatus.contains(status) {
                let reply = ChannelHTTP.snippet(body)
                if let pattern, !Self.matches(body, pattern: pattern) {
                    let what = ChannelHTTP.htmlSummary(body).map { "an HTML page (\($0))" } ?? "\"\(reply)\""
                    return .permanent(reason: ChannelHTTP.redact(
                        "\(name): HTTP \(status) but the reply does not match the success pattern: \(what)", secrets: secretValues))
                }
                let details = "\(sms.segmentCount) segment(s), \(sms.encoding.rawValue)" + (truncated ? ", truncated" : "")
                return .delivered(response: ChannelHTTP.redact("HTTP \(status): \(reply) (\(details))", secrets: secretValues))
            }
            return ChannelHTTP.failure(status: status, headers: headers, body: body, now: now(), redacting: secretValues).prefixed("\(name): ")
        }
    }

    private static func matches(_ body: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: body)) != nil
    }
}
