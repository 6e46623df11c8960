/// Indonesian mobile numbers, normalised to E.164 (`+628…`).
public enum PhoneNumber {
    /// `0812-3456-7890`, `62812…`, `+62 812 …`, `0062812…` → `+628123…`; nil when the result is not an
    /// Indonesian mobile number (+62 8xx with 9 to 12 digits after the country code).
    public static func normalize(_ raw: String) -> String? {
        var digits = ""
        var plus = false
        let text = raw.trimmingWhitespace()
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: one character per byte (a CR LF pair is rejected either way).
            var bytes: [UInt8] = []
            for (i, c) in text.utf8.enumerated() {
                if c == UInt8(ascii: "+") && i == 0 { plus = true; continue }
                if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { bytes.append(c); continue }
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") { continue }
                return nil
            }
            digits = String(decoding: bytes, as: UTF8.self)
        } else {
            for (i, ch) in text.enumerated() {
                if ch == "+" && i == 0 { plus = true; continue }
                if ch.isASCII, ch.isNumber { digits.append(ch); continue }
                if ch == " " || ch == "-" || ch == "." || ch == "(" || ch == ")" { continue }
                return nil
            }
        }
        let national: Substring
        if plus {
            guard digits.hasPrefix("62") else { return nil }
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("62") {
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0062") {
            // The international prefix dialled from Indonesia (Kannel's `%p` can carry it).
            national = digits.dropFirst(4)
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
        // Nothing to trim when both ends are ASCII and not whitespace (the usual case). A
        // character's whitespace-ness is its first scalar's, and a character ending in an
        // ASCII byte starts with that byte or with a (non-whitespace) prepended mark.
        func space(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, !space(f), !space(l) { return self }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
