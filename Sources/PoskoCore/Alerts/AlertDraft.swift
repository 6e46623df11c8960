import Foundation

/// One channel to try for a recipient, in failover order.
public struct ChannelRoute: Codable, Sendable, Hashable {
    /// `sms:<channel-name>` or `webhook:<endpoint-name>`.
    public var channel: String
    /// E.164 number for SMS, endpoint name for webhooks.
    public var address: String

    public init(channel: String, address: String) {
        self.channel = channel
        self.address = address
    }

    public var isWebhook: Bool { channel.hasPrefix("webhook:") }
}

/// How alerts reach people: SMS channels in failover order (from the configuration).
public struct AlertRouting: Sendable {
    public var smsChannels: [String]
    /// Webhook endpoints that are known (playbook contacts name them).
    public var webhooks: Set<String>
    /// A grouping window: status and plan alerts to one recipient within it go as one message.
    public var groupingWindow: TimeInterval
    /// Coverage below this (per kelurahan × field) alerts camat and BPBD.
    public var coverageThreshold: Double

    public init(smsChannels: [String], webhooks: Set<String>, groupingWindow: TimeInterval = 60, coverageThreshold: Double = 0.8) {
        self.smsChannels = smsChannels
        self.webhooks = webhooks
        self.groupingWindow = groupingWindow
        self.coverageThreshold = coverageThreshold
    }

    public static let none = AlertRouting(smsChannels: [], webhooks: [])

    /// Routes for a contact: its webhook first (if any), then its phone over each SMS channel.
    public func routes(phone: String?, webhook: String?) -> [ChannelRoute] {
        var out: [ChannelRoute] = []
        if let webhook, webhooks.contains(webhook) { out.append(ChannelRoute(channel: "webhook:\(webhook)", address: webhook)) }
        if let phone { out += smsChannels.map { ChannelRoute(channel: "sms:\($0)", address: phone) } }
        return out
    }
}

/// An alert decided by the rules, before it is written to the outbox.
public struct AlertDraft: Sendable, Equatable, Codable {
    /// Stable recipient key, e.g. `lurah:12.75.02.1001`, `kader:k-0001`.
    public var recipient: String
    public var recipientName: String
    public var role: String
    /// E.g. `emergency.declared`, `post.closed`, `plan.cadre`, `escalation`.
    public var kind: String
    public var routes: [ChannelRoute]
    /// SMS text (Indonesian, without the reply code, which the outbox appends).
    public var text: String
    /// Webhook event body (JSON), the same facts as the text.
    public var payload: String
    /// Identical alerts share this key and are stored once.
    public var dedupKey: String
    /// Needs an `OK <kode>` reply, and escalates along the playbook's chain if none comes.
    public var needsAck: Bool
    /// Kecamatan whose eskalasi chain applies.
    public var kecamatan: String?
    /// Status and plan alerts to one recipient are grouped within the routing window.
    public var groupable: Bool
    public var exercise: Bool

    public init(recipient: String, recipientName: String, role: String, kind: String, routes: [ChannelRoute], text: String,
                payload: String, dedupKey: String, needsAck: Bool, kecamatan: String?, groupable: Bool, exercise: Bool) {
        self.recipient = recipient
        self.recipientName = recipientName
        self.role = role
        self.kind = kind
        self.routes = routes
        self.text = text
        self.payload = payload
        self.dedupKey = dedupKey
        self.needsAck = needsAck
        self.kecamatan = kecamatan
        self.groupable = groupable
        self.exercise = exercise
    }
}
