import Foundation
import PoskoCore
import PoskoDelivery

/// A channel for drills: records every send in virtual time and simulates the gateway —
/// an outage answers "connection refused" (retryable) until it ends; an SMSC outage (`held`)
/// takes each SMS, answers "queued" and sends what it holds when it ends, as Kannel does.
final class SimulatedChannel: Notifier, @unchecked Sendable {
    let channelName: String
    let isSMS: Bool
    /// As a Kannel channel's default `dlr_timeout`.
    let deliveryReportTimeout: Double?
    private let lock = NSLock()
    private var outageUntil: Date?
    private var holding = false
    private var held: [OutboundMessage] = []
    private var clock: Date
    private(set) var sent: [(at: Date, message: OutboundMessage)] = []

    init(name: String, isSMS: Bool, start: Date) {
        channelName = name
        self.isSMS = isSMS
        deliveryReportTimeout = isSMS ? KannelConfiguration.defaultReportTimeout : nil
        clock = start
    }

    /// Moves the channel's clock; an SMSC outage that has ended sends what it held, at its end.
    func setTime(_ now: Date) {
        lock.withLock {
            clock = now
            if let until = outageUntil, holding, now >= until {
                for m in held { sent.append((until, m)) }
                held = []
                holding = false
            }
        }
    }

    func outage(until: Date, held: Bool) {
        lock.withLock {
            outageUntil = until
            holding = held
        }
    }

    /// When an SMSC outage will send what it holds, if one is on.
    var releaseAt: Date? { lock.withLock { holding ? outageUntil : nil } }

    func isDown(at now: Date) -> Bool { lock.withLock { outageUntil.map { now < $0 } ?? false } }

    func send(_ message: OutboundMessage) async -> DeliveryResult {
        lock.withLock {
            if let until = outageUntil, clock < until {
                guard holding else { return .retryable(reason: "connection refused (simulated outage)") }
                held.append(message)
                return .queued(response: "queued: 3: Queued for later delivery (simulated SMSC outage)")
            }
            sent.append((clock, message))
            return .delivered(response: isSMS ? "0: Accepted for delivery" : "200 OK")
        }
    }
}
