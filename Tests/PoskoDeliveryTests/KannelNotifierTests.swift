import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import PoskoCore
import PoskoDelivery
import PoskoTesting
import Testing

/// SMS through a real Kannel (bearerbox + smsbox + fakesmsc) on loopback.
/// Skipped when Kannel is not installed, unless CI is set (then it fails).
@Suite("Kannel notifier against real Kannel",
       .enabled(if: KannelHarness.shouldRunTests, "Kannel not installed (apt-get install kannel kannel-extras; CI makes this fail)"))
struct KannelNotifierTests {
    /// Starts a recorder (DLR + MO receiver) and a Kannel wired to it; always shuts both down.
    func withKannel(
        _ configure: (inout KannelHarness.Configuration) -> Void = { _ in },
        _ body: (KannelHarness, LoopbackHTTPRecorder) async throws -> Void
    ) async throws {
        let recorder = try await LoopbackHTTPRecorder.start()
        var configuration = KannelHarness.Configuration(moURL: recorder.baseURL + "/mo")
        configure(&configuration)
        let kannel: KannelHarness
        do {
            kannel = try await KannelHarness.start(configuration)
        } catch {
            await recorder.shutdown()
            throw error
        }
        do {
            try await body(kannel, recorder)
        } catch {
            await kannel.shutdown()
            await recorder.shutdown()
            throw error
        }
        await kannel.shutdown()
        await recorder.shutdown()
    }

    @Test func gsmTextReachesFakeSMSCAndDLRsComeBackWithReference() async throws {
        try await withKannel { kannel, recorder in
            let notifier = KannelNotifier(
                configuration: kannel.notifierConfiguration(dlrBaseURL: recorder.baseURL + "/dlr?src=kannel"),
                httpClient: HTTPClient.shared)
            let text = "PERINGATAN: banjir Kel. Sumber Mulyorejo. Pos melati TUTUP, ke pos mawar {Jl. Sudirman} 50% €"
            let result = await notifier.send(OutboundMessage(reference: "alert-42/ü+1", address: "+6281234567", text: text))
            guard case .delivered(let response) = result else {
                Issue.record("expected delivered, got \(result)")
                return
            }
            #expect(response.hasPrefix("0: Accepted for delivery"))
            #expect(response.contains("gsm7"))

            let mt = try await kannel.waitForMT { $0.to == "+6281234567" }
            #expect(mt.kind == .text)
            #expect(mt.from == "POSKO")
            #expect(mt.text == text)

            let dlrs = try await recorder.waitForRequests(count: 2) { $0.path == "/dlr" }
            let reports = try dlrs.map { try KannelDeliveryReport.parse(query: $0.target).get() }
            #expect(reports.map(\.reference) == ["alert-42/ü+1", "alert-42/ü+1"])
            // smsbox fires the two callbacks concurrently: they may arrive in either order.
            #expect(Set(reports.map(\.status)) == [.smscAccepted, .delivered])
            let accepted = try #require(reports.first { $0.status == .smscAccepted })
            #expect(accepted.smscReply == "ACK/")
            #expect(accepted.receiver == "+6281234567")
            #expect(accepted.sender == "POSKO")
            #expect(accepted.smscID == "FAKE")
            #expect(accepted.timestamp != nil)
            #expect(dlrs.allSatisfy { $0.query?.hasPrefix("src=kannel&rx=") == true })
            // A plain reference travels as ref= (what Posko normally uses: ULIDs, UUIDs).
            _ = await notifier.send(OutboundMessage(reference: "01JDX4ZK3M-9.x_~", address: "+6281234568", text: "tes"))
            let plain = try await recorder.waitForRequests(count: 2) { $0.path == "/dlr" && $0.query?.contains("&ref=01JDX4ZK3M-9.x_~&") == true }
            #expect(try plain.map { try KannelDeliveryReport.parse(query: $0.target).get().reference } == ["01JDX4ZK3M-9.x_~", "01JDX4ZK3M-9.x_~"])
        }
    }

    @Test func ucs2TextWithEmojiArrivesAsUCS2() async throws {
        try await withKannel { kannel, recorder in
            let notifier = KannelNotifier(configuration: kannel.notifierConfiguration(dlrBaseURL: recorder.baseURL + "/dlr"),
                                          httpClient: HTTPClient.shared)
            let text = "Hujan lebat — waspada banjir 🌧⚡ Привет"
            let result = await notifier.send(OutboundMessage(reference: "u-1", address: "6281111", text: text))
            guard case .delivered(let response) = result else {
                Issue.record("expected delivered, got \(result)")
                return
            }
            #expect(response.contains("ucs2"))
            let mt = try await kannel.waitForMT { $0.to == "6281111" }
            #expect(mt.kind == .ucs2)
            #expect(mt.text == text)
            let dlrs = try await recorder.waitForRequests(count: 2) { $0.path == "/dlr" }
            #expect(Set(try dlrs.map { try KannelDeliveryReport.parse(query: $0.target).get().status }) == [.smscAccepted, .delivered])
        }
    }

    @Test func moReachesGetURLAndParsesAsLapor() async throws {
        try await withKannel { kannel, recorder in
            try await kannel.injectMO(from: "0049176000001", to: "5555", text: "LAPOR melati-1001-01 kesehatan TERGANGGU 40 air masuk")
            try await kannel.injectMO(from: "+6281234", to: "5555", text: "lapor  melati-1001-01 SEMUA tutup banjir 🌧 — 1 m")
            // A long one (over fakesmsc's 255-byte line buffer once UCS-2 encoded).
            let long = "LAPOR mawar-1001-02 pekerjaan umum TERGANGGU 25 jalan tergenang 50 cm, jembatan retak — mohon bantuan 🙏"
            try await kannel.injectMO(from: "081299", to: "5555", text: long)
            let mos = try await recorder.waitForRequests(count: 3) { $0.path == "/mo" }
            let messages = try mos.map { try KannelInboundMessage.parse(query: $0.target).get() }
            let ascii = try #require(messages.first { $0.from == "0049176000001" })
            #expect(ascii.to == "5555")
            #expect(ascii.smscID == "FAKE")
            #expect(try SMSCommand.parse(ascii.text).get() == .lapor(.init(
                pos: "melati-1001-01", scope: .bidang(.kesehatan), status: .terganggu, remainingCapacity: 40, note: "air masuk")))
            let unicode = try #require(messages.first { $0.from == "+6281234" })
            // %a joins the words with single spaces.
            #expect(unicode.text == "lapor melati-1001-01 SEMUA tutup banjir 🌧 — 1 m")
            #expect(try SMSCommand.parse(unicode.text).get() == .lapor(.init(
                pos: "melati-1001-01", scope: .semua, status: .tutup, note: "banjir 🌧 — 1 m")))
            let longMO = try #require(messages.first { $0.from == "081299" })
            #expect(longMO.text == long)
            #expect(try SMSCommand.parse(longMO.text).get() == .lapor(.init(
                pos: "mawar-1001-02", scope: .bidang(.pekerjaanUmum), status: .terganggu, remainingCapacity: 25,
                note: "jalan tergenang 50 cm, jembatan retak — mohon bantuan 🙏")))
        }
    }

    @Test func wrongPasswordIsPermanentAndNotEchoed() async throws {
        try await withKannel { kannel, _ in
            var configuration = kannel.notifierConfiguration()
            configuration.password = "Sup3r-Secret+pw&x"
            let result = await KannelNotifier(configuration: configuration, httpClient: HTTPClient.shared)
                .send(OutboundMessage(reference: "pw-1", address: "6281111", text: "halo"))
            guard case .permanent(let reason, false) = result else {
                Issue.record("expected permanent, got \(result)")
                return
            }
            #expect(reason.contains("403"))
            #expect(reason.contains("authorization failed"))
            #expect(!reason.contains("Sup3r"))
            #expect(!reason.contains(configuration.password))
            #expect(!reason.contains(SMSQueryEncoding.encode(configuration.password)))
        }
    }

    @Test func queuedWhenSMSCIsDownThenDelivered() async throws {
        try await withKannel({ $0.startFakeSMSC = false }) { kannel, recorder in
            let notifier = KannelNotifier(configuration: kannel.notifierConfiguration(dlrBaseURL: recorder.baseURL + "/dlr"),
                                          httpClient: HTTPClient.shared)
            let result = await notifier.send(OutboundMessage(reference: "q-1", address: "6282222", text: "antri dulu"))
            guard case .queued(let response) = result else {
                Issue.record("expected queued, got \(result)")
                return
            }
            #expect(response.hasPrefix("queued: 3: Queued for later delivery"))
            try await kannel.startFakeSMSC()
            let mt = try await kannel.waitForMT(timeout: .seconds(20)) { $0.to == "6282222" }
            #expect(mt.text == "antri dulu")
            let dlr = try await recorder.waitForRequests(count: 1, timeout: .seconds(20)) { $0.path == "/dlr" }
            #expect(try KannelDeliveryReport.parse(query: dlr[0].target).get().reference == "q-1")
        }
    }

    @Test func smsboxDownIsRetryable() async throws {
        try await withKannel { kannel, _ in
            await kannel.stopSMSBox()
            var configuration = kannel.notifierConfiguration(timeout: .seconds(2))
            configuration.password = "another-secret-pw"
            let result = await KannelNotifier(configuration: configuration, httpClient: HTTPClient.shared)
                .send(OutboundMessage(reference: "down-1", address: "6281111", text: "halo"))
            guard case .retryable(let reason, _) = result else {
                Issue.record("expected retryable, got \(result)")
                return
            }
            #expect(reason.contains("connection refused") || reason.contains("timeout"), "\(reason)")
            #expect(!reason.contains("another-secret-pw"))
        }
    }

    @Test func longTextIsCutToMaxMessagesByPoskoNotKannel() async throws {
        try await withKannel({ $0.maxMessages = 3 }) { kannel, _ in
            let notifier = KannelNotifier(configuration: kannel.notifierConfiguration(), httpClient: HTTPClient.shared)
            let text = String(repeating: "Air naik cepat, segera mengungsi. ", count: 40) // ~1360 chars
            let result = await notifier.send(OutboundMessage(reference: "long-1", address: "6283333", text: text))
            guard case .delivered(let response) = result else {
                Issue.record("expected delivered, got \(result)")
                return
            }
            #expect(response.contains("3 segment(s)"))
            #expect(response.contains("truncated"))
            // Kannel delivers exactly the three concatenated parts Posko planned.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while kannel.receivedMTs().filter({ $0.to == "6283333" }).count < 3, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(300))
            let parts = kannel.receivedMTs().filter { $0.to == "6283333" }
            #expect(parts.count == 3)
            #expect(parts.allSatisfy { $0.kind == .udh })
        }
    }
}

/// sendsms replies that only a broken Kannel or a proxy in front of it produces, simulated.
@Suite("Kannel reply mapping with a fake smsbox")
struct KannelReplyMappingTests {
    static let html502 = """
        <!DOCTYPE html>
        <html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>
        """

    @Test(arguments: [
        (202, "0: Accepted for delivery", "delivered"),
        (202, "3: Queued for later delivery", "queued"),
        (200, "Sent.", "permanent"),
        (400, "Missing receiver number, rejected", "permanent"),
        (403, "Not routable. Do not try again.", "permanent"),
        (403, "Authorization failed for sendsms", "permanent"),
        (500, "internal", "retryable"),
        (503, "", "retryable"),
        (502, html502, "retryable"),
        (404, "<html><body><h1>Not Found</h1></body></html>", "permanent"),
        (200, html502, "permanent"),
    ])
    func mapsReplies(status: Int, body: String, expected: String) async throws {
        let fake = try await LoopbackHTTPRecorder.start { _ in CannedResponse(status: status, headers: ["Content-Type": "text/html"], body: body) }
        let notifier = KannelNotifier(
            configuration: KannelConfiguration(name: "kannel", sendsmsURL: fake.baseURL + "/cgi-bin/sendsms",
                                               username: "posko", password: "s3cr3t-pw", timeout: .seconds(3)),
            httpClient: HTTPClient.shared)
        let result = await notifier.send(OutboundMessage(reference: "m-1", address: "+628123", text: "Grüße 🌧"))
        let request = try #require(fake.requests().first)
        await fake.shutdown()

        // The request carries what Kannel needs.
        let query = try #require(request.query)
        #expect(query.contains("username=posko&password=s3cr3t-pw&to=%2B628123"))
        #expect(query.contains("&text=Gr%C3%BC%C3%9Fe%20%F0%9F%8C%A7&charset=UTF-8&coding=2"))

        switch (expected, result) {
        case ("delivered", .delivered(let response)): #expect(response.hasPrefix("0: Accepted"))
        case ("queued", .queued(let response)): #expect(response.hasPrefix("queued: 3: Queued"))
        case ("retryable", .retryable(let reason, _)):
            #expect(!reason.contains("s3cr3t"))
            if body.contains("<html") { #expect(reason.contains("HTML error page (502 Bad Gateway)"), "\(reason)") }
        case ("permanent", .permanent(let reason, false)):
            #expect(!reason.contains("s3cr3t"))
            if status == 404 { #expect(reason.contains("HTML error page (Not Found)"), "\(reason)") }
        default:
            Issue.record("HTTP \(status) \(body.prefix(30)): expected \(expected), got \(result)")
        }
    }

    @Test(arguments: ["", "08 12", "+62-812", "abc", "1"])
    func invalidReceiversAreRefusedBeforeSending(_ address: String) async throws {
        let notifier = KannelNotifier(
            configuration: KannelConfiguration(name: "k", sendsmsURL: "http://127.0.0.1:9/cgi-bin/sendsms", username: "u", password: "p"),
            httpClient: HTTPClient.shared)
        let result = await notifier.send(OutboundMessage(reference: "r", address: address, text: "halo"))
        #expect(result == .permanent(reason: "invalid receiver number (digits with optional leading +)"))
    }

    @Test func dlrURLIsEncodedAsAWholeWithReference() async throws {
        let fake = try await LoopbackHTTPRecorder.start { _ in CannedResponse(status: 202, body: "0: Accepted for delivery") }
        let notifier = KannelNotifier(
            configuration: KannelConfiguration(name: "kannel", sendsmsURL: fake.baseURL + "/cgi-bin/sendsms", username: "u",
                                               password: "p", from: "POSKO", dlrBaseURL: "http://127.0.0.1:8080/v1/sms/dlr"),
            httpClient: HTTPClient.shared)
        _ = await notifier.send(OutboundMessage(reference: "a&b c", address: "628123", text: "plain text"))
        let query = try #require(fake.requests().first?.query)
        await fake.shutdown()
        #expect(query.contains("&from=POSKO&text=plain%20text&charset=UTF-8&dlr-mask=31&dlr-url="))
        #expect(!query.contains("coding="))
        // The channel's name travels too, so a late report is told from the current gateway's.
        let dlr = "http://127.0.0.1:8080/v1/sms/dlr?rx=6126622063&ch=kannel&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F"
        #expect(query.hasSuffix("dlr-url=" + SMSQueryEncoding.encode(dlr)))
        #expect(KannelNotifier.dlrURL(base: "http://h/dlr?k=1", reference: "01JDX-4.z_~")
            == "http://h/dlr?k=1&ref=01JDX-4.z_~&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F")
        #expect(KannelNotifier.dlrURL(base: "http://h/dlr", reference: "r1", channel: "kannel utama")
            == "http://h/dlr?ref=r1&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F", "a name that is not URL-safe is left out")
        #expect(try KannelDeliveryReport.parse(query: "ref=r1&ch=kannel-utama&st=1").get().channel == "kannel-utama")
    }
}

/// Collects log lines (message + metadata) for secret-leak checks.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }

    var captured: [String] { lines.withLock { $0 } }
}

@Suite("Secrets stay out of logs and results")
struct DeliverySecretHygieneTests {
    @Test func kannelPasswordNeverLoggedOrReturned() async throws {
        let password = "Pw-Zx81&q"
        let echo = try await LoopbackHTTPRecorder.start { request in
            // A hostile/broken gateway that echoes the whole query back, in every reply kind.
            let query = request.query ?? ""
            if query.contains("to=6281") { return CannedResponse(status: 500, body: "<html><title>\(query)</title></html>") }
            if query.contains("to=6282") { return CannedResponse(status: 202, body: "0: Accepted for delivery \(query)") }
            return CannedResponse(status: 400, body: "rejected \(query)")
        }
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let notifier = KannelNotifier(
            configuration: KannelConfiguration(name: "kannel", sendsmsURL: echo.baseURL + "/cgi-bin/sendsms", username: "posko",
                                               password: password, timeout: .seconds(3)),
            httpClient: HTTPClient.shared, logger: logger)
        var results: [DeliveryResult] = []
        for to in ["6281000", "6282000", "6283000"] {
            results.append(await notifier.send(OutboundMessage(reference: "r-\(to)", address: to, text: "halo")))
        }
        await echo.shutdown()
        let refusing = try RefusingLoopbackPort()
        defer { refusing.close() }
        let down = KannelNotifier(
            configuration: KannelConfiguration(name: "kannel", sendsmsURL: "http://127.0.0.1:\(refusing.port)/cgi-bin/sendsms",
                                               username: "posko", password: password, timeout: .seconds(1)),
            httpClient: HTTPClient.shared, logger: logger)
        results.append(await down.send(OutboundMessage(reference: "r-down", address: "6284000", text: "halo")))

        let texts = results.map { "\($0)" } + handler.captured
        #expect(handler.captured.count >= 4)
        for text in texts {
            #expect(!text.contains(password), "\(text)")
            #expect(!text.contains(SMSQueryEncoding.encode(password)), "\(text)")
        }
    }

    /// A reply is shortened to 160 characters for the record; a password the gateway echoes
    /// across that cut must not survive in part (it was shortened first, then redacted).
    @Test func aSecretAcrossTheCutOfAReplyIsNotKeptInPart() async throws {
        let password = "Pw-Zx81&q-long-secret"
        // The password starts at character 150 of each reply: its first ten are inside the cut.
        let echo = try await LoopbackHTTPRecorder.start { request in
            let query = request.query ?? ""
            if query.contains("to=6281") { return CannedResponse(status: 202, body: "0: Accepted " + String(repeating: "x", count: 138) + password + " tail") }
            return CannedResponse(status: 400, body: "rejected " + String(repeating: "x", count: 141) + password + " tail")
        }
        let notifier = KannelNotifier(
            configuration: KannelConfiguration(name: "kannel", sendsmsURL: echo.baseURL + "/cgi-bin/sendsms", username: "posko",
                                               password: password, timeout: .seconds(3)),
            httpClient: HTTPClient.shared, logger: Logger(label: "test"))
        var results: [String] = []
        for to in ["6281000", "6283000"] {
            results.append("\(await notifier.send(OutboundMessage(reference: "r-\(to)", address: to, text: "halo")))")
        }
        await echo.shutdown()
        #expect(results.count == 2)
        for text in results { #expect(!text.contains(String(password.prefix(4))), "\(text)") }
    }
}
