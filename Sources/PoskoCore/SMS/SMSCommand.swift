import Foundation

/// A command sent by SMS from a registered number.
///
/// Grammar (case-insensitive, any amount and kind of whitespace between words):
/// ```
/// LAPOR <pos> <bidang|SEMUA> <BUKA|TERGANGGU [sisa]|TUTUP> [catatan]
/// HADIR <pos> [catatan]
/// TIDAK HADIR [catatan]
/// OK <kode>
/// ```
public enum SMSCommand: Sendable, Hashable {
    /// A post reports the status of one SPM field or of all of them.
    case lapor(Report)
    /// A cadre reports for duty at a post.
    case hadir(pos: String, note: String?)
    /// A cadre cannot come.
    case tidakHadir(note: String?)
    /// Acknowledges the alert with this code (upper-cased).
    case ok(kode: String)

    /// Which fields a report covers.
    public enum Scope: Sendable, Hashable {
        case semua
        case bidang(Bidang)
    }

    /// Status keyword of a report. `buka` corresponds to the post status `berjalan`.
    public enum ReportStatus: String, Sendable, Hashable, CaseIterable {
        case buka
        case terganggu
        case tutup
    }

    public struct Report: Sendable, Hashable {
        /// Post identifier, lower-cased (`melati-1001-01`).
        public var pos: String
        public var scope: Scope
        public var status: ReportStatus
        /// Remaining capacity given after `TERGANGGU`: people (`TERGANGGU 40`), or a share of
        /// each field's kapasitas when `capacityIsPercent` (`TERGANGGU 40%`).
        public var remainingCapacity: Int?
        public var capacityIsPercent: Bool
        /// Free text after the status, whitespace collapsed; nil when absent.
        public var note: String?

        public init(pos: String, scope: Scope, status: ReportStatus, remainingCapacity: Int? = nil, capacityIsPercent: Bool = false,
                    note: String? = nil) {
            self.pos = pos
            self.scope = scope
            self.status = status
            self.remainingCapacity = remainingCapacity
            self.capacityIsPercent = capacityIsPercent
            self.note = note
        }
    }

    /// The command word, for errors and audit entries.
    public enum Keyword: String, Sendable, Hashable, CaseIterable {
        case lapor = "LAPOR"
        case hadir = "HADIR"
        case tidakHadir = "TIDAK HADIR"
        case ok = "OK"
    }

    public var keyword: Keyword {
        switch self {
        case .lapor: .lapor
        case .hadir: .hadir
        case .tidakHadir: .tidakHadir
        case .ok: .ok
        }
    }
}

/// Why an SMS could not be parsed, with a short Indonesian help text to send back.
public struct SMSParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case empty
        case unknownCommand(String)
        case missingPos
        case invalidPos(String)
        case missingBidang
        case unknownBidang(String)
        case missingStatus
        case unknownStatus(String)
        case missingKode
        case invalidKode(String)
    }

    public var reason: Reason
    /// The command that was recognised, if any.
    public var command: SMSCommand.Keyword?

    public init(_ reason: Reason, command: SMSCommand.Keyword?) {
        self.reason = reason
        self.command = command
    }

    /// Reply text for the sender: Indonesian, GSM-7, one SMS.
    public var help: String {
        switch reason {
        case .empty, .unknownCommand:
            return SMSHelp.general
        case .missingPos, .invalidPos:
            let what = reason == .missingPos ? "ID posyandu belum ditulis. " : "ID posyandu tidak valid. "
            switch command {
            case .hadir: return what + SMSHelp.hadir
            default: return what + SMSHelp.lapor
            }
        case .missingBidang, .unknownBidang:
            return SMSHelp.bidang
        case .missingStatus, .unknownStatus:
            return SMSHelp.status
        case .missingKode, .invalidKode:
            return SMSHelp.ok
        }
    }

    public var description: String {
        switch reason {
        case .empty: "empty message"
        case .unknownCommand(let word): "unknown command \"\(word)\""
        case .missingPos: "\(command?.rawValue ?? "command"): missing post"
        case .invalidPos(let token): "\(command?.rawValue ?? "command"): invalid post \"\(token)\""
        case .missingBidang: "LAPOR: missing bidang"
        case .unknownBidang(let token): "LAPOR: unknown bidang \"\(token)\""
        case .missingStatus: "LAPOR: missing status"
        case .unknownStatus(let token): "LAPOR: unknown status \"\(token)\""
        case .missingKode: "OK: missing code"
        case .invalidKode(let token): "OK: invalid code \"\(token)\""
        }
    }
}

/// Help replies (Indonesian, GSM-7, each fits into one SMS).
public enum SMSHelp {
    public static let lapor = "Format: LAPOR <pos> <bidang|SEMUA> <BUKA|TERGANGGU|TUTUP> [catatan]"
    public static let hadir = "Format: HADIR <pos>"
    public static let tidakHadir = "Format: TIDAK HADIR [catatan]"
    public static let ok = "Format: OK <kode> (kode ada di pesan peringatan)"
    public static let general =
        "Perintah tidak dikenal. Kirim: LAPOR <pos> <bidang|SEMUA> <BUKA|TERGANGGU|TUTUP> [catatan], HADIR <pos>, TIDAK HADIR, atau OK <kode>"
    public static let bidang =
        "Bidang tidak dikenal. Pilih: pendidikan, kesehatan, pekerjaan_umum, perumahan_rakyat, trantibumlinmas, sosial, atau SEMUA"
    public static let status =
        "Status tidak dikenal. Pilih BUKA, TERGANGGU [sisa kapasitas] atau TUTUP. " + lapor
}

extension SMSCommand {
    /// Parses an inbound SMS. Never traps, whatever the text (emoji, control characters, any length).
    public static func parse(_ text: String) -> Result<SMSCommand, SMSParseError> {
        var words = SMSTokenizer.words(text)
        guard let first = words.first else { return .failure(SMSParseError(.empty, command: nil)) }
        // "Lapor:", "Ok,"; and a code written onto its keyword ("OK4YRV").
        var keyword = bare(first).lowercased()
        if keyword.count == 6, keyword.hasPrefix("ok"), isKode(String(keyword.dropFirst(2))) {
            words.insert(String(bare(first).dropFirst(2)), at: 1)
            keyword = "ok"
        }
        switch keyword {
        case "lapor":
            return parseLapor(Array(words.dropFirst()))
        case "hadir":
            return parseHadir(Array(words.dropFirst()))
        case "tidak", "tdk", "tak":
            if words.count >= 2, bare(words[1]).lowercased() == "hadir" {
                return .success(.tidakHadir(note: note(words.dropFirst(2))))
            }
            return .failure(SMSParseError(.unknownCommand(SMSTokenizer.clip(first)), command: nil))
        case "tidak_hadir", "tidak-hadir", "tidakhadir":
            return .success(.tidakHadir(note: note(words.dropFirst())))
        case "ok":
            return parseOK(Array(words.dropFirst()))
        default:
            return .failure(SMSParseError(.unknownCommand(SMSTokenizer.clip(first)), command: nil))
        }
    }

    private static func parseLapor(_ words: [String]) -> Result<SMSCommand, SMSParseError> {
        var index = 0
        guard index < words.count else { return .failure(SMSParseError(.missingPos, command: .lapor)) }
        guard var pos = normalizedPos(bare(words[index])) else {
            return .failure(SMSParseError(.invalidPos(SMSTokenizer.clip(words[index])), command: .lapor))
        }
        index += 1

        guard index < words.count else { return .failure(SMSParseError(.missingBidang, command: .lapor)) }
        let scope: Scope
        if let (parsed, used) = parseScope(words, at: index) {
            scope = parsed
            index += used
        } else if let (joined, parsed, next) = spacedPos(pos, words, at: index) {
            (pos, scope, index) = (joined, parsed, next)
        } else {
            return .failure(SMSParseError(.unknownBidang(SMSTokenizer.clip(words[index])), command: .lapor))
        }

        guard index < words.count else { return .failure(SMSParseError(.missingStatus, command: .lapor)) }
        let status: ReportStatus
        switch bare(words[index]).lowercased() {
        case "buka", "dibuka", "berjalan", "normal": status = .buka
        case "terganggu", "ganggu": status = .terganggu
        case "tutup", "ditutup": status = .tutup
        default:
            return .failure(SMSParseError(.unknownStatus(SMSTokenizer.clip(words[index])), command: .lapor))
        }
        index += 1

        var capacity: (value: Int, percent: Bool)?
        if status == .terganggu, index < words.count, let value = capacityValue(bare(words[index])) {
            capacity = value
            index += 1
        }
        let report = Report(pos: pos, scope: scope, status: status, remainingCapacity: capacity?.value,
                            capacityIsPercent: capacity?.percent ?? false, note: note(words[index...]))
        return .success(.lapor(report))
    }

    private static func parseHadir(_ words: [String]) -> Result<SMSCommand, SMSParseError> {
        guard let first = words.first else { return .failure(SMSParseError(.missingPos, command: .hadir)) }
        guard let pos = normalizedPos(bare(first)) else {
            return .failure(SMSParseError(.invalidPos(SMSTokenizer.clip(first)), command: .hadir))
        }
        return .success(.hadir(pos: pos, note: note(words.dropFirst())))
    }

    private static func parseOK(_ words: [String]) -> Result<SMSCommand, SMSParseError> {
        guard let word = words.first else { return .failure(SMSParseError(.missingKode, command: .ok)) }
        let first = bare(word)
        let valid = (1...32).contains(first.unicodeScalars.count)
            && first.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        guard valid else { return .failure(SMSParseError(.invalidKode(SMSTokenizer.clip(word)), command: .ok)) }
        return .success(.ok(kode: first.uppercased()))
    }

    /// A word without the punctuation a sentence puts after it ("tutup.", "Lapor:", "OK,");
    /// the word itself when it is nothing but punctuation.
    private static func bare(_ word: String) -> String {
        var s = Substring(word)
        while let last = s.last, ".,:;!?".contains(last) { s = s.dropLast() }
        return s.isEmpty ? word : String(s)
    }

    /// Four characters of the reply-code alphabet (see `AckCode`).
    private static func isKode(_ text: String) -> Bool {
        text.count == 4 && text.uppercased().allSatisfy { AckCode.alphabet.contains($0) }
    }

    /// A post id typed with spaces for its hyphens (`pahlawan 1`, `cengkeh turi 3`): up to three
    /// more words joined to `pos` with `-`, taken only when a field follows them.
    private static func spacedPos(_ pos: String, _ words: [String], at index: Int) -> (String, Scope, Int)? {
        var joined = pos
        var i = index
        while i < words.count, i < index + 3, let part = normalizedPos(bare(words[i])) {
            joined += "-" + part
            i += 1
            if i < words.count, let (scope, used) = parseScope(words, at: i) { return (joined, scope, i + used) }
        }
        return nil
    }

    /// `SEMUA`, a field name, or a field name written as two words or with a hyphen.
    private static func parseScope(_ words: [String], at index: Int) -> (Scope, Int)? {
        let one = fieldKey(bare(words[index]))
        if one == "semua" { return (.semua, 1) }
        // Two words first: `perumahan rakyat` is one field, `perumahan` alone its short name.
        if index + 1 < words.count {
            let two = one + "_" + fieldKey(bare(words[index + 1]))
            if let bidang = bidangByKey[two] { return (.bidang(bidang), 2) }
        }
        return bidangByKey[one].map { (.bidang($0), 1) }
    }

    private static func fieldKey(_ word: String) -> String {
        word.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    private static let bidangByKey: [String: Bidang] = {
        var map: [String: Bidang] = [:]
        for bidang in Bidang.allCases {
            map[bidang.rawValue] = bidang
            map[bidang.rawValue.replacingOccurrences(of: "_", with: "")] = bidang
        }
        // What cadres write in a hurry: the short names the SPM fields go by.
        let short: [String: Bidang] = [
            "pend": .pendidikan, "didik": .pendidikan, "kes": .kesehatan, "sehat": .kesehatan, "pu": .pekerjaanUmum,
            "perumahan": .perumahanRakyat, "rumah": .perumahanRakyat, "linmas": .trantibumlinmas, "trantib": .trantibumlinmas,
            "trantibum": .trantibumlinmas, "sos": .sosial,
        ]
        map.merge(short) { old, _ in old }
        return map
    }()

    /// Post identifiers: ASCII letters, digits, `-`, `_` (as in playbooks); at most 64 characters; lower-cased.
    private static func normalizedPos(_ word: String) -> String? {
        let scalars = word.unicodeScalars
        guard (1...64).contains(scalars.count) else { return nil }
        let allowed = scalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
        return allowed ? word.lowercased() : nil
    }

    /// `40` (people) or `40%` (of kapasitas): a remaining capacity, at most six digits.
    private static func capacityValue(_ word: String) -> (value: Int, percent: Bool)? {
        var digits = Substring(word)
        let percent = digits.hasSuffix("%")
        if percent { digits = digits.dropLast() }
        guard (1...6).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        return (value, percent)
    }

    private static func note<C: Collection>(_ words: C) -> String? where C.Element == String {
        words.isEmpty ? nil : words.joined(separator: " ")
    }
}

/// Splits SMS text into words, tolerant of what phones and gateways produce.
enum SMSTokenizer {
    /// NFKC (full-width letters and spaces become ASCII), then split at any Unicode whitespace,
    /// zero-width space, word joiner and byte-order mark.
    static func words(_ text: String) -> [String] {
        let normalized = text.precomposedStringWithCompatibilityMapping
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in normalized.unicodeScalars {
            if isSeparator(scalar) {
                if !current.isEmpty {
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                }
            } else if scalar.properties.generalCategory == .control {
                continue // stray control characters are dropped
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return true }
        switch scalar.value {
        case 0x200B, 0x2060, 0xFEFF, 0x180E: return true
        default: return false
        }
    }

    /// A user token quoted in an error: at most 24 characters.
    static func clip(_ word: String) -> String {
        word.count <= 24 ? word : String(word.prefix(24)) + "..."
    }
}
