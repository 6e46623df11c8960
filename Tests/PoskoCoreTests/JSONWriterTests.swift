import Foundation
@testable import PoskoCore
import Testing

/// Types that write their own JSON must write exactly what `JSONEncoder` writes for them, in
/// both date styles Posko uses (stored events: seconds; the API: ISO 8601).
@Suite struct JSONWriterTests {
    static let texts = ["", "Posyandu \"Melati\" tutup", "C:\\pos\\1", "baris\nbaru\ttab\r", "\u{1}\u{8}\u{c}\u{1f}\u{7f}",
                        "Jalan → pos ✓ 🌊", "a/b", "café"]
    static let times: [Double] = [1_795_400_000, 1_795_400_000.5, 1_795_400_000.999, -1.5, 0.1, 1_795_400_000.123_456, -86_400,
                                  951_782_400, 4_107_542_399.75, -62_135_596_800, 253_402_300_799, 1e13, -1e13]

    static func encoder(_ dates: JSONWriter.Dates) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch dates {
        case .secondsSince1970: e.dateEncodingStrategy = .secondsSince1970
        case .iso8601: e.dateEncodingStrategy = .iso8601
        }
        return e
    }

    static var reports: [StatusReport] {
        times.indices.map { i in
            let t = texts[i % texts.count]
            return StatusReport(postID: "pos-\(t)", bidang: Bidang.allCases[i % 6], status: ServiceStatus.allCases[i % 4],
                                capacity: i.isMultiple(of: 3) ? nil : i * 17 - 20, reporter: t, note: i.isMultiple(of: 2) ? t : nil,
                                at: Date(timeIntervalSince1970: times[i]))
        }
    }

    @Test(arguments: [JSONWriter.Dates.secondsSince1970, .iso8601])
    func statusReportsAreWrittenAsJSONEncoderWritesThem(_ dates: JSONWriter.Dates) throws {
        for report in Self.reports {
            let expected = String(decoding: try Self.encoder(dates).encode(report), as: UTF8.self)
            #expect(try JSONWriter.text(report, dates: dates) == expected)
        }
        let all = Self.reports
        #expect(try JSONWriter.text(all, dates: dates) == String(decoding: try Self.encoder(dates).encode(all), as: UTF8.self))
        #expect(try JSONWriter.text([StatusReport](), dates: dates) == "[]")
    }

    @Test func fourHundredYearsOfDatesHaveTheISOTextFoundationWrites() throws {
        // One cycle of the Gregorian calendar from 1970 (leap rules included), half a second before
        // midnight every fifth day.
        let encoder = Self.encoder(.iso8601)
        struct At: Encodable, JSONWritable {
            var at: Date
            func writeJSON(_ w: inout JSONWriter) throws { try w.object { try $0.date("at", at) } }
        }
        var day = 0
        while day < 146_097 {
            let value = At(at: Date(timeIntervalSince1970: Double(day) * 86_400 + 86_399.5))
            #expect(try JSONWriter.text(value, dates: .iso8601) == String(decoding: try encoder.encode(value), as: UTF8.self))
            day += 5
        }
    }

    @Test func aNonFiniteNumberIsAnError() {
        struct D: Encodable, JSONWritable {
            var d: Double
            func writeJSON(_ w: inout JSONWriter) throws { try w.object { try $0.double("d", d) } }
        }
        #expect(throws: JSONWriter.NonFinite.self) { try JSONWriter.text(D(d: .infinity), dates: .iso8601) }
        #expect(throws: JSONWriter.NonFinite.self) { try JSONWriter.text(D(d: .nan), dates: .secondsSince1970) }
    }
}

extension JSONWriterTests {
    @Test func alertPayloadsAndRoutesAreWrittenAsJSONEncoderWritesThem() throws {
        let encoder = Self.encoder(.iso8601)
        var payload = ["event": "plan.cadre_assigned", "plan_version": "12", "Zeta": "z", "alpha": "", "ä": "umlaut", "post_id": "pos-1"]
        for (i, t) in Self.texts.enumerated() { payload["k\(i)"] = t }
        #expect(try JSONWriter.text(payload, dates: .iso8601) == String(decoding: try encoder.encode(payload), as: UTF8.self))
        #expect(try JSONWriter.text([String: String](), dates: .iso8601) == "{}")
        let routes = Self.texts.map { ChannelRoute(channel: "sms:\($0)", address: $0) }
        #expect(try JSONWriter.text(routes, dates: .secondsSince1970) == String(decoding: try encoder.encode(routes), as: UTF8.self))
    }
}
