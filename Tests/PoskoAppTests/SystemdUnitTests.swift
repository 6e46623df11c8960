import Foundation
import Testing

/// systemd/posko.service, checked by systemd's own tools (`systemd-analyze`, Debian package
/// `systemd`) and against Config/posko.systemd.yaml. Without systemd-analyze the tool tests
/// are skipped on a developer machine and fail in CI (`CI` set), where .ci/run installs it.
@Suite struct SystemdUnitTests {
    @Test(.enabled(if: SystemdUnitFiles.analyze != nil || SystemdUnitFiles.isCI, SystemdUnitFiles.missingTool))
    func verifyReportsNothing() throws {
        let tool = try #require(SystemdUnitFiles.analyze, SystemdUnitFiles.missingTool)
        let dir = try SystemdUnitFiles.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try SystemdUnitFiles.verifiableCopy(in: dir)

        let result = try SystemdUnitFiles.run(tool, ["verify", "--man=no", unit.path], in: dir)
        #expect(result.status == 0, "systemd-analyze verify exited \(result.status): \(result.stderr)")
        #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "systemd-analyze verify complained:\n\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result.stdout)")
    }

    /// The check above is only worth something if verify does speak up: a misspelt directive
    /// in the same copy must show on stderr.
    @Test(.enabled(if: SystemdUnitFiles.analyze != nil || SystemdUnitFiles.isCI, SystemdUnitFiles.missingTool))
    func verifyNoticesAMisspeltDirective() throws {
        let tool = try #require(SystemdUnitFiles.analyze, SystemdUnitFiles.missingTool)
        let dir = try SystemdUnitFiles.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try SystemdUnitFiles.verifiableCopy(in: dir) { text in
            text.replacingOccurrences(of: "\nProtectSystem=strict\n", with: "\nProtectSytem=strict\n")
        }
        let result = try SystemdUnitFiles.run(tool, ["verify", "--man=no", unit.path], in: dir)
        #expect(result.stderr.contains("ProtectSytem"), "stderr: \(result.stderr)")
    }

    @Test(.enabled(if: SystemdUnitFiles.analyze != nil || SystemdUnitFiles.isCI, SystemdUnitFiles.missingTool))
    func securityExposureIsAtMostTwo() throws {
        let tool = try #require(SystemdUnitFiles.analyze, SystemdUnitFiles.missingTool)
        let dir = try SystemdUnitFiles.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The real unit file: the offline review does not need the executable to exist.
        let result = try SystemdUnitFiles.run(
            tool, ["security", "--offline=true", "--no-pager", SystemdUnitFiles.unit.path], in: dir)
        #expect(result.status == 0, "systemd-analyze security exited \(result.status): \(result.stderr)")
        let exposure = try #require(SystemdUnitFiles.overallExposure(result.stdout),
                                    "no 'Overall exposure level' line in:\n\(result.stdout)\n\(result.stderr)")
        #expect(exposure <= 2.0, "exposure \(exposure) > 2.0:\n\(result.stdout)")
    }

    @Test func parsesOverallExposureLine() {
        #expect(SystemdUnitFiles.overallExposure("x\n→ Overall exposure level for posko.service: 1.1 OK 🙂\n") == 1.1)
        #expect(SystemdUnitFiles.overallExposure("Overall exposure level for a.service: 9.6 UNSAFE 😨") == 9.6)
        #expect(SystemdUnitFiles.overallExposure("Overall exposure level for a.service: 10 UNSAFE") == 10)
        #expect(SystemdUnitFiles.overallExposure("no such line") == nil)
    }

    @Test func unitDeclaresNotifyLifecycleAndStateDirectory() throws {
        let settings = try SystemdUnitFiles.settings(SystemdUnitFiles.unit)
        func values(_ key: String) -> [String] { settings.filter { $0.key == key }.map(\.value) }

        #expect(values("Type") == ["notify"])
        #expect(values("NotifyAccess") == ["main"])
        #expect(values("ExecStart") == ["/usr/local/bin/posko serve --config /etc/posko/posko.yaml"])
        #expect(values("ExecReload") == ["/bin/kill -HUP $MAINPID"])
        #expect(values("WatchdogSec") == ["30s"])
        #expect(values("Restart") == ["on-failure"])
        #expect(values("StateDirectory") == ["posko"])
        #expect(values("StateDirectoryMode") == ["0750"])
        #expect(values("DynamicUser") == ["yes"])
        // Writable: the state directory only (ProtectSystem=strict, no extra writable paths).
        #expect(values("ProtectSystem") == ["strict"])
        #expect(values("MemoryDenyWriteExecute") == ["yes"])
        for key in ["ReadWritePaths", "ReadWriteDirectories", "LogsDirectory", "CacheDirectory", "RuntimeDirectory"] {
            #expect(values(key).isEmpty, "\(key)= widens what the service can write")
        }
        #expect(values("WantedBy") == ["multi-user.target"])
    }

    @Test func everyConfiguredCredentialIsLoadedAndDocumented() throws {
        let settings = try SystemdUnitFiles.settings(SystemdUnitFiles.unit)
        var loaded: [String: String] = [:]
        for value in settings.filter({ $0.key == "LoadCredential" }).map(\.value) {
            let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "LoadCredential=\(value) names no source file")
            #expect(loaded.updateValue(parts[1], forKey: parts[0]) == nil, "\(parts[0]) loaded twice")
        }
        for (name, source) in loaded {
            #expect(source == "/etc/posko/credentials/\(name)")
        }

        let config = try String(contentsOf: SystemdUnitFiles.root.appendingPathComponent("Config/posko.systemd.yaml"), encoding: .utf8)
        let wanted = SystemdUnitFiles.credentialNames(inConfig: config)
        #expect(wanted.isSuperset(of: ["admin.token", "operator.token", "viewer.token", "kannel.password",
                                       "webhook-bpbd.secret", "inbound-sms.secret"]))
        #expect(Set(loaded.keys) == wanted, "LoadCredential= lines and posko.systemd.yaml's credentials differ")

        let example = try String(contentsOf: SystemdUnitFiles.root.appendingPathComponent("systemd/credentials.example"), encoding: .utf8)
        for name in loaded.keys {
            #expect(example.contains("/etc/posko/credentials/\(name)"), "credentials.example does not mention \(name)")
        }
    }
}

/// Paths and helpers for the unit-file tests.
enum SystemdUnitFiles {
    /// The repository root: this file is Tests/PoskoAppTests/<file>.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unit = root.appendingPathComponent("systemd/posko.service")

    static let missingTool: Comment = "systemd-analyze is not installed (Debian: apt-get install -y systemd)"

    static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
    }

    static let analyze: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        return dirs.map { ($0 as NSString).appendingPathComponent("systemd-analyze") }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func makeTempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posko-systemd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A copy of the unit that `systemd-analyze verify` can check on a machine where Posko is
    /// not installed. verify fails a unit whose ExecStart= binary does not exist ("Command
    /// /usr/local/bin/posko is not executable"), and `--root=` would need a whole OS tree
    /// (/bin/kill, sysinit.target, …). So the copy keeps the name posko.service and every
    /// line of the real unit except ExecStart='s program path, which points at a stub
    /// executable in `dir`; the arguments stay.
    static func verifiableCopy(in dir: URL, edit: (String) -> String = { $0 }) throws -> URL {
        let stub = dir.appendingPathComponent("posko")
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: stub)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)

        let text = try String(contentsOf: unit, encoding: .utf8)
        let real = "ExecStart=/usr/local/bin/posko "
        var replaced = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix(real) else { return String(line) }
            replaced += 1
            return "ExecStart=\(stub.path) " + line.dropFirst(real.count)
        }
        guard replaced == 1 else {
            throw Failure(description: "expected one '\(real)…' line in \(unit.path), found \(replaced)")
        }
        let copy = dir.appendingPathComponent("posko.service")
        try Data(edit(lines.joined(separator: "\n")).utf8).write(to: copy)
        return copy
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` with output in files (no pipe can fill up and stall it).
    static func run(_ tool: String, _ arguments: [String], in dir: URL) throws -> Output {
        let outURL = dir.appendingPathComponent("stdout.txt")
        let errURL = dir.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["SYSTEMD_COLORS"] = "0"
        env["SYSTEMD_PAGER"] = "cat"
        env["SYSTEMD_LOG_COLOR"] = "0"
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: try String(contentsOf: outURL, encoding: .utf8),
                      stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// The number on `systemd-analyze security`'s "Overall exposure level for X: 1.1 OK" line.
    static func overallExposure(_ output: String) -> Double? {
        let pattern = /Overall exposure level for [^:]+: ([0-9]+(?:\.[0-9]+)?)/
        guard let match = output.firstMatch(of: pattern) else { return nil }
        return Double(match.1)
    }

    /// `Key=value` settings of a unit file, comments and section headers dropped.
    static func settings(_ url: URL) throws -> [(key: String, value: String)] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: [(key: String, value: String)] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix(";"), !line.hasPrefix("["),
                  let eq = line.firstIndex(of: "=") else { continue }
            result.append((key: String(line[..<eq]).trimmingCharacters(in: .whitespaces),
                           value: String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)))
        }
        return result
    }

    /// Credential names a config refers to (`credential:`, `*_credential:`, `*_credentials: [..]`).
    static func credentialNames(inConfig yaml: String) -> Set<String> {
        var names: Set<String> = []
        for match in yaml.matches(of: /[a-z_]*credential:\s*([A-Za-z0-9._-]+)/) {
            names.insert(String(match.1))
        }
        for match in yaml.matches(of: /[a-z_]*credentials:\s*\[([^\]]*)\]/) {
            for item in match.1.split(separator: ",") {
                let name = item.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                if !name.isEmpty { names.insert(name) }
            }
        }
        return names
    }
}
