import Foundation

/// A value that writes itself as the JSON document `JSONEncoder` would write for it (keys
/// sorted, slashes not escaped, nil optionals left out), without the encoder's intermediate
/// tree: the types on hot paths (stored plan chunks, status reports on the ingest path) were a
/// tenth of a province drill and of a durable report's server time through `JSONEncoder`.
/// `JSONEncoder` stays the one way for everything else; tests hold each conforming type to its
/// output byte for byte.
package protocol JSONWritable: Encodable {
    /// Writes the value: an object's fields in sorted key order (``JSONWriter/object(_:)``).
    func writeJSON(_ w: inout JSONWriter) throws
}

extension Array: JSONWritable where Element: JSONWritable {
    package func writeJSON(_ w: inout JSONWriter) throws {
        w.bytes.append(UInt8(ascii: "["))
        // By index: the elements are read where they are (iterating copied each, retaining its texts).
        for i in indices {
            if i > startIndex { w.bytes.append(UInt8(ascii: ",")) }
            try self[i].writeJSON(&w)
        }
        w.bytes.append(UInt8(ascii: "]"))
    }
}

/// Writes JSON the way `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` does.
package struct JSONWriter {
    /// How dates are written, as `JSONEncoder.DateEncodingStrategy` would.
    package enum Dates: Sendable {
        case secondsSince1970
        /// `2026-11-23T02:13:20Z` (UTC, whole seconds rounded down).
        case iso8601
    }

    package struct NonFinite: Error, CustomStringConvertible {
        package var key: String
        package var description: String { "cannot write a non-finite number for '\(key)'" }
    }

    package var bytes: [UInt8] = []
    package let dates: Dates
    private var first = true

    package init(dates: Dates, capacity: Int = 256) {
        self.dates = dates
        bytes.reserveCapacity(capacity)
    }

    /// `value` as JSON bytes (UTF-8).
    package static func bytes(_ value: some JSONWritable, dates: Dates, capacity: Int = 256) throws -> [UInt8] {
        var w = JSONWriter(dates: dates, capacity: capacity)
        try value.writeJSON(&w)
        return w.bytes
    }

    /// `value` as a JSON text.
    package static func text(_ value: some JSONWritable, dates: Dates, capacity: Int = 256) throws -> String {
        String(decoding: try bytes(value, dates: dates, capacity: capacity), as: UTF8.self)
    }

    /// An object: `body` writes its fields, in sorted key order.
    package mutating func object(_ body: (inout JSONWriter) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "{"))
        first = true
        try body(&self)
        first = false
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ k: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    package mutating func string(_ k: StaticString, _ value: String) {
        key(k)
        stringValue(value)
    }

    package mutating func string(_ k: StaticString, _ value: String?) {
        if let value { string(k, value) }
    }

    package mutating func int(_ k: StaticString, _ value: Int) {
        key(k)
        appendInt(value)
    }

    package mutating func int(_ k: StaticString, _ value: Int?) {
        if let value { int(k, value) }
    }

    /// Shortest text that reads back as the same `Double`; integral values without a
    /// fraction, as `JSONEncoder` writes them.
    package mutating func double(_ k: StaticString, _ value: Double) throws {
        guard value.isFinite else { throw NonFinite(key: "\(k)") }
        key(k)
        doubleValue(value)
    }

    package mutating func date(_ k: StaticString, _ value: Date) throws {
        switch dates {
        case .secondsSince1970:
            try double(k, value.timeIntervalSince1970)
        case .iso8601:
            let t = value.timeIntervalSince1970
            // 1970 to 9999 by hand (proleptic Gregorian); anything else as Foundation writes it
            // (its calendar is Julian before 1582).
            guard t >= 0, t < 253_402_300_800 else {
                string(k, value.formatted(.iso8601))
                return
            }
            key(k)
            bytes.append(UInt8(ascii: "\""))
            appendISO8601(CivilTime.civil(value, offsetSeconds: 0))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// A field whose value writes itself (an object or a list).
    package mutating func value(_ k: StaticString, _ value: some JSONWritable) throws {
        key(k)
        try value.writeJSON(&self)
    }

    fileprivate mutating func stringValue(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Read in place (a native string's UTF-8 is contiguous); a bridged one is made native first.
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var native = value
            native.makeContiguousUTF8()
            native.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Most texts need no escape: copied whole.
        guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            bytes.append(contentsOf: utf8)
            return
        }
        let hex: StaticString = "0123456789abcdef"
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                hex.withUTF8Buffer { h in
                    bytes.append(h[Int(b >> 4)])
                    bytes.append(h[Int(b & 15)])
                }
            default: bytes.append(b)
            }
        }
    }

    private mutating func appendInt(_ value: Int) {
        withDecimalDigits(value) { bytes.append(contentsOf: $0) }
    }

    private mutating func doubleValue(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15, value != 0 || value.sign == .plus {
            appendInt(Int(value))
        } else {
            // `JSONEncoder` writes the description without a trailing ".0" ("-0", "1e+16").
            let text = value.description
            bytes.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
        }
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` (years 0 to 9999; milliseconds left out).
    private mutating func appendISO8601(_ c: CivilTime.Civil) {
        func two(_ v: Int) {
            bytes.append(UInt8(48 + v / 10))
            bytes.append(UInt8(48 + v % 10))
        }
        two(c.year / 100)
        two(c.year % 100)
        bytes.append(UInt8(ascii: "-"))
        two(c.month)
        bytes.append(UInt8(ascii: "-"))
        two(c.day)
        bytes.append(UInt8(ascii: "T"))
        two(c.hour)
        bytes.append(UInt8(ascii: ":"))
        two(c.minute)
        bytes.append(UInt8(ascii: ":"))
        two(c.second)
        bytes.append(UInt8(ascii: "Z"))
    }
}

extension StatusReport: JSONWritable {
    package func writeJSON(_ w: inout JSONWriter) throws {
        try w.object { o in
            try o.date("at", at)
            o.string("bidang", bidang.rawValue)
            o.int("capacity", capacity)
            o.string("note", note)
            o.string("postID", postID)
            o.string("reporter", reporter)
            o.string("status", status.rawValue)
        }
    }
}

/// Flat string maps (alert payloads), keys in `String` order as `.sortedKeys` puts them.
extension Dictionary: JSONWritable where Key == String, Value == String {
    package func writeJSON(_ w: inout JSONWriter) throws {
        w.bytes.append(UInt8(ascii: "{"))
        for (i, field) in sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { w.bytes.append(UInt8(ascii: ",")) }
            w.stringValue(field.key)
            w.bytes.append(UInt8(ascii: ":"))
            w.stringValue(field.value)
        }
        w.bytes.append(UInt8(ascii: "}"))
    }
}

extension ChannelRoute: JSONWritable {
    package func writeJSON(_ w: inout JSONWriter) throws {
        w.object { o in
            o.string("address", address)
            o.string("channel", channel)
        }
    }
}

/// The decimal digits of `value` (with its sign) in a stack buffer, for writers that append
/// bytes (JSON, plan explanations) without making a String per number.
func withDecimalDigits<R>(_ value: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
        var m = value.magnitude
        var i = digits.count
        repeat {
            i -= 1
            digits[i] = UInt8(48 + m % 10)
            m /= 10
        } while m > 0
        if value < 0 {
            i -= 1
            digits[i] = UInt8(ascii: "-")
        }
        return body(UnsafeBufferPointer(rebasing: digits[i...]))
    }
}
