import Foundation

extension FlowProblem {
    /// Parses the JSON problem format strictly: unknown or repeated keys, fractional numbers
    /// and trailing content are errors that name the line, column and JSON path.
    ///
    /// A hand-written reader because Foundation's decoder reports a fraction where an integer
    /// belongs as "not valid JSON" without a path, and because it is much faster on large files.
    /// Does not validate ids or ranges; ``MinCostFlow/solve(_:limits:)`` and ``validate()`` do.
    public static func decode(from data: Data) throws(FlowProblemError) -> FlowProblem {
        try decode(from: data, limit: maxInputBytes)
    }

    static func decode(from data: Data, limit: Int) throws(FlowProblemError) -> FlowProblem {
        if data.count > limit { throw .inputTooLarge(bytes: data.count, limit: limit) }
        let result: Result<FlowProblem, FlowProblemError> = data.withUnsafeBytes { raw in
            var reader = FlowJSONReader(bytes: raw.bindMemory(to: UInt8.self))
            do throws(FlowProblemError) {
                return .success(try reader.readProblem())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension FlowSolution {
    /// Compact JSON with keys in the documented order (`objective`, `flows`, `unmet`), so the
    /// output is byte-for-byte reproducible.
    public func jsonData() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(64 + flows.count * 40 + unmet.count * 24)
        func raw(_ s: String) { out.append(contentsOf: s.utf8) }
        raw("{\"objective\":\(objective),\"flows\":[")
        for (i, flow) in flows.enumerated() {
            if i > 0 { raw(",") }
            raw("{\"from\":")
            appendJSONString(flow.from, to: &out)
            raw(",\"to\":")
            appendJSONString(flow.to, to: &out)
            raw(",\"amount\":\(flow.amount)}")
        }
        raw("],\"unmet\":[")
        for (i, entry) in unmet.enumerated() {
            if i > 0 { raw(",") }
            raw("{\"id\":")
            appendJSONString(entry.id, to: &out)
            raw(",\"amount\":\(entry.amount)}")
        }
        raw("]}")
        return Data(out)
    }
}

private func appendJSONString(_ string: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            out.append(contentsOf: Array("\\u00".utf8))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}

/// Reader for exactly the problem shape; keeps just enough context to name the JSON path.
struct FlowJSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private var section: String? = nil
    private var element: Int? = nil
    private var key: String? = nil
    /// Where the last key read by `nextMember` starts, to point at it in key errors.
    private var keyStart = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { pos == bytes.count }

    mutating func readProblem() throws(FlowProblemError) -> FlowProblem {
        skipWhitespace()
        try beginObject()
        var supplies: [FlowProblem.Supply]? = nil
        var demands: [FlowProblem.Demand]? = nil
        var arcs: [FlowProblem.Arc]? = nil
        var unmetCost: Int? = nil
        var isFirst = true
        while let name = try nextMember(isFirst: &isFirst) {
            switch name {
            case "supplies":
                if supplies != nil { throw repeatedKey(name) }
                section = name
                supplies = try readArray { (reader: inout Self) throws(FlowProblemError) in try reader.readSupply() }
            case "demands":
                if demands != nil { throw repeatedKey(name) }
                section = name
                demands = try readArray { (reader: inout Self) throws(FlowProblemError) in try reader.readDemand() }
            case "arcs":
                if arcs != nil { throw repeatedKey(name) }
                section = name
                arcs = try readArray { (reader: inout Self) throws(FlowProblemError) in try reader.readArc() }
            case "unmet_cost":
                if unmetCost != nil { throw repeatedKey(name) }
                key = name
                unmetCost = try readInteger()
                key = nil
            default:
                throw unknownKey(name, expected: "supplies, demands, arcs, unmet_cost")
            }
            section = nil
        }
        guard let supplies else { throw missingKey("supplies") }
        guard let demands else { throw missingKey("demands") }
        guard let arcs else { throw missingKey("arcs") }
        guard let unmetCost else { throw missingKey("unmet_cost") }
        skipWhitespace()
        if pos < bytes.count { throw failure("unexpected \(describeNext()) after the problem object") }
        return FlowProblem(supplies: supplies, demands: demands, arcs: arcs, unmetCost: unmetCost)
    }

    private mutating func readSupply() throws(FlowProblemError) -> FlowProblem.Supply {
        var id: String? = nil
        var capacity: Int? = nil
        try beginObject()
        var isFirst = true
        while let name = try nextMember(isFirst: &isFirst) {
            key = name
            switch name {
            case "id":
                if id != nil { throw repeatedKey(name) }
                id = try readString()
            case "capacity":
                if capacity != nil { throw repeatedKey(name) }
                capacity = try readInteger()
            default:
                throw unknownKey(name, expected: "id, capacity")
            }
            key = nil
        }
        guard let id else { throw missingKey("id") }
        guard let capacity else { throw missingKey("capacity") }
        return FlowProblem.Supply(id: id, capacity: capacity)
    }

    private mutating func readDemand() throws(FlowProblemError) -> FlowProblem.Demand {
        var id: String? = nil
        var amount: Int? = nil
        try beginObject()
        var isFirst = true
        while let name = try nextMember(isFirst: &isFirst) {
            key = name
            switch name {
            case "id":
                if id != nil { throw repeatedKey(name) }
                id = try readString()
            case "amount":
                if amount != nil { throw repeatedKey(name) }
                amount = try readInteger()
            default:
                throw unknownKey(name, expected: "id, amount")
            }
            key = nil
        }
        guard let id else { throw missingKey("id") }
        guard let amount else { throw missingKey("amount") }
        return FlowProblem.Demand(id: id, amount: amount)
    }

    private mutating func readArc() throws(FlowProblemError) -> FlowProblem.Arc {
        var from: String? = nil
        var to: String? = nil
        var cost: Int? = nil
        var capacity: Int?? = nil
        try beginObject()
        var isFirst = true
        while let name = try nextMember(isFirst: &isFirst) {
            key = name
            switch name {
            case "from":
                if from != nil { throw repeatedKey(name) }
                from = try readString()
            case "to":
                if to != nil { throw repeatedKey(name) }
                to = try readString()
            case "cost":
                if cost != nil { throw repeatedKey(name) }
                cost = try readInteger()
            case "capacity":
                if capacity != nil { throw repeatedKey(name) }
                capacity = .some(try readIntegerOrNull())
            default:
                throw unknownKey(name, expected: "from, to, cost, capacity")
            }
            key = nil
        }
        guard let from else { throw missingKey("from") }
        guard let to else { throw missingKey("to") }
        guard let cost else { throw missingKey("cost") }
        return FlowProblem.Arc(from: from, to: to, cost: cost, capacity: capacity ?? nil)
    }

    private mutating func readArray<T>(
        _ readElement: (inout Self) throws(FlowProblemError) -> T
    ) throws(FlowProblemError) -> [T] {
        guard peek() == UInt8(ascii: "[") else { throw failure("expected an array, found \(describeNext())") }
        pos += 1
        var result: [T] = []
        var index = 0
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            pos += 1
            return result
        }
        while true {
            element = index
            skipWhitespace()
            result.append(try readElement(&self))
            skipWhitespace()
            element = nil
            switch peek() {
            case UInt8(ascii: ","):
                pos += 1
                index += 1
            case UInt8(ascii: "]"):
                pos += 1
                return result
            default:
                throw failure("expected ',' or ']' after element \(index), found \(describeNext())")
            }
        }
    }

    mutating func beginObject() throws(FlowProblemError) {
        guard peek() == UInt8(ascii: "{") else { throw failure("expected an object, found \(describeNext())") }
        pos += 1
    }

    /// The next key of the current object (positioned at its value), or nil after the closing brace.
    mutating func nextMember(isFirst: inout Bool) throws(FlowProblemError) -> String? {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if isFirst {
            isFirst = false
        } else {
            guard peek() == UInt8(ascii: ",") else { throw failure("expected ',' or '}', found \(describeNext())") }
            pos += 1
            skipWhitespace()
        }
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a key in quotes, found \(describeNext())") }
        keyStart = pos
        let name = try readString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after key \"\(name)\", found \(describeNext())") }
        pos += 1
        skipWhitespace()
        return name
    }

    mutating func readString() throws(FlowProblemError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string, found \(describeNext())") }
        let start = pos
        pos += 1
        let contentStart = pos
        var escaped = false
        while pos < bytes.count {
            let byte = bytes[pos]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw failure("control character in string; write it as an escape") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                pos += 1
            }
            pos += 1
        }
        guard pos < bytes.count else {
            pos = start
            throw failure("unterminated string")
        }
        let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<pos])
        pos += 1
        // Ids are nearly always ASCII, which needs no validation and skips the generic path.
        let decoded: String?
        if escaped {
            decoded = String(validating: try unescape(content, at: contentStart), as: UTF8.self)
        } else if content.allSatisfy({ $0 < 0x80 }) {
            decoded = String(decoding: content, as: UTF8.self)
        } else {
            decoded = String(validating: content, as: UTF8.self)
        }
        guard let string = decoded else {
            pos = start
            throw failure("string is not valid UTF-8")
        }
        return string
    }

    private mutating func unescape(_ content: UnsafeBufferPointer<UInt8>, at offset: Int) throws(FlowProblemError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= content.count else { return nil }
            var value: UInt32 = 0
            for byte in content[at..<at + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while i < content.count {
            let byte = content[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let code = i + 1 < content.count ? content[i + 1] : 0
            i += 2
            switch code {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else {
                    pos = offset + i - 2
                    throw failure("invalid \\u escape")
                }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= content.count,
                   content[i] == UInt8(ascii: "\\"), content[i + 1] == UInt8(ascii: "u"),
                   let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else {
                    pos = offset + i - 6
                    throw failure("\\u escape is an unpaired surrogate")
                }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                pos = offset + i - 2
                throw failure("invalid escape in string")
            }
        }
        return out
    }

    mutating func readIntegerOrNull() throws(FlowProblemError) -> Int? {
        if peek() == UInt8(ascii: "n") {
            if matches("null") {
                pos += 4
                return nil
            }
        }
        return try readInteger()
    }

    private mutating func readInteger() throws(FlowProblemError) -> Int {
        let start = pos
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard let firstDigit = peek(), isDigit(firstDigit) else {
            pos = start
            throw failure("expected an integer, found \(describeNext())")
        }
        var value = 0
        var overflow = false
        while let byte = peek(), isDigit(byte) {
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = next
            pos += 1
        }
        let isFraction = peek().map { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? false
        if isFraction || overflow {
            while let byte = peek(), isDigit(byte) || "+-.eE".utf8.contains(byte) { pos += 1 }
            let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
            pos = start
            throw failure(isFraction ? "expected an integer, found \(token)" : "number \(token) does not fit in 64 bits")
        }
        if firstDigit == UInt8(ascii: "0"), pos - start > (negative ? 2 : 1) {
            pos = start
            throw failure("numbers must not have leading zeros")
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    func peek() -> UInt8? {
        pos < bytes.count ? bytes[pos] : nil
    }

    private func matches(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard pos + utf8.count <= bytes.count else { return false }
        return bytes[pos..<pos + utf8.count].elementsEqual(utf8)
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { pos += 1 }
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "end of input" }
        switch byte {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        case UInt8(ascii: "t") where matches("true"), UInt8(ascii: "f") where matches("false"): return "a boolean"
        case UInt8(ascii: "n") where matches("null"): return "null"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        default: return "byte 0x\(String(byte, radix: 16))"
        }
    }

    private func path() -> String {
        var path = section ?? ""
        if let element { path += "[\(element)]" }
        if let key { path += path.isEmpty ? key : ".\(key)" }
        return path
    }

    private func failure(_ reason: String) -> FlowProblemError {
        var line = 1
        var column = 1
        for byte in bytes[0..<min(pos, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return .malformedJSON(path: path(), reason: reason, line: line, column: column)
    }

    private mutating func repeatedKey(_ name: String) -> FlowProblemError {
        key = nil
        pos = keyStart
        return failure("key \"\(name)\" appears twice")
    }

    private mutating func unknownKey(_ name: String, expected: String) -> FlowProblemError {
        key = nil
        pos = keyStart
        return failure("unknown key \"\(name)\" (expected \(expected))")
    }

    /// Called right after the closing brace; points at it.
    private mutating func missingKey(_ name: String) -> FlowProblemError {
        key = nil
        pos -= 1
        return failure("missing key \"\(name)\"")
    }
}
