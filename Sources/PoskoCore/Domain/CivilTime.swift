import Foundation

/// Calendar arithmetic in integers (proleptic Gregorian, fixed UTC offsets), the same on every
/// machine: drill reports, CAP times and ISO 8601 texts use it.
enum CivilTime {
    struct Civil: Equatable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
        /// Milliseconds past the second, 0…999.
        var millisecond: Int
    }

    /// Whole milliseconds since 1970, floored; 0 for a date that does not fit.
    static func epochMilliseconds(_ date: Date) -> Int {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite, abs(ms) < 1e17, let value = Int(exactly: ms) else { return 0 }
        return value
    }

    /// Calendar fields of `date` at a fixed offset from UTC (proleptic Gregorian).
    static func civil(_ date: Date, offsetSeconds: Int) -> Civil {
        civil(milliseconds: epochMilliseconds(date) + offsetSeconds * 1000)
    }

    /// Calendar fields of a count of milliseconds since 1970-01-01T00:00 (local time when an
    /// offset is already added).
    static func civil(milliseconds ms: Int) -> Civil {
        let seconds = floorDiv(ms, 1000)
        let days = floorDiv(seconds, 86400)
        let secondOfDay = seconds - days * 86400
        let (y, m, d) = civilFromDays(days)
        return Civil(year: y, month: m, day: d, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
                     second: secondOfDay % 60, millisecond: ms - seconds * 1000)
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 → (year, month 1…12, day 1…31). H. Hinnant's algorithm.
    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// (year, month 1…12, day 1…31) → days since 1970-01-01.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
