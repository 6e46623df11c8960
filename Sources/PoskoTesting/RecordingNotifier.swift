import Foundation
import PoskoDelivery

/// A channel for unit tests and drills: records what it was asked to send and answers
/// with scripted results (delivered unless told otherwise).
public final class RecordingNotifier: Notifier, @unchecked Sendable {
    public let channelName: String
    private let lock = NSLock()
    private var _sent: [OutboundMessage] = []
    private var script: [DeliveryResult] = []
    public var fallback: DeliveryResult
    /// Set to act as a gateway that sends delivery reports (see `Notifier`).
    public let deliveryReportTimeout: Double?

    public init(_ name: String, fallback: DeliveryResult = .delivered(response: "ok"), deliveryReportTimeout: Double? = nil) {
        channelName = name
        self.fallback = fallback
        self.deliveryReportTimeout = deliveryReportTimeout
    }

    public var sent: [OutboundMessage] { lock.withLock { _sent } }

    /// The next results, in order; then `fallback`.
    public func script(_ results: [DeliveryResult]) { lock.withLock { script += results } }

    public func setFallback(_ r: DeliveryResult) { lock.withLock { fallback = r } }

    public func send(_ message: OutboundMessage) async -> DeliveryResult {
        lock.withLock {
            _sent.append(message)
            return script.isEmpty ? fallback : script.removeFirst()
        }
    }
}
