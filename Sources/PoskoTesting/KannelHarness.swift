#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AsyncHTTPClient
import Foundation
import NIOCore
import PoskoCore
import PoskoDelivery
import Synchronization

/// A real Kannel (bearerbox + smsbox + `fakesmsc`) on loopback for tests.
///
/// ```swift
/// @Test(.enabled(if: KannelHarness.shouldRunTests)) func sms() async throws {
///     let sink = try await LoopbackHTTPRecorder.start()              // DLR + MO receiver
///     let kannel = try await KannelHarness.start(.init(moURL: sink.baseURL + "/mo"))
///     let notifier = KannelNotifier(
///         configuration: kannel.notifierConfiguration(dlrBaseURL: sink.baseURL + "/dlr"),
///         httpClient: HTTPClient.shared)
///     _ = await notifier.send(OutboundMessage(reference: "r1", address: "+6281234", text: "halo"))
///     let mt = try await kannel.waitForMT { $0.to == "+6281234" }    // what the handset got
///     try await kannel.injectMO(from: "081234", to: "5555", text: "HADIR pos1")
///     let mo = try await sink.waitForRequests { $0.path == "/mo" }
///     await kannel.shutdown(); await sink.shutdown()                  // also on failure paths
/// }
/// ```
///
/// Every instance has its own temporary run directory and free loopback ports, so tests can run
/// in parallel. `shutdown()` kills the process groups and removes the run directory; `deinit`
/// SIGKILLs whatever is left if a test forgot.
public final class KannelHarness: Sendable {
    public struct Configuration: Sendable {
        /// Where MO messages go (Kannel `get-url`). A plain URL gets the query
        /// `from=%p&to=%P&text=%a&smsc=%i&ts=%T&id=%I&coding=%c&charset=%C` appended (the format
        /// `KannelInboundMessage.parse(query:)` reads); a URL containing `%` is used as given.
        public var moURL: String?
        public var username: String
        public var password: String
        /// `max-messages` of the sendsms user.
        public var maxMessages: Int
        public var defaultSender: String
        /// Start fakesmsc (set false to test "3: Queued for later delivery").
        public var startFakeSMSC: Bool
        /// Kannel log level for the log files (0 debug … 4 panic).
        public var logLevel: Int
        public var binaries: Binaries
        /// Keep the run directory after shutdown (for debugging).
        public var keepRunDirectory: Bool

        public init(
            moURL: String? = nil,
            username: String = "posko",
            password: String = "pw-" + UUID().uuidString.prefix(8).lowercased(),
            maxMessages: Int = 5,
            defaultSender: String = "1111",
            startFakeSMSC: Bool = true,
            logLevel: Int = 1,
            binaries: Binaries = .debian,
            keepRunDirectory: Bool = ProcessInfo.processInfo.environment["POSKO_KEEP_KANNEL_RUNDIR"] != nil
        ) {
            self.moURL = moURL
            self.username = username
            self.password = password
            self.maxMessages = maxMessages
            self.defaultSender = defaultSender
            self.startFakeSMSC = startFakeSMSC
            self.logLevel = logLevel
            self.binaries = binaries
            self.keepRunDirectory = keepRunDirectory
        }
    }

    public struct Binaries: Sendable {
        public var bearerbox: String
        public var smsbox: String
        public var fakesmsc: String

        public init(bearerbox: String, smsbox: String, fakesmsc: String) {
            self.bearerbox = bearerbox
            self.smsbox = smsbox
            self.fakesmsc = fakesmsc
        }

        /// Debian's `kannel` and `kannel-extras` packages.
        public static let debian = Binaries(
            bearerbox: "/usr/sbin/bearerbox", smsbox: "/usr/sbin/smsbox", fakesmsc: "/usr/lib/kannel/test/fakesmsc")

        public var missing: [String] {
            [bearerbox, smsbox, fakesmsc].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        }
    }

    public enum HarnessError: Error, CustomStringConvertible {
        case binariesMissing([String])
        case notReady(String, log: String)
        case timeout(String)

        public var description: String {
            switch self {
            case .binariesMissing(let paths):
                "Kannel binaries missing: \(paths.joined(separator: ", ")) (apt-get install -y kannel kannel-extras)"
            case .notReady(let what, let log): "Kannel \(what) did not become ready; last output:\n\(log)"
            case .timeout(let what): "timed out waiting for \(what)"
            }
        }
    }

    /// Whether the Kannel binaries are installed.
    public static var isAvailable: Bool { Binaries.debian.missing.isEmpty }

    /// True when tests that need Kannel should run: Kannel is installed, or `CI` is set (then a
    /// missing Kannel fails the test instead of skipping it). Use with `.enabled(if:)`.
    public static var shouldRunTests: Bool { isAvailable || isCI }

    /// `CI` is set to something other than empty, `0` or `false`.
    public static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    public let configuration: Configuration
    public let runDirectory: String
    public let adminPort: Int
    public let smsboxPort: Int
    public let fakeSMSCPort: Int
    public let sendsmsPort: Int
    public let adminPassword: String
    public let statusPassword: String

    private struct Processes {
        var bearerbox: ChildProcess?
        var smsbox: ChildProcess?
        var fakesmsc: ChildProcess?
        /// Write end of fakesmsc's stdin.
        var moWriter: Int32 = -1
        var fakesmscGeneration = 0
        var stopped = false
    }

    private let processes = Mutex(Processes())

    /// `http://127.0.0.1:<port>/cgi-bin/sendsms`
    public var sendsmsURL: String { "http://127.0.0.1:\(sendsmsPort)/cgi-bin/sendsms" }

    private init(configuration: Configuration) throws {
        self.configuration = configuration
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("posko-kannel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.runDirectory = directory
        var ports: Set<Int> = []
        while ports.count < 4 { ports.insert(try freeLoopbackPort()) }
        let list = Array(ports)
        adminPort = list[0]
        smsboxPort = list[1]
        fakeSMSCPort = list[2]
        sendsmsPort = list[3]
        adminPassword = "admin-" + UUID().uuidString.prefix(8).lowercased()
        statusPassword = "status-" + UUID().uuidString.prefix(8).lowercased()
    }

    deinit {
        let leftovers = processes.withLock { state -> [ChildProcess] in
            if state.moWriter >= 0 { close(state.moWriter); state.moWriter = -1 }
            return [state.fakesmsc, state.smsbox, state.bearerbox].compactMap { $0 }
        }
        for process in leftovers { process.killNow() }
        if !configuration.keepRunDirectory { try? FileManager.default.removeItem(atPath: runDirectory) }
    }

    /// Writes the config, starts bearerbox, smsbox and (unless disabled) fakesmsc, and waits
    /// until the sendsms port answers and the fake SMSC is online. A box that exits before it
    /// is ready is started again on other ports, twice at most: the free ports are picked by
    /// binding port 0 and closing it, and another test's server can take one in between.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> KannelHarness {
        let missing = configuration.binaries.missing
        guard missing.isEmpty else { throw HarnessError.binariesMissing(missing) }
        var attempt = 1
        while true {
            let harness = try KannelHarness(configuration: configuration)
            do {
                try harness.writeConfiguration()
                try await harness.startBoxes()
                if configuration.startFakeSMSC { try await harness.startFakeSMSC() }
                return harness
            } catch let HarnessError.notReady(what, log) where attempt < 3 {
                let kannelLog = harness.log("bearerbox.log", lastBytes: 600) + harness.log("smsbox.log", lastBytes: 600)
                FileHandle.standardError.write(Data("KannelHarness: \(what) not ready (attempt \(attempt)), starting again on other ports\n\(log.suffix(600))\n\(kannelLog)\n".utf8))
                await harness.shutdown()
                attempt += 1
            } catch {
                await harness.shutdown()
                throw error
            }
        }
    }

    /// A `KannelConfiguration` for this instance.
    public func notifierConfiguration(name: String = "kannel-test", dlrBaseURL: String? = nil, from: String? = "POSKO",
                                      timeout: Duration = .seconds(5)) -> KannelConfiguration {
        KannelConfiguration(name: name, sendsmsURL: sendsmsURL, username: configuration.username, password: configuration.password,
                            from: from, dlrBaseURL: dlrBaseURL, maxSegments: configuration.maxMessages, timeout: timeout)
    }

    // MARK: - Configuration

    var configPath: String { runDirectory + "/kannel.conf" }

    func configurationText() -> String {
        let mo: String
        if let url = configuration.moURL {
            if url.contains("%") {
                mo = url
            } else {
                mo = url + (url.contains("?") ? "&" : "?") + "from=%p&to=%P&text=%a&smsc=%i&ts=%T&id=%I&coding=%c&charset=%C"
            }
        } else {
            mo = "http://127.0.0.1:9/unused?from=%p"
        }
        return """
        group = core
        admin-port = \(adminPort)
        admin-interface = 127.0.0.1
        admin-password = \(adminPassword)
        status-password = \(statusPassword)
        admin-allow-ip = "127.0.0.1"
        smsbox-port = \(smsboxPort)
        smsbox-interface = 127.0.0.1
        box-allow-ip = "127.0.0.1"
        log-file = "\(runDirectory)/bearerbox.log"
        log-level = \(configuration.logLevel)
        access-log = "\(runDirectory)/access.log"
        store-type = file
        store-location = "\(runDirectory)/kannel.store"
        dlr-storage = internal
        sms-resend-freq = 5

        group = smsc
        smsc = fake
        smsc-id = FAKE
        port = \(fakeSMSCPort)
        connect-allow-ip = 127.0.0.1
        our-host = 127.0.0.1
        allowed-smsc-id = FAKE

        group = smsbox
        bearerbox-host = 127.0.0.1
        bearerbox-port = \(smsboxPort)
        sendsms-port = \(sendsmsPort)
        sendsms-interface = 127.0.0.1
        log-file = "\(runDirectory)/smsbox.log"
        log-level = \(configuration.logLevel)
        access-log = "\(runDirectory)/smsbox-access.log"
        mo-recode = true
        http-request-retry = 3
        http-queue-delay = 1

        group = sendsms-user
        username = \(configuration.username)
        password = \(configuration.password)
        user-allow-ip = "127.0.0.1"
        concatenation = true
        max-messages = \(configuration.maxMessages)
        default-sender = \(configuration.defaultSender)
        default-smsc = FAKE

        group = sms-service
        keyword = default
        catch-all = true
        get-url = "\(mo)"
        max-messages = 0
        omit-empty = true

        """
    }

    private func writeConfiguration() throws {
        try configurationText().write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    // MARK: - Processes

    private func startBoxes() async throws {
        let bearerbox = try ChildProcess.spawn(
            executable: configuration.binaries.bearerbox, arguments: ["-v", "1", configPath],
            outputPath: runDirectory + "/bearerbox.out")
        processes.withLock { $0.bearerbox = bearerbox }
        try await waitUntil("bearerbox admin port", process: bearerbox, timeout: .seconds(15)) { [self] in
            (try? await self.status()) != nil
        }
        let smsbox = try ChildProcess.spawn(
            executable: configuration.binaries.smsbox, arguments: ["-v", "1", configPath],
            outputPath: runDirectory + "/smsbox.out")
        processes.withLock { $0.smsbox = smsbox }
        try await waitUntil("smsbox sendsms port", process: smsbox, timeout: .seconds(15)) { [self] in
            await self.get("http://127.0.0.1:\(self.sendsmsPort)/") != nil
        }
        try await waitUntil("smsbox connection", process: smsbox, timeout: .seconds(15)) { [self] in
            (try? await self.status())?.contains("on-line") == true
        }
    }

    /// Starts fakesmsc (interactive: its stdin is a pipe for MO lines) and waits until the fake
    /// SMSC is online in bearerbox.
    public func startFakeSMSC() async throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcess.SpawnError(executable: "pipe", errno: errno) }
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC) // dup2 onto fd 0 clears it in the child
        let generation = processes.withLock { state -> Int in
            state.fakesmscGeneration += 1
            return state.fakesmscGeneration
        }
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(
                executable: configuration.binaries.fakesmsc,
                arguments: ["-H", "127.0.0.1", "-r", String(fakeSMSCPort)],
                outputPath: runDirectory + "/fakesmsc-\(generation).out",
                stdinFD: fds[0])
        } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        close(fds[0])
        processes.withLock { state in
            if state.moWriter >= 0 { close(state.moWriter) }
            state.moWriter = fds[1]
            state.fakesmsc = process
        }
        try await waitUntil("fake SMSC online", process: process, timeout: .seconds(15)) { [self] in
            guard let status = try? await self.status() else { return false }
            return status.contains("FAKE[FAKE]") && status.contains("(online")
        }
    }

    /// Stops fakesmsc (MTs are then queued by bearerbox: `3: Queued for later delivery`).
    public func stopFakeSMSC() async {
        let (process, writer) = processes.withLock { state -> (ChildProcess?, Int32) in
            let result = (state.fakesmsc, state.moWriter)
            state.fakesmsc = nil
            state.moWriter = -1
            return result
        }
        if writer >= 0 { close(writer) }
        await process?.terminate(grace: .milliseconds(300))
    }

    /// Stops smsbox (sendsms then gets "connection refused").
    public func stopSMSBox() async {
        let process = processes.withLock { state -> ChildProcess? in
            defer { state.smsbox = nil }
            return state.smsbox
        }
        await process?.terminate(grace: .milliseconds(300))
    }

    /// Stops everything (fakesmsc and smsbox first, then bearerbox) and removes the run directory.
    public func shutdown(grace: Duration = .milliseconds(500)) async {
        let (fake, sms, bearer, writer) = processes.withLock { state in
            let result = (state.fakesmsc, state.smsbox, state.bearerbox, state.moWriter)
            state = Processes()
            state.stopped = true
            return result
        }
        if writer >= 0 { close(writer) }
        async let a: Void = { await fake?.terminate(grace: grace) }()
        async let b: Void = { await sms?.terminate(grace: grace) }()
        _ = await (a, b)
        await bearer?.terminate(grace: grace)
        if !configuration.keepRunDirectory { try? FileManager.default.removeItem(atPath: runDirectory) }
    }

    // MARK: - MO and MT

    /// Injects one raw fakesmsc line (`<from> <to> text|ucs2|data ... <payload>`) and waits until
    /// fakesmsc has passed it to bearerbox.
    ///
    /// fakesmsc reads stdin with `fgets` into a 256-byte buffer behind `select()`: a longer line
    /// goes out in 255-byte pieces, and a piece left in stdio's buffer is only sent when more input
    /// arrives. So the line is written in 255-byte pieces, each after fakesmsc logged
    /// `sent message N` for the previous one (bearerbox joins the pieces up to the newline).
    public func injectRawMOLine(_ line: String, timeout: Duration = .seconds(10)) async throws {
        try await injector.inject(line, harness: self, timeout: timeout)
    }

    fileprivate func writeToFakeSMSC(_ bytes: ArraySlice<UInt8>) throws -> (generation: Int, output: String) {
        let (writer, generation) = processes.withLock { ($0.moWriter, $0.fakesmscGeneration) }
        guard writer >= 0 else { throw HarnessError.notReady("fakesmsc", log: "not running") }
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ChildProcess.SpawnError(executable: "write to fakesmsc", errno: errno)
            }
            offset += written
        }
        return (generation, runDirectory + "/fakesmsc-\(generation).out")
    }

    private let injector = MOInjector()

    /// Injects an MO as if `from` had sent `text` to `to`. Plain printable ASCII goes as a `text`
    /// line; anything else (non-ASCII, newlines) as `ucs2`, which Kannel recodes to UTF-8.
    /// Note that a `get-url` with `%a` joins the words with single spaces.
    public func injectMO(from: String, to: String, text: String) async throws {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if plain {
            try await injectRawMOLine("\(from) \(to) text \(text)")
        } else {
            var bytes: [UInt8] = []
            for unit in text.utf16 { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            let encoded = bytes.map { String(format: "%%%02X", $0) }.joined()
            try await injectRawMOLine("\(from) \(to) ucs2 \(encoded)")
        }
    }

    /// An MT as fakesmsc printed it: `Got message N: <from to type payload>`.
    public struct FakeSMSCMessage: Sendable, Hashable {
        public enum Kind: String, Sendable { case text, ucs2 = "ucs-2", udh, data, other }
        public var from: String
        public var to: String
        public var kind: Kind
        /// The payload as printed (URL-encoded bytes for `ucs-2`, `data`, `udh`).
        public var payload: String
        /// The text: as printed for `text`, decoded from UTF-16BE for `ucs-2`; nil otherwise.
        public var text: String?
    }

    /// All MTs fakesmsc received so far (all fakesmsc runs of this harness).
    public func receivedMTs() -> [FakeSMSCMessage] {
        let generations = processes.withLock { $0.fakesmscGeneration }
        guard generations > 0 else { return [] }
        var result: [FakeSMSCMessage] = []
        for generation in 1...generations {
            let path = runDirectory + "/fakesmsc-\(generation).out"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            result += Self.parseFakeSMSCOutput(String(decoding: data, as: UTF8.self))
        }
        return result
    }

    static func parseFakeSMSCOutput(_ output: String) -> [FakeSMSCMessage] {
        var messages: [FakeSMSCMessage] = []
        let marker = "DEBUG: Got message "
        var chunks = output.components(separatedBy: marker)
        guard chunks.count > 1 else { return [] }
        chunks.removeFirst()
        for chunk in chunks {
            // The message runs until the next log line ("\n2026-11-23 15:04:57 [..]") or the end.
            var body = Substring(chunk)
            if let next = body.range(of: "\n[0-9]{4}-[0-9]{2}-[0-9]{2} ", options: .regularExpression) {
                body = body[..<next.lowerBound]
            }
            guard let open = body.firstIndex(of: "<"), let close = body.lastIndex(of: ">"), open < close else { continue }
            let inner = body[body.index(after: open)..<close]
            let fields = inner.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            let kind = FakeSMSCMessage.Kind(rawValue: String(fields[2])) ?? .other
            let payload = fields.count > 3 ? String(fields[3]) : ""
            var text: String?
            switch kind {
            case .text: text = payload
            case .ucs2:
                if let bytes = SMSQueryEncoding.decodeBytes(payload), bytes.count % 2 == 0 {
                    let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
                    text = String(validating: units, as: UTF16.self)
                }
            case .udh:
                // "<udh> data|text <url-encoded bytes>": one part of a concatenated SMS.
                let parts = payload.split(separator: " ", maxSplits: 2)
                if parts.count == 3, let bytes = SMSQueryEncoding.decodeBytes(parts[2]) {
                    text = String(decoding: bytes, as: UTF8.self)
                }
            default: text = nil
            }
            messages.append(FakeSMSCMessage(from: String(fields[0]), to: String(fields[1]), kind: kind, payload: payload, text: text))
        }
        return messages
    }

    /// Whole texts received for a number ending in `suffix`, with concatenated parts joined
    /// in order (by the UDH reference and sequence number).
    public func texts(toSuffix suffix: String) -> [String] {
        var whole: [String] = []
        var parts: [String: [(Int, String)]] = [:]
        for m in receivedMTs() where m.to.hasSuffix(suffix) {
            if m.kind == .udh, let bytes = SMSQueryEncoding.decodeBytes(m.payload.split(separator: " ").first ?? ""), bytes.count >= 6 {
                parts["\(bytes[3])", default: []].append((Int(bytes[5]), m.text ?? ""))
            } else if let t = m.text {
                whole.append(t)
            }
        }
        for key in parts.keys.sorted() { whole.append(parts[key, default: []].sorted { $0.0 < $1.0 }.map(\.1).joined()) }
        return whole
    }

    /// Waits until a whole text for a number ending in `suffix` satisfies `predicate`.
    public func waitForText(toSuffix suffix: String, timeout: Duration = .seconds(20), where predicate: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let t = texts(toSuffix: suffix).first(where: predicate) { return t }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError.timeout("no SMS to …\(suffix) matched within \(timeout); got \(texts(toSuffix: suffix))")
    }

    /// Waits until an MT matching `predicate` has arrived at fakesmsc.
    public func waitForMT(timeout: Duration = .seconds(10), where predicate: @Sendable (FakeSMSCMessage) -> Bool = { _ in true })
        async throws -> FakeSMSCMessage {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let found = receivedMTs().first(where: predicate) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError.timeout("MT at fakesmsc; received: \(receivedMTs())")
    }

    // MARK: - HTTP probes

    /// bearerbox `/status.txt`.
    public func status() async throws -> String {
        // Only this bearerbox's page counts: another test's server that took the admin port
        // (see `start`) also answers, and once let a harness start smsbox without a bearerbox.
        guard let body = await get("http://127.0.0.1:\(adminPort)/status.txt?password=\(statusPassword)"),
              body.hasPrefix("Kannel bearerbox") else {
            throw HarnessError.notReady("bearerbox", log: "")
        }
        return body
    }

    private func get(_ url: String) async -> String? {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)),
              let body = try? await response.body.collect(upTo: 1 << 20) else { return nil }
        return String(buffer: body)
    }

    private func waitUntil(
        _ what: String, process: ChildProcess, timeout: Duration, condition: @Sendable () async -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if await condition() { return }
            if !process.isRunning {
                throw HarnessError.notReady(what, log: String(process.output().suffix(2000)))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError.notReady(what, log: String(process.output().suffix(2000)))
    }

    /// The tail of a Kannel log file of this run (`bearerbox.log`, `smsbox.log`, `access.log`, ...).
    public func log(_ name: String, lastBytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: runDirectory + "/" + name) else { return "" }
        return String(decoding: data.suffix(lastBytes), as: UTF8.self)
    }
}

/// Serialises MO injection (see `KannelHarness.injectRawMOLine`).
private actor MOInjector {
    /// Lines sent per fakesmsc generation.
    private var sent: [Int: Int] = [:]

    func inject(_ line: String, harness: KannelHarness, timeout: Duration) async throws {
        let bytes = Array((line + "\n").utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 255)
            let (generation, output) = try harness.writeToFakeSMSC(bytes[start..<end])
            start = end
            let number = (sent[generation] ?? 0) + 1
            sent[generation] = number
            let marker = "fakesmsc: sent message \(number)\n"
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            var done = false
            while clock.now < deadline {
                if let data = FileManager.default.contents(atPath: output), String(decoding: data, as: UTF8.self).contains(marker) {
                    done = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            if !done { throw KannelHarness.HarnessError.timeout("fakesmsc to send MO piece \(number)") }
        }
    }
}
