import Foundation

/// The alphabet an SMS is sent in.
public enum SMSEncoding: String, Sendable, Hashable, CaseIterable {
    /// GSM 03.38 default alphabet (7-bit septets); extension-table characters take two septets.
    case gsm7
    /// UCS-2 / UTF-16 (16-bit units); characters outside the BMP (most emoji) take two units.
    case ucs2

    /// Units (septets or UTF-16 code units) that fit into a single, unconcatenated SMS.
    public var singleSegmentCapacity: Int { self == .gsm7 ? 160 : 70 }
    /// Units per part of a concatenated SMS (the UDH takes 6 octets of every part).
    public var concatenatedSegmentCapacity: Int { self == .gsm7 ? 153 : 67 }
}

/// An SMS text with its encoding and segment count, known before sending.
///
/// The text is normalised to NFC first, so an `e` followed by a combining accent counts as the
/// GSM character `é` and not as UCS-2. Send `text` (the normalised form), not the input.
public struct SMSText: Sendable, Hashable {
    /// The text as it will be sent (Unicode NFC).
    public let text: String
    /// GSM-7 when every character is in the GSM 03.38 basic or extension table, else UCS-2.
    public let encoding: SMSEncoding
    /// Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    public let unitCount: Int
    /// Number of SMS parts the network will deliver (an empty text is one SMS).
    public let segmentCount: Int

    public init(_ text: String) {
        let normalized = text.precomposedStringWithCanonicalMapping
        self.text = normalized
        let measured = Self.measure(normalized)
        self.encoding = measured.encoding
        self.unitCount = measured.units
        self.segmentCount = measured.segments
    }

    /// Characters left in the current segment before another part is needed (in units).
    public var remainingInLastSegment: Int {
        if segmentCount == 1 && unitCount <= encoding.singleSegmentCapacity {
            return encoding.singleSegmentCapacity - unitCount
        }
        return max(0, segmentCount * encoding.concatenatedSegmentCapacity - unitCount)
    }

    // MARK: - Alphabet

    /// Septets a scalar takes in GSM-7: 1 (basic table), 2 (extension table) or nil (not GSM-7).
    public static func gsmSeptets(_ scalar: Unicode.Scalar) -> Int? {
        let v = scalar.value
        if v < 0x80 {
            // ASCII: everything printable is basic except the extension characters and a few gaps.
            switch v {
            case 0x0A, 0x0D, 0x20...0x23, 0x25...0x3F, 0x41...0x5A, 0x61...0x7A:
                return 1
            case 0x40: // @
                return 1
            case 0x24: // $
                return 1
            case 0x5F: // _
                return 1
            case 0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C: // \f ^ { } \ [ ~ ] |
                return 2
            default:
                return nil // other control characters, ` (0x60)
            }
        }
        if gsmBasicNonASCII.contains(v) { return 1 }
        if v == 0x20AC { return 2 } // €
        return nil
    }

    /// Whether every character of `text` (after NFC) can be sent in GSM-7.
    public static func isGSM7(_ text: String) -> Bool {
        text.precomposedStringWithCanonicalMapping.unicodeScalars.allSatisfy { gsmSeptets($0) != nil }
    }

    /// Non-ASCII scalars of the GSM 03.38 basic table.
    private static let gsmBasicNonASCII: Set<UInt32> = [
        0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8, 0x00C5, 0x00E5,
        0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398, 0x039E,
        0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
        0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
    ]

    /// Replaces typographic characters that would force UCS-2 (curly quotes, dashes, ellipsis,
    /// non-breaking and other exotic spaces) by GSM-7 look-alikes. Meant for Posko's own templates
    /// and notes, so a stray `—` does not halve the room in an SMS.
    public static func replacingCommonNonGSM(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x00B4: out.append("'")
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033: out.append("\"")
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: out.append("-")
            case 0x2026: out.append(contentsOf: "...".unicodeScalars)
            case 0x00A0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: out.append(" ")
            case 0x200B, 0xFEFF, 0x2060: break
            case 0x0009: out.append(" ")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    // MARK: - Measuring

    /// Encoding, units and segments of an already-normalised text.
    static func measure(_ text: String) -> (encoding: SMSEncoding, units: Int, segments: Int) {
        var septetCosts: [Int] = []
        septetCosts.reserveCapacity(text.unicodeScalars.count)
        var isGSM = true
        for scalar in text.unicodeScalars {
            guard let cost = gsmSeptets(scalar) else { isGSM = false; break }
            septetCosts.append(cost)
        }
        if isGSM {
            return (.gsm7, septetCosts.reduce(0, +), segments(costs: septetCosts, encoding: .gsm7))
        }
        let utf16Costs = text.unicodeScalars.map { $0.utf16.count }
        return (.ucs2, utf16Costs.reduce(0, +), segments(costs: utf16Costs, encoding: .ucs2))
    }

    /// Segments for a sequence of per-character costs. A character is never split across two
    /// parts (an escape sequence or a surrogate pair stays whole), so the count may be one more
    /// than `ceil(units / 153)`; it is never less than what the gateway produces.
    static func segments(costs: [Int], encoding: SMSEncoding) -> Int {
        let total = costs.reduce(0, +)
        if total <= encoding.singleSegmentCapacity { return 1 }
        let capacity = encoding.concatenatedSegmentCapacity
        var parts = 1
        var used = 0
        for cost in costs {
            if used + cost > capacity {
                parts += 1
                used = 0
            }
            used += cost
        }
        return parts
    }

    /// Whether `text` (already normalised) fits into `segments` SMS parts.
    static func fits(_ text: String, segments: Int) -> Bool {
        measure(text).segments <= segments
    }
}

/// The result of splitting a long text into separate SMS.
public struct SMSSplit: Sendable, Hashable {
    /// The parts in order; every part fits into the requested number of segments.
    public var parts: [String]
    /// True when the text did not fit into the allowed number of parts and was cut (the last part
    /// then ends with the truncation marker).
    public var truncated: Bool

    public init(parts: [String], truncated: Bool) {
        self.parts = parts
        self.truncated = truncated
    }
}

extension SMSText {
    /// Splits `text` into at most `maxParts` messages of at most `segmentsPerPart` segments each,
    /// breaking at whitespace (a word longer than a part is broken between characters, never
    /// inside a grapheme such as an emoji). When the text needs more parts, the last part is cut
    /// at a word boundary and ends with `marker`, and `truncated` is true.
    ///
    /// Kannel's `max-messages` silently drops everything after the allowed number of segments,
    /// so Posko splits or truncates itself and knows what arrives.
    ///
    /// - Parameters:
    ///   - numbered: prefix every part with `(i/n) ` when there is more than one part.
    public static func split(
        _ text: String,
        maxParts: Int,
        segmentsPerPart: Int = 1,
        numbered: Bool = false,
        marker: String = "..."
    ) -> SMSSplit {
        let maxParts = max(1, maxParts)
        let segmentsPerPart = max(1, segmentsPerPart)
        let normalized = trimmed(text.precomposedStringWithCanonicalMapping)
        if fits(normalized, segments: segmentsPerPart) {
            return SMSSplit(parts: [normalized], truncated: false)
        }
        let tokens = tokenize(normalized)
        guard numbered, maxParts > 1 else {
            return greedy(tokens: tokens, maxParts: maxParts, segmentsPerPart: segmentsPerPart, marker: marker) { _ in "" }
        }
        // The prefix length depends on the total; iterate until the total is stable.
        var guess = greedy(tokens: tokens, maxParts: maxParts, segmentsPerPart: segmentsPerPart, marker: marker) { _ in "" }.parts.count
        for _ in 0..<4 {
            let total = guess
            let attempt = greedy(tokens: tokens, maxParts: maxParts, segmentsPerPart: segmentsPerPart, marker: marker) {
                "(\($0)/\(total)) "
            }
            if attempt.parts.count == total { return attempt }
            guess = attempt.parts.count
        }
        // Fall back to the widest prefix: always consistent with maxParts parts.
        var result = greedy(tokens: tokens, maxParts: maxParts, segmentsPerPart: segmentsPerPart, marker: marker) {
            "(\($0)/\(maxParts)) "
        }
        let count = result.parts.count
        result.parts = result.parts.enumerated().map { index, part in
            let wide = "(\(index + 1)/\(maxParts)) "
            return "(\(index + 1)/\(count)) " + part.dropFirst(wide.count)
        }
        return result
    }

    /// Cuts `text` at a word boundary so it fits into `maxSegments` concatenated segments,
    /// appending `marker` when something was cut.
    public static func truncate(_ text: String, maxSegments: Int, marker: String = "...") -> (text: String, truncated: Bool) {
        let result = split(text, maxParts: 1, segmentsPerPart: maxSegments, numbered: false, marker: marker)
        return (result.parts.first ?? "", result.truncated)
    }

    private static func trimmed(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// Words with the whitespace that follows them.
    private static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        var inSpace = false
        for scalar in text.unicodeScalars {
            let space = scalar.properties.isWhitespace
            if !space && inSpace {
                tokens.append(String(current))
                current = String.UnicodeScalarView()
            }
            inSpace = space
            current.append(scalar)
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    private static func greedy(
        tokens: [String],
        maxParts: Int,
        segmentsPerPart: Int,
        marker: String,
        prefix: (Int) -> String
    ) -> SMSSplit {
        var parts: [String] = []
        var index = 0
        while index < tokens.count {
            let partNumber = parts.count + 1
            let head = prefix(partNumber)
            let isLast = partNumber == maxParts
            if isLast {
                let rest = trimmed(tokens[index...].joined())
                if fits(head + rest, segments: segmentsPerPart) {
                    parts.append(head + rest)
                    return SMSSplit(parts: parts, truncated: false)
                }
                // Cut, leaving room for the marker.
                var body = ""
                while index < tokens.count, fits(head + trimmed(body + tokens[index]) + marker, segments: segmentsPerPart) {
                    body += tokens[index]
                    index += 1
                }
                var cut = trimmed(body)
                if cut.isEmpty, index < tokens.count {
                    cut = hardBreak(tokens[index], head: head, tail: marker, segments: segmentsPerPart).fitted
                }
                parts.append(head + cut + marker)
                return SMSSplit(parts: parts, truncated: true)
            }
            var body = ""
            while index < tokens.count, fits(head + trimmed(body + tokens[index]), segments: segmentsPerPart) {
                body += tokens[index]
                index += 1
            }
            if trimmed(body).isEmpty, index < tokens.count {
                // A single word longer than a part: break it between characters.
                let broken = hardBreak(tokens[index], head: head, tail: "", segments: segmentsPerPart)
                parts.append(head + broken.fitted)
                if broken.rest.isEmpty {
                    index += 1
                } else {
                    var remaining = tokens
                    remaining[index] = broken.rest
                    return continueWith(parts: parts, tokens: Array(remaining[index...]), maxParts: maxParts,
                                        segmentsPerPart: segmentsPerPart, marker: marker, prefix: prefix)
                }
                continue
            }
            parts.append(head + trimmed(body))
        }
        return SMSSplit(parts: parts, truncated: false)
    }

    private static func continueWith(
        parts: [String],
        tokens: [String],
        maxParts: Int,
        segmentsPerPart: Int,
        marker: String,
        prefix: (Int) -> String
    ) -> SMSSplit {
        let offset = parts.count
        let tail = greedy(tokens: tokens, maxParts: maxParts - offset, segmentsPerPart: segmentsPerPart, marker: marker) {
            prefix($0 + offset)
        }
        return SMSSplit(parts: parts + tail.parts, truncated: tail.truncated)
    }

    /// The longest prefix of `word` (whole characters) that fits with `head` and `tail`.
    private static func hardBreak(_ word: String, head: String, tail: String, segments: Int) -> (fitted: String, rest: String) {
        let word = trimmed(word)
        var fitted = ""
        var index = word.startIndex
        while index < word.endIndex {
            let next = word.index(after: index)
            let candidate = fitted + word[index..<next]
            if !fits(head + candidate + tail, segments: segments) { break }
            fitted = candidate
            index = next
        }
        if fitted.isEmpty, index < word.endIndex {
            // Even one character does not fit (absurd limits): take it anyway to make progress.
            let next = word.index(after: index)
            fitted = String(word[index..<next])
            index = next
        }
        return (fitted, String(word[index...]))
    }
}
