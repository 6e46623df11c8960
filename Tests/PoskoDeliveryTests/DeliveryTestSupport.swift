import AsyncHTTPClient
import Foundation
import PoskoTesting
import Testing

/// Paths and switches for the delivery tests.
enum DeliveryTestSupport {
    /// `CI` set (and not empty): tests that need outside things fail instead of skipping.
    static var isCI: Bool { KannelHarness.isCI }

    /// The repository root, from this file's path (`<root>/Tests/PoskoDeliveryTests/...`).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `shared/` beside the repository (override with `POSKO_SHARED_DIR`).
    static var sharedDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["POSKO_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var webhookVectorsURL: URL {
        sharedDirectory.appendingPathComponent("data/standard-webhooks/test-vectors.json")
    }

    static var webhookVectorsAvailable: Bool { FileManager.default.fileExists(atPath: webhookVectorsURL.path) }

    static var webhookReceiverScript: URL { repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py") }

    static var python3: String? {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3"] + pythonFromPATH() where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    private static func pythonFromPATH() -> [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    }

    static var pythonAvailable: Bool { python3 != nil && FileManager.default.fileExists(atPath: webhookReceiverScript.path) }
}

/// The Python receiver (`scripts/webhook_receiver.py`), verifying signatures with Python's hmac.
final class PythonWebhookReceiver: Sendable {
    let process: ChildProcess
    let port: Int
    let directory: URL

    struct Entry: Decodable, Sendable {
        var path: String
        var id: String?
        var timestamp: String?
        var signatures: Int
        var content_type: String?
        var valid: Bool
        var error: String?
        var body: String
    }

    enum ReceiverError: Error { case noPython, didNotStart(String) }

    static func start(secrets: [String]) async throws -> PythonWebhookReceiver {
        guard let python = DeliveryTestSupport.python3 else { throw ReceiverError.noPython }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("posko-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("receiver.out").path
        var environment = ProcessInfo.processInfo.environment
        environment["WEBHOOK_SECRETS"] = secrets.joined(separator: " ")
        environment["PYTHONUNBUFFERED"] = "1"
        let process = try ChildProcess.spawn(
            executable: python, arguments: [DeliveryTestSupport.webhookReceiverScript.path],
            outputPath: output, environment: environment)
        let clock = ContinuousClock()
        // Generous: the whole suite runs in parallel (a headless Chromium among it), and a
        // receiver starved for ten seconds on a loaded 2-core box failed three tests once.
        let deadline = clock.now.advanced(by: .seconds(60))
        while clock.now < deadline {
            if let line = process.output().split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }),
               let port = Int(line.dropFirst(5)) {
                return PythonWebhookReceiver(process: process, port: port, directory: directory)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = process.output()
        await process.terminate(grace: .milliseconds(100))
        throw ReceiverError.didNotStart(log)
    }

    private init(process: ChildProcess, port: Int, directory: URL) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func log() async throws -> [Entry] {
        let (data, _) = try await Self.fetch(url("/_log"))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    func stop() async {
        await process.terminate(grace: .milliseconds(300))
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { process.killNow() }

    /// Minimal GET through AsyncHTTPClient's shared client.
    static func fetch(_ url: String) async throws -> (Data, Int) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Data(body.readableBytesView), Int(response.status.code))
    }
}
