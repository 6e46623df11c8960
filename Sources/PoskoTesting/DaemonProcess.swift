import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The real `posko` executable, run as a child process with its own state directory,
/// playbooks, secrets and configuration, for end-to-end tests.
public final class DaemonProcess: @unchecked Sendable {
    public let dir: TempDir
    public let process = Process()
    private let stderrBuffer = LockedBox("")
    public private(set) var port = 0

    public static var executable: String? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            here.appendingPathComponent("posko").path,
            RepoPaths.path(".build/debug/posko"),
            RepoPaths.path(".build/release/posko"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Prepares a directory: Playbooks/ (copied from the repository), secrets, config.
    /// `configText` may use `{port}` and `{dir}`.
    public init(configText: String? = nil, port: Int = 0) throws {
        dir = try TempDir("posko-daemon")
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.path + "/Playbooks", withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: RepoPaths.path("Playbooks")) where name.hasSuffix(".yaml") {
            try fm.copyItem(atPath: RepoPaths.path("Playbooks/\(name)"), toPath: dir.path + "/Playbooks/\(name)")
        }
        _ = try dir.write("secrets/admin.token", TestTokens.admin + "\n")
        _ = try dir.write("secrets/operator.token", TestTokens.operator_ + "\n")
        _ = try dir.write("secrets/viewer.token", TestTokens.viewer + "\n")
        _ = try dir.write("secrets/kannel.password", "kannel-secret-for-tests\n")
        _ = try dir.write("secrets/webhook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        _ = try dir.write("secrets/inbound.secret", "inbound-secret-for-tests\n")
        let text = (configText ?? Self.defaultConfig).replacingOccurrences(of: "{port}", with: "\(port)")
            .replacingOccurrences(of: "{dir}", with: dir.path)
        _ = try dir.write("posko.yaml", text)
    }

    /// Another process on the same directory (state, playbooks, config): a restart.
    public init(reusing other: DaemonProcess) throws {
        dir = other.dir
    }

    public static let defaultConfig = """
    listen: { host: 127.0.0.1, port: {port} }
    state_directory: {dir}/state
    playbook_directory: {dir}/Playbooks
    auth:
      tokens:
        - { name: admin-test, role: admin, file: {dir}/secrets/admin.token }
        - { name: operator-test, role: operator, file: {dir}/secrets/operator.token }
        - { name: viewer-test, role: viewer, file: {dir}/secrets/viewer.token }
    channels:
      webhooks:
        - { name: bpbd-binjai, url: "http://127.0.0.1:9/hooks", secret_files: [{dir}/secrets/webhook.secret] }
    inbound_sms: { file: {dir}/secrets/inbound.secret }
    """

    /// A configuration whose SMS goes through `kannel` (delivery reports back to the daemon)
    /// and whose BPBD webhook goes to `webhookURL`; `extra` is appended (e.g. an `alerts:` block).
    public static func kannelConfig(_ kannel: KannelHarness, webhookURL: String, extra: String = "") -> String {
        """
        listen: { host: 127.0.0.1, port: {port} }
        state_directory: {dir}/state
        playbook_directory: {dir}/Playbooks
        auth:
          tokens:
            - { name: admin-test, role: admin, file: {dir}/secrets/admin.token }
            - { name: operator-test, role: operator, file: {dir}/secrets/operator.token }
            - { name: viewer-test, role: viewer, file: {dir}/secrets/viewer.token }
        channels:
          sms_order: [kannel-utama]
          kannel:
            - { name: kannel-utama, sendsms_url: "\(kannel.sendsmsURL)", username: \(kannel.configuration.username),
                password_file: {dir}/secrets/kannel.password, sender: POSKO, dlr_url: "http://127.0.0.1:{port}/v1/sms/dlr" }
          webhooks:
            - { name: bpbd-binjai, url: "\(webhookURL)", secret_files: [{dir}/secrets/webhook.secret] }
        inbound_sms: { file: {dir}/secrets/inbound.secret }

        """ + extra
    }

    public var stderr: String { stderrBuffer.value }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `posko serve` and waits for its ready line (or its exit).
    public func start(environment: [String: String] = [:], timeout: Double = 20) async throws {
        guard let exe = Self.executable else { throw Failure(description: "posko executable not built") }
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["serve", "--config", dir.path + "/posko.yaml"]
        process.currentDirectoryURL = dir.url
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let buffer = stderrBuffer
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { buffer.mutate { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = stderr.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(stderr[range].split(separator: ":").last ?? "") ?? 0
                return
            }
            if !process.isRunning { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "daemon did not become ready in \(timeout)s; stderr:\n\(stderr)")
    }

    /// Waits for the process to exit; returns its status.
    public func waitForExit(timeout: Double = 20) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else { throw Failure(description: "daemon did not exit in \(timeout)s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        dir.remove()
    }

    /// Kills the process if it still runs, keeping the directory (for a restart).
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// A small HTTP call to the daemon: (status, body).
    public func call(_ method: HTTPMethod, _ path: String, token: String? = TestTokens.operator_, body: String? = nil) async throws -> (Int, String) {
        var req = HTTPClientRequest(url: baseURL + path)
        req.method = method
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Runs the CLI against this daemon; returns (exit status, stdout+stderr).
    /// Runs the `posko` executable with `args`, as a client of this daemon (`--url`, `--token`)
    /// unless `client` is false; its exit status and output (stdout and stderr).
    public func cli(_ args: [String], client: Bool = true) throws -> (Int32, String) {
        guard let exe = Self.executable else { throw Failure(description: "posko executable not built") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args + (client ? ["--url", baseURL, "--token", TestTokens.operator_] : [])
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
