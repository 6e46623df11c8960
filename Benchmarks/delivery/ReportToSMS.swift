import Foundation
import GRDB
import PoskoCore
import PoskoStorage
import PoskoTesting
import Synchronization

/// End to end: `POST /v1/reports` on the real daemon (release binary) → status alert in the
/// outbox (same transaction) → dispatcher → Kannel smsbox `sendsms` → bearerbox → Kannel's
/// fake SMSC. Reports are sent open-loop at a fixed rate (no coordinated omission), one
/// kelurahan after another, so each lurah gets one SMS at a time (the grouping window is 1 s
/// here; a burst to one lurah would be grouped on purpose). Latency: from just before the
/// HTTP request to the moment bearerbox writes the SMS to the fake SMSC's socket.
enum ReportToSMS {
    final class Stamps: Sendable {
        let sent = Mutex<[Int: Date]>([:])
        let arrived = Mutex<[Int: Date]>([:])
        let failures = Atomic<Int>(0)
    }

    static func run(rate: Int, seconds: Int) async throws {
        let kannel = try await KannelHarness.start(.init(startFakeSMSC: false))
        let port = try freeLoopbackPort()
        let daemon = try DaemonProcess(configText: DaemonProcess.kannelConfig(kannel, webhookURL: "http://127.0.0.1:9/none",
                                                                          extra: "alerts: { grouping_window: 1s }\n"), port: port)
        defer { daemon.stop() }
        _ = try daemon.dir.write("secrets/kannel.password", kannel.configuration.password + "\n")
        try await daemon.start()
        guard daemon.port == port else {
            print("the daemon did not start:\n\(daemon.stderr)")
            await kannel.shutdown()
            return
        }

        // One post per kelurahan, in a fixed order.
        let set = SamplePlaybooks.set
        let posts = Dictionary(grouping: set.posts, by: \.kelurahan).keys.sorted().compactMap { kel in
            set.posts.filter { $0.kelurahan == kel }.map(\.id).min()
        }
        let total = rate * seconds
        let stamps = Stamps()
        let clock = ContinuousClock()

        // Stands in for the fakesmsc program on the fake SMSC's TCP line protocol (fakesmsc
        // itself polls its stdin with a 1 s timeout between socket reads, which would add up to
        // 1 s of test tooling to every figure), stamping each SMS as bearerbox writes it.
        let fd = try connectLoopback(port: kannel.fakeSMSCPort)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var pending: [UInt8] = []
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return }
                let now = Date()
                pending += buffer[0..<n]
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    guard let r = line.range(of: "Catatan: b"), let n = Int(line[r.upperBound...].prefix { $0.isNumber }) else { continue }
                    stamps.arrived.withLock { if $0[n] == nil { $0[n] = now } }
                }
            }
        }
        reader.start()
        let online = clock.now + .seconds(15)
        while clock.now < online, !((try? await kannel.status()) ?? "").contains("(online") { try await Task.sleep(for: .milliseconds(50)) }

        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<total {
                let due = start + .nanoseconds(Int64(n) * 1_000_000_000 / Int64(rate))
                try? await clock.sleep(until: due)
                group.addTask {
                    let post = posts[n % posts.count]
                    let status = (n / posts.count) % 2 == 0 ? "tutup" : "berjalan"
                    stamps.sent.withLock { $0[n] = Date() }
                    let body = #"{"post":"\#(post)","bidang":"kesehatan","status":"\#(status)","note":"b\#(n)"}"#
                    do {
                        let (code, reply) = try await daemon.call(.POST, "/v1/reports", body: body)
                        if code != 201 {
                            if stamps.failures.add(1, ordering: .relaxed).oldValue == 0 { print("first refusal: \(code) \(reply)") }
                        }
                    } catch {
                        if stamps.failures.add(1, ordering: .relaxed).oldValue == 0 { print("first refusal: \(error)") }
                    }
                }
            }
        }
        // Wait for the stragglers (at most 10 s).
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline, stamps.arrived.withLock({ $0.count }) < total { try await Task.sleep(for: .milliseconds(20)) }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)

        let sent = stamps.sent.withLock { $0 }
        let arrived = stamps.arrived.withLock { $0 }
        let latencies = arrived.compactMap { n, t in sent[n].map { t.timeIntervalSince($0) * 1000 } }
        print("report → SMS at Kannel's fake SMSC: \(total) reports at \(rate)/s over \(seconds) s, \(posts.count) kelurahan in turn")
        print("reports refused: \(stamps.failures.load(ordering: .relaxed)); SMS arrived: \(arrived.count)/\(total)")
        print("latency \(Percentiles(latencies))")
        try breakdown(stateDirectory: daemon.dir.path + "/state", sent: sent, arrived: arrived)
        await kannel.shutdown()
    }

    static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    /// Where the time goes, from the daemon's own records (outbox row, attempt row).
    static func breakdown(stateDirectory: String, sent: [Int: Date], arrived: [Int: Date]) throws {
        let store = try PoskoStore.open(directory: stateDirectory)
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.text, o.created_at, a.at, a.latency_ms FROM outbox o JOIN attempt a ON a.message_id = o.id
                WHERE o.kind = 'post.status' AND a.result = 'sent'
                """)
        }
        var commit: [Double] = [], wait: [Double] = [], sendsms: [Double] = [], kannel: [Double] = []
        for row in rows {
            let text: String = row["text"]
            guard let r = text.range(of: "Catatan: b"), let n = Int(text[r.upperBound...].prefix { $0.isNumber }),
                  let s = sent[n], let a = arrived[n] else { continue }
            let created: Double = row["created_at"], end: Double = row["at"], ms: Double = row["latency_ms"]
            commit.append((created - s.timeIntervalSince1970) * 1000)
            wait.append((end - ms / 1000 - created) * 1000)
            sendsms.append(ms)
            kannel.append((a.timeIntervalSince1970 - end) * 1000)
        }
        print("  report sent → alert committed: \(Percentiles(commit))")
        print("  committed → dispatcher sends:  \(Percentiles(wait))")
        print("  Kannel sendsms call:           \(Percentiles(sendsms))")
        print("  sendsms answered → fake SMSC:  \(Percentiles(kannel)) (negative: bearerbox wrote it before smsbox answered)")
    }
}
