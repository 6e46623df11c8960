import AsyncHTTPClient
import Foundation
import PoskoCore
import PoskoDelivery
import PoskoStorage
import PoskoTesting

/// Dispatcher memory across many messages: `count` alerts go through a file-backed outbox in
/// chunks (enqueue a chunk, dispatch until it is drained) to a real local webhook receiver
/// (signed sends over HTTP). RSS is printed after each chunk: it should stay flat while the
/// outbox table (on disk) grows. The dispatcher runs as the daemon runs it (`Dispatcher.run`).
enum OutboxMemory {
    static func run(count: Int, chunk: Int) async throws {
        let dir = try TempDir("posko-outbox-memory")
        let store = try PoskoStore.open(directory: dir.path)
        let receiver = try await LoopbackHTTPRecorder.start(recording: false) { _ in CannedResponse(status: 204) }
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let notifier = WebhookNotifier(endpoint: WebhookEndpoint(name: "bench", url: receiver.baseURL + "/hook", secrets: [secret]),
                                       httpClient: client, now: { Date() })
        let dispatcher = Dispatcher(store: store, notifiers: ["webhook:bench": notifier], batch: 64)
        let routing = AlertRouting(smsChannels: [], webhooks: ["bench"])
        let route = [ChannelRoute(channel: "webhook:bench", address: "bench")]
        let clock = ContinuousClock()
        let start = clock.now
        print("outbox memory: \(count) webhook alerts in chunks of \(chunk); RSS at start \(String(format: "%.1f", residentMiB())) MiB")
        print("  delivered   RSS MiB   outbox rows   chunk s")
        var enqueued = 0
        var samples: [Double] = []
        while enqueued < count {
            let n = min(chunk, count - enqueued)
            let chunkStart = clock.now
            let drafts = (enqueued..<(enqueued + n)).map { i in
                AlertDraft(recipient: "bench:\(i % 500)", recipientName: "bench", role: "bpbd", kind: "emergency.declared", routes: route,
                           text: "[POSKO] Darurat BANJIR (Siaga Darurat) di Kel. Setia. Pesan uji \(i).",
                           payload: #"{"event":"emergency.declared","n":\#(i)}"#, dedupKey: "bench:\(i)", needsAck: false,
                           kecamatan: nil, groupable: false, exercise: false)
            }
            try store.write { tx in _ = try tx.enqueue(drafts, eventID: nil, at: Date(), routing: routing) }
            enqueued += n
            let running = Task { await dispatcher.run(idle: 0.01) }
            while try store.outboxDepth() > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            running.cancel()
            await running.value
            let rss = residentMiB()
            samples.append(rss)
            let rows = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") } ?? 0
            print(String(format: "  %9d   %7.1f   %11d   %7.2f", enqueued, rss, rows, (clock.now - chunkStart).seconds))
        }
        let elapsed = (clock.now - start).seconds
        let depth = try store.outboxDepth()
        print(String(format: "%d delivered in %.1f s (%.0f/s); outbox depth left %d", enqueued, elapsed, Double(enqueued) / elapsed, depth))
        if samples.count >= 3 {
            let second = samples[1], last = samples[samples.count - 1]
            print(String(format: "RSS after the 2nd chunk %.1f MiB, after the last %.1f MiB (change %+.1f MiB over %d more messages)",
                         second, last, last - second, enqueued - 2 * chunk))
        }
        try await client.shutdown()
        await receiver.shutdown()
    }
}
