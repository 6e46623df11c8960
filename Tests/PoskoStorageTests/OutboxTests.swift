import Foundation
@testable import PoskoCore
import PoskoDelivery
import PoskoStorage
import PoskoTesting
import Testing

/// Alert rules → outbox → dispatcher, with recording channels (the real channels have
/// their own tests against Kannel and a real webhook receiver).
@Suite struct OutboxTests {
    static let routing = AlertRouting(smsChannels: ["utama", "cadangan"], webhooks: ["bpbd-binjai"], groupingWindow: 60)
    static let t0 = Date(timeIntervalSince1970: 1_795_400_000)

    /// `reportTimeout`: the SMS gateways hold what they take (`queued`, their SMSC being down) and
    /// a message goes on when no delivery report came within that long.
    func fixture(reportTimeout: Double? = nil) throws -> (Coordinator, RecordingNotifier, RecordingNotifier, RecordingNotifier, Dispatcher) {
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set, routing: Self.routing)
        let taken: DeliveryResult = reportTimeout == nil ? .delivered(response: "ok") : .queued(response: "queued: 3: Queued for later delivery")
        let sms1 = RecordingNotifier("utama", fallback: taken, deliveryReportTimeout: reportTimeout)
        let sms2 = RecordingNotifier("cadangan", fallback: taken, deliveryReportTimeout: reportTimeout)
        let hook = RecordingNotifier("bpbd-binjai")
        let d = Dispatcher(store: store, notifiers: ["sms:utama": sms1, "sms:cadangan": sms2, "webhook:bpbd-binjai": hook],
                           policy: RetryPolicy(base: 1, cap: 10, attemptsPerChannel: 3, jitter: 0), random: { 0.5 })
        return (c, sms1, sms2, hook, d)
    }

    @Test func floodDeclarationAlertsLurahCamatAndBPBDInTheSameTransaction() async throws {
        let (c, sms1, _, hook, d) = try fixture()
        let e = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        let queued = try c.store.messages()
        #expect(Set(queued.map(\.recipient)) == ["lurah:12.75.02.1001", "lurah:12.75.02.1003", "camat:12.75.02", "bpbd:bpbd-binjai"])
        #expect(queued.allSatisfy { $0.eventID != nil })
        try await d.dispatchDue(now: { Self.t0 })
        #expect(Set(sms1.sent.map(\.address)) == ["+6281300020001", "+6281300020003", "+6281100000002"])
        let text = try #require(sms1.sent.first?.text)
        #expect(text.hasPrefix("[POSKO] Darurat BANJIR (Siaga Darurat) di Kel. Berngam, Kel. Setia."))
        #expect(text.range(of: #"Balas OK [A-Z0-9]{4}$"#, options: .regularExpression) != nil)
        #expect(SMSText(text).segmentCount == 1, "one SMS with its code: \(text)")
        #expect(hook.sent.count == 1)
        #expect(String(decoding: hook.sent[0].payload ?? Data(), as: UTF8.self).contains(e.id))
        // SMS accepted by the gateway is "sent" until its delivery report; webhooks are delivered.
        let states = Dictionary(uniqueKeysWithValues: try c.store.messages().map { ($0.recipient, $0.state) })
        #expect(states["bpbd:bpbd-binjai"] == .delivered)
        #expect(states["lurah:12.75.02.1001"] == .sent)
    }

    @Test func aDispatchRoundRecordsEveryAttemptItReturns() async throws {
        let (c, sms1, _, hook, d) = try fixture()
        sms1.setFallback(.retryable(reason: "connection refused"))
        hook.setFallback(.permanent(reason: "410 Gone"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        let attempts = try await d.dispatchDue(now: { Self.t0 })
        #expect(attempts.count == 4)
        for a in attempts {
            let stored = try c.store.attempts(messageID: a.message.id)
            #expect(stored.map(\.channel) == [a.channel])
            let message = try #require(try c.store.message(id: a.message.id))
            switch a.outcome {
            case .retry: #expect(stored.map(\.result) == ["retryable"] && message.state == .pending && message.attempts == 1)
            case .failover: #expect(stored.map(\.result) == ["permanent"] && message.state == .failed, "the webhook has no second channel")
            default: Issue.record("unexpected outcome \(a.outcome) for \(a.message.recipient)")
            }
        }
        #expect(try await d.dispatchDue(now: { Self.t0 }).isEmpty, "nothing is due until the retries' backoff")
    }

    @Test func retryableFailuresBackOffThenFailOverToTheNextChannel() async throws {
        let (c, sms1, sms2, _, d) = try fixture()
        sms1.setFallback(.retryable(reason: "connection refused"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        var now = Self.t0
        for _ in 0..<10 {
            try await d.dispatchDue(now: { [now] in now })
            now = now.addingTimeInterval(5)
        }
        let lurah = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(lurah.state == .sent)
        #expect(lurah.channelIndex == 1)
        let attempts = try c.store.attempts(messageID: lurah.id)
        #expect(attempts.map(\.result) == ["retryable", "retryable", "permanent", "sent"])
        #expect(attempts.first?.channel == "sms:utama")
        #expect(attempts.last?.channel == "sms:cadangan")
        // The same reference is used on every channel: a receiver can de-duplicate.
        #expect(Set(sms1.sent.filter { $0.address == "+6281300020001" }.map(\.reference)) == [lurah.id])
        #expect(sms2.sent.contains { $0.reference == lurah.id })
    }

    /// Both SMS gateways down for longer than their tries (a Kannel restart, an SMSC outage):
    /// the alert is not failed but starts again at the first gateway, and goes out when one
    /// recovers. Only an alert older than `giveUpAfter` is failed.
    @Test func anOutageLongerThanEveryChannelsTriesStartsOverInsteadOfFailing() async throws {
        let (c, sms1, sms2, _, d) = try fixture()
        sms1.setFallback(.retryable(reason: "503 Service Unavailable"))
        sms2.setFallback(.retryable(reason: "connection refused"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        // Three tries 5 s apart on each gateway (t0 … t0 + 25 s), then a pause of `cap` (10 s).
        var now = Self.t0
        for _ in 0..<6 {
            try await d.dispatchDue(now: { [now] in now })
            now = now.addingTimeInterval(5)
        }
        var lurah = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(lurah.state == .pending)
        #expect(lurah.channelIndex == 0)
        #expect(lurah.lastError?.hasPrefix("every channel failed for now; starting again from the first") == true)
        #expect(try c.store.attempts(messageID: lurah.id).map(\.channel) == ["sms:utama", "sms:utama", "sms:utama", "sms:cadangan", "sms:cadangan", "sms:cadangan"])
        // The first gateway is back: the next round delivers through it.
        sms1.setFallback(.delivered(response: "0: Accepted for delivery"))
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(120) })
        lurah = try #require(try c.store.message(id: lurah.id))
        #expect(lurah.state == .sent && lurah.channelIndex == 0)

        // With a day's limit of one minute, the same outage fails the alert after its round.
        let store = try PoskoStore.inMemory()
        let c2 = Coordinator(store: store, playbooks: SamplePlaybooks.set, routing: Self.routing)
        let down = RecordingNotifier("utama", fallback: .retryable(reason: "503")), down2 = RecordingNotifier("cadangan", fallback: .retryable(reason: "503"))
        let d2 = Dispatcher(store: store, notifiers: ["sms:utama": down, "sms:cadangan": down2, "webhook:bpbd-binjai": RecordingNotifier("bpbd-binjai")],
                            policy: RetryPolicy(base: 1, cap: 10, attemptsPerChannel: 3, jitter: 0, giveUpAfter: 60), random: { 0.5 })
        _ = try c2.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        now = Self.t0
        for _ in 0..<40 {
            try await d2.dispatchDue(now: { [now] in now })
            now = now.addingTimeInterval(5)
        }
        let gaveUp = try #require(try c2.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(gaveUp.state == .failed)
        #expect(gaveUp.lastError?.hasPrefix("gave up after 3 tries") == true)
        #expect(gaveUp.attempts == 3, "the last channel's tries, the failing one counted")
    }

    /// A status alert the dispatcher started over after an outage still takes later changes in:
    /// when the gateway is back the lurah gets one SMS with each post's latest state, not the
    /// newer state first and the stale one after it.
    @Test func aChangeDuringAnOutageJoinsTheAlertWaitingToStartOver() async throws {
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set, routing: Self.routing)
        let sms1 = RecordingNotifier("utama", fallback: .retryable(reason: "503")), sms2 = RecordingNotifier("cadangan", fallback: .retryable(reason: "503"))
        let d = Dispatcher(store: store, notifiers: ["sms:utama": sms1, "sms:cadangan": sms2, "webhook:bpbd-binjai": RecordingNotifier("bpbd-binjai")],
                           policy: RetryPolicy(base: 1, cap: 300, attemptsPerChannel: 2, jitter: 0), random: { 0.5 })
        let op = Actor("op", via: .api)
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: op, at: Self.t0)
        var now = Self.t0
        for _ in 0..<6 {
            try await d.dispatchDue(now: { [now] in now })
            now = now.addingTimeInterval(5)
        }
        let waiting = try #require(try store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(waiting.state == .pending && waiting.attempts == 0, "started over: \(waiting)")
        #expect(waiting.nextAttemptAt > Self.t0.addingTimeInterval(120), "waits out the pause")
        // Long after the grouping window, the post opens again.
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "berjalan"), actor: op, at: Self.t0.addingTimeInterval(90))
        let lurah = try store.messages().filter { $0.recipient == "lurah:12.75.02.1001" }
        #expect(lurah.map(\.id) == [waiting.id], "one message: \(lurah.map(\.text))")
        #expect(lurah.first?.text.contains("BUKA kembali") == true, "with the latest state: \(lurah.first?.text ?? "")")
        // The gateway is back: one SMS, with the latest state.
        sms1.setFallback(.delivered(response: "0: Accepted for delivery"))
        let tried = sms1.sent.count
        try await d.dispatchDue(now: { waiting.nextAttemptAt })
        let back = sms1.sent.dropFirst(tried).filter { $0.address == "+6281300020001" }
        #expect(back.count == 1 && back.first?.text.contains("BUKA kembali") == true, "\(back.map(\.text))")
    }

    /// Kannel answers an unroutable message with an error and a failed delivery report, and
    /// the report can be recorded first: the message fails over once, to the second gateway,
    /// not past it.
    @Test func aFailedDeliveryReportAheadOfTheSendsOwnFailureFailsOverOnce() async throws {
        let (c, _, _, _, _) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        let claimed = try c.store.claimDue(now: Self.t0, limit: 10)
        let lurah = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(try c.store.deliveryReport(messageID: lurah.id, delivered: false, detail: "16 NACK/no route", at: Self.t0))
        try await c.store.record([.init(message: lurah, channel: "sms:utama", outcome: .failover(reason: "403 no route"), at: Self.t0, latencyMs: 1)])
        let m = try #require(try c.store.message(id: lurah.id))
        #expect(m.state == .pending && m.channelIndex == 1, "state \(m.state), channel \(m.channelIndex)")
        #expect(try c.store.attempts(messageID: lurah.id).map(\.result).contains("permanent"), "the attempt is still recorded")
    }

    @Test func failedDeliveryReportFailsOver() async throws {
        let (c, _, sms2, _, d) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let lurah = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(try c.store.deliveryReport(messageID: lurah.id, delivered: false, detail: "16 NACK", at: Self.t0.addingTimeInterval(3)))
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(4) })
        #expect(sms2.sent.map(\.reference).contains(lurah.id))
        #expect(try c.store.deliveryReport(messageID: lurah.id, delivered: true, detail: "1", at: Self.t0.addingTimeInterval(9)))
        #expect(try c.store.message(id: lurah.id)?.state == .delivered)
        #expect(try c.store.deliveryReport(messageID: "m-unknown", delivered: true, detail: "1", at: Self.t0) == false)
    }

    /// A gateway that queues (Kannel while its SMSC is down) accepts and then says nothing:
    /// at its report time the SMS goes to the next gateway; on the last one it stays sent.
    @Test func anSMSNoGatewayReportsOnMovesToTheNextGatewayAtItsReportTime() async throws {
        let (c, sms1, sms2, _, d) = try fixture(reportTimeout: 600)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let lurah = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(sms1.sent.map(\.reference).contains(lurah.id))
        #expect(try c.store.message(id: lurah.id)?.state == .sent)
        #expect(try c.store.nextDueAt() == Self.t0.addingTimeInterval(600), "the dispatcher wakes for the report time")

        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(599) })
        #expect(!sms2.sent.map(\.reference).contains(lurah.id), "not before its time")
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(600) })
        #expect(sms2.sent.map(\.reference).contains(lurah.id))
        let moved = try #require(try c.store.message(id: lurah.id))
        #expect(moved.state == .sent && moved.channelIndex == 1)
        #expect(moved.lastError == nil)
        #expect(try c.store.attempts(messageID: lurah.id).contains { $0.result == "dlr_timeout" && $0.detail.contains("sms:utama") })

        // The last gateway says nothing either: the SMS stays with it (it may still deliver).
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(1300) })
        let last = try #require(try c.store.message(id: lurah.id))
        #expect(last.state == .sent && last.channelIndex == 1)
        #expect(sms2.sent.filter { $0.reference == lurah.id }.count == 1)
        #expect(try c.store.nextDueAt() == nil, "nothing left to wait for")
    }

    /// A report of any kind (the SMSC accepted it) ends the wait; a late failure from a gateway
    /// the SMS has left moves nothing, a late delivery from it ends the SMS as delivered.
    @Test func progressEndsTheWaitAndLateReportsOfAnEarlierGatewayMoveNothing() async throws {
        let (c, _, sms2, _, d) = try fixture(reportTimeout: 600)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let all = try c.store.messages()
        let berngam = try #require(all.first { $0.recipient == "lurah:12.75.02.1001" })
        let setia = try #require(all.first { $0.recipient == "lurah:12.75.02.1003" })
        #expect(try c.store.deliveryProgress(messageID: berngam.id, channel: "sms:utama", at: Self.t0.addingTimeInterval(5)))
        #expect(try c.store.deliveryProgress(messageID: "m-unknown", at: Self.t0) == false)
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(700) })
        #expect(!sms2.sent.map(\.reference).contains(berngam.id), "the SMSC has it: no second SMS")
        #expect(try c.store.message(id: berngam.id)?.state == .sent)

        #expect(sms2.sent.map(\.reference).contains(setia.id))
        #expect(try c.store.deliveryReport(messageID: setia.id, channel: "sms:utama", delivered: false, detail: "16 NACK", at: Self.t0.addingTimeInterval(701)))
        let kept = try #require(try c.store.message(id: setia.id))
        #expect(kept.state == .sent && kept.channelIndex == 1, "an old gateway's failure does not move it past the backup")
        #expect(try c.store.deliveryReport(messageID: setia.id, channel: "sms:utama", delivered: true, detail: "1", at: Self.t0.addingTimeInterval(702)))
        #expect(try c.store.message(id: setia.id)?.state == .delivered)
    }

    /// Only a gateway that says it holds the message (queued) starts the wait: an accept for
    /// delivery may take long to report (a slow SMSC, a phone switched off) and is not sent twice.
    @Test func anAcceptForDeliveryStartsNoWaitOnlyAQueuedOneDoes() async throws {
        let (c, sms1, sms2, _, d) = try fixture(reportTimeout: 600)
        sms1.setFallback(.delivered(response: "0: Accepted for delivery"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(3600) })
        #expect(sms2.sent.isEmpty)
        #expect(try c.store.messages().filter { $0.recipient.hasPrefix("lurah:") }.allSatisfy { $0.state == .sent && $0.channelIndex == 0 })
    }

    /// Queued at the first gateway, failing at the second: the message waits for the first
    /// again instead of being queued there a second time (one SMS when its SMSC is back), and
    /// that gateway's late delivery report ends it.
    @Test func aMessageHeldByAGatewayWaitsForItWhenTheOthersFail() async throws {
        let (c, sms1, sms2, _, d) = try fixture(reportTimeout: 600)
        sms2.setFallback(.retryable(reason: "503"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let id = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" }?.id)
        var t = Self.t0.addingTimeInterval(600)
        for _ in 0..<10 {
            try await d.dispatchDue(now: { [t] in t })
            t = t.addingTimeInterval(60)
        }
        #expect(sms2.sent.filter { $0.reference == id }.count == 3, "the backup's tries")
        #expect(sms1.sent.filter { $0.reference == id }.count == 1, "queued at the first gateway once")
        let waiting = try #require(try c.store.message(id: id))
        #expect(waiting.state == .sent && waiting.channelIndex == 0, "\(waiting.state) \(waiting.channelIndex)")
        #expect(waiting.lastError?.hasSuffix("waiting for the gateway that holds it") == true, "\(waiting.lastError ?? "")")
        #expect(try c.store.deliveryReport(messageID: id, channel: "sms:utama", delivered: true, detail: "1", at: t))
        #expect(try c.store.message(id: id)?.state == .delivered)
    }

    /// The SMSC's accept report can come before the accept itself is recorded: the wait is not
    /// started then. A delivery reported after every channel failed still ends the message.
    @Test func anEarlyAcceptReportStartsNoWaitAndALateDeliveryEndsAFailedMessage() async throws {
        let (c, _, _, _, _) = try fixture(reportTimeout: 600)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        let claimed = try c.store.claimDue(now: Self.t0, limit: 10)
        let berngam = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1001" })
        let setia = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1003" })
        #expect(try c.store.deliveryProgress(messageID: berngam.id, channel: "sms:utama", at: Self.t0))
        try await c.store.record([.init(message: berngam, channel: "sms:utama",
                                        outcome: .queued(response: "queued", reportBy: Self.t0.addingTimeInterval(600)), at: Self.t0, latencyMs: 1)])
        #expect(try c.store.failOverUnreported(now: Self.t0.addingTimeInterval(700)).isEmpty)
        try await c.store.record([.init(message: setia, channel: "sms:utama", outcome: .failed(reason: "400"), at: Self.t0, latencyMs: 1)])
        #expect(try c.store.message(id: setia.id)?.state == .failed)
        #expect(try c.store.deliveryReport(messageID: setia.id, channel: "sms:utama", delivered: true, detail: "1", at: Self.t0.addingTimeInterval(60)))
        #expect(try c.store.message(id: setia.id)?.state == .delivered)
    }

    @Test func deliveryReportThatOvertakesTheAcceptIsKept() async throws {
        let (c, _, _, _, _) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        let claimed = try c.store.claimDue(now: Self.t0, limit: 10)
        let berngam = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1001" })
        let setia = try #require(claimed.first { $0.recipient == "lurah:12.75.02.1003" })
        // Kannel's DLRs arrive while the accepts are still being recorded.
        #expect(try c.store.deliveryReport(messageID: berngam.id, delivered: true, detail: "1", at: Self.t0))
        #expect(try c.store.deliveryReport(messageID: setia.id, delivered: false, detail: "16 NACK", at: Self.t0))
        for m in [berngam, setia] {
            try await c.store.record([.init(message: m, channel: "sms:utama", outcome: .delivered(final: false, response: "0: Accepted"), at: Self.t0, latencyMs: 1)])
        }
        #expect(try c.store.message(id: berngam.id)?.state == .delivered, "the accept does not undo the delivery report")
        let failedOver = try #require(try c.store.message(id: setia.id))
        #expect(failedOver.state == .pending && failedOver.channelIndex == 1, "the failed DLR still fails over")
    }

    @Test func deliveryReportsTogetherMarkEachMessageDelivered() async throws {
        let (c, sms1, _, _, d) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let ids = sms1.sent.map(\.reference)
        #expect(ids.count == 3)
        try c.store.deliveryReports(messageIDs: [ids[0], "m-no-such-message", ids[1], ids[2]], delivered: true, detail: "1", at: Self.t0.addingTimeInterval(20))
        for id in ids {
            #expect(try c.store.message(id: id)?.state == .delivered)
            #expect(try c.store.attempts(messageID: id).map(\.result) == ["sent", "dlr_delivered"])
        }
    }

    @Test func permanentFailureOnEveryChannelIsFailedNotLost() async throws {
        let (c, sms1, sms2, _, d) = try fixture()
        sms1.setFallback(.permanent(reason: "403 Authorization failed"))
        sms2.setFallback(.permanent(reason: "400 invalid number"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        try await d.dispatchDue(now: { Self.t0 })
        let lurah = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(lurah.state == .failed)
        #expect(lurah.lastError == "400 invalid number")
    }

    /// The webhook's `data` is the alert's payload as a JSON object, not a string of JSON.
    @Test func aWebhooksDataIsAnObject() async throws {
        let (c, _, _, hook, d) = try fixture()
        let e = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let body = try #require(hook.sent.first?.payload)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["type"] as? String == "emergency.declared")
        #expect(json["exercise"] as? Bool == false)
        let data = try #require(json["data"] as? [String: Any], "\(String(decoding: body, as: UTF8.self))")
        #expect(data["event"] as? String == "emergency.declared")
        #expect(String(decoding: body, as: UTF8.self).contains(e.id))
    }

    @Test func webhook410DisablesTheEndpointAndFailsOver() async throws {
        let (c, _, _, hook, d) = try fixture()
        hook.setFallback(.permanent(reason: "410 Gone", disableEndpoint: true))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        #expect(try c.store.disabledEndpoints() == ["bpbd-binjai"])
        let bpbd = try #require(try c.store.messages().first { $0.recipient == "bpbd:bpbd-binjai" })
        // BPBD has only a webhook in the sample playbooks: nothing left to fail over to.
        #expect(bpbd.state == .failed)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.03"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        #expect(hook.sent.count == 1, "a disabled endpoint is not called again")
        // The daemon's start or a configuration reload enables it again (BPBD must not stay
        // silenced for the season); the next alert reaches it.
        let enabled = try c.store.enableEndpoints()
        #expect(enabled.map(\.name) == ["bpbd-binjai"] && enabled.first?.reason == "410 Gone")
        #expect(try c.store.disabledEndpoints().isEmpty)
        hook.setFallback(.delivered(response: "200"))
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.04"]), actor: Actor("op", via: .api), at: Self.t0.addingTimeInterval(60))
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(60) })
        #expect(hook.sent.count == 2)
    }

    @Test func crashMidSendResendsWithTheSameIDAfterTheLease() async throws {
        let (c, sms1, _, _, d) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        // A dispatcher claims and dies before recording anything.
        let claimed = try c.store.claimDue(now: Self.t0, limit: 100, lease: 60)
        #expect(!claimed.isEmpty)
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(30) })
        #expect(sms1.sent.isEmpty, "still leased")
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(61) })
        #expect(Set(sms1.sent.map(\.reference)) == Set(claimed.filter { !$0.route!.isWebhook }.map(\.id)))
    }

    @Test func claimsTakeDueMessagesInTimeThenIDOrderWithLapsedClaimsAmongThem() throws {
        let (c, _, _, _, _) = try fixture()
        let op = Actor("op", via: .api)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: op, at: Self.t0)
        let declared = try c.store.messages().map(\.id).sorted()
        #expect(declared.count == 4)
        // A batch at a time, in id order: every due message once.
        let first = try c.store.claimDue(now: Self.t0, limit: 3, lease: 60).map(\.id)
        #expect(first == Array(declared.prefix(3)))
        // A status alert due later than the lapsed claims and the one never claimed.
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(30))
        let later = try c.store.messages().filter { !declared.contains($0.id) }.map(\.id)
        #expect(!later.isEmpty)
        // After the lease, the lapsed claims and the pending message of the declaration come first
        // (due at t0, by id), then the status alerts (due at t0+30).
        let second = try c.store.claimDue(now: Self.t0.addingTimeInterval(61), limit: 100, lease: 60).map(\.id)
        #expect(second == declared + later.sorted())
        #expect(try c.store.claimDue(now: Self.t0.addingTimeInterval(62), limit: 100, lease: 60).isEmpty, "all leased again")
    }

    @Test func identicalAlertsAreStoredOnceAndStatusAlertsAreGrouped() async throws {
        let (c, sms1, _, _, d) = try fixture()
        let op = Actor("op", via: .api)
        // The first change goes out at once; what follows within the window waits and goes as one SMS.
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "tutup"), actor: op, at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        #expect(sms1.sent.filter { $0.address == "+6281300020001" }.count == 1, "the first status alert is not delayed")
        try c.report(ReportRequest(post: "berngam-2", bidang: "semua", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(10))
        try c.report(ReportRequest(post: "berngam-3", bidang: "sosial", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(20))
        let lurah = try c.store.messages().filter { $0.recipient == "lurah:12.75.02.1001" }.sorted { $0.createdAt < $1.createdAt }
        #expect(lurah.count == 2, "two later reports within the window go as one SMS")
        #expect(lurah[0].text.contains("Posyandu Melati Berngam (contoh)"))
        #expect(lurah[1].text.contains("Posyandu Anggrek Berngam (contoh)"))
        #expect(lurah[1].text.contains("Berngam") && lurah[1].text.components(separatedBy: "\n").count == 2, "\(lurah[1].text)")
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(30) })
        #expect(sms1.sent.filter { $0.address == "+6281300020001" }.count == 1, "grouping window still open")
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(61) })
        #expect(sms1.sent.filter { $0.address == "+6281300020001" }.count == 2)
        // After a quiet window, the next change goes out at once again.
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "berjalan"), actor: op, at: Self.t0.addingTimeInterval(200))
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(200) })
        #expect(sms1.sent.filter { $0.address == "+6281300020001" }.count == 3)
        // The same event enqueued again (e.g. a replayed transaction) is not stored twice.
        _ = try c.store.write { tx in
            try c.alerts(tx, .statusReported([StatusReport(postID: "berngam-1", bidang: .kesehatan, status: .tutup, reporter: "op", at: Self.t0)]), eventID: 99, at: Self.t0)
        }
        #expect(try c.store.messages().filter { $0.recipient == "lurah:12.75.02.1001" }.count == 3)
    }

    @Test func unacknowledgedAlertEscalatesOnTimeAndAckStopsIt() async throws {
        let (c, sms1, _, hook, d) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        let setia = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1003" })
        let code = try #require(setia.ackCode)
        #expect(try c.acknowledge(code: code.lowercased(), actor: Actor("+6281300020003", via: .sms), at: Self.t0.addingTimeInterval(600)) != nil)
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(29 * 60)) == 0)
        // 30 minutes: the unacknowledged lurah of Berngam goes up to the camat. The camat's own
        // unacknowledged alert is not escalated to the camat himself.
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(30 * 60)) == 1)
        let escalations = try c.store.messages().filter { $0.kind == "escalation" }
        #expect(escalations.map(\.recipient) == ["camat:12.75.02"])
        #expect(escalations.contains { $0.text.contains("peringatan untuk Lurah Berngam (contoh) belum dikonfirmasi") })
        #expect(!escalations.contains { $0.text.contains("Lurah Setia") || $0.text.contains("Camat") })
        // 2 hours: up to BPBD (webhook).
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(2 * 3600)) == 2)
        try await d.dispatchDue(now: { Self.t0.addingTimeInterval(2 * 3600) })
        let escalated = try #require(hook.sent.first { $0.eventType == "escalation" })
        // BPBD acknowledges with the code through the API: the text does not ask for an SMS reply.
        let body = try #require(try JSONSerialization.jsonObject(with: escalated.payload ?? Data()) as? [String: Any])
        #expect((body["ack_code"] as? String)?.count == 4, "\(body)")
        #expect((body["text"] as? String)?.contains("belum dikonfirmasi") == true)
        #expect((body["text"] as? String)?.contains("Balas OK") == false, "\(body["text"] ?? "")")
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(5 * 3600)) == 0, "the chain has ended")
        _ = sms1
    }

    /// Two lurah leave the same flood alert unanswered: the camat gets one escalation naming
    /// both, and its code acknowledges both alerts (and the camat's own), so none goes on to BPBD.
    @Test func alertsUnansweredTogetherEscalateAsOneMessageWhoseCodeAcknowledgesAll() async throws {
        let (c, sms1, _, _, d) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        try await d.dispatchDue(now: { Self.t0 })
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(30 * 60)) == 2)
        let escalations = try c.store.messages().filter { $0.kind == "escalation" }
        #expect(escalations.map(\.recipient) == ["camat:12.75.02"], "one message to the camat")
        let text = try #require(escalations.first?.text)
        #expect(text.hasPrefix("[POSKO] ESKALASI 1: peringatan untuk Lurah Berngam (contoh), Lurah Setia (contoh) belum dikonfirmasi. Darurat BANJIR"), "\(text)")
        let code = try #require(escalations.first?.ackCode)
        #expect(try c.acknowledge(code: code, from: nil, actor: Actor("op", via: .api), at: Self.t0.addingTimeInterval(40 * 60)).message != nil)
        let lurah = try c.store.messages().filter { $0.recipient.hasPrefix("lurah:") }
        #expect(lurah.count == 2 && lurah.allSatisfy { $0.ackedAt != nil }, "the escalation's code acknowledged both alerts")
        #expect(lurah.allSatisfy { $0.ackedVia == escalations.first?.id }, "and says so: the lurah did not answer")
        let camat = try #require(try c.store.messages().first { $0.recipient == "camat:12.75.02" && $0.kind != "escalation" })
        #expect(camat.ackedAt != nil && camat.ackedVia == nil, "the camat answered for his own copy")
        // The camat's own copy is confirmed with it: nothing goes on to BPBD at two hours.
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(2 * 3600)) == 0)
        _ = sms1
    }

    @Test func anEscalationNamesFourRecipientsThenCountsTheRest() {
        let text = AlertText.escalation(originalRecipients: (1...6).map { "Lurah \($0)" }, step: 1, text: "LATIHAN [POSKO] Darurat BANJIR.")
        #expect(text == "[POSKO] ESKALASI 1: peringatan untuk Lurah 1, Lurah 2, Lurah 3, Lurah 4 dan 2 lainnya belum dikonfirmasi. Darurat BANJIR.")
    }

    /// Long names and a long alert: fewer names, so the escalation with its code stays two SMS parts.
    @Test func anEscalationNamesFewerRecipientsRatherThanTakeAThirdSMS() {
        let names = ["Lurah Tanah Merah (contoh)", "Lurah Sumber Mulyorejo (contoh)", "Lurah Pahlawan (contoh)", "Lurah Mencirim (contoh)", "Lurah Setia (contoh)"]
        let alert = "[POSKO] Darurat BANJIR (Tanggap Darurat) di Kel. Tanah Merah, Kel. Sumber Mulyorejo, Kel. Pahlawan, Kel. Mencirim, Kel. Setia. "
            + "Pastikan posyandu melapor status layanan."
        let text = AlertText.escalation(originalRecipients: names, step: 2, text: "LATIHAN " + alert)
        #expect(SMSText("LATIHAN " + text + " Balas OK K7RT").segmentCount == 2, "\(text)")
        #expect(text.hasPrefix("[POSKO] ESKALASI 2: peringatan untuk Lurah Tanah Merah (contoh)"))
        #expect(text.contains(" lainnya belum dikonfirmasi. Darurat BANJIR (Tanggap Darurat) di Kel. Tanah Merah"), "\(text)")
        // Four names would have needed a third part.
        let four = "[POSKO] ESKALASI 2: peringatan untuk \(names.prefix(4).joined(separator: ", ")) dan 1 lainnya belum dikonfirmasi. " + alert.dropFirst(8)
        #expect(SMSText("LATIHAN " + four + " Balas OK K7RT").segmentCount == 3)
    }

    /// `OK <kode>` by SMS counts only from a number the alert was sent to: Setia's lurah sending
    /// Berngam's code (a typo, a forwarded SMS) must not stop Berngam's escalation.
    @Test func anSMSAcknowledgementCountsOnlyFromTheAlertsRecipient() throws {
        let (c, _, _, _, _) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001", "12.75.02.1003"]), actor: Actor("op", via: .api), at: Self.t0)
        let berngam = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        let code = try #require(berngam.ackCode)
        let refused = try c.handleSMS(from: "0813-0002-0003", text: "OK \(code)", at: Self.t0.addingTimeInterval(60))
        #expect(refused == "Kode \(code) bukan untuk nomor Anda. Periksa kode pada SMS yang Anda terima.")
        #expect(try c.store.message(id: berngam.id)?.ackedAt == nil)
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(30 * 60)) >= 1)
        #expect(try c.store.messages().contains { $0.kind == "escalation" && $0.text.contains("Lurah Berngam") })

        let accepted = try c.handleSMS(from: "+62 813-0002-0001", text: "ok \(code.lowercased())", at: Self.t0.addingTimeInterval(31 * 60))
        #expect(accepted == "Terima kasih, konfirmasi \(code) diterima.")
        #expect(try c.store.message(id: berngam.id)?.ackedAt == Self.t0.addingTimeInterval(31 * 60))
        let again = try c.handleSMS(from: "081300020001", text: "OK \(code)", at: Self.t0.addingTimeInterval(32 * 60))
        #expect(again == "Konfirmasi \(code) sudah diterima sebelumnya. Terima kasih.")
        let acks = try c.store.events(afterID: 0, limit: 1000).filter { $0.kind == .alertAcknowledged && $0.subject == berngam.id }
        #expect(acks.count == 1)
        // An operator may acknowledge any alert.
        let setia = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1003" })
        #expect(try c.acknowledge(code: try #require(setia.ackCode), actor: Actor("op", via: .api), at: Self.t0.addingTimeInterval(33 * 60))?.id == setia.id)
    }

    /// The camat answering the escalation of Berngam's unacknowledged alert stops its chain
    /// (and his own copy's): nothing goes on to BPBD at two hours.
    @Test func acknowledgingAnEscalationStopsTheChainOfTheAlertItEscalated() throws {
        let (c, _, _, _, _) = try fixture()
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: Actor("op", via: .api), at: Self.t0)
        let original = try #require(try c.store.messages().first { $0.recipient == "lurah:12.75.02.1001" })
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(30 * 60)) == 1)
        let escalation = try #require(try c.store.messages().first { $0.kind == "escalation" && $0.text.contains("Lurah Berngam") })
        let code = try #require(escalation.ackCode)
        #expect(try c.handleSMS(from: "0811-0000-0002", text: "OK \(code)", at: Self.t0.addingTimeInterval(40 * 60)) == "Terima kasih, konfirmasi \(code) diterima.")
        #expect(try c.store.message(id: original.id)?.ackedAt == Self.t0.addingTimeInterval(40 * 60))
        // He has read the declaration too: his own copy is confirmed, and nothing goes on to BPBD.
        let camat = try #require(try c.store.messages().first { $0.recipient == "camat:12.75.02" && $0.kind != "escalation" })
        #expect(camat.ackedAt == Self.t0.addingTimeInterval(40 * 60))
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(2 * 3600)) == 0)
        #expect(!(try c.store.messages().contains { $0.kind == "escalation" && $0.recipient.hasPrefix("bpbd:") }))
    }

    /// An emergency that has ended is over: its unacknowledged alerts stop escalating.
    @Test func endingAnEmergencyStopsTheEscalationOfItsAlerts() throws {
        let (c, _, _, _, _) = try fixture()
        let op = Actor("op", via: .api)
        let e = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: Self.t0)
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(30 * 60)) == 1)
        _ = try c.end(e.id, actor: op, at: Self.t0.addingTimeInterval(40 * 60))
        #expect(try c.escalateDue(at: Self.t0.addingTimeInterval(3 * 3600)) == 0)
        #expect(!(try c.store.messages().contains { $0.kind == "escalation" && $0.recipient.hasPrefix("bpbd:") }))
    }

    /// A post that misses its check-in, then checks in, then falls silent again: the lurah is
    /// told both times (the second miss was recorded but never sent).
    @Test func everyMissedCheckInOfAPostAlertsItsLurah() throws {
        let (c, _, _, _, _) = try fixture()
        try c.checkInsMissed(["berngam-1"], at: Self.t0)
        try c.checkIns([("berngam-1", Actor("kader", via: .sms))], at: Self.t0.addingTimeInterval(3600))
        try c.checkInsMissed(["berngam-1"], at: Self.t0.addingTimeInterval(8 * 3600))
        let missed = try c.store.messages().filter { $0.kind == "post.checkin_missed" && $0.recipient == "lurah:12.75.02.1001" }
        #expect(missed.count == 2)
        #expect(missed.allSatisfy { $0.text.contains("Posyandu Melati Berngam (contoh) (berngam-1)") })
    }

    /// `HADIR <pos>` names where a cadre would go; the plan sends a cadre only within its
    /// jangkauan, so a post beyond it is recorded but the reply says it is out of reach.
    @Test func aHADIRForAPostBeyondTheCadresReachSaysSo() throws {
        let (c, _, _, _, _) = try fixture()
        let set = SamplePlaybooks.set
        let cadre = try #require(set.cadres.first { $0.id == "k-0075" })  // berngam-1, 3 km
        let home = try #require(set.posts[cadre.pos])
        let far = try #require(set.posts.max { home.lokasi.distanceKm(to: $0.lokasi) < home.lokasi.distanceKm(to: $1.lokasi) })
        let km = home.lokasi.distanceKm(to: far.lokasi)
        #expect(km > cadre.jangkauanKm)
        let phone = "0" + cadre.telepon.dropFirst(3)
        #expect(try c.handleSMS(from: phone, text: "HADIR berngam-2", at: Self.t0) == "Terima kasih, Kader Contoh 0075. Tercatat HADIR di berngam-2.")
        let reply = try c.handleSMS(from: phone, text: "HADIR \(far.id)", at: Self.t0.addingTimeInterval(60))
        let shown = PlanText.km(Int((km * 1000).rounded()))
        #expect(shown.range(of: #"^[0-9]+,[0-9] km$"#, options: .regularExpression) != nil, "\(shown)")
        #expect(reply == "Tercatat HADIR. \(far.id) \(shown) dari berngam-1, di luar jangkauan Anda (3 km): Anda hanya ditugaskan ke pos dalam jangkauan.")
        #expect(reply.count <= 160, "one SMS")
        #expect(try c.store.audit(limit: 10).filter { $0.subject == cadre.id }.count == 2, "both recorded")
    }

    /// The end of an emergency sends services home only where the posts are open again: a post
    /// still reported closed is named, and its services stay at the posts the plan chose.
    @Test func theEndOfAnEmergencyNamesThePostsStillClosed() throws {
        let (c, _, _, _, _) = try fixture()
        let op = Actor("op", via: .api)
        let flood = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: Self.t0)
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(60))
        try c.report(ReportRequest(post: "setia-1", bidang: "semua", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(60))
        _ = try c.end(flood.id, actor: op, at: Self.t0.addingTimeInterval(3600))
        func endText(_ id: String) throws -> String? {
            let messages = try c.store.messages()
            return messages.first { $0.kind == "emergency.ended" && $0.recipient == "lurah:12.75.02.1001" && $0.text.contains(id) }?.text
        }
        #expect(try endText(flood.id) == "[POSKO] Darurat BANJIR \(flood.id) selesai. Pos masih tutup/terganggu: berngam-1; "
            + "layanannya tetap di pos pengganti sampai pos melapor BUKA.", "setia-1 is outside its area")
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "berjalan"), actor: op, at: Self.t0.addingTimeInterval(7200))
        let second = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: Self.t0.addingTimeInterval(7300))
        _ = try c.end(second.id, actor: op, at: Self.t0.addingTimeInterval(9000))
        #expect(try endText(second.id)?.hasSuffix("selesai. Layanan posyandu kembali ke pos masing-masing.") == true)
    }

    /// A restarted daemon does not text the lurah again about a silence it announced before; once
    /// the post checks in and falls silent again, that is announced.
    @Test func aMissedCheckInIsNotAnnouncedAgainAfterARestart() throws {
        let (c, _, _, _, _) = try fixture()
        let op = Actor("op", via: .api)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02.1001"]), actor: op, at: Self.t0)
        let post = try #require(c.playbooks.posts.filter { $0.kelurahan == "12.75.02.1001" }.min { $0.id < $1.id })
        let every = Double(post.laporSetiap)
        func announce(_ missed: inout MissedCheckIns, at now: Date) throws -> [String] {
            var tracker = ContinuityTracker(set: c.playbooks, keepStates: false)
            let state = try c.store.operationalState()
            tracker.update(state: state, now: now)
            return try missed.announce(tracker.deadlines, lastCheckIn: state.lastCheckIn, now: now) { try c.checkInsMissed($0, at: now) }
        }
        let late = Self.t0.addingTimeInterval(every + 60)
        var running = MissedCheckIns()
        #expect(try announce(&running, at: late).contains(post.id))
        func alerts() throws -> Int {
            let messages = try c.store.messages()
            return messages.filter { $0.kind == "post.checkin_missed" }.count
        }
        let sent = try alerts()
        #expect(sent > 0)
        // Restart: the announcements are read back from the event log.
        var restarted = try c.announcedCheckIns()
        #expect(try announce(&restarted, at: late.addingTimeInterval(120)).isEmpty)
        #expect(try alerts() == sent, "no second SMS about the same silence")
        // It checks in, and falls silent again: a new silence.
        let back = late.addingTimeInterval(600)
        try c.checkIn(post.id, actor: op, at: back)
        #expect(try announce(&restarted, at: back.addingTimeInterval(every + 60)).contains(post.id))
    }

    /// Replies say what was understood and why something was refused.
    @Test func smsRepliesSayWhatWasUnderstood() throws {
        let (c, _, _, _, _) = try fixture()
        #expect(try c.handleSMS(from: "081200000073", text: "HADIR", at: Self.t0).hasPrefix("ID posyandu belum ditulis. Format: HADIR"))
        #expect(try c.handleSMS(from: "0813-0002-0003", text: "LAPOR berngam-1 kes tutup", at: Self.t0.addingTimeInterval(60))
            == "Nomor Anda tidak terdaftar untuk melapor berngam-1 (Kel. Berngam). Laporan tidak dicatat.")
        #expect(try c.handleSMS(from: "0813-0002-0001", text: "LAPOR berngam-1 SEMUA TERGANGGU 30", at: Self.t0.addingTimeInterval(120))
            == "Laporan diterima: berngam-1 SEMUA TERGANGGU (sisa 30 per bidang).")
        // The lurah who reported gets the reply, not also the status alert about their own report.
        let toLurah = try c.store.messages().filter { $0.recipient == "lurah:12.75.02.1001" || $0.recipient == "sms:+6281300020001" }
        #expect(toLurah.map(\.kind) == ["sms.reply"], "\(toLurah.map(\.kind))")
        // A report by someone else still reaches the lurah.
        try c.report(ReportRequest(post: "berngam-2", bidang: "semua", status: "tutup"), actor: Actor("op", via: .api), at: Self.t0.addingTimeInterval(180))
        #expect(try c.store.messages().contains { $0.recipient == "lurah:12.75.02.1001" && $0.kind == "post.status" })
    }

    /// A declaration over many kelurahan names as many as one SMS holds with its code, then how
    /// many more.
    @Test func aWideDeclarationStaysOneSMS() throws {
        let (c, _, _, _, _) = try fixture()
        let areas = ["12.75.05.1001", "12.75.05.1002", "12.75.05.1003", "12.75.05.1004", "12.75.05.1005", "12.75.05.1006"]
        _ = try c.declare(DeclareRequest(hazard: "banjir_bandang", areas: areas, status: "tanggap_darurat"), actor: Actor("op", via: .api), at: Self.t0)
        let sms = try #require(try c.store.messages().first { $0.kind == "emergency.declared" && $0.recipient.hasPrefix("lurah:") })
        #expect(SMSText(sms.smsText).segmentCount == 1, "\(sms.smsText)")
        #expect(sms.text.range(of: #" \+[0-9]\. Cek posyandu"#, options: .regularExpression) != nil, "\(sms.text)")
    }

    /// What an SMS does, its reply and the record that the gateway's message was handled are one
    /// transaction: when the reply cannot be stored, the report is not stored either and the
    /// message is not marked handled, so the gateway's retry is handled in full, once.
    @Test func anSMSItsReplyAndItsGatewayIDAreStoredTogetherOrNotAtAll() throws {
        let (c, _, _, _, _) = try fixture()
        func stored() throws -> (events: Int, replies: Int) {
            (try c.store.events().filter { $0.kind == .statusReported }.count, try c.store.messages().filter { $0.kind == "sms.reply" }.count)
        }
        try c.store.write { tx in
            try tx.db.execute(sql: "CREATE TEMP TRIGGER no_reply BEFORE INSERT ON outbox WHEN NEW.kind = 'sms.reply' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        #expect(throws: (any Error).self) { try c.handleSMS(from: "081200000073", text: "LAPOR berngam-1 kes tutup", at: Self.t0, messageID: "mo-1") }
        #expect(try stored() == (0, 0), "nothing of the SMS is stored without its reply")
        #expect(try c.store.audit(limit: 10).filter { $0.action == "post.report" }.isEmpty)
        try c.store.write { tx in try tx.db.execute(sql: "DROP TRIGGER no_reply") }
        // The gateway sends it again (its callback got an error): handled now, report and reply.
        #expect(try c.handleSMS(from: "081200000073", text: "LAPOR berngam-1 kes tutup", at: Self.t0.addingTimeInterval(30), messageID: "mo-1")
            .hasPrefix("Laporan diterima: berngam-1 kesehatan TUTUP"))
        #expect(try stored() == (1, 1))
        // And again (its answer was lost): a duplicate, nothing more stored.
        #expect(try c.handleSMS(from: "081200000073", text: "LAPOR berngam-1 kes tutup", at: Self.t0.addingTimeInterval(60), messageID: "mo-1") == "")
        #expect(try stored() == (1, 1))
        #expect(try c.store.audit(limit: 10).filter { $0.action == "sms.duplicate" }.count == 1)
    }

    /// A post id typed on a phone without its hyphen is the post it can only mean.
    @Test func aPostIDWithoutItsHyphenIsUnderstood() throws {
        let (c, _, _, _, _) = try fixture()
        let reply = try c.handleSMS(from: "081200000073", text: "LAPOR berngam1 kes tutup", at: Self.t0)
        #expect(reply.hasPrefix("Laporan diterima: berngam-1 kesehatan TUTUP"), "\(reply)")
        #expect(try c.handleSMS(from: "081200000073", text: "HADIR BERNGAM_2", at: Self.t0.addingTimeInterval(60))
            == "Terima kasih, Kader Contoh 0073. Tercatat HADIR di berngam-2.")
        #expect(try c.handleSMS(from: "081200000073", text: "HADIR berngam", at: Self.t0.addingTimeInterval(120)).hasPrefix("Pos 'berngam' tidak dikenal"))
        // With a space for its hyphen.
        #expect(try c.handleSMS(from: "081200000073", text: "hadir berngam 3 siap", at: Self.t0.addingTimeInterval(180))
            == "Terima kasih, Kader Contoh 0073. Tercatat HADIR di berngam-3.")
    }

    /// A post id typed without its hyphen that could mean two posts is answered with both; an exact
    /// id is always the post it names.
    @Test func aPostIDThatCouldMeanTwoPostsIsAnsweredWithBoth() throws {
        let set = try SamplePlaybooks.edited { $0.replacingOccurrences(of: #"\bsetia-1\b"#, with: "berngam1", options: .regularExpression) }
        let c = Coordinator(store: try PoskoStore.inMemory(), playbooks: set, routing: Self.routing)
        #expect(try c.handleSMS(from: "081200000073", text: "LAPOR BERNGAM_1 kes tutup", at: Self.t0)
            == "Pos 'berngam_1' bisa berarti berngam-1 atau berngam1. Tulis ID pos lengkap. \(SMSHelp.lapor)")
        #expect(try c.handleSMS(from: "081200000073", text: "HADIR berngam_1", at: Self.t0.addingTimeInterval(60))
            == "Pos 'berngam_1' bisa berarti berngam-1 atau berngam1. Tulis ID pos lengkap. \(SMSHelp.hadir)")
        #expect(try c.handleSMS(from: "081200000073", text: "LAPOR berngam-1 kes tutup", at: Self.t0.addingTimeInterval(120)).hasPrefix("Laporan diterima: berngam-1"))
        #expect(try c.handleSMS(from: "081200000073", text: "HADIR berngam1", at: Self.t0.addingTimeInterval(180)).hasSuffix("Tercatat HADIR di berngam1."))
    }

    /// Help replies: one per mistake for a registered cadre (a corrected text that is still wrong
    /// gets help again), none for the same text repeated within ten minutes, and none at all to a
    /// short code or a named sender; a cadre texting from `0062…` is recognised.
    @Test func helpRepliesGoToPeopleNotToLoopsOrShortCodes() throws {
        let (c, _, _, _, _) = try fixture()
        func replies() throws -> [OutboxMessage] { try c.store.messages().filter { $0.kind == "sms.reply" } }
        let cadre = try #require(SamplePlaybooks.set.cadres.first { !$0.telepon.isEmpty })
        let local = "0" + cadre.telepon.dropFirst(3)
        #expect(try c.handleSMS(from: local, text: "lapor", at: Self.t0).contains("Format: LAPOR"))
        #expect(try c.handleSMS(from: local, text: "lapor \(cadre.pos)", at: Self.t0.addingTimeInterval(60)).contains("Bidang tidak dikenal"))
        #expect(try c.handleSMS(from: local, text: "lapor \(cadre.pos)", at: Self.t0.addingTimeInterval(120)) == "")
        #expect(try replies().count == 2)
        // The same cadre from 0062…: a registered sender, whose report is taken.
        let international = "00" + cadre.telepon.dropFirst()
        #expect(try c.handleSMS(from: international, text: "LAPOR \(cadre.pos) semua tutup", at: Self.t0.addingTimeInterval(180)).hasPrefix("Laporan diterima"))
        // Short codes and named senders: audited, never answered.
        for sender in ["3636", "TELKOMSEL"] {
            #expect(try c.handleSMS(from: sender, text: "Sisa pulsa Anda Rp 1.000", at: Self.t0.addingTimeInterval(240)) == "")
        }
        #expect(try replies().count == 3)
        #expect(try c.store.audit(limit: 100).filter { $0.action == "sms.unknown_sender" }.count == 2)
    }

    /// `TERGANGGU 50%` is half of each field's kapasitas, not 50 people; a bare number is people.
    /// The reply says what was understood.
    @Test func aDegradedReportsPercentIsAShareOfKapasitas() throws {
        let (c, _, _, _, _) = try fixture()
        let lurah = "0813-0001-0001"  // Lurah Pahlawan (sample data); pahlawan-1 kesehatan has kapasitas 63.
        func capacity(_ bidang: Bidang) throws -> Int? { try c.store.operationalState().reports[PostField("pahlawan-1", bidang)]?.capacity }
        #expect(try c.handleSMS(from: lurah, text: "LAPOR pahlawan-1 kesehatan TERGANGGU 50%", at: Self.t0)
            == "Laporan diterima: pahlawan-1 kesehatan TERGANGGU (sisa 31 dari 63).")
        #expect(try capacity(.kesehatan) == 31)
        #expect(try c.handleSMS(from: lurah, text: "LAPOR pahlawan-1 kesehatan TERGANGGU 80%", at: Self.t0.addingTimeInterval(60)).hasPrefix("Laporan diterima"))
        #expect(try capacity(.kesehatan) == 50)
        #expect(try c.handleSMS(from: lurah, text: "LAPOR pahlawan-1 kesehatan TERGANGGU 80", at: Self.t0.addingTimeInterval(120))
            .contains("paling banyak 63 orang"))
        #expect(try capacity(.kesehatan) == 50, "a rejected report changes nothing")
        #expect(try c.handleSMS(from: lurah, text: "LAPOR pahlawan-1 kesehatan TERGANGGU 150%", at: Self.t0.addingTimeInterval(150)).hasPrefix("Laporan ditolak"))
        #expect(try c.handleSMS(from: lurah, text: "LAPOR pahlawan-1 semua TERGANGGU 50%", at: Self.t0.addingTimeInterval(180))
            == "Laporan diterima: pahlawan-1 SEMUA TERGANGGU (sisa 50%).")
        let post = try #require(SamplePlaybooks.set.posts["pahlawan-1"])
        for (bidang, load) in post.layanan { #expect(try capacity(bidang) == load.kapasitas / 2) }
    }

    /// A burst of reports within the grouping window is one SMS with each post's latest state.
    @Test func aGroupedStatusAlertKeepsEachPostsLatestState() throws {
        let (c, _, _, _, _) = try fixture()
        let op = Actor("op", via: .api)
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: op, at: Self.t0)
        try c.report(ReportRequest(post: "berngam-2", bidang: "semua", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(10))
        try c.report(ReportRequest(post: "berngam-3", bidang: "semua", status: "tutup"), actor: op, at: Self.t0.addingTimeInterval(15))
        try c.report(ReportRequest(post: "berngam-2", bidang: "semua", status: "berjalan"), actor: op, at: Self.t0.addingTimeInterval(20))
        let lurah = try c.store.messages().filter { $0.recipient == "lurah:12.75.02.1001" }.sorted { $0.createdAt < $1.createdAt }
        #expect(lurah.count == 2, "the first goes at once, the rest wait as one")
        // Each post with its id, so the lurah can answer with LAPOR <id> ….
        #expect(lurah[0].text.contains("(berngam-1, Kel. Berngam) TUTUP"), "\(lurah[0].text)")
        let waiting = lurah[1].text.split(separator: "\n").map(String.init)
        #expect(waiting.count == 2, "\(lurah[1].text)")
        #expect(waiting[0].hasPrefix("[POSKO] Posyandu") && waiting[0].contains("TUTUP"))
        #expect(waiting[1].contains("BUKA kembali"), "berngam-2's latest state, once: \(lurah[1].text)")
    }
}
