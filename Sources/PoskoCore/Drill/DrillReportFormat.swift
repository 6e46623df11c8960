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

    static func pad2(_ n: Int) -> String { n < 10 && n >= 0 ? "0\(n)" : "\(n)" }

    /// "1 Nov 2026 06.00 WIB".
    static func wib(_ date: Date) -> String {
        let c = CivilTime.civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(c.day) \(monthNames[c.month - 1]) \(c.year) \(pad2(c.hour)).\(pad2(c.minute)) WIB"
    }

    /// "06.00" (WIB clock only).
    static func wibClock(_ date: Date) -> String {
        let c = CivilTime.civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(pad2(c.hour)).\(pad2(c.minute))"
    }

    /// "1 Nov" (WIB day only).
    static func wibDay(_ date: Date) -> String {
        let c = CivilTime.civil(date, offsetSeconds: wibOffsetSeconds)
        return "\(c.day) \(monthNames[c.month - 1])"
    }

    /// "+HH:MM" from `start` (hours may exceed 24; "-HH:MM" before the start). Whole minutes, floored
    /// towards the start.
    static func offset(_ date: Date, from start: Date) -> String {
        let ms = CivilTime.epochMilliseconds(date) - CivilTime.epochMilliseconds(start)
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
        duration(seconds: (CivilTime.epochMilliseconds(end) - CivilTime.epochMilliseconds(start)) / 1000)
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

    /// Indonesian label for a delivery result or message state; unknown ones unchanged. An SMS
    /// a gateway accepted is not yet one that arrived; a channel given up on after its retries
    /// (an outage) is not a permanent fault of the message.
    static func stateLabel(_ state: String) -> String {
        switch state {
        case "delivered": return "sampai"
        case "sent": return "diterima gateway"
        case "pending": return "antre"
        case "queued": return "ditahan gateway"
        case "dlr_delivered": return "laporan: sampai"
        case "dlr_failed": return "laporan: gagal"
        case "dlr_timeout": return "tanpa laporan, ke kanal berikut"
        case "retryable": return "gagal sementara"
        case "failed": return "gagal"
        case "permanent", "permanent_failure": return "gagal di kanal ini"
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
    /// "Setia (12.75.02.1003)" for `lurah:12.75.02.1003`; the key itself when its area is unknown.
    static func recipientLabel(_ key: String, _ r: DrillResult, wilayah: WilayahTable) -> String {
        let code = key.firstIndex(of: ":").map { String(key[key.index(after: $0)...]) } ?? key
        if let n = r.kelurahanNames[code] ?? wilayah[code]?.name { return "\(n) (\(code))" }
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
