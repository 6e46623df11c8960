#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Testing
@testable import PoskoApp

#if os(Linux)
/// SystemdNotifier against real AF_UNIX datagram sockets, bound the way systemd binds its
/// notification socket (a file system path, and an abstract name of exact length).
@Suite struct SystemdNotifierTests {
    @Test func sendsExactDatagramsToPathSocket() throws {
        let receiver = try NotifyReceiver(abstract: false)
        #expect(receiver.notifySocket.hasPrefix("/"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket])
        #expect(notifier.isEnabled)
        #expect(notifier.address == .path(receiver.notifySocket))

        #expect(notifier.status("Opening database"))
        #expect(receiver.receive() == "STATUS=Opening database")
        #expect(notifier.ready())
        #expect(receiver.receive() == "READY=1")
        #expect(notifier.ready(status: "Serving on 127.0.0.1:8080"))
        #expect(receiver.receive() == "READY=1\nSTATUS=Serving on 127.0.0.1:8080")
        #expect(notifier.watchdog())
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(notifier.readyAfterReload(status: "Configuration reloaded"))
        #expect(receiver.receive() == "READY=1\nSTATUS=Configuration reloaded")
        #expect(notifier.extendTimeout(by: .seconds(90)))
        #expect(receiver.receive() == "EXTEND_TIMEOUT_USEC=90000000")
        #expect(notifier.stopping())
        #expect(receiver.receive() == "STOPPING=1")
        #expect(notifier.stopping(status: "Draining outbox"))
        #expect(receiver.receive() == "STOPPING=1\nSTATUS=Draining outbox")
    }

    @Test func sendsExactDatagramsToAbstractSocket() throws {
        let receiver = try NotifyReceiver(abstract: true)
        #expect(receiver.notifySocket.hasPrefix("@"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket])
        #expect(notifier.address == .abstract(String(receiver.notifySocket.dropFirst())))

        #expect(notifier.ready(status: "Serving"))
        #expect(receiver.receive() == "READY=1\nSTATUS=Serving")
        #expect(notifier.status("Dispatching"))
        #expect(receiver.receive() == "STATUS=Dispatching")
        #expect(notifier.watchdog())
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(notifier.stopping())
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func reloadingCarriesMonotonicTimestamp() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket])
        let before = monotonicMicroseconds()
        #expect(notifier.reloading(status: "Reloading configuration"))
        let after = monotonicMicroseconds()
        let datagram = try #require(receiver.receive())
        let lines = datagram.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 3, "got \(datagram.debugDescription)")
        #expect(lines[0] == "RELOADING=1")
        #expect(lines[2] == "STATUS=Reloading configuration")
        #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
        let stamp = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        #expect(stamp >= before && stamp <= after)

        #expect(notifier.reloading())
        let bare = try #require(receiver.receive())
        #expect(bare.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(!bare.contains("STATUS="))
    }

    @Test func statusCannotInjectAssignments() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket])
        #expect(notifier.status("banjir\nREADY=1\r\nMAINPID=1\u{0}x"))
        #expect(receiver.receive() == "STATUS=banjir READY=1  MAINPID=1 x")

        #expect(notifier.notify(["STATUS": "a\nb", "ERRNO": "5"]))
        #expect(receiver.receive() == "STATUS=a b\nERRNO=5")
        // Keys are checked; nothing is sent for a bad one.
        #expect(!notifier.notify(["READY=1\nSTATUS": "x"]))
        #expect(!notifier.notify(["ready": "1"]))
        #expect(receiver.receive(timeoutMilliseconds: 200) == nil)
    }

    @Test func withoutNotifySocketEverythingIsANoOp() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.address == nil)
        #expect(notifier.watchdogTimeout == nil)
        #expect(notifier.watchdogInterval == nil)
        #expect(notifier.watchdogPingInterval == nil)
        #expect(!notifier.ready())
        #expect(!notifier.ready(status: "x"))
        #expect(!notifier.status("x"))
        #expect(!notifier.reloading())
        #expect(!notifier.readyAfterReload())
        #expect(!notifier.stopping())
        #expect(!notifier.watchdog())
        #expect(!notifier.extendTimeout(by: .seconds(1)))
        #expect(!SystemdNotifier(address: nil).ready())
    }

    @Test(arguments: [
        "", "relative/notify", "notify", "@", "vsock:2:1234",
        "/" + String(repeating: "x", count: 200), "@" + String(repeating: "x", count: 200),
    ])
    func unusableNotifySocketDisablesNotifications(value: String) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": value])
        #expect(notifier.address == nil)
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test func parsesNotifySocketForms() {
        #expect(SystemdNotifier.parseAddress("/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(SystemdNotifier.parseAddress("@/org/freedesktop/systemd1/notify") == .abstract("/org/freedesktop/systemd1/notify"))
        #expect(SystemdNotifier.parseAddress(nil) == nil)
        #expect(SystemdNotifier.Address.abstract("x").description == "@x")
    }

    @Test func missingListenerFailsQuietly() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let gone = receiver.notifySocket + ".missing"
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": gone])
        #expect(notifier.isEnabled)
        #expect(!notifier.ready())
        #expect(!notifier.watchdog())
        let abstract = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@posko-nobody-\(UUID().uuidString)"])
        #expect(!abstract.stopping())
    }

    // MARK: Watchdog

    struct WatchdogCase: Sendable, CustomTestStringConvertible {
        var usec: String?
        var pid: String?
        var expected: Duration?
        var seconds: Double? { expected.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } }
        var testDescription: String { "WATCHDOG_USEC=\(usec ?? "unset") WATCHDOG_PID=\(pid ?? "unset")" }
    }

    static let ownPID: Int32 = 4242

    @Test(arguments: [
        WatchdogCase(usec: "30000000", pid: nil, expected: .seconds(30)),
        WatchdogCase(usec: "30000000", pid: "4242", expected: .seconds(30)),
        WatchdogCase(usec: "1500", pid: "4242", expected: .microseconds(1500)),
        WatchdogCase(usec: "2500000", pid: nil, expected: .milliseconds(2500)),
        WatchdogCase(usec: "30000000", pid: "4243", expected: nil),
        WatchdogCase(usec: "30000000", pid: "", expected: nil),
        WatchdogCase(usec: "30000000", pid: "pid", expected: nil),
        WatchdogCase(usec: "30000000", pid: "-4242", expected: nil),
        WatchdogCase(usec: "0", pid: nil, expected: nil),
        WatchdogCase(usec: "-30000000", pid: nil, expected: nil),
        WatchdogCase(usec: "30s", pid: nil, expected: nil),
        WatchdogCase(usec: "", pid: nil, expected: nil),
        WatchdogCase(usec: "99999999999999999999999", pid: nil, expected: nil),
        WatchdogCase(usec: nil, pid: "4242", expected: nil),
        WatchdogCase(usec: nil, pid: nil, expected: nil),
    ])
    func parsesWatchdogEnvironment(_ c: WatchdogCase) {
        var env: [String: String] = [:]
        if let usec = c.usec { env["WATCHDOG_USEC"] = usec }
        if let pid = c.pid { env["WATCHDOG_PID"] = pid }
        let notifier = SystemdNotifier(environment: env, processID: Self.ownPID)
        #expect(notifier.watchdogTimeout == c.expected)
        #expect(notifier.watchdogPingInterval == c.expected.map { $0 / 2 })
        #expect(notifier.watchdogInterval == c.seconds)
    }

    @Test func watchdogPingsAtHalfTheInterval() throws {
        let receiver = try NotifyReceiver(abstract: false)
        // Default processID is this process, as systemd sets WATCHDOG_PID to the main PID.
        let notifier = SystemdNotifier(environment: [
            "NOTIFY_SOCKET": receiver.notifySocket,
            "WATCHDOG_USEC": "30000000",
            "WATCHDOG_PID": String(getpid()),
        ])
        #expect(notifier.watchdogTimeout == .seconds(30))
        #expect(notifier.watchdogInterval == 30)
        #expect(notifier.watchdogPingInterval == .seconds(15))
        #expect(notifier.watchdog())
        #expect(receiver.receive() == "WATCHDOG=1")
    }
}

private func monotonicMicroseconds() -> UInt64 {
    var ts = timespec()
    _ = clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
}

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket. The
/// address is built here independently of SystemdNotifier, so a wrong address length on the
/// sending side would show.
private final class NotifyReceiver {
    let fd: Int32
    /// The `$NOTIFY_SOCKET` value that reaches this socket.
    let notifySocket: String
    private let directory: String?

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    init(abstract: Bool) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let bytes: [UInt8]
        if abstract {
            let name = "posko-notify-test-\(UUID().uuidString)"
            notifySocket = "@" + name
            directory = nil
            bytes = [0] + Array(name.utf8) // exact length, no trailing NUL, like systemd
        } else {
            // sun_path holds 108 bytes: keep the directory short whatever $TMPDIR is.
            let base = NSTemporaryDirectory().utf8.count < 48 ? NSTemporaryDirectory() : "/tmp/"
            let dir = (base as NSString).appendingPathComponent("posko-notify-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            directory = dir
            notifySocket = dir + "/notify.sock"
            bytes = Array(notifySocket.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(offset + bytes.count)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw SetupError(description: "bind \(notifySocket): errno \(code)")
        }
        self.fd = fd
    }

    /// The next datagram as text, or nil when none arrives in time.
    func receive(timeoutMilliseconds: Int = 2_000) -> String? {
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1_000, tv_usec: (timeoutMilliseconds % 1_000) * 1_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }
}
#endif
