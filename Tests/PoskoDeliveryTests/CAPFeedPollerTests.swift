import Foundation
import Hummingbird
import NIOCore
import PoskoCore
import PoskoDelivery
import PoskoTesting
import Testing

/// The feed poller against a local HTTP server serving the shared BMKG files.
@Suite struct CAPFeedPollerTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var rss = 0, notModified = 0
    }

    /// Serves `/rss.xml` (BMKG's index with links rewritten to this server, ETag "v1"),
    /// the Sumatera Utara alert, an HTML page and a slow endpoint.
    func withFeedServer(_ body: @escaping @Sendable (Int, Counter) async throws -> Void) async throws {
        guard let rssPath = try RepoPaths.requireShared("data/bmkg/nowcast-rss-id.xml"),
              let alertPath = try RepoPaths.requireShared("data/bmkg/CSU20260924001_alert.xml") else { return }
        let rssTemplate = try String(contentsOfFile: rssPath, encoding: .utf8)
        let alert = try String(contentsOfFile: alertPath, encoding: .utf8)
        let counter = Counter()
        let portBox = LockedBox(0)
        let router = Router()
        router.get("rss.xml") { request, _ -> Response in
            counter.lock.withLock { counter.rss += 1 }
            if request.headers[.ifNoneMatch] == "\"v1\"" {
                counter.lock.withLock { counter.notModified += 1 }
                return Response(status: .notModified)
            }
            let rss = rssTemplate.replacingOccurrences(of: "https://www.bmkg.go.id/alerts/nowcast/id/", with: "http://127.0.0.1:\(portBox.value)/")
            return Response(status: .ok, headers: [.eTag: "\"v1\"", .contentType: "application/rss+xml"], body: .init(byteBuffer: ByteBuffer(string: rss)))
        }
        router.get("CSU20260924001_alert.xml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: alert)))
        }
        router.get("html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<html><body>Maintenance</body></html>")))
        }
        router.get("slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portBox.mutate { $0 = channel.localAddress?.port ?? 0 } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            while portBox.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
            try await body(portBox.value, counter)
            group.cancelAll()
        }
    }

    @Test func pollsTheIndexOpensTheBinjaiEmergencyAndUsesConditionalGET() async throws {
        // While the BMKG alert is in force (2026-09-24 14:00 WIB; it expires at 16:55).
        let fx = try APIFixture(start: Date(timeIntervalSince1970: 1_790_233_200))
        let intake = fx.capIntake
        let clock = fx.clock
        // Results leave the server's scope and are checked outside it. (Checking them inside the
        // escaping closure hit a Swift 6.3 task-allocator abort in this test function.)
        let polls = LockedBox<[[String]]>([])
        let notModified = LockedBox(0)
        try await withFeedServer { port, counter in
            let poller = CAPFeedPoller(url: "http://127.0.0.1:\(port)/rss.xml", interval: 60) { data in
                try intake.ingest(data, actor: Actor("cap-feed", via: .cap), at: clock.now).decision
            }
            let first = try await poller.pollOnce()
            let second = try await poller.pollOnce()
            polls.mutate { $0 = [first, second] }
            notModified.mutate { $0 = counter.lock.withLock { counter.notModified } }
        }
        guard polls.value.count == 2 else { return } // shared data absent outside CI: skipped
        // Only the Sumatera Utara alert is served (other links 404 and are retried later);
        // its polygons reach five Binjai kelurahan.
        #expect(polls.value[0] == ["open banjir over 5 kelurahan"])
        #expect(polls.value[1].isEmpty)
        #expect(notModified.value == 1)
        #expect(try fx.coordinator.store.emergencies().count == 1)
    }

    @Test func htmlAndTimeoutsAreClearErrorsAndBackOff() async throws {
        try await withFeedServer { port, _ in
            let html = CAPFeedPoller(url: "http://127.0.0.1:\(port)/html", interval: 60) { _ in "unexpected" }
            await #expect(throws: CAPFeedPoller.PollError.self) { try await html.pollOnce() }
            do { try await html.pollOnce() } catch { #expect("\(error)".contains("returned neither a CAP alert nor an RSS/Atom index")) }
            let slow = CAPFeedPoller(url: "http://127.0.0.1:\(port)/slow", interval: 60, timeout: .milliseconds(300)) { _ in "unexpected" }
            await #expect(throws: CAPFeedPoller.PollError.self) { try await slow.pollOnce() }
            let missing = CAPFeedPoller(url: "http://127.0.0.1:\(port)/nothing", interval: 60) { _ in "unexpected" }
            do { try await missing.pollOnce() } catch { #expect("\(error)".contains("answered 404")) }
            // Backoff grows on repeated failures and resets after a success.
            let p = CAPFeedPoller(url: "http://127.0.0.1:1/x", interval: 60) { _ in "" }
            #expect(p.nextDelay(failed: true) == 5)
            #expect(p.nextDelay(failed: true) == 10)
            #expect(p.nextDelay(failed: false) == 60)
        }
    }
}
