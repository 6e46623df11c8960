import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PoskoTesting
import Testing

/// The Kannel test harness itself: a box that dies before it is ready is started again on
/// other ports (the free-port pick can race with other tests' servers), a bounded number of times.
@Suite struct KannelHarnessTests {
    /// A stand-in for a Kannel binary: appends its argument list to `calls`, then runs `body`.
    /// Written through a close-on-exec descriptor: a process another test spawns meanwhile
    /// must not inherit it open for writing, or running the script fails with "Text file busy".
    func script(_ directory: String, _ name: String, calls: String, _ body: String) throws -> String {
        let path = directory + "/" + name
        let text = Array("#!/bin/sh\necho \"$*\" >> '\(calls)'\n\(body)\n".utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == text.count else { throw POSIXError(.EIO) }
        return path
    }

    @Test func aBearerboxThatKeepsDyingIsTriedThreeTimesThenReported() async throws {
        let temp = try TempDir("posko-harness")
        defer { temp.remove() }
        let dir = temp.path
        let calls = dir + "/calls"
        let dead = try script(dir, "bearerbox", calls: calls, "echo 'bind failed: Address already in use' >&2; exit 1")
        let unused = try script(dir, "unused", calls: dir + "/unused-calls", "exit 1")
        let configuration = KannelHarness.Configuration(
            binaries: .init(bearerbox: dead, smsbox: unused, fakesmsc: unused), keepRunDirectory: false)
        await #expect {
            _ = try await KannelHarness.start(configuration)
        } throws: { error in
            "\(error)".contains("bearerbox admin port did not become ready") && "\(error)".contains("Address already in use")
        }
        let attempts = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n")
        #expect(attempts.count == 3)
        // Each attempt had its own run directory (and so its own ports and configuration).
        #expect(Set(attempts).count == 3)
        #expect(!FileManager.default.fileExists(atPath: dir + "/unused-calls"), "smsbox is not started without a bearerbox")
    }

    @Test(.enabled(if: KannelHarness.shouldRunTests, "Kannel not installed (CI makes this fail)"))
    func aBearerboxThatDiesOnceIsStartedAgainAndServes() async throws {
        let temp = try TempDir("posko-harness")
        defer { temp.remove() }
        let dir = temp.path
        let calls = dir + "/calls"
        let real = KannelHarness.Binaries.debian
        // Dies on its first start, then is the real bearerbox.
        let flaky = try script(dir, "bearerbox", calls: calls, """
            [ "$(wc -l < '\(calls)')" -le 1 ] && exit 1
            exec \(real.bearerbox) "$@"
            """)
        let configuration = KannelHarness.Configuration(
            binaries: .init(bearerbox: flaky, smsbox: real.smsbox, fakesmsc: real.fakesmsc), keepRunDirectory: false)
        let kannel = try await KannelHarness.start(configuration)
        let status = try? await kannel.status()
        await kannel.shutdown()
        // Started again after the death; on a busy box the real start may itself lose a port
        // race and take the third (last) try, as any start may.
        let starts = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").count
        #expect((2...3).contains(starts), "\(starts) starts")
        #expect(status?.contains("running") == true, "\(status ?? "no status")")
    }
}
