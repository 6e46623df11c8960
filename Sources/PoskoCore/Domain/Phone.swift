/// Indonesian mobile numbers, normalised to E.164 (`+628…`).
public enum PhoneNumber {
    /// `0812-3456-7890`, `62812…`, `+62 812 …` → `+628123…`; nil when the result is not an
    /// Indonesian mobile number (+62 8xx with 9 to 12 digits after the country code).
    public static func normalize(_ raw: String) -> String? {
        var digits = ""
        var plus = false
        for (i, ch) in raw.trimmingWhitespace().enumerated() {
            if ch == "+" && i == 0 { plus = true; continue }
            if ch.isASCII, ch.isNumber { digits.append(ch); continue }
            if ch == " " || ch == "-" || ch == "." || ch == "(" || ch == ")" { continue }
            return nil
        }
        let national: Substring
        if plus {
            guard digits.hasPrefix("62") else { return nil }
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("62") {
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0") {
            national = digits.dropFirst(1)
        } else {
            return nil
        }
        // Mobile numbers are 8 followed by an operator digit 1–9; 9–12 digits in all.
        guard national.count >= 9, national.count <= 12, national.first == "8" else { return nil }
        let second = national.dropFirst().first
        guard let second, second != "0" else { return nil }
        return "+62" + national
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
