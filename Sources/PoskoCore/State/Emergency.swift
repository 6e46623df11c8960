import Foundation

/// BNPB emergency status (status keadaan darurat bencana).
public enum EmergencyStatus: String, CaseIterable, Codable, Sendable, Comparable {
    case siagaDarurat = "siaga_darurat"
    case tanggapDarurat = "tanggap_darurat"
    case transisiDarurat = "transisi_darurat"
    case selesai

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public var label: String {
        switch self {
        case .siagaDarurat: "Siaga Darurat"
        case .tanggapDarurat: "Tanggap Darurat"
        case .transisiDarurat: "Transisi Darurat"
        case .selesai: "Selesai"
        }
    }

    /// Statuses an operator may set on a running emergency (ending is its own action).
    public static let active: [EmergencyStatus] = [.siagaDarurat, .tanggapDarurat, .transisiDarurat]
}

/// A declared emergency: a hazard over an area, at a BNPB status, until ended.
public struct Emergency: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var hazard: Hazard
    public var status: EmergencyStatus
    /// Kemendagri codes (kecamatan and/or kelurahan), sorted.
    public var areas: [String]
    public var declaredAt: Date
    public var updatedAt: Date
    public var endedAt: Date?
    public var note: String?
    /// Where it came from: `operator:<name>` or `cap:<sender>/<identifier>`.
    public var source: String
    /// CAP alerts that opened or widened it (identifier list), for Update/Cancel.
    public var capIdentifiers: [String]
    /// Set when an operator changed a CAP-opened emergency: a CAP Cancel no longer withdraws it.
    public var operatorOwned: Bool
    /// Part of a drill (latihan): never mixed with real emergencies.
    public var exercise: Bool
    /// When the CAP alerts behind it expire; past this (plus a grace time) a CAP-owned
    /// emergency is lowered.
    public var capExpires: Date?
    /// Kelurahan BMKG CAP alerts added to an operator's emergency: they leave it again when those
    /// alerts expire (past `capExpires` plus the grace time), unless the operator has set the
    /// areas since. Nil when there are none.
    public var capAreas: [String]?
    /// When each area added after the declaration came under the emergency; an area not listed
    /// has been covered since `declaredAt`. Nil when none was added. A post's first check-in is
    /// due `lapor_setiap` after its kelurahan came under the emergency, not after the declaration.
    public var areasAddedAt: [String: Date]?

    public init(id: String, hazard: Hazard, status: EmergencyStatus, areas: [String], declaredAt: Date,
                note: String? = nil, source: String, capIdentifiers: [String] = [], operatorOwned: Bool = true,
                exercise: Bool = false) {
        self.id = id
        self.hazard = hazard
        self.status = status
        self.areas = areas.sorted()
        self.declaredAt = declaredAt
        self.updatedAt = declaredAt
        self.note = note
        self.source = source
        self.capIdentifiers = capIdentifiers
        self.operatorOwned = operatorOwned
        self.exercise = exercise
    }

    public var isActive: Bool { status != .selesai }

    /// Replaces the areas: one not covered before is covered from `at`; one taken out and added
    /// again later counts from its return.
    public mutating func setAreas(_ new: [String], at: Date) {
        let old = Set(areas), kept = Set(new)
        var added = (areasAddedAt ?? [:]).filter { kept.contains($0.key) }
        for code in kept where !old.contains(code) { added[code] = at }
        areas = kept.sorted()
        areasAddedAt = added.isEmpty ? nil : added
    }

    /// Since when an area listed in `areas` has been covered.
    func coveredSince(area code: String) -> Date { areasAddedAt?[code] ?? declaredAt }

    /// Who opened it and still owns it: a live drill, a BMKG CAP alert, or an operator (who also
    /// owns a CAP-opened emergency once they change it).
    public enum Origin: String, Sendable { case latihan, cap, `operator` }

    public var origin: Origin {
        if exercise { return .latihan }
        return source.hasPrefix("cap:") && !operatorOwned ? .cap : .`operator`
    }

    /// Whether the emergency covers a kelurahan (listed itself, or its kecamatan or kota is).
    public func covers(kelurahan: String) -> Bool {
        Self.enclosingCodes(kelurahan).contains { areas.contains(String($0)) }
    }

    /// Whether the emergency shares ground with an area: the same code, or one inside the other.
    public func overlaps(_ code: String) -> Bool {
        areas.contains { a in a == code || code.hasPrefix(a + ".") || a.hasPrefix(code + ".") }
    }

    /// A code and every code above it: `12.75.02.1001` → `12`, `12.75`, `12.75.02`, `12.75.02.1001`.
    static func enclosingCodes(_ code: String) -> [Substring] {
        var out: [Substring] = []
        var index = code.startIndex
        while let dot = code[index...].firstIndex(of: ".") {
            out.append(code[..<dot])
            index = code.index(after: dot)
        }
        out.append(code[...])
        return out
    }
}

/// The active emergencies over a kelurahan, and since when the first of them has covered it.
struct KelurahanCover {
    var emergencies: [Emergency]
    var since: Date?
}

/// Which active emergencies cover a kelurahan, from sets of their areas and remembered per
/// kelurahan (an emergency may name hundreds of kecamatan; posts share kelurahan).
struct EmergencyCover {
    let emergencies: [Emergency]
    private let areaSets: [Set<Substring>]
    private var memo: [String: KelurahanCover] = [:]

    init(_ emergencies: [Emergency]) {
        self.emergencies = emergencies
        areaSets = emergencies.map { Set($0.areas.map { Substring($0) }) }
    }

    private var last: (kelurahan: String, cover: KelurahanCover)?

    mutating func covering(_ kelurahan: String) -> KelurahanCover {
        // Callers go post by post, and a kelurahan's posts mostly come in a row.
        if let last, last.kelurahan == kelurahan { return last.cover }
        if let known = memo[kelurahan] {
            last = (kelurahan, known)
            return known
        }
        let codes = Emergency.enclosingCodes(kelurahan)
        var found: [Emergency] = []
        var since: Date?
        for i in emergencies.indices {
            for code in codes where areaSets[i].contains(code) {
                let from = emergencies[i].coveredSince(area: String(code))
                since = since.map { min($0, from) } ?? from
                if found.last?.id != emergencies[i].id { found.append(emergencies[i]) }
            }
        }
        let cover = KelurahanCover(emergencies: found, since: since)
        memo[kelurahan] = cover
        last = (kelurahan, cover)
        return cover
    }
}
