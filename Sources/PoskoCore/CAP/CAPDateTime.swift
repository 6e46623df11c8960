import Foundation

/// A CAP date-time: an instant, the UTC offset it was written with, and the text itself.
///
/// CAP 1.2 wants `YYYY-MM-DDThh:mm:ss±hh:mm` and UTC as `-00:00` (never `Z`). Reading is a
/// little more forgiving (fractional seconds and `Z` are accepted, as some feeds send them);
/// writing always produces the strict form. Arithmetic is done by hand on the proleptic
/// Gregorian calendar so the result never depends on locale, time zone database or clock.
public struct CAPDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let date: Date
    /// Offset from UTC the time was written in (WIB = +25200).
    public let utcOffsetSeconds: Int
    /// The text it was read from, or the canonical text when built in code.
    public let text: String

    /// Whole seconds only (CAP has no fractions); the offset is rounded to whole minutes.
    public init(date: Date, utcOffsetSeconds: Int = 7 * 3600) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let offset = (utcOffsetSeconds / 60) * 60
        self.date = Date(timeIntervalSince1970: seconds)
        self.utcOffsetSeconds = offset
        self.text = Self.format(seconds: Int64(seconds), utcOffsetSeconds: offset)
    }

    private init(date: Date, utcOffsetSeconds: Int, text: String) {
        self.date = date
        self.utcOffsetSeconds = utcOffsetSeconds
        self.text = text
    }

    /// The strict CAP form of this instant in its own offset, e.g. `2026-11-23T15:00:00+07:00`.
    public var canonicalText: String {
        Self.format(seconds: Int64(date.timeIntervalSince1970.rounded(.down)), utcOffsetSeconds: utcOffsetSeconds)
    }

    public var description: String { text }

    public static func < (lhs: CAPDateTime, rhs: CAPDateTime) -> Bool { lhs.date < rhs.date }

    // MARK: - Parsing

    /// Parses `YYYY-MM-DDThh:mm:ss[.fff](±hh:mm|Z)`. `field` names the element in errors.
    public static func parse(_ raw: String, field: String = "date") throws(CAPError) -> CAPDateTime {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let b = Array(text.utf8)
        func bad(_ why: String) -> CAPError {
            CAPError(.invalidDate, "<\(field)> \"\(text)\" is not a CAP date-time (\(why)); expected e.g. 2026-11-23T15:00:00+07:00")
        }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        func byte(_ i: Int, _ expected: UInt8) -> Bool { i < b.count && b[i] == expected }

        guard b.count >= 20,
              let year = number(0, 4), byte(4, 0x2D), let month = number(5, 2), byte(7, 0x2D), let day = number(8, 2),
              byte(10, 0x54), let hour = number(11, 2), byte(13, 0x3A), let minute = number(14, 2), byte(16, 0x3A),
              let second = number(17, 2)
        else { throw bad("layout") }
        guard (1...12).contains(month) else { throw bad("month \(month)") }
        guard day >= 1, day <= daysInMonth(year: year, month: month) else { throw bad("day \(day)") }
        guard hour <= 23, minute <= 59, second <= 59 else { throw bad("time of day") }

        var i = 19
        var fraction = 0.0
        if byte(i, 0x2E) {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { throw bad("empty fraction") }
        }
        let offset: Int
        if byte(i, 0x5A) {
            offset = 0
            i += 1
        } else if byte(i, 0x2B) || byte(i, 0x2D) {
            guard let oh = number(i + 1, 2), byte(i + 3, 0x3A), let om = number(i + 4, 2) else { throw bad("offset") }
            guard oh <= 23, om <= 59 else { throw bad("offset") }
            offset = (b[i] == 0x2D ? -1 : 1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            throw bad("missing UTC offset")
        }
        guard i == b.count else { throw bad("trailing characters") }

        let days = Int64(CivilTime.daysFromCivil(year, month, day))
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let utc = Double(local - Int64(offset)) + fraction
        return CAPDateTime(date: Date(timeIntervalSince1970: utc), utcOffsetSeconds: offset, text: text)
    }

    // MARK: - Calendar arithmetic

    static func format(seconds: Int64, utcOffsetSeconds offset: Int) -> String {
        let c = CivilTime.civil(milliseconds: (Int(seconds) + offset) * 1000)
        // CAP spells UTC "-00:00".
        let sign = offset > 0 ? "+" : "-"
        let oh = abs(offset) / 3600
        let om = abs(offset) % 3600 / 60
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))\(sign)\(pad(oh, 2)):\(pad(om, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
