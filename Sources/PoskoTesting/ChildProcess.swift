#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A child process started in its own process group (so it and everything it forks can be
/// signalled at once), with stdout and stderr appended to one file.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    /// Where stdout and stderr go.
    public let outputPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    public struct SpawnError: Error, CustomStringConvertible {
        public var executable: String
        public var errno: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(errno)))" }
    }

    private init(pid: pid_t, executable: String, outputPath: String) {
        self.pid = pid
        self.executable = executable
        self.outputPath = outputPath
    }

    /// Starts `executable` with `arguments`. `stdinFD` (if given) becomes the child's stdin;
    /// otherwise stdin is `/dev/null`.
    public static func spawn(
        executable: String,
        arguments: [String],
        outputPath: String,
        stdinFD: Int32? = nil,
        environment: [String: String]? = nil
    ) throws -> ChildProcess {
        #if canImport(Glibc)
        var fileActions = posix_spawn_file_actions_t()
        #else
        var fileActions: posix_spawn_file_actions_t? = nil
        #endif
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&fileActions, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&fileActions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        #if canImport(Glibc)
        var attributes = posix_spawnattr_t()
        #else
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }

        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &fileActions, &attributes, argv, env)
        guard rc == 0 else { throw SpawnError(executable: executable, errno: rc) }
        return ChildProcess(pid: pid, executable: executable, outputPath: outputPath)
    }

    /// Whether the process has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        exitStatus.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid || (result == -1 && errno == ECHILD) {
                status = raw
                return false
            }
            return true
        }
    }

    /// Sends `signal` to the whole process group (also after the leader exited: forked
    /// children may remain in the group).
    public func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// SIGTERM to the group, then SIGKILL after `grace`; waits until the leader is reaped.
    public func terminate(grace: Duration = .seconds(2)) async {
        signalGroup(SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        _ = kill(-pid, SIGKILL)
        let hardDeadline = clock.now.advanced(by: .seconds(5))
        while isRunning, clock.now < hardDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Synchronous last resort (deinit of owners): SIGKILL the group and reap.
    public func killNow() {
        _ = kill(-pid, SIGKILL)
        for _ in 0..<200 where isRunning {
            usleep(5_000)
        }
    }

    /// The output written so far.
    public func output() -> String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8))
            ?? String(decoding: (FileManager.default.contents(atPath: outputPath) ?? Data()), as: UTF8.self)
    }
}

/// A free TCP port on 127.0.0.1, for a server to bind next (bound and released; the usual
/// small race applies: another test binding port 0 may be given it first).
public func freeLoopbackPort() throws -> Int {
    let held = try RefusingLoopbackPort()
    held.close()
    return held.port
}

/// A port on 127.0.0.1 that refuses connections until `close()`: bound, never listening, so
/// no server of another test can be given it (with a port found free and released, a "gateway
/// down" test once reached another test's webhook receiver, and both failed).
public struct RefusingLoopbackPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ChildProcess.SpawnError(executable: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            closeDescriptor(fd)
            throw ChildProcess.SpawnError(executable: "bind", errno: error)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = errno
            closeDescriptor(fd)
            throw ChildProcess.SpawnError(executable: "getsockname", errno: error)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() { closeDescriptor(fd) }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
