import Foundation

/// A rejected request, naming the field at fault (for a 4xx with a JSON error body).
public struct RequestError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

public struct DeclareRequest: Codable, Sendable, Equatable, JSONRequestBody {
    public static let members: Set<String> = ["hazard", "areas", "status", "note"]
    public var hazard: String
    public var areas: [String]
    public var status: String?
    public var note: String?

    public init(hazard: String, areas: [String], status: String? = nil, note: String? = nil) {
        self.hazard = hazard
        self.areas = areas
        self.status = status
        self.note = note
    }

    public struct Valid: Sendable {
        public var hazard: Hazard
        public var areas: [String]
        public var status: EmergencyStatus
        public var note: String?
    }

    public func validate(in set: PlaybookSet) throws(RequestError) -> Valid {
        guard let h = Hazard(rawValue: hazard) else {
            throw RequestError(field: "hazard", "unknown hazard '\(hazard)' (expected one of: \(Hazard.names))")
        }
        let s = try EmergencyStatusText.parse(status ?? EmergencyStatus.siagaDarurat.rawValue, field: "status")
        return Valid(hazard: h, areas: try AreaList.validate(areas, in: set), status: s, note: try NoteText.validate(note))
    }
}

public struct ChangeRequest: Codable, Sendable, Equatable, JSONRequestBody {
    public static let members: Set<String> = ["status", "areas", "note"]
    public var status: String?
    public var areas: [String]?
    public var note: String?

    public init(status: String? = nil, areas: [String]? = nil, note: String? = nil) {
        self.status = status
        self.areas = areas
        self.note = note
    }
}

public struct ReportRequest: Codable, Sendable, Equatable, FlatJSONDecodable, JSONRequestBody {
    public static let members: Set<String> = ["post", "bidang", "status", "capacity", "note", "reporter"]
    public var post: String
    /// An SPM field, or `semua` for every field the post serves.
    public var bidang: String
    public var status: String
    public var capacity: Int?
    public var note: String?
    public var reporter: String?

    public init(post: String, bidang: String, status: String, capacity: Int? = nil, note: String? = nil, reporter: String? = nil) {
        self.post = post
        self.bidang = bidang
        self.status = status
        self.capacity = capacity
        self.note = note
        self.reporter = reporter
    }

    public init?(flat m: FlatJSON.Members) {
        guard let post = m.string("post"), let bidang = m.string("bidang"), let status = m.string("status"),
              let capacity = m.optionalInt("capacity"), let note = m.optionalString("note"),
              let reporter = m.optionalString("reporter") else { return nil }
        self.init(post: post, bidang: bidang, status: status, capacity: capacity, note: note, reporter: reporter)
    }

    /// The reports this request stands for (one per field).
    public func validate(in set: PlaybookSet, reporter defaultReporter: String, at: Date) throws(RequestError) -> [StatusReport] {
        let id = post.lowercased()
        guard let p = set.posts[id] else { throw RequestError(field: "post", "unknown post '\(post)'") }
        let fields: [Bidang]
        if bidang.lowercased() == "semua" {
            fields = p.layanan.keys.sorted()
        } else {
            guard let b = Bidang(rawValue: bidang.lowercased()) else {
                throw RequestError(field: "bidang", "unknown SPM field '\(bidang)' (expected one of: \(Bidang.names), semua)")
            }
            guard p.layanan[b] != nil else {
                throw RequestError(field: "bidang", "post '\(p.id)' does not serve \(b.rawValue)")
            }
            fields = [b]
        }
        guard let s = ServiceStatus(rawValue: status.lowercased()), ServiceStatus.reportable.contains(s) else {
            throw RequestError(field: "status", "unknown status '\(status)' (expected berjalan, terganggu or tutup)")
        }
        if let capacity {
            guard s == .terganggu else { throw RequestError(field: "capacity", "capacity is only reported with status terganggu") }
            guard capacity >= 0 else { throw RequestError(field: "capacity", "capacity must not be negative") }
            for f in fields where capacity > (p.layanan[f]?.kapasitas ?? 0) {
                throw RequestError(field: "capacity", "capacity \(capacity) exceeds the post's kapasitas \(p.layanan[f]?.kapasitas ?? 0) for \(f.rawValue)")
            }
        }
        let note = try NoteText.validate(note)
        let who = reporter.map { String($0.prefix(100)) } ?? defaultReporter
        return fields.map { StatusReport(postID: p.id, bidang: $0, status: s, capacity: capacity, reporter: who, note: note, at: at) }
    }
}

enum EmergencyStatusText {
    static func parse(_ text: String, field: String) throws(RequestError) -> EmergencyStatus {
        guard let s = EmergencyStatus(rawValue: text), EmergencyStatus.active.contains(s) else {
            throw RequestError(field: field, "unknown status '\(text)' (expected siaga_darurat, tanggap_darurat or transisi_darurat)")
        }
        return s
    }
}

enum NoteText {
    static func validate(_ note: String?) throws(RequestError) -> String? {
        guard let note else { return nil }
        guard note.count <= 500 else { throw RequestError(field: "note", "note is longer than 500 characters") }
        let trimmed = note.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

public enum AreaList {
    /// Kecamatan or kelurahan codes that a loaded playbook covers, sorted and unique.
    public static func validate(_ areas: [String], in set: PlaybookSet, field: String = "areas") throws(RequestError) -> [String] {
        guard !areas.isEmpty else { throw RequestError(field: field, "at least one kecamatan or kelurahan code is required") }
        guard areas.count <= 1000 else { throw RequestError(field: field, "too many areas (at most 1000)") }
        var out = Set<String>()
        for code in areas {
            guard let unit = set.wilayah[code] else {
                throw RequestError(field: field, "unknown wilayah code '\(code.prefix(40))'")
            }
            guard [.kecamatan, .kelurahan, .desa].contains(unit.level) else {
                throw RequestError(field: field, "'\(code)' is a \(unit.level.rawValue); give kecamatan or kelurahan codes")
            }
            guard let kec = set.kecamatan(of: code), set.playbook(kecamatan: kec) != nil else {
                throw RequestError(field: field, "no playbook is loaded for \(set.wilayah.label(code))")
            }
            out.insert(code)
        }
        return out.sorted()
    }
}

extension ChangeRequest {
    public func apply(to e: Emergency, in set: PlaybookSet, at: Date) throws(RequestError) -> Emergency {
        guard status != nil || areas != nil || note != nil else {
            throw RequestError(field: "status", "nothing to change: give status, areas or note")
        }
        var next = e
        if let status { next.status = try EmergencyStatusText.parse(status, field: "status") }
        if let areas {
            next.setAreas(try AreaList.validate(areas, in: set), at: at)
            next.capAreas = nil  // the operator's list now, CAP-added kelurahan included
        }
        if let note { next.note = try NoteText.validate(note) }
        // A change that changes nothing would only alert everyone that nothing changed (taking a
        // CAP-opened emergency, or the kelurahan a CAP alert added, over is a change of its own).
        if next.status == e.status, next.areas == e.areas, next.note == e.note, next.capAreas == e.capAreas, e.operatorOwned {
            throw RequestError(field: status != nil ? "status" : areas != nil ? "areas" : "note",
                               "nothing changes: emergency \(e.id) already has this status, these areas and this note")
        }
        next.updatedAt = at
        next.operatorOwned = true
        return next
    }
}
