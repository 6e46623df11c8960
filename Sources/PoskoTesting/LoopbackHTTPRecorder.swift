import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One request seen by `LoopbackHTTPRecorder`.
public struct RecordedRequest: Sendable {
    public var method: String
    public var path: String
    /// The raw query string (without `?`), if any.
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var body: Data

    /// `path?query`
    public var target: String { query.map { path + "?" + $0 } ?? path }

    /// First header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What `LoopbackHTTPRecorder` answers.
public struct CannedResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: String
    /// Wait this long before answering (slow receivers, timeouts).
    public var delay: Duration?

    public init(status: Int = 200, headers: [String: String] = [:], body: String = "", delay: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }
}

/// An HTTP server on 127.0.0.1 (free port) that records every request and answers through a
/// handler: a stand-in for Posko's DLR/MO endpoints, SMS gateways and webhook receivers.
public final class LoopbackHTTPRecorder: Sendable {
    public typealias Handler = @Sendable (RecordedRequest) async -> CannedResponse

    public let port: Int
    private let recorded = Mutex<[RecordedRequest]>([])
    private let handler = Mutex<HandlerBox>(HandlerBox { _ in CannedResponse() })
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let recording: Bool

    /// `http://127.0.0.1:<port>`
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, recording: Bool) {
        self.port = port
        self.recording = recording
    }

    public enum RecorderError: Error, CustomStringConvertible {
        case didNotStart
        case timeout(String)
        public var description: String {
            switch self {
            case .didNotStart: "loopback HTTP recorder did not start"
            case .timeout(let what): "timed out waiting for \(what)"
            }
        }
    }

    /// Starts the server. `recording: false` keeps no request list (benchmarks).
    public static func start(
        recording: Bool = true,
        handler: @escaping Handler = { _ in CannedResponse() }
    ) async throws -> LoopbackHTTPRecorder {
        let port = Mutex<Int?>(nil)
        let box = Box()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            guard let recorder = box.recorder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await recorder.respond(to: request)
        }
        var logger = Logger(label: "posko.testing.loopback-http")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while port.withLock({ $0 }) == nil, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard let bound = port.withLock({ $0 }) else {
            task.cancel()
            throw RecorderError.didNotStart
        }
        let recorder = LoopbackHTTPRecorder(port: bound, recording: recording)
        recorder.setHandler(handler)
        recorder.task.withLock { $0 = task }
        box.recorder.withLock { $0 = recorder }
        return recorder
    }

    private final class Box: Sendable {
        let recorder = Mutex<LoopbackHTTPRecorder?>(nil)
    }

    /// The handler behind a class reference, so that reading it under the lock does not go
    /// through generic (reabstracted) closure values on every request.
    private final class HandlerBox: Sendable {
        let call: Handler
        init(_ call: @escaping Handler) { self.call = call }
    }

    /// Replaces the handler (e.g. to make the "gateway" fail now).
    public func setHandler(_ handler: @escaping Handler) {
        let box = HandlerBox(handler)
        self.handler.withLock { $0 = box }
    }

    private func respond(to request: Request) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 4 << 20)
        let recordedRequest = RecordedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            headers: request.headers.map { ($0.name.rawName, $0.value) },
            body: Data(buffer.readableBytesView)
        )
        if recording { recorded.withLock { $0.append(recordedRequest) } }
        let handler = self.handler.withLock { $0 }
        let canned = await handler.call(recordedRequest)
        if let delay = canned.delay { try await Task.sleep(for: delay) }
        var fields = HTTPFields()
        for (name, value) in canned.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: canned.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: canned.body))
        )
    }

    /// Every request recorded so far.
    public func requests() -> [RecordedRequest] {
        recorded.withLock { $0 }
    }

    /// Waits until at least `count` recorded requests match `predicate`.
    public func waitForRequests(
        count: Int = 1,
        timeout: Duration = .seconds(10),
        where predicate: @Sendable (RecordedRequest) -> Bool = { _ in true }
    ) async throws -> [RecordedRequest] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            let matching = requests().filter(predicate)
            if matching.count >= count { return matching }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RecorderError.timeout("\(count) request(s); got: \(requests().map(\.target))")
    }

    /// Stops the server.
    public func shutdown() async {
        let task = self.task.withLock { task -> Task<Void, any Error>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        _ = await task?.result
    }
}
