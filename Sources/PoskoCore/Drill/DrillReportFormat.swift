import Foundation

/// Writers that turn a `DrillResult` into the drill report files (`report.md`, `report.html`,
/// `report.json`). Pure functions of their inputs: no I/O, no clock, no locale, so the same
/// result always gives byte-identical files.
public enum DrillReport {}

/// Locale-free text helpers shared by the report writers: WIB times built from date
/// components by integer arithmetic, fixed-decimal numbers, and escaping.
enum DrillReportFormat {
    /// WIB (Asia/Jakarta) is UTC+7 all year; no daylight saving since 1964.
    static let wibOffsetSeconds = 7 * 3600

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]

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
        let ms = epochMilliseconds(date) + offsetSeconds * 1000
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

    static func pad2(_ n: Int) -> String { n < 10 && n >= 0 ? "0\(n)" : "\(n)" }

    /// "1 Nov 2026 06.00 WIB".
    static func wib(_ date: Date) -> String {
        let c = civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(c.day) \(monthNames[c.month - 1]) \(c.year) \(pad2(c.hour)).\(pad2(c.minute)) WIB"
    }

    /// "06.00" (WIB clock only).
    static func wibClock(_ date: Date) -> String {
        let c = civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(pad2(c.hour)).\(pad2(c.minute))"
    }

    /// "1 Nov" (WIB day only).
    static func wibDay(_ date: Date) -> String {
        let c = civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(c.day) \(monthNames[c.month - 1])"
    }

    /// "+HH:MM" from `start` (hours may exceed 24; "-HH:MM" before the start). Whole minutes, floored
    /// towards the start.
    static func offset(_ date: Date, from start: Date) -> String {
        let ms = epochMilliseconds(date) - epochMilliseconds(start)
        let minutes = abs(ms) / 60_000
        return (ms < 0 ? "-" : "+") + pad2(minutes / 60) + ":" + pad2(minutes % 60)
    }

    /// "72 jam", "1 jam 30 menit", "45 menit" (whole minutes).
    static func duration(seconds: Int) -> String {
        let minutes = max(0, seconds) / 60
        let h = minutes / 60, m = minutes % 60
        switch (h, m) {
        case (0, _): return "\(m) menit"
        case (_, 0): return "\(h) jam"
        default: return "\(h) jam \(m) menit"
        }
    }

    static func durationText(from start: Date, to end: Date) -> String {
        duration(seconds: (epochMilliseconds(end) - epochMilliseconds(start)) / 1000)
    }

    /// `x` with exactly `decimals` decimals (half away from zero), no grouping, no locale.
    /// Non-finite values give "0".
    static func fixed(_ x: Double, decimals: Int, separator: String = ".") -> String {
        let d = max(0, min(decimals, 6))
        var p = 1
        for _ in 0..<d { p *= 10 }
        let scaled = (x * Double(p)).rounded(.toNearestOrAwayFromZero)
        guard scaled.isFinite, abs(scaled) < 1e17, let n = Int(exactly: scaled) else { return d == 0 ? "0" : "0" + separator + String(repeating: "0", count: d) }
        let a = abs(n)
        var s = n < 0 ? "-" : ""
        s += String(a / p)
        if d > 0 {
            let frac = String(a % p)
            s += separator + String(repeating: "0", count: d - frac.count) + frac
        }
        return s
    }

    /// SVG coordinate: one decimal, dot separator.
    static func coord(_ x: Double) -> String { fixed(x, decimals: 1) }

    /// Indonesian number: decimal comma, at most `maxDecimals`, trailing zeros dropped ("12", "12,5").
    static func angka(_ x: Double, maxDecimals: Int = 1) -> String {
        guard x.isFinite else { return "–" }
        var s = fixed(x, decimals: maxDecimals, separator: ",")
        if s.contains(",") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(",") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// Coverage 0…1 as "94,9%".
    static func persen(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        return angka(fraction * 100) + "%"
    }

    // MARK: - Labels

    /// Indonesian label for a timeline kind.
    static func kindLabel(_ kind: String) -> String {
        switch kind {
        case "inject": return "Injeksi"
        case "alert": return "Peringatan"
        case "escalation": return "Eskalasi"
        case "plan": return "Rencana"
        case "outage": return "Gangguan"
        case "ack": return "Konfirmasi"
        case "deadline": return "Tenggat"
        case "declare": return "Penetapan"
        case "report": return "Laporan"
        case "cap": return "CAP"
        default: return kind
        }
    }

    /// Indonesian label for a delivery result or message state; unknown ones unchanged.
    static func stateLabel(_ state: String) -> String {
        switch state {
        case "delivered": return "terkirim"
        case "sent": return "dikirim"
        case "queued", "pending": return "antre"
        case "retryable": return "gagal sementara"
        case "failed": return "gagal"
        case "permanent", "permanent_failure": return "gagal permanen"
        case "acknowledged": return "dikonfirmasi"
        case "expired": return "kedaluwarsa"
        case "cancelled", "canceled": return "dibatalkan"
        default: return state
        }
    }

    static func kecamatanName(_ code: String, _ r: DrillResult, wilayah: WilayahTable) -> String {
        r.kecamatanNames[code] ?? wilayah[code]?.name ?? code
    }

    static func kelurahanName(_ code: String, _ r: DrillResult, wilayah: WilayahTable, fallback: String? = nil) -> String {
        if let n = r.kelurahanNames[code], !n.isEmpty { return n }
        if let n = fallback, !n.isEmpty { return n }
        return wilayah[code]?.name ?? code
    }

    /// A lurah recipient key: a kelurahan code shows as "Name (code)", anything else as is.
    static func recipientLabel(_ key: String, _ r: DrillResult, wilayah: WilayahTable) -> String {
        if let n = r.kelurahanNames[key] ?? wilayah[key]?.name { return "\(n) (\(key))" }
        return key
    }

    /// Kecamatan codes seen in any coverage sample, sorted.
    static func kecamatanCodes(_ r: DrillResult) -> [String] {
        var set = Set<String>()
        for s in r.coverage { set.formUnion(s.kecamatan.keys) }
        return set.sorted()
    }

    /// Coverage samples by time; equal times keep their input order.
    static func sortedCoverage(_ r: DrillResult) -> [DrillResult.CoverageSample] {
        r.coverage.enumerated().sorted { a, b in
            a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - Escaping

    /// Text for HTML and SVG element content and attribute values.
    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Text for Markdown: one line, CommonMark punctuation that could start markup escaped.
    static func markdown(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#": out += "\\" + String(ch)
            case "\n", "\r", "\r\n", "\t": out += " "
            default: out.append(ch)
            }
        }
        return out
    }

    /// Inline code for Markdown: backticks in the text become quotes.
    static func markdownCode(_ s: String) -> String {
        "`" + s.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ") + "`"
    }
}
