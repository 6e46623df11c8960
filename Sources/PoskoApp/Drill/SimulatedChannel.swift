import Foundation
import PoskoCore
import PoskoDelivery

/// A channel for drills: records every send in virtual time and simulates the gateway —
/// an outage answers "connection refused" (retryable) until it ends.
final class SimulatedChannel: Notifier, @unchecked Sendable {
    let channelName: String
    let isSMS: Bool
    private let lock = NSLock()
    private var outageUntil: Date?
    private var clock: Date
    private(set) var sent: [(at: Date, message: OutboundMessage)] = []

    init(name: String, isSMS: Bool, start: Date) {
        channelName = name
        self.isSMS = isSMS
        clock = start
    }

    func setTime(_ now: Date) { lock.withLock { clock = now } }
    func outage(until: Date) { lock.withLock { outageUntil = until } }

    func isDown(at now: Date) -> Bool { lock.withLock { outageUntil.map { now < $0 } ?? false } }

    func send(_ message: OutboundMessage) async -> DeliveryResult {
        lock.withLock {
            if let until = outageUntil, clock < until {
                return .retryable(reason: "connection refused (simulated outage)")
            }
            sent.append((clock, message))
            return .delivered(response: isSMS ? "0: Accepted for delivery" : "200 OK")
        }
    }
}
