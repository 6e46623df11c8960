import Foundation

extension DrillReport {
    /// `report.json`: the whole `DrillResult`, keys sorted, pretty-printed, slashes unescaped,
    /// dates as ISO-8601 UTC (`2026-10-31T23:00:00Z`; milliseconds only when a date has them),
    /// ending in a newline. Equal results give byte-identical files. Numbers that are not
    /// finite are written as the strings "NaN", "Infinity", "-Infinity".
    public static func json(_ r: DrillResult) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(iso8601(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            var data = try encoder.encode(r)
            data.append(0x0A)
            return data
        } catch {
            // Unreachable for DrillResult (only strings, numbers, dates, arrays and maps); still
            // valid JSON rather than a crash.
            let message = DrillReportFormat.jsonString("\(error)")
            return Data("{\n  \"error\" : \(message)\n}\n".utf8)
        }
    }

    /// Reads a `report.json` back (the inverse of `json(_:)`).
    public static func decodeJSON(_ data: Data) throws -> DrillResult {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = parseISO8601(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 date: \(text)")
            }
            return date
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(DrillResult.self, from: data)
    }

    /// "2026-10-31T23:00:00Z", or "2026-10-31T23:00:00.250Z" when the date has milliseconds.
    static func iso8601(_ date: Date) -> String {
        typealias F = DrillReportFormat
        let c = CivilTime.civil(date, offsetSeconds: 0)
        var year = String(abs(c.year))
        year = String(repeating: "0", count: max(0, 4 - year.count)) + year
        var s = (c.year < 0 ? "-" : "") + year + "-" + F.pad2(c.month) + "-" + F.pad2(c.day)
        s += "T" + F.pad2(c.hour) + ":" + F.pad2(c.minute) + ":" + F.pad2(c.second)
        if c.millisecond != 0 {
            let ms = String(c.millisecond)
            s += "." + String(repeating: "0", count: 3 - ms.count) + ms
        }
        return s + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`; nil for anything else.
    static func parseISO8601(_ text: String) -> Date? {
        let u = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for b in u[from..<(from + count)] {
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        func byte(_ i: Int) -> UInt8? { i < u.count ? u[i] : nil }
        guard let year = num(0, 4), byte(4) == 45, let month = num(5, 2), byte(7) == 45, let day = num(8, 2),
              byte(10) == 84 || byte(10) == 116, let hour = num(11, 2), byte(13) == 58, let minute = num(14, 2),
              byte(16) == 58, let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var millis = 0
        if byte(i) == 46 {
            i += 1
            var digits = 0
            while let b = byte(i), b >= 48, b <= 57 {
                if digits < 3 { millis = millis * 10 + Int(b - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offset = 0
        switch byte(i) {
        case 90, 122: // Z z
            i += 1
        case 43, 45: // + -
            guard let oh = num(i + 1, 2), byte(i + 3) == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (byte(i) == 45 ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == u.count else { return nil }
        let days = CivilTime.daysFromCivil(year, month, day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }
}

extension DrillReportFormat {
    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}":
                let hex = String(ch.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
