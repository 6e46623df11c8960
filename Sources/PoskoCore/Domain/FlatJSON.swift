/// A reader for the simplest JSON objects — members that are strings without escapes,
/// integers or null — which is what the API's busiest request, a status report
/// (`{"post":"berngam-1","bidang":"kesehatan","status":"tutup"}`), looks like. Anything else
/// (escapes, nested values, fractions, booleans, duplicate keys, invalid JSON or UTF-8) gives
/// `nil`, and the caller decodes with `JSONDecoder`, which also names the field at fault:
/// what this reader returns is what `JSONDecoder` would have decoded, only without its
/// general machinery.
public enum FlatJSON {
    public enum Value: Equatable, Sendable {
        case string(String)
        case int(Int)
        case null
    }

    public typealias Members = [(key: String, value: Value)]

    /// Objects with more members are declined.
    public static let maxMembers = 32

    public static func object(_ bytes: UnsafeRawBufferPointer) -> Members? {
        var r = Reader(bytes: bytes)
        r.skipSpace()
        guard r.take(UInt8(ascii: "{")) else { return nil }
        var members: Members = []
        r.skipSpace()
        if !r.take(UInt8(ascii: "}")) {
            while true {
                // A request has a handful of members: more is left to the decoder (and the
                // duplicate check below stays cheap).
                guard members.count < maxMembers, r.take(UInt8(ascii: "\"")), let key = r.stringBody() else { return nil }
                if members.contains(where: { $0.key == key }) { return nil }
                r.skipSpace()
                guard r.take(UInt8(ascii: ":")) else { return nil }
                r.skipSpace()
                guard let value = r.value() else { return nil }
                members.append((key, value))
                r.skipSpace()
                if r.take(UInt8(ascii: ",")) {
                    r.skipSpace()
                    continue
                }
                guard r.take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        r.skipSpace()
        return r.atEnd ? members : nil
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        var atEnd: Bool { i == bytes.count }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        /// After the opening quote: the text up to the closing one, without escapes or control
        /// characters, valid UTF-8.
        mutating func stringBody() -> String? {
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<(i - 1)]), as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i += 1
                return stringBody().map(Value.string)
            case UInt8(ascii: "n"):
                for b in "null".utf8 { guard take(b) else { return nil } }
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return integer().map(Value.int)
            default:
                return nil
            }
        }

        /// `-?(0|[1-9][0-9]*)` within `Int` (a fraction or exponent after it is not a `,` or `}`:
        /// the object then fails).
        mutating func integer() -> Int? {
            let negative = take(UInt8(ascii: "-"))
            guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else { return nil }
            if bytes[i] == UInt8(ascii: "0"), i + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i + 1]) {
                return nil
            }
            var n = 0
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let digit = Int(bytes[i] - UInt8(ascii: "0"))
                let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
                if o1 || o2 { return nil }
                n = s
                i += 1
            }
            return n
        }
    }
}

/// A request type with a fast path for flat JSON bodies (see ``FlatJSON``).
public protocol FlatJSONDecodable: Decodable {
    /// The value `JSONDecoder` would decode from these members, or `nil` when a member is
    /// missing or of another type (the decoder then says which).
    init?(flat members: FlatJSON.Members)
}

extension FlatJSON.Members {
    func member(_ key: String) -> FlatJSON.Value? { first { $0.key == key }?.value }

    /// A required string member.
    func string(_ key: String) -> String? {
        if case let .string(s)? = member(key) { return s }
        return nil
    }

    /// An optional member: `.some(nil)` when absent or null, `nil` when of another type.
    func optionalString(_ key: String) -> String?? {
        switch member(key) {
        case nil, .null?: return .some(nil)
        case let .string(s)?: return .some(s)
        case .int?: return nil
        }
    }

    func optionalInt(_ key: String) -> Int?? {
        switch member(key) {
        case nil, .null?: return .some(nil)
        case let .int(n)?: return .some(n)
        case .string?: return nil
        }
    }
}
