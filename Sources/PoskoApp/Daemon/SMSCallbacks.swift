import Foundation
import PoskoAPI
import PoskoCore
import PoskoStorage

/// Kannel's callbacks: MO texts become SMS commands, delivery reports move messages on.
enum SMSCallbacks {
    static func handlers(secret: String, coordinator: Coordinator, now: @escaping @Sendable () -> Date) -> SMSHandlers {
        SMSHandlers(
            secret: secret,
            mo: { query in
                switch KannelInboundMessage.parse(query: query) {
                case let .success(mo):
                    // Replies go through the outbox (durable, retried); Kannel sends nothing back itself.
                    _ = try coordinator.handleSMS(from: mo.from, text: mo.text, at: now(), messageID: mo.messageID)
                    return ""
                case let .failure(error):
                    throw APIError.badRequest("malformed MO callback: \(error.description)", field: error.field)
                }
            },
            dlr: { query in
                switch KannelDeliveryReport.parse(query: query) {
                case let .success(report):
                    // 8 (accepted by the SMSC) and 4 (buffered) are progress; 1 delivers, 2 and 16 fail over.
                    let channel = report.channel.map { "sms:" + $0 }
                    let found = report.status.isFinal
                        ? try coordinator.store.deliveryReport(
                            messageID: report.reference, channel: channel, delivered: !report.status.isFailure,
                            detail: "\(report.status.rawValue) \(report.smscReply ?? "")", at: now())
                        : try coordinator.store.deliveryProgress(messageID: report.reference, channel: channel, at: now())
                    if !found { throw APIError.notFound("no message with reference '\(report.reference.prefix(60))'") }
                case let .failure(error):
                    throw APIError.badRequest("malformed delivery report: \(error.description)", field: error.field)
                }
            })
    }
}
