// Webhook fan-out: N signed webhook sends through `WebhookNotifier` to a local receiver
// (Hummingbird on 127.0.0.1, verifying every signature with `WebhookVerifier`), with bounded
// concurrency. Bounded in count and time; loopback only. With --url, the sends go to that
// receiver instead and the in-process receiver is not started.

import AsyncHTTPClient
import Foundation
import PoskoDelivery
import PoskoTesting
import Synchronization

struct FanOutOptions {
    var count = 10_000
    var concurrency = 64
    var url: String?
    var secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count": count = iterator.next().flatMap(Int.init) ?? count
            case "--concurrency": concurrency = iterator.next().flatMap(Int.init) ?? concurrency
            case "--url": url = iterator.next()
            case "--secret": secret = iterator.next() ?? secret
            default: print("unknown argument \(argument)")
            }
        }
        count = min(max(count, 1), 1_000_000)
        concurrency = min(max(concurrency, 1), 1024)
    }
}

final class Counters: Sendable {
    let received = Atomic<Int>(0)
    let valid = Atomic<Int>(0)
    let next = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
}

enum WebhookFanOut {
    static func run(_ options: FanOutOptions) async throws {
        let counters = Counters()
        let secret = try WebhookSecret(options.secret)
        let verifier = WebhookVerifier(secrets: [secret])

        var receiver: LoopbackHTTPRecorder?
        let url: String
        if let given = options.url {
            url = given
        } else {
            let server = try await LoopbackHTTPRecorder.start(recording: false) { request in
                counters.received.add(1, ordering: .relaxed)
                do {
                    try verifier.verify(id: request.header("webhook-id"), timestamp: request.header("webhook-timestamp"),
                                        signature: request.header("webhook-signature"), body: request.body, now: Date())
                    counters.valid.add(1, ordering: .relaxed)
                    return CannedResponse(status: 204)
                } catch {
                    return CannedResponse(status: 401, body: "\(error)")
                }
            }
            receiver = server
            url = server.baseURL + "/hook"
        }

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.concurrency
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let notifier = WebhookNotifier(
            endpoint: WebhookEndpoint(name: "bench", url: url, secrets: [secret], timeout: .seconds(10)),
            httpClient: client, now: { Date() })

        let payloads = (0..<16).map { i in
            Data(#"{"type":"emergency.declared","emergency":"EM-\#(i)","kelurahan":"12.75.04.1006","status":"siaga_darurat","pesan":"Hujan lebat disertai petir, waspada banjir lokal di Binjai Utara","pos":["melati-1001-01","mawar-1001-02"]}"#.utf8)
        }

        // Warm-up: open the connections.
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<options.concurrency {
                group.addTask {
                    _ = await notifier.send(OutboundMessage(reference: "warm_\(i)", address: "bench", text: "", payload: payloads[0]))
                }
            }
        }
        counters.received.store(0, ordering: .relaxed)
        counters.valid.store(0, ordering: .relaxed)

        let latencies = Mutex<[Duration]>([])
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: [Duration].self) { group in
            for _ in 0..<options.concurrency {
                group.addTask {
                    var local: [Duration] = []
                    while true {
                        let index = counters.next.add(1, ordering: .relaxed).oldValue
                        if index >= options.count { break }
                        let message = OutboundMessage(reference: "msg_\(index)", address: "bench", text: "",
                                                      payload: payloads[index % payloads.count], eventType: "emergency.declared")
                        let sent = clock.now
                        let result = await notifier.send(message)
                        local.append(clock.now - sent)
                        if case .delivered = result {
                            counters.delivered.add(1, ordering: .relaxed)
                        } else {
                            counters.failed.add(1, ordering: .relaxed)
                        }
                    }
                    return local
                }
            }
            for await part in group { latencies.withLock { $0 += part } }
        }
        let elapsed = clock.now - start

        let seconds = elapsed.seconds
        let latency = Percentiles(latencies.withLock { $0.map(\.milliseconds) })
        let delivered = counters.delivered.load(ordering: .relaxed)
        print("webhook fan-out: \(options.count) sends, concurrency \(options.concurrency), receiver \(options.url ?? "in-process Hummingbird")")
        print(String(format: "elapsed %.3f s, %.0f deliveries/s", seconds, Double(delivered) / seconds))
        print("delivered \(delivered), failed \(counters.failed.load(ordering: .relaxed))"
            + (options.url == nil ? ", receiver verified \(counters.valid.load(ordering: .relaxed))/\(counters.received.load(ordering: .relaxed))" : ""))
        print("latency \(latency)")

        try await client.shutdown()
        await receiver?.shutdown()
    }
}
