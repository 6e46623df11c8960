import AsyncHTTPClient
import Foundation
import Logging
import PoskoCore

/// Configuration of one Kannel smsbox `sendsms` account.
public struct KannelConfiguration: Sendable {
    /// Channel name as written in the configuration, e.g. `kannel-utama`.
    public var name: String
    /// `http://127.0.0.1:13013/cgi-bin/sendsms`
    public var sendsmsURL: String
    public var username: String
    /// Never logged and never part of a `DeliveryResult`.
    public var password: String
    /// Sender (`from`); Kannel's `default-sender` when nil.
    public var from: String?
    /// Posko's DLR endpoint, e.g. `http://127.0.0.1:8080/v1/sms/dlr`. When nil no DLR is requested.
    public var dlrBaseURL: String?
    /// Kannel `dlr-mask`; 31 = delivered, failed, buffered, SMSC accepted, SMSC rejected.
    public var dlrMask: Int
    /// `smsc=` routing hint, if any.
    public var smsc: String?
    /// Must equal `max-messages` of the Kannel `sendsms-user`: a longer text is cut by Posko (at a
    /// word boundary, ending with `...`) instead of silently by Kannel.
    public var maxSegments: Int
    /// Deadline of one request, including reading the reply.
    public var timeout: Duration
    /// Seconds a queued SMS (Kannel answers `3: Queued` while its SMSC is down and keeps the
    /// message as long as that lasts) may wait for its first delivery report of any kind (the
    /// SMSC's accept is enough) before the next gateway sends it.
    public var reportTimeout: Double
    /// `reportTimeout` when the configuration does not say (`dlr_timeout`).
    public static let defaultReportTimeout: Double = 600

    public init(
        name: String,
        sendsmsURL: String,
        username: String,
        password: String,
        from: String? = nil,
        dlrBaseURL: String? = nil,
        dlrMask: Int = 31,
        smsc: String? = nil,
        maxSegments: Int = 5,
        timeout: Duration = .seconds(10),
        reportTimeout: Double = KannelConfiguration.defaultReportTimeout
    ) {
        self.name = name
        self.sendsmsURL = sendsmsURL
        self.username = username
        self.password = password
        self.from = from
        self.dlrBaseURL = dlrBaseURL
        self.dlrMask = dlrMask
        self.smsc = smsc
        self.maxSegments = maxSegments
        self.timeout = timeout
        self.reportTimeout = reportTimeout
    }
}

/// Sends SMS through Kannel's smsbox (`GET /cgi-bin/sendsms`).
///
/// Reply mapping (see `shared/reference/kannel.md`): `0: Accepted for delivery` → delivered;
/// `3: Queued for later delivery` → queued; 403 (authorisation,
/// not routable) and 400 → permanent; connection refused, timeouts and 5xx → retryable.
/// Delivery reports come back on `dlrBaseURL?ref=<reference>&st=%d...`; parse them with
/// `KannelDeliveryReport.parse(query:)`.
public struct KannelNotifier: Notifier {
    public let configuration: KannelConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger

    public var channelName: String { configuration.name }

    /// Only when delivery reports are requested.
    public var deliveryReportTimeout: Double? { configuration.dlrBaseURL == nil ? nil : configuration.reportTimeout }

    public init(configuration: KannelConfiguration, httpClient: HTTPClient, logger: Logger = Logger(label: "posko.delivery.kannel")) {
        self.configuration = configuration
        self.httpClient = httpClient
        var logger = logger
        logger[metadataKey: "channel"] = .string(configuration.name)
        self.logger = logger
    }

    /// The `dlr-url` for a message: `<base>?ref=<reference>&ch=<channel>&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F`
    /// (not yet URL-encoded as a whole; `sendsms` encodes it). The channel tells a late report
    /// of a gateway the message has since left from one of the gateway it is on now; a channel
    /// name that is not URL-safe is left out (the report then counts for the current gateway).
    ///
    /// smsbox expands every `%x` in the dlr-url (`%C3` of a percent-encoded `ü` became
    /// `UTF-83`), so a reference that is not made of URL-safe characters only
    /// (`A-Z a-z 0-9 - . _ ~`) travels hex-encoded as `rx=<hex of UTF-8>` instead of `ref=`;
    /// `KannelDeliveryReport.parse(query:)` reads both. The base URL must not contain `%`.
    public static func dlrURL(base: String, reference: String, channel: String? = nil) -> String {
        func urlSafe(_ s: String) -> Bool { !s.isEmpty && SMSQueryEncoding.encode(s) == s }
        let separator = base.contains("?") ? "&" : "?"
        let ref = urlSafe(reference) ? "ref=" + reference : "rx=" + reference.utf8.map { String(format: "%02x", $0) }.joined()
        let ch = channel.flatMap { urlSafe($0) ? "&ch=" + $0 : nil } ?? ""
        return base + separator + ref + ch + "&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F"
    }

    /// A receiver Kannel accepts: digits with an optional leading `+`, 3 to 20 digits.
    /// Spaces would make Kannel send to several numbers, so they are refused.
    static func isValidReceiver(_ number: String) -> Bool {
        var digits = Substring(number)
        if digits.hasPrefix("+") { digits = digits.dropFirst() }
        return (3...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// What will be sent for `message`, or why it cannot be sent at all.
    public struct PreparedSMS: Sendable, Equatable {
        public var text: SMSText
        public var truncated: Bool
    }

    public func prepare(_ message: OutboundMessage) -> Result<PreparedSMS, DeliveryFailure> {
        guard Self.isValidReceiver(message.address) else {
            return .failure(DeliveryFailure("invalid receiver number (digits with optional leading +)"))
        }
        var sms = SMSText(message.text)
        guard !sms.text.isEmpty else { return .failure(DeliveryFailure("empty SMS text")) }
        var truncated = false
        if sms.segmentCount > configuration.maxSegments {
            let cut = SMSText.truncate(sms.text, maxSegments: max(1, configuration.maxSegments))
            sms = SMSText(cut.text)
            truncated = cut.truncated
        }
        return .success(PreparedSMS(text: sms, truncated: truncated))
    }

    /// The full sendsms URL (contains the password: never log it).
    func requestURL(for message: OutboundMessage, sms: SMSText) -> String {
        var query: [(String, String)] = [
            ("username", configuration.username),
            ("password", configuration.password),
            ("to", message.address),
        ]
        if let from = configuration.from { query.append(("from", from)) }
        query.append(("text", sms.text))
        query.append(("charset", "UTF-8"))
        if sms.encoding == .ucs2 { query.append(("coding", "2")) }
        if let smsc = configuration.smsc { query.append(("smsc", smsc)) }
        if let base = configuration.dlrBaseURL {
            query.append(("dlr-mask", String(configuration.dlrMask)))
            query.append(("dlr-url", Self.dlrURL(base: base, reference: message.reference, channel: configuration.name)))
        }
        let encoded = query.map { SMSQueryEncoding.encode($0.0) + "=" + SMSQueryEncoding.encode($0.1) }.joined(separator: "&")
        let separator = configuration.sendsmsURL.contains("?") ? "&" : "?"
        return configuration.sendsmsURL + separator + encoded
    }

    public func send(_ message: OutboundMessage) async -> DeliveryResult {
        let prepared: PreparedSMS
        switch prepare(message) {
        case .success(let value): prepared = value
        case .failure(let failure):
            logger.warning("SMS not sent", metadata: ["reference": .string(message.reference), "reason": .string(failure.reason)])
            return .permanent(reason: failure.reason)
        }
        var request = HTTPClientRequest(url: requestURL(for: message, sms: prepared.text))
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "Posko")

        let outcome = await ChannelHTTP.perform(request, client: httpClient, timeout: configuration.timeout)
        let result = Self.interpret(outcome, sms: prepared, secrets: secrets)
        log(result, message: message, sms: prepared)
        return result
    }

    private var secrets: [String] { [configuration.password] }

    /// Maps a sendsms reply to a delivery result.
    static func interpret(_ outcome: ChannelHTTPOutcome, sms: PreparedSMS, secrets: [String]) -> DeliveryResult {
        switch outcome {
        case .transportFailure(let reason, let permanent):
            let reason = ChannelHTTP.redact("kannel: \(reason)", secrets: secrets)
            return permanent ? .permanent(reason: reason) : .retryable(reason: reason)
        case .response(let status, let headers, let raw):
            let body = ChannelHTTP.redact(raw, secrets: secrets)  // whole, before it is shortened
            let reply = ChannelHTTP.snippet(body)
            let details = "\(sms.text.segmentCount) segment(s), \(sms.text.encoding.rawValue)"
                + (sms.truncated ? ", truncated to fit max-messages" : "")
            if (200...299).contains(status), ChannelHTTP.htmlSummary(body) == nil {
                if reply.hasPrefix("0:") {
                    return .delivered(response: ChannelHTTP.redact("\(reply) (\(details))", secrets: secrets))
                }
                if reply.hasPrefix("3:") {
                    return .queued(response: ChannelHTTP.redact("queued: \(reply) (\(details))", secrets: secrets))
                }
                return .permanent(reason: ChannelHTTP.redact("kannel: unexpected reply HTTP \(status): \(reply)", secrets: secrets))
            }
            if status == 403, reply.localizedCaseInsensitiveContains("authorization") {
                return .permanent(reason: "kannel: HTTP 403: authorization failed for sendsms (check username/password)")
            }
            return ChannelHTTP.failure(status: status, headers: headers, body: body, now: Date(), redacting: secrets).prefixed("kannel: ")
        }
    }

    private func log(_ result: DeliveryResult, message: OutboundMessage, sms: PreparedSMS) {
        var metadata: Logger.Metadata = [
            "reference": .string(message.reference),
            "segments": .stringConvertible(sms.text.segmentCount),
            "encoding": .string(sms.text.encoding.rawValue),
        ]
        switch result {
        case .delivered(let response):
            metadata["response"] = .string(response)
            logger.debug("SMS accepted by Kannel", metadata: metadata)
        case .queued(let response):
            metadata["response"] = .string(response)
            logger.warning("SMS queued by Kannel (its SMSC is not connected)", metadata: metadata)
        case .retryable(let reason, _):
            metadata["reason"] = .string(reason)
            logger.warning("SMS send failed, retryable", metadata: metadata)
        case .permanent(let reason, _):
            metadata["reason"] = .string(reason)
            logger.error("SMS send failed permanently", metadata: metadata)
        }
    }
}

/// Why a message cannot be sent on a channel at all (bad number, empty text, bad template value).
public struct DeliveryFailure: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
