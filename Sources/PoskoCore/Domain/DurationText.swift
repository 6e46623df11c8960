/// Durations as operators write them in playbooks and scenarios: `30m`, `6h`, `1h30m`, `2d`, `45s`.
public enum DurationText {
    /// Seconds, or nil when the text does not parse or is zero.
    public static func seconds(_ text: String) -> Int? {
        let t = text.trimmingWhitespace().lowercased()
        guard !t.isEmpty else { return nil }
        var total = 0
        var number = ""
        var sawUnit = false
        for ch in t {
            if ch.isASCII, ch.isNumber {
                number.append(ch)
                guard number.count <= 7 else { return nil }
                continue
            }
            let unit: Int
            switch ch {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            guard let n = Int(number) else { return nil }
            total += n * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0 else { return nil }
        return total
    }

    /// The shortest text for a number of seconds, e.g. 5400 → `1h30m`.
    public static func format(_ seconds: Int) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, suffix) in [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            out += "\(rest / unit)\(suffix)"
            rest %= unit
        }
        return out
    }
}
