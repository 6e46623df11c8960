import Foundation

/// Percent-encoding as Kannel, HTML forms and query strings use it.
public enum SMSQueryEncoding {
    /// Encodes every byte except the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`,
    /// so `+`, `&`, `=`, `%` and spaces in a value can never change the meaning of a query.
    public static func encode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%"
                out += hexDigits[Int(byte >> 4)]
                out += hexDigits[Int(byte & 0x0F)]
            }
        }
        return out
    }

    private static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]

    /// Decodes a form value (`+` is a space byte) to raw bytes; nil on a malformed `%` escape.
    public static func decodeBytes<S: StringProtocol>(_ value: S) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        var iterator = value.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Splits a query (`a=1&b=2`, or a whole request target `/path?a=1`) into raw name/value pairs.
    /// The first occurrence of a name wins in `KannelQuery`.
    public static func pairs(_ query: String) -> Result<[(name: String, value: [UInt8])], KannelCallbackError> {
        var query = Substring(query)
        if let mark = query.firstIndex(of: "?") { query = query[query.index(after: mark)...] }
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        var result: [(name: String, value: [UInt8])] = []
        for field in query.split(separator: "&", omittingEmptySubsequences: true) {
            let nameEnd = field.firstIndex(of: "=") ?? field.endIndex
            let rawName = field[..<nameEnd]
            let rawValue = nameEnd < field.endIndex ? field[field.index(after: nameEnd)...] : ""
            guard let nameBytes = decodeBytes(rawName), let name = String(validating: nameBytes, as: UTF8.self) else {
                return .failure(KannelCallbackError(.malformedQuery, field: nil))
            }
            guard let value = decodeBytes(rawValue) else {
                return .failure(KannelCallbackError(.malformedEscape, field: name))
            }
            result.append((name, value))
        }
        return .success(result)
    }
}

/// Why a Kannel callback query was rejected.
public struct KannelCallbackError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case malformedQuery
        case malformedEscape
        case missing
        case empty
        case invalidUTF8
        case invalidValue
        case unknownStatus
        case unsupportedCharset
        case tooLong
    }

    public var reason: Reason
    /// The query parameter concerned.
    public var field: String?

    public init(_ reason: Reason, field: String?) {
        self.reason = reason
        self.field = field
    }

    public var description: String {
        let name = field.map { "'\($0)'" } ?? "query"
        return switch reason {
        case .malformedQuery: "malformed query string"
        case .malformedEscape: "malformed percent-escape in \(name)"
        case .missing: "missing parameter \(name)"
        case .empty: "empty parameter \(name)"
        case .invalidUTF8: "parameter \(name) is not valid UTF-8"
        case .invalidValue: "invalid value for \(name)"
        case .unknownStatus: "unknown DLR status in \(name) (expected 1, 2, 4, 8 or 16)"
        case .unsupportedCharset: "unsupported charset in \(name)"
        case .tooLong: "parameter \(name) is too long"
        }
    }
}

/// Decoded query parameters of one callback; the first occurrence of a name wins.
struct KannelQuery {
    private var values: [String: [UInt8]] = [:]

    init(_ query: String) throws(KannelCallbackError) {
        switch SMSQueryEncoding.pairs(query) {
        case .failure(let error): throw error
        case .success(let pairs):
            for pair in pairs where values[pair.name] == nil { values[pair.name] = pair.value }
        }
    }

    func bytes(_ name: String) -> [UInt8]? { values[name] }

    func string(_ name: String, maxLength: Int = 1024) throws(KannelCallbackError) -> String? {
        guard let bytes = values[name] else { return nil }
        guard bytes.count <= maxLength * 4 else { throw KannelCallbackError(.tooLong, field: name) }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw KannelCallbackError(.invalidUTF8, field: name) }
        return string
    }

    func required(_ name: String, maxLength: Int = 1024) throws(KannelCallbackError) -> String {
        guard let value = try string(name, maxLength: maxLength) else { throw KannelCallbackError(.missing, field: name) }
        guard !value.isEmpty else { throw KannelCallbackError(.empty, field: name) }
        return value
    }

    /// Empty values count as absent (Kannel leaves unknown escapes empty).
    func optional(_ name: String, maxLength: Int = 1024) throws(KannelCallbackError) -> String? {
        let value = try string(name, maxLength: maxLength)
        return value?.isEmpty == true ? nil : value
    }

    func unixTime(_ name: String) throws(KannelCallbackError) -> Date? {
        guard let text = try optional(name, maxLength: 20) else { return nil }
        guard let seconds = Int64(text), seconds >= 0 else { throw KannelCallbackError(.invalidValue, field: name) }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

/// Kannel delivery-report status (`%d` in a `dlr-url`).
public enum KannelDLRStatus: Int, Sendable, Hashable, CaseIterable {
    /// Delivered to the handset.
    case delivered = 1
    /// Delivery failed at the handset or the SMSC.
    case failed = 2
    /// Buffered (queued) at the SMSC.
    case buffered = 4
    /// Accepted by the SMSC.
    case smscAccepted = 8
    /// Rejected by the SMSC (or no route, `NACK/...`).
    case smscRejected = 16

    /// No further report follows for this message.
    public var isFinal: Bool { self == .delivered || self == .failed || self == .smscRejected }
    /// The message did not and will not arrive.
    public var isFailure: Bool { self == .failed || self == .smscRejected }

    /// Whether a report with this status should replace a stored `current` one. smsbox sends the
    /// callbacks concurrently, so the `1` may arrive before the `8`: a final status is never
    /// replaced by a later-arriving intermediate one.
    public func supersedes(_ current: KannelDLRStatus?) -> Bool {
        guard let current else { return true }
        if current.isFinal { return false }
        return true
    }
}

/// A delivery report Kannel sent to the `dlr-url` built by `KannelNotifier`
/// (`ref=<reference>&st=%d&a=%A&t=%T&p=%p&P=%P&i=%i&F=%F`; a reference with characters other
/// than `A-Z a-z 0-9 - . _ ~` comes as `rx=<hex of its UTF-8>`, because smsbox expands `%`).
public struct KannelDeliveryReport: Sendable, Hashable {
    /// Posko's own message reference (`OutboundMessage.reference`).
    public var reference: String
    public var status: KannelDLRStatus
    /// SMSC reply text (`%A`), e.g. `ACK/` or `NACK/no SMSC`.
    public var smscReply: String?
    public var timestamp: Date?
    /// The handset the MT went to (`%p`).
    public var receiver: String?
    /// The MT sender (`%P`).
    public var sender: String?
    public var smscID: String?
    /// SMSC message id (`%F`), empty on the `8`.
    public var foreignID: String?
    /// The Posko channel the message went through (`ch=`), when the dlr-url names it.
    public var channel: String?

    public init(reference: String, status: KannelDLRStatus, smscReply: String? = nil, timestamp: Date? = nil,
                receiver: String? = nil, sender: String? = nil, smscID: String? = nil, foreignID: String? = nil,
                channel: String? = nil) {
        self.channel = channel
        self.reference = reference
        self.status = status
        self.smscReply = smscReply
        self.timestamp = timestamp
        self.receiver = receiver
        self.sender = sender
        self.smscID = smscID
        self.foreignID = foreignID
    }

    private static func hexBytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexDigit(digits[index]), let low = hexDigit(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Parses the query string (or whole request target) of a DLR callback.
    public static func parse(query: String) -> Result<KannelDeliveryReport, KannelCallbackError> {
        do throws(KannelCallbackError) {
            let q = try KannelQuery(query)
            let reference: String
            if q.bytes("ref") == nil, let hex = try q.string("rx", maxLength: 800) {
                guard let bytes = hexBytes(hex), let decoded = String(validating: bytes, as: UTF8.self), !decoded.isEmpty else {
                    throw KannelCallbackError(.invalidValue, field: "rx")
                }
                reference = decoded
            } else {
                reference = try q.required("ref", maxLength: 200)
            }
            let statusText = try q.required("st", maxLength: 4)
            guard let code = Int(statusText) else { throw KannelCallbackError(.invalidValue, field: "st") }
            guard let status = KannelDLRStatus(rawValue: code) else { throw KannelCallbackError(.unknownStatus, field: "st") }
            return .success(KannelDeliveryReport(
                reference: reference,
                status: status,
                smscReply: try q.optional("a"),
                timestamp: try q.unixTime("t"),
                receiver: try q.optional("p", maxLength: 64),
                sender: try q.optional("P", maxLength: 64),
                smscID: try q.optional("i", maxLength: 64),
                foreignID: try q.optional("F", maxLength: 200),
                channel: try q.optional("ch", maxLength: 100)
            ))
        } catch {
            return .failure(error)
        }
    }
}

/// An inbound SMS (MO) as Kannel's `sms-service` passes it to a `get-url` such as
/// `/mo?from=%p&to=%P&text=%a&smsc=%i&ts=%T&id=%I&coding=%c&charset=%C`.
public struct KannelInboundMessage: Sendable, Hashable {
    /// The handset that sent the SMS (`%p`), as the SMSC wrote it (`0812...`, `+62...`, `0062...`).
    public var from: String
    /// The number it was sent to (`%P`).
    public var to: String?
    /// The text, decoded to a Swift string (UTF-8, or UTF-16BE when Kannel runs without `mo-recode`).
    public var text: String
    public var smscID: String?
    public var timestamp: Date?
    /// Kannel's message id (`%I`).
    public var messageID: String?

    public init(from: String, to: String?, text: String, smscID: String? = nil, timestamp: Date? = nil, messageID: String? = nil) {
        self.from = from
        self.to = to
        self.text = text
        self.smscID = smscID
        self.timestamp = timestamp
        self.messageID = messageID
    }

    /// Longest text accepted (in bytes as received): well above a concatenated SMS.
    public static let maxTextBytes = 8 * 1024

    /// Parses the query string (or whole request target) of an MO callback.
    public static func parse(query: String) -> Result<KannelInboundMessage, KannelCallbackError> {
        do throws(KannelCallbackError) {
            let q = try KannelQuery(query)
            let from = try q.required("from", maxLength: 64)
            guard from.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace && $0.value >= 0x21 }) else {
                throw KannelCallbackError(.invalidValue, field: "from")
            }
            guard let raw = q.bytes("text") else { throw KannelCallbackError(.missing, field: "text") }
            guard raw.count <= maxTextBytes else { throw KannelCallbackError(.tooLong, field: "text") }
            let charset = (try q.optional("charset", maxLength: 32))?.uppercased()
            let coding = try q.optional("coding", maxLength: 4)
            let text: String
            switch charset {
            case "UTF-16BE", "UCS-2", "UCS2", "UTF-16":
                text = try decodeUTF16BE(raw)
            case nil, "UTF-8", "UTF8", "ISO-8859-1", "WINDOWS-1252", "ASCII", "US-ASCII":
                if coding == "2", charset == nil {
                    // No charset but UCS-2 coding: Kannel passed raw UTF-16BE bytes.
                    text = try decodeUTF16BE(raw)
                } else if let utf8 = String(validating: raw, as: UTF8.self) {
                    text = utf8
                } else if charset == "ISO-8859-1" || charset == "WINDOWS-1252" {
                    text = String(decoding: raw.map { UInt16($0) }, as: UTF16.self)
                } else {
                    throw KannelCallbackError(.invalidUTF8, field: "text")
                }
            default:
                throw KannelCallbackError(.unsupportedCharset, field: "charset")
            }
            return .success(KannelInboundMessage(
                from: from,
                to: try q.optional("to", maxLength: 64),
                text: text,
                smscID: try q.optional("smsc", maxLength: 64),
                timestamp: try q.unixTime("ts"),
                messageID: try q.optional("id", maxLength: 200)
            ))
        } catch {
            return .failure(error)
        }
    }

    private static func decodeUTF16BE(_ bytes: [UInt8]) throws(KannelCallbackError) -> String {
        guard bytes.count % 2 == 0 else { throw KannelCallbackError(.invalidValue, field: "text") }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = 0
        while index + 1 < bytes.count {
            units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        guard let text = String(validating: units, as: UTF16.self) else {
            throw KannelCallbackError(.invalidValue, field: "text")
        }
        return text
    }
}
