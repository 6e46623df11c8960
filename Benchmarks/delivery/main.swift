// Delivery benchmarks (release build; see README.md):
//
//   DeliveryBenchmark webhooks [--count 10000] [--concurrency 64] [--url URL]   webhook fan-out, signed
//   DeliveryBenchmark report-to-sms [--rate 10] [--seconds 30]                  HTTP report → SMS at Kannel's fake SMSC
//   DeliveryBenchmark outbox-memory [--count 100000] [--chunk 10000]            dispatcher RSS across many messages
import Foundation

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "webhooks", nil:
    try await WebhookFanOut.run(FanOutOptions(arguments.dropFirst()))
case "report-to-sms":
    let a = Arguments(arguments.dropFirst())
    try await ReportToSMS.run(rate: a.int("rate", 10, in: 1...200), seconds: a.int("seconds", 30, in: 1...600))
case "outbox-memory":
    let a = Arguments(arguments.dropFirst())
    try await OutboxMemory.run(count: a.int("count", 100_000, in: 1000...1_000_000), chunk: a.int("chunk", 10_000, in: 100...100_000))
case let other?:
    print("unknown mode \(other); use webhooks, report-to-sms or outbox-memory")
    exit(2)
}
