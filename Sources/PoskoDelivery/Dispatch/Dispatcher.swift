import Foundation
import Logging
import Metrics
import PoskoCore
import PoskoStorage
import ServiceLifecycle

/// Sends what the outbox holds: claims due messages, sends each through its current
/// channel, records every attempt, retries with backoff, fails over along the
/// recipient's channels. Persisted before acknowledged: a crash at any point leaves the
/// message claimable again (same id) once its lease runs out.
public final class Dispatcher: Sendable {
    public let store: PoskoStore
    let notifiers: [String: any Notifier]
    let policy: RetryPolicy
    let logger: Logger
    let factory: (any MetricsFactory)?
    let random: @Sendable () -> Double
    let batch: Int
    let lease: TimeInterval

    /// `notifiers` are keyed by route channel: `sms:<name>` or `webhook:<name>`.
    public init(store: PoskoStore, notifiers: [String: any Notifier], policy: RetryPolicy = RetryPolicy(),
                logger: Logger = Logger(label: "posko.dispatch"), metricsFactory: (any MetricsFactory)? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, batch: Int = 64, lease: TimeInterval = 60) {
        self.store = store
        self.notifiers = notifiers
        self.policy = policy
        self.logger = logger
        self.factory = metricsFactory
        self.random = random
        self.batch = batch
        self.lease = lease
    }

    /// Claims and sends every message due at `now`, one after another (drills and tests, for
    /// determinism; the daemon uses `run`), and records the claimed batch's attempts in one
    /// transaction; returns the attempts. A crash before that commit leaves the batch
    /// claimable again once its lease runs out, as a crash between any send and its record does.
    @discardableResult
    public func dispatchDue(now: @escaping @Sendable () -> Date) async throws -> [PoskoStore.SendAttempt] {
        try failOverUnreported(now: now())
        let due = try store.claimDue(now: now(), limit: batch, lease: lease)
        guard !due.isEmpty else { return [] }
        let disabled = try store.disabledEndpoints()
        var attempts: [PoskoStore.SendAttempt] = []
        attempts.reserveCapacity(due.count)
        for m in due { attempts.append(await attempt(m, disabled: disabled, now: now)) }
        await record(attempts)
        recordDepth()
        return attempts
    }

    /// Sends continuously with up to `batch` sends in flight: claims more as sends finish
    /// (once half the window is free), so one slow receiver does not hold up the rest.
    /// Between alerts it sleeps until the next one is due, at most `idle` seconds.
    public func run(idle: Double) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            var nextSweep = Date.distantPast
            while !Task.isCancelled {
                if Date() >= nextSweep {
                    do { try failOverUnreported(now: Date()) } catch {
                        logger.error("could not fail over unreported SMS", metadata: ["error": "\(error)"])
                    }
                    nextSweep = Date().addingTimeInterval(1)
                }
                if inFlight <= batch / 2 {
                    let due = (try? store.claimDue(now: Date(), limit: batch - inFlight, lease: lease)) ?? []
                    if !due.isEmpty {
                        let disabled = (try? store.disabledEndpoints()) ?? []
                        for m in due { group.addTask { await self.record([self.attempt(m, disabled: disabled, now: { Date() })]) } }
                        inFlight += due.count
                        recordDepth()
                        continue
                    }
                }
                if inFlight > 0 {
                    await group.next()
                    inFlight -= 1
                    continue
                }
                let next = (try? store.nextDueAt()) ?? nil
                let wait = min(idle, max(0.01, next.map { $0.timeIntervalSinceNow } ?? idle))
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    /// SMS a gateway accepted and never reported on in time go to their next channel.
    private func failOverUnreported(now: Date) throws {
        let moved = try store.failOverUnreported(now: now)
        if !moved.isEmpty {
            logger.warning("no delivery report in time; trying the next channel", metadata: ["messages": "\(moved.count)"])
            if let factory { Counter(label: "posko_delivery_report_timeouts_total", factory: factory).increment(by: moved.count) }
        }
    }

    private func recordDepth() {
        if let factory { Gauge(label: "posko_outbox_depth", factory: factory).record((try? store.outboxDepth()) ?? 0) }
    }

    /// Sends `m` through its current channel; what happened, to record.
    func attempt(_ m: OutboxMessage, disabled: Set<String>, now: @escaping @Sendable () -> Date) async -> PoskoStore.SendAttempt {
        func done(_ channel: String, _ outcome: PoskoStore.SendOutcome, at: Date, latency: Double = 0) -> PoskoStore.SendAttempt {
            PoskoStore.SendAttempt(message: m, channel: channel, outcome: outcome, at: at, latencyMs: latency)
        }
        guard let route = m.route else { return done("none", .failed(reason: "no channel left"), at: now()) }
        guard let notifier = notifiers[route.channel] else {
            return done(route.channel, .failover(reason: "channel \(route.channel) is not configured"), at: now())
        }
        if route.isWebhook, disabled.contains(route.address) {
            return done(route.channel, .failover(reason: "endpoint \(route.address) is disabled"), at: now())
        }
        let outbound = OutboundMessage(reference: m.id, address: route.address, text: m.smsText,
                                       payload: route.isWebhook ? Data(webhookBody(m).utf8) : nil, eventType: m.kind)
        let start = ContinuousClock.now
        let result = await notifier.send(outbound)
        let latency = Double((ContinuousClock.now - start).components.attoseconds) / 1e15 + Double((ContinuousClock.now - start).components.seconds) * 1000
        let at = now()
        let outcome: PoskoStore.SendOutcome
        switch result {
        case let .queued(response):
            outcome = .queued(response: response, reportBy: notifier.deliveryReportTimeout.map { at.addingTimeInterval($0) })
        case let .delivered(response):
            outcome = .delivered(final: route.isWebhook, response: response)
            if let factory {
                Timer(label: "posko_delivery_latency_seconds", dimensions: [("channel", route.channel)], factory: factory)
                    .recordNanoseconds(Int64(max(0, at.timeIntervalSince(m.createdAt)) * 1e9))
            }
        case let .retryable(reason, retryAfter):
            if m.attempts + 1 >= policy.attemptsPerChannel {
                let lastChannel = m.channelIndex + 1 >= m.routes.count
                let next = at.addingTimeInterval(policy.delay(afterAttempt: .max, retryAfter: nil, unit: random()))
                if lastChannel && next.timeIntervalSince(m.createdAt) < policy.giveUpAfter {
                    outcome = .restart(at: next, reason: "every channel failed for now; starting again from the first: \(reason)")
                } else {
                    outcome = .failover(reason: "gave up after \(m.attempts + 1) tries: \(reason)")
                }
            } else {
                let seconds = retryAfter.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
                let delay = policy.delay(afterAttempt: m.attempts + 1, retryAfter: seconds, unit: random())
                outcome = .retry(at: at.addingTimeInterval(delay), reason: reason)
            }
        case let .permanent(reason, disableEndpoint):
            if disableEndpoint {
                try? store.disableEndpoint(route.address, reason: reason, at: at)
                logger.error("webhook endpoint disabled", metadata: ["endpoint": "\(route.address)", "reason": "\(reason)"])
            }
            outcome = .failover(reason: reason)
        }
        return done(route.channel, outcome, at: at, latency: latency)
    }

    /// Records attempts in one transaction, counting and logging each.
    private func record(_ attempts: [PoskoStore.SendAttempt]) async {
        for a in attempts {
            let result: String = switch a.outcome {
            case .delivered: "delivered"
            case .queued: "queued"
            case .retry, .restart: "retryable"
            case .failover, .failed: "permanent"
            }
            if let factory { Counter(label: "posko_delivery_attempts_total", dimensions: [("channel", a.channel), ("result", result)], factory: factory).increment() }
        }
        do {
            try await store.record(attempts)
        } catch {
            // The claims' lease will make the messages due again: at-least-once, same ids.
            logger.error("could not record attempts; messages will be retried",
                         metadata: ["messages": "\(attempts.map(\.message.id).joined(separator: ","))", "error": "\(error)"])
        }
        for a in attempts {
            if case let .failover(reason) = a.outcome {
                logger.warning("channel failed; failing over", metadata: ["message": "\(a.message.id)", "channel": "\(a.channel)", "reason": "\(reason)"])
            }
        }
    }

    /// The webhook's JSON: the alert's fields (with the Indonesian text and reply code), and its own payload as the object `data` (it was
    /// a string holding JSON, which receivers had to parse twice). The payload is Posko's own
    /// JSON object (`Payload.json`), spliced in where its key sorts, before `"exercise"`: a
    /// string value cannot contain `,"exercise":` (its quotes are escaped), and a second
    /// encoding pass costs a fifth of the dispatcher's webhook throughput.
    func webhookBody(_ m: OutboxMessage) -> String {
        struct Body: Encodable {
            var id: String
            var type: String
            var recipient: String
            var text: String
            var ack_code: String?
            var exercise: Bool
            var created_at: String
            var data: String?
        }
        let object = m.payload.flatMap { $0.first == "{" && $0.last == "}" ? $0 : nil }
        let body = Body(id: m.id, type: m.kind, recipient: m.recipient, text: m.text, ack_code: m.ackCode, exercise: m.exercise,
                        created_at: m.createdAt.formatted(.iso8601), data: object == nil ? m.payload : nil)
        guard let encoded = try? Self.encoder.encode(body) else { return "{}" }
        let bytes = [UInt8](encoded)
        guard let object, let at = bytes.firstRange(of: Self.exerciseKey) else { return String(decoding: bytes, as: UTF8.self) }
        var out = Array(bytes[..<at.lowerBound])
        out.reserveCapacity(bytes.count + object.utf8.count + 8)
        out.append(contentsOf: #","data":"#.utf8)
        out.append(contentsOf: object.utf8)
        out.append(contentsOf: bytes[at.lowerBound...])
        return String(decoding: out, as: UTF8.self)
    }

    private static let exerciseKey = Array(#","exercise":"#.utf8)

    /// Shared: making an encoder (or an ISO 8601 formatter) per message was a fifth of the
    /// dispatcher's CPU.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// The dispatcher as a long-running service (`Dispatcher.run`): checks at least every
/// `idle` seconds for new alerts (a cheap indexed query).
public struct DispatcherService: Service {
    let dispatcher: Dispatcher
    let idle: Double

    public init(dispatcher: Dispatcher, idle: Double = 0.05) {
        self.dispatcher = dispatcher
        self.idle = idle
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await dispatcher.run(idle: idle) }
    }
}
