#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The systemd notification protocol (`sd_notify(3)`) without libsystemd: datagrams to the
/// `AF_UNIX` socket named by `$NOTIFY_SOCKET`.
///
/// Under `Type=notify` (systemd/posko.service) the daemon sends `READY=1` once it serves,
/// `RELOADING=1` … `READY=1` around a SIGHUP reload, `STOPPING=1` on shutdown, and
/// `WATCHDOG=1` every ``watchdogPingInterval`` (half of `WatchdogSec=`).
///
/// `$NOTIFY_SOCKET` and the watchdog variables are read once, at `init`.
///
/// Outside systemd (`NOTIFY_SOCKET` unset, empty or unusable) every call is a no-op that
/// returns `false`. Nothing here throws, traps or logs: a failed send returns `false` and
/// the caller decides whether that is worth a log line.
public struct SystemdNotifier: Sendable {
    /// Where `$NOTIFY_SOCKET` points.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        /// A socket in the file system (`/run/systemd/notify`).
        case path(String)
        /// A socket in Linux's abstract namespace (`@name` in `$NOTIFY_SOCKET`; the address
        /// is a NUL byte followed by `name`).
        case abstract(String)

        public var description: String {
            switch self {
            case let .path(p): p
            case let .abstract(name): "@" + name
            }
        }
    }

    /// The notification socket, or nil when notifications are off.
    public let address: Address?

    /// The service's watchdog timeout (`$WATCHDOG_USEC`, from `WatchdogSec=`), or nil when
    /// the watchdog is off or meant for another process (`$WATCHDOG_PID`).
    public let watchdogTimeout: Duration?

    /// ``watchdogTimeout`` in seconds. Ping at half of it.
    public var watchdogInterval: Double? {
        watchdogTimeout.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }

    /// How often to send ``watchdog()``: half of ``watchdogTimeout``, as `sd_watchdog_enabled(3)`
    /// recommends. Nil when the watchdog is off.
    public var watchdogPingInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { address != nil }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`;
    /// `processID` is the process the watchdog must belong to (this one by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                processID: Int32 = getpid()) {
        address = Self.parseAddress(environment["NOTIFY_SOCKET"])
        watchdogTimeout = Self.parseWatchdog(usec: environment["WATCHDOG_USEC"],
                                              pid: environment["WATCHDOG_PID"],
                                              processID: processID)
    }

    /// A notifier that sends to `address` (nil: a no-op notifier).
    public init(address: Address?, watchdogTimeout: Duration? = nil) {
        self.address = address
        self.watchdogTimeout = watchdogTimeout
    }

    // MARK: Messages

    /// `READY=1`, with an optional `STATUS=` line: start-up finished.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        send(["READY": "1"], status: status)
    }

    /// `STATUS=<text>`: free-form status shown by `systemctl status`. Line breaks are
    /// replaced by spaces so the text cannot add assignments of its own.
    @discardableResult
    public func status(_ text: String) -> Bool {
        send([:], status: text)
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>` (the form systemd 253+
    /// requires; older versions ignore the timestamp). Send ``readyAfterReload(status:)``
    /// once the new configuration is in force.
    @discardableResult
    public func reloading(status: String? = nil) -> Bool {
        send(["RELOADING": "1", "MONOTONIC_USEC": String(Self.monotonicMicroseconds())], status: status)
    }

    /// `READY=1` after a reload.
    @discardableResult
    public func readyAfterReload(status: String? = nil) -> Bool {
        ready(status: status)
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping(status: String? = nil) -> Bool {
        send(["STOPPING": "1"], status: status)
    }

    /// `WATCHDOG=1`: the keep-alive ping. Send every ``watchdogPingInterval``.
    @discardableResult
    public func watchdog() -> Bool {
        send(["WATCHDOG": "1"], status: nil)
    }

    /// `EXTEND_TIMEOUT_USEC=<µs>`: asks for more time to start, reload or stop (for example
    /// while a long database migration runs).
    @discardableResult
    public func extendTimeout(by duration: Duration) -> Bool {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, seconds < Int64.max / 1_000_000 else { return false }
        let usec = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return send(["EXTEND_TIMEOUT_USEC": String(usec)], status: nil)
    }

    /// Sends `KEY=value` lines, in the order given. Keys must be upper-case
    /// letters, digits and underscores; values lose their line breaks and NUL bytes.
    @discardableResult
    public func notify(_ fields: KeyValuePairs<String, String>) -> Bool {
        var lines: [String] = []
        for (key, value) in fields {
            guard Self.isValidKey(key) else { return false }
            lines.append(key + "=" + Self.singleLine(value))
        }
        return send(message: lines.joined(separator: "\n"))
    }

    private func send(_ fields: KeyValuePairs<String, String>, status: String?) -> Bool {
        var lines = fields.map { $0.key + "=" + $0.value }
        if let status { lines.append("STATUS=" + Self.singleLine(status)) }
        return send(message: lines.joined(separator: "\n"))
    }

    /// Sends one datagram. False when notifications are off or the send failed.
    func send(message: String) -> Bool {
        guard let address, !message.isEmpty else { return false }
        guard let resolved = Self.socketAddress(address) else { return false }
        var storage = resolved.address
        let length = resolved.length

        let fd = socket(AF_UNIX, Self.datagramType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }

        // Never block the caller for long if the manager's queue is full.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let bytes = Array(message.utf8)
        let sent: Int = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &storage) { sockaddrPointer in
                sockaddrPointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    var result: Int
                    repeat {
                        result = sendto(fd, buffer.baseAddress, buffer.count, 0, sa, length)
                    } while result < 0 && errno == EINTR
                    return result
                }
            }
        }
        return sent == bytes.count
    }

    // MARK: Parsing

    /// The address named by a `$NOTIFY_SOCKET` value: an absolute path, or `@name` for the
    /// abstract namespace. Nil for unset, empty, relative, over-long or other (`vsock:`)
    /// values.
    public static func parseAddress(_ value: String?) -> Address? {
        guard let value, !value.isEmpty, !value.utf8.contains(0) else { return nil }
        let address: Address
        if value.hasPrefix("/") {
            address = .path(value)
        } else if value.hasPrefix("@"), value.utf8.count > 1 {
            #if os(Linux)
            address = .abstract(String(value.dropFirst()))
            #else
            return nil
            #endif
        } else {
            return nil
        }
        return socketAddress(address) == nil ? nil : address
    }

    /// The watchdog timeout from `$WATCHDOG_USEC`, as `sd_watchdog_enabled(3)` reads it:
    /// a positive number of microseconds, meant for `processID` when `$WATCHDOG_PID` is set.
    public static func parseWatchdog(usec: String?, pid: String?, processID: Int32) -> Duration? {
        guard let usec, let micro = UInt64(usec), micro > 0, micro <= UInt64(Int64.max) else { return nil }
        if let pid {
            guard let target = Int32(pid), target > 0, target == processID else { return nil }
        }
        return .microseconds(Int64(micro))
    }

    // MARK: Helpers

    /// `CLOCK_MONOTONIC` in microseconds (the clock `MONOTONIC_USEC=` is read against).
    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        guard clock_gettime(CLOCK_MONOTONIC, &ts) == 0, ts.tv_sec >= 0, ts.tv_nsec >= 0 else { return 0 }
        return UInt64(ts.tv_sec) &* 1_000_000 &+ UInt64(ts.tv_nsec) / 1_000
    }

    static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\0", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}":
                scalars.append(" ")
            default:
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }

    #if canImport(Glibc)
    static let datagramType = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    #elseif canImport(Musl)
    static let datagramType = SOCK_DGRAM | SOCK_CLOEXEC
    #else
    static let datagramType = SOCK_DGRAM
    #endif

    /// The `sockaddr_un` for `address` and its length, or nil when it does not fit.
    /// Path addresses end with a NUL; abstract ones are exactly NUL + name (the length is
    /// part of the name, as systemd binds it).
    static func socketAddress(_ address: Address) -> (address: sockaddr_un, length: socklen_t)? {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathBytes: [UInt8]
        let length: Int
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? MemoryLayout<sa_family_t>.size
        switch address {
        case let .path(path):
            pathBytes = Array(path.utf8) + [0]
            guard pathBytes.count <= capacity else { return nil }
            length = offset + pathBytes.count
        case let .abstract(name):
            pathBytes = [0] + Array(name.utf8)
            guard pathBytes.count <= capacity else { return nil }
            length = offset + pathBytes.count
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        #if canImport(Darwin)
        storage.sun_len = UInt8(truncatingIfNeeded: length)
        #endif
        return (address: storage, length: socklen_t(length))
    }
}
