/// A reader for the simplest JSON objects — members that are strings, integers or null —
/// which is what the API's busiest request, a status report
/// (`{"post":"berngam-1","bidang":"kesehatan","status":"tutup"}`), looks like. It reads with
/// the strict reader of `posko solve`'s problems (`FlowJSONReader`). Anything else (nested
/// values, fractions, booleans, duplicate keys, more than `maxMembers`, invalid JSON or UTF-8)
/// gives `nil`, and the caller decodes with `JSONDecoder`, which also names the field at fault:
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
        var r = FlowJSONReader(bytes: bytes.bindMemory(to: UInt8.self))
        do throws(FlowProblemError) {
            r.skipWhitespace()
            try r.beginObject()
            var members: Members = []
            var isFirst = true
            while let key = try r.nextMember(isFirst: &isFirst) {
                // A request has a handful of members: more is left to the decoder (and the
                // duplicate check stays cheap).
                guard members.count < maxMembers, !members.contains(where: { $0.key == key }) else { return nil }
                switch r.peek() ?? 0 {
                case UInt8(ascii: "\""):
                    members.append((key, .string(try r.readString())))
                case UInt8(ascii: "n"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    members.append((key, try r.readIntegerOrNull().map(Value.int) ?? .null))
                default:
                    return nil
                }
            }
            r.skipWhitespace()
            return r.atEnd ? members : nil
        } catch {
            return nil
        }
    }
}

/// A JSON request body whose members are all known: any other member is an error naming it.
/// A misspelt optional member would otherwise be ignored silently (`"stauts"` in a
/// declaration would declare at the default status and text everyone so).
public protocol JSONRequestBody: Decodable {
    static var members: Set<String> { get }
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
