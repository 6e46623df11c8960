import Foundation
import PoskoCore

/// Plan lines written as JSON directly, for the chunks `PlanArchive` stores: the document
/// `JSONEncoder` would write (keys sorted, nil optionals left out) without building its
/// intermediate tree first (encoding the chunks a re-plan rebuilt was a tenth of a province
/// drill). Read back with `JSONDecoder` as before.
protocol PlanLineJSON: Encodable {
    func writeJSON(_ o: inout JSONLineWriter) throws
}

extension PlanLineJSON {
    /// A chunk of lines as a JSON array.
    static func json(_ lines: [Self]) throws -> String {
        var w = JSONLineWriter()
        w.bytes.reserveCapacity(lines.count * 256)
        w.bytes.append(UInt8(ascii: "["))
        // By index: the lines are read where they are (iterating copied each, retaining its texts).
        for i in lines.indices {
            if i > 0 { w.bytes.append(UInt8(ascii: ",")) }
            w.bytes.append(UInt8(ascii: "{"))
            w.first = true
            try lines[i].writeJSON(&w)
            w.bytes.append(UInt8(ascii: "}"))
        }
        w.bytes.append(UInt8(ascii: "]"))
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

/// Writes the fields of one JSON object, in the order called.
struct JSONLineWriter {
    struct NonFinite: Error, CustomStringConvertible {
        var key: String
        var description: String { "cannot store a non-finite number for '\(key)'" }
    }

    fileprivate var bytes: [UInt8] = []
    fileprivate var first = true

    private mutating func key(_ k: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ k: StaticString, _ value: String) {
        key(k)
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
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
    }

    mutating func string(_ k: StaticString, _ value: String?) {
        if let value { string(k, value) }
    }

    mutating func int(_ k: StaticString, _ value: Int) {
        key(k)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func int(_ k: StaticString, _ value: Int?) {
        if let value { int(k, value) }
    }

    /// Shortest text that reads back as the same `Double`.
    mutating func double(_ k: StaticString, _ value: Double) throws {
        guard value.isFinite else { throw NonFinite(key: "\(k)") }
        key(k)
        bytes.append(contentsOf: value.description.utf8)
    }
}

extension PlanAssignment: PlanLineJSON {
    func writeJSON(_ o: inout JSONLineWriter) throws {
        o.int("amount", amount)
        o.string("bidang", bidang.rawValue)
        try o.double("distanceKm", distanceKm)
        o.int("fallbackRank", fallbackRank)
        o.string("from", from)
        o.string("fromKelurahan", fromKelurahan)
        o.string("overrideID", overrideID)
        o.string("reason", reason)
        o.string("to", to)
        o.string("toKelurahan", toKelurahan)
    }
}

extension PlanCadreAssignment: PlanLineJSON {
    func writeJSON(_ o: inout JSONLineWriter) throws {
        o.string("bidang", bidang.rawValue)
        o.string("cadreID", cadreID)
        try o.double("distanceKm", distanceKm)
        o.string("home", home)
        o.string("homeKelurahan", homeKelurahan)
        o.string("nama", nama)
        o.string("reason", reason)
        o.string("to", to)
        o.string("toKelurahan", toKelurahan)
    }
}

extension PlanUnmet: PlanLineJSON {
    func writeJSON(_ o: inout JSONLineWriter) throws {
        o.int("amount", amount)
        o.string("bidang", bidang.rawValue)
        o.string("blocker", blocker.rawValue)
        o.string("kelurahan", kelurahan)
        o.string("post", post)
        o.string("reason", reason)
    }
}

extension PlanCadreShortage: PlanLineJSON {
    func writeJSON(_ o: inout JSONLineWriter) throws {
        o.int("assigned", assigned)
        o.string("bidang", bidang.rawValue)
        o.string("kelurahan", kelurahan)
        o.int("needed", needed)
        o.string("post", post)
        o.string("reason", reason)
    }
}
