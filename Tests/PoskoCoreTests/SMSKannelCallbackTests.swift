import Foundation
import PoskoCore
import Testing

@Suite("Kannel DLR and MO callback parsing")
struct SMSKannelCallbackTests {
    @Test func parsesDLRFromKannelReference() throws {
        // Verbatim from shared/reference/kannel.md (plus our own parameter names).
        let query = "/dlr?ref=REF1&st=8&a=ACK%2F&t=1795445464&p=4915112345&P=POSKO&q=4915112345&i=FAKE&I=ca0e9e75&F=&n=posko&c=-1"
        let report = try KannelDeliveryReport.parse(query: query).get()
        #expect(report.reference == "REF1")
        #expect(report.status == .smscAccepted)
        #expect(report.smscReply == "ACK/")
        #expect(report.timestamp == Date(timeIntervalSince1970: 1_795_445_464))
        #expect(report.receiver == "4915112345")
        #expect(report.sender == "POSKO")
        #expect(report.smscID == "FAKE")
        #expect(report.foreignID == nil)
        #expect(!report.status.isFinal)
    }

    @Test(arguments: [
        (1, KannelDLRStatus.delivered, true, false),
        (2, .failed, true, true),
        (4, .buffered, false, false),
        (8, .smscAccepted, false, false),
        (16, .smscRejected, true, true),
    ])
    func statusCodes(code: Int, status: KannelDLRStatus, final: Bool, failure: Bool) throws {
        let report = try KannelDeliveryReport.parse(query: "ref=a%2Bb%20c&st=\(code)&a=NACK%2Fno+SMSC").get()
        #expect(report.reference == "a+b c")
        #expect(report.status == status)
        #expect(report.status.isFinal == final)
        #expect(report.status.isFailure == failure)
        #expect(report.smscReply == "NACK/no SMSC")
    }

    @Test func outOfOrderReportsDoNotRegress() {
        #expect(KannelDLRStatus.smscAccepted.supersedes(nil))
        #expect(KannelDLRStatus.delivered.supersedes(.smscAccepted))
        #expect(KannelDLRStatus.delivered.supersedes(.buffered))
        #expect(!KannelDLRStatus.smscAccepted.supersedes(.delivered))
        #expect(!KannelDLRStatus.buffered.supersedes(.failed))
        #expect(!KannelDLRStatus.failed.supersedes(.delivered))
    }

    @Test func hexEncodedReference() throws {
        // KannelNotifier sends references with unsafe characters as rx=<hex>.
        let report = try KannelDeliveryReport.parse(query: "rx=616c6572742d34322fc3bc2b31&st=1").get()
        #expect(report.reference == "alert-42/ü+1")
        #expect(KannelDeliveryReport.parse(query: "rx=zz&st=1") == .failure(KannelCallbackError(.invalidValue, field: "rx")))
        #expect(KannelDeliveryReport.parse(query: "rx=616&st=1") == .failure(KannelCallbackError(.invalidValue, field: "rx")))
    }

    @Test(arguments: [
        ("st=1", KannelCallbackError(.missing, field: "ref")),
        ("ref=&st=1", KannelCallbackError(.empty, field: "ref")),
        ("ref=R", KannelCallbackError(.missing, field: "st")),
        ("ref=R&st=%d", KannelCallbackError(.malformedEscape, field: "st")),
        ("ref=R&st=abc", KannelCallbackError(.invalidValue, field: "st")),
        ("ref=R&st=3", KannelCallbackError(.unknownStatus, field: "st")),
        ("ref=R&st=1&t=yesterday", KannelCallbackError(.invalidValue, field: "t")),
        ("ref=%FF%FE&st=1", KannelCallbackError(.invalidUTF8, field: "ref")),
        ("ref=R&st=1&a=%G1", KannelCallbackError(.malformedEscape, field: "a")),
    ])
    func rejectsMalformedDLR(query: String, expected: KannelCallbackError) {
        #expect(KannelDeliveryReport.parse(query: query) == .failure(expected))
        #expect(!expected.description.isEmpty)
    }

    @Test func parsesMOFromKannelReference() throws {
        let query = "/mo?from=0049176000001&to=5555&text=Hello+Kannel+foo+bar&smsc=FAKE&ts=1795445493&id=6f1c&coding=0&charset=UTF-8"
        let mo = try KannelInboundMessage.parse(query: query).get()
        #expect(mo.from == "0049176000001")
        #expect(mo.to == "5555")
        #expect(mo.text == "Hello Kannel foo bar")
        #expect(mo.smscID == "FAKE")
        #expect(mo.timestamp == Date(timeIntervalSince1970: 1_795_445_493))
        #expect(mo.messageID == "6f1c")
    }

    @Test func parsesRecodedUTF8MOAndCommand() throws {
        let query = "from=%2B6281234&to=5555&text=LAPOR+melati-1001-01+kesehatan+TERGANGGU+40+air+%F0%9F%8C%A7&coding=0&charset=UTF-8"
        let mo = try KannelInboundMessage.parse(query: query).get()
        #expect(mo.from == "+6281234")
        #expect(mo.text == "LAPOR melati-1001-01 kesehatan TERGANGGU 40 air 🌧")
        let command = try SMSCommand.parse(mo.text).get()
        #expect(command == .lapor(.init(pos: "melati-1001-01", scope: .bidang(.kesehatan), status: .terganggu,
                                        remainingCapacity: 40, note: "air 🌧")))
    }

    @Test func decodesUTF16BEWithoutMORecode() throws {
        // Kannel without mo-recode: raw UTF-16BE bytes in %a, 0x20 bytes as '+'.
        let query = "from=0812&text=%00G%00r%00%FC%00%DF%00e%00+%20%AC&coding=2&charset=UTF-16BE"
        let mo = try KannelInboundMessage.parse(query: query).get()
        #expect(mo.text == "Grüße €")
    }

    @Test(arguments: [
        ("to=5555&text=hi", KannelCallbackError(.missing, field: "from")),
        ("from=&text=hi", KannelCallbackError(.empty, field: "from")),
        ("from=08+12&text=hi", KannelCallbackError(.invalidValue, field: "from")),
        ("from=0812", KannelCallbackError(.missing, field: "text")),
        ("from=0812&text=%C3%28", KannelCallbackError(.invalidUTF8, field: "text")),
        ("from=0812&text=%00A%00&charset=UTF-16BE", KannelCallbackError(.invalidValue, field: "text")),
        ("from=0812&text=%D8%3C&charset=UTF-16BE", KannelCallbackError(.invalidValue, field: "text")),
        ("from=0812&text=hi&charset=EBCDIC", KannelCallbackError(.unsupportedCharset, field: "charset")),
        ("from=0812&text=hi&ts=-5", KannelCallbackError(.invalidValue, field: "ts")),
        ("from=0812&text=%zz", KannelCallbackError(.malformedEscape, field: "text")),
    ])
    func rejectsMalformedMO(query: String, expected: KannelCallbackError) {
        #expect(KannelInboundMessage.parse(query: query) == .failure(expected))
    }

    @Test func rejectsOversizedMO() {
        let text = String(repeating: "a", count: KannelInboundMessage.maxTextBytes + 1)
        #expect(KannelInboundMessage.parse(query: "from=0812&text=\(text)") == .failure(KannelCallbackError(.tooLong, field: "text")))
    }

    @Test func emptyMOTextIsAllowed() throws {
        // An empty SMS is possible; the command parser then answers with help.
        let mo = try KannelInboundMessage.parse(query: "from=0812&text=").get()
        #expect(mo.text.isEmpty)
    }

    @Test(arguments: ["a b", "+&=%", "Grüße €🌧", "", "~-._"])
    func queryEncodingRoundTrips(_ value: String) throws {
        let encoded = SMSQueryEncoding.encode(value)
        #expect(encoded.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "%-._~".contains($0)) })
        let decoded = try #require(SMSQueryEncoding.decodeBytes(encoded))
        #expect(String(decoding: decoded, as: UTF8.self) == value)
    }
}
