import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PoskoCore
import ServiceLifecycle

/// Polls a CAP source: a CAP document, or an RSS/Atom index of CAP links (as BMKG
/// publishes). Conditional GET (ETag / Last-Modified), each linked alert fetched once,
/// exponential backoff on errors. What it finds goes to `ingest` (which is idempotent).
public final class CAPFeedPoller: Sendable {
    public let url: String
    let interval: Double
    let client: HTTPClient
    let logger: Logger
    let ingest: @Sendable (Data) async throws -> String
    private let state = LockedState()

    final class LockedState: @unchecked Sendable {
        let lock = NSLock()
        var etag: String?
        var lastModified: String?
        var seenLinks: [String] = []
        var failures = 0
    }

    public struct PollError: Error, CustomStringConvertible {
        public var description: String
    }

    let timeout: TimeAmount

    public init(url: String, interval: Double, client: HTTPClient = .shared, logger: Logger = Logger(label: "posko.cap.poller"),
                timeout: TimeAmount = .seconds(20), ingest: @escaping @Sendable (Data) async throws -> String) {
        self.url = url
        self.timeout = timeout
        self.interval = interval
        self.client = client
        self.logger = logger
        self.ingest = ingest
    }

    /// One poll. Returns the decisions for what was new; throws on a fetch or format error.
    @discardableResult
    public func pollOnce() async throws -> [String] {
        var request = HTTPClientRequest(url: url)
        let (etag, modified) = state.lock.withLock { (state.etag, state.lastModified) }
        if let etag { request.headers.add(name: "If-None-Match", value: etag) }
        if let modified { request.headers.add(name: "If-Modified-Since", value: modified) }
        let (status, headers, body) = try await fetch(request)
        if status == 304 { return [] }
        guard (200..<300).contains(status) else { throw PollError(description: "\(url) answered \(status)") }
        state.lock.withLock {
            state.etag = headers.first(name: "ETag")
            state.lastModified = headers.first(name: "Last-Modified")
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
        if text.contains("<rss") || text.contains("<feed") {
            let entries: [CAPIndexEntry]
            do { entries = try CAPIndexParser.parse(body) } catch { throw PollError(description: "\(url): \(error.description)") }
            var decisions: [String] = []
            for entry in entries {
                let seen = state.lock.withLock { state.seenLinks.contains(entry.url) }
                if seen { continue }
                // One bad link does not hold up the others; it is tried again next poll.
                do {
                    let (s, _, doc) = try await fetch(HTTPClientRequest(url: entry.url))
                    guard (200..<300).contains(s) else { throw PollError(description: "\(entry.url) answered \(s)") }
                    decisions.append(try await ingest(doc))
                    state.lock.withLock {
                        state.seenLinks.append(entry.url)
                        if state.seenLinks.count > 2000 { state.seenLinks.removeFirst(1000) }
                    }
                } catch {
                    logger.warning("CAP alert from index not taken", metadata: ["link": "\(entry.url)", "error": "\(error)"])
                }
            }
            return decisions
        }
        guard text.contains("<alert") else {
            throw PollError(description: "\(url) returned neither a CAP alert nor an RSS/Atom index")
        }
        return [try await ingest(body)]
    }

    func fetch(_ request: HTTPClientRequest) async throws -> (Int, HTTPHeaders, Data) {
        do {
            let response = try await client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 10 << 20)
            return (Int(response.status.code), response.headers, Data(bytes.readableBytesView))
        } catch let e as PollError {
            throw e
        } catch {
            throw PollError(description: "cannot fetch \(request.url): \(error)")
        }
    }

    /// Seconds until the next poll: the interval, or a capped exponential backoff after errors.
    package func nextDelay(failed: Bool) -> Double {
        state.lock.withLock {
            state.failures = failed ? state.failures + 1 : 0
            return failed ? min(interval * 8, 5 * pow(2, Double(state.failures - 1))) : interval
        }
    }
}

/// The poller as a long-running service.
public struct CAPFeedService: Service {
    let poller: CAPFeedPoller

    public init(poller: CAPFeedPoller) { self.poller = poller }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var failed = false
            do {
                let decisions = try await poller.pollOnce()
                for d in decisions { poller.logger.info("CAP alert from feed", metadata: ["url": "\(poller.url)", "decision": "\(d)"]) }
            } catch {
                failed = true
                poller.logger.error("CAP feed poll failed; backing off", metadata: ["url": "\(poller.url)", "error": "\(error)"])
            }
            let delay = poller.nextDelay(failed: failed)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
        }
    }
}
