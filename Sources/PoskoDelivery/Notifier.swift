import Foundation

/// What a channel says about one send attempt. The retry policy lives in the dispatcher;
/// a channel only says whether trying again could help.
public enum DeliveryResult: Sendable, Equatable {
    /// The gateway accepted the message (SMS: accepted by the gateway; webhook: 2xx).
    case delivered(response: String)
    /// The gateway took the message but holds it (Kannel's `3: Queued for later delivery` while
    /// its SMSC is down): it goes out when the SMSC is back, unless no report of any kind comes
    /// within the channel's `deliveryReportTimeout` — then the next channel sends it.
    case queued(response: String)
    /// Trying again later may succeed (timeouts, 5xx, 408/429, connection refused).
    /// `retryAfter` carries a server's explicit wish (e.g. `Retry-After`).
    case retryable(reason: String, retryAfter: Duration? = nil)
    /// Trying again will not help (4xx, invalid number, 410 Gone ...).
    case permanent(reason: String, disableEndpoint: Bool = false)

    /// The same result with `prefix` before a failure's reason (the channel's name).
    func prefixed(_ prefix: String) -> DeliveryResult {
        switch self {
        case let .retryable(reason, after): .retryable(reason: prefix + reason, retryAfter: after)
        case let .permanent(reason, disable): .permanent(reason: prefix + reason, disableEndpoint: disable)
        case .delivered, .queued: self
        }
    }
}

/// One message ready for one channel. `reference` is Posko's own id for the message:
/// stable across retries and restarts (it is the webhook-id and the SMS dlr reference),
/// so a receiver can de-duplicate a re-send.
public struct OutboundMessage: Sendable, Equatable {
    public var reference: String
    /// E.164 phone number for SMS channels (`+6281...`), endpoint name for webhooks.
    public var address: String
    /// Indonesian text for SMS.
    public var text: String
    /// JSON body for webhooks (already encoded, exactly the bytes that are signed).
    public var payload: Data?
    /// Event type for webhook payloads, e.g. `emergency.declared`.
    public var eventType: String

    public init(reference: String, address: String, text: String, payload: Data? = nil, eventType: String = "alert") {
        self.reference = reference
        self.address = address
        self.text = text
        self.payload = payload
        self.eventType = eventType
    }
}

/// A delivery channel (Kannel, generic HTTP SMS gateway, webhook endpoint).
public protocol Notifier: Sendable {
    /// Name of the channel as written in the configuration, e.g. `kannel-utama`.
    var channelName: String { get }
    /// Seconds a `queued` message may go without any delivery report before it fails over to
    /// the recipient's next channel; nil when the channel sends no reports.
    var deliveryReportTimeout: Double? { get }
    func send(_ message: OutboundMessage) async -> DeliveryResult
}

extension Notifier {
    public var deliveryReportTimeout: Double? { nil }
}
