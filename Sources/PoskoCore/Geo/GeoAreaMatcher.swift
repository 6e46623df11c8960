import Foundation

/// One kelurahan a CAP area reaches, with the evidence and an operator-facing reason.
public struct KelurahanMatch: Sendable, Equatable {
    public enum Method: Sendable, Hashable {
        /// A Kemendagri geocode (value as written) naming the kelurahan or a unit containing it.
        case geocode(String)
        /// The area's polygon at this 0-based index intersects the kelurahan.
        case polygon(Int)
        /// The area's circle at this 0-based index reaches the kelurahan.
        case circle(Int)
        /// A name listed in areaDesc (as written) names the kelurahan or a unit containing it.
        case name(String)

        /// Most exact first: a code says what the sender meant; a name is a guess.
        var rank: Int {
            switch self {
            case .geocode: 0
            case .polygon: 1
            case .circle: 2
            case .name: 3
            }
        }

        var sortIndex: Int {
            switch self {
            case .polygon(let i), .circle(let i): i
            case .geocode, .name: 0
            }
        }

        var sortText: String {
            switch self {
            case .geocode(let s), .name(let s): s
            case .polygon, .circle: ""
            }
        }
    }

    public var code: String
    public var name: String
    public var kecamatanCode: String
    public var kecamatanName: String
    /// 0-based `<info>` index within the alert (0 when matching bare areas).
    public var infoIndex: Int
    /// 0-based `<area>` index within its info.
    public var areaIndex: Int
    public var areaDesc: String
    public var method: Method
    /// The kelurahan had no boundary, so its fallback points (posyandu locations) were tested.
    public var viaFallbackPoint: Bool
    /// Indonesian, for the emergency log and the operator, e.g.
    /// "poligon 34 dari peringatan BMKG memotong batas Kel. Jati Utomo".
    public var reason: String
}

/// Finds the kelurahan a CAP alert's areas reach: by Kemendagri geocode, by polygon or circle
/// against kelurahan boundaries (or fallback points where a boundary is missing), and by name.
/// Immutable after construction and safe to share; matching is pure and deterministic
/// (results sorted by kelurahan code).
public struct AreaMatcher: Sendable {
    public struct Kelurahan: Sendable, Equatable {
        /// Kemendagri code, `12.75.01.1001`.
        public var code: String
        public var name: String
        /// `12.75.01`
        public var kecamatanCode: String
        public var kecamatanName: String
        /// Empty when no boundary is known.
        public var boundary: [GeoPolygon]
        /// Used for polygon and circle tests only when `boundary` is empty (e.g. post locations).
        public var fallbackPoints: [Coordinate]

        public init(
            code: String, name: String, kecamatanCode: String, kecamatanName: String,
            boundary: [GeoPolygon] = [], fallbackPoints: [Coordinate] = []
        ) {
            self.code = code
            self.name = name
            self.kecamatanCode = kecamatanCode
            self.kecamatanName = kecamatanName
            self.boundary = boundary
            self.fallbackPoints = fallbackPoints
        }
    }

    /// When areaDesc names are used.
    public enum NameMatching: Sendable, Equatable {
        case never
        /// Only for an area with no polygon, no circle and no Kemendagri geocode. A BMKG
        /// nowcast's areaDesc is the whole province while its polygons are precise.
        case fallback
        case always
    }

    /// geocode valueNames (upper-cased, letters and digits only) whose undotted values
    /// (`1275`, `127501`, `1275011001`) are read as Kemendagri codes. Dotted values
    /// (`12.75.01`) are read as Kemendagri codes under any valueName.
    public static let defaultKemendagriValueNames: Set<String> = [
        "KEMENDAGRI", "KODEKEMENDAGRI", "KODEWILAYAH", "WILAYAH", "KODEWIL", "ADM", "MENDAGRI",
    ]

    struct Unit: Sendable {
        var level: GeoWilayahLevel
        var digits: String
        var name: String
    }

    private let kelurahan: [Kelurahan]
    private let units: [Unit]
    private let unitByDigits: [String: Int]
    private let nameIndex: [String: [Int]]
    private let kelurahanByPrefix: [String: [Int]]
    private let grid: GeoGridIndex
    private let nameMatching: NameMatching
    private let kemendagriValueNames: Set<String>

    /// - Parameters:
    ///   - regionNames: names of larger units by code, e.g. `["12.75": "Kota Binjai"]`, so an
    ///     areaDesc naming the kota is understood (kecamatan names come from `kelurahan`).
    public init(
        kelurahan: [Kelurahan], regionNames: [String: String] = [:], nameMatching: NameMatching = .fallback,
        kemendagriValueNames: Set<String> = AreaMatcher.defaultKemendagriValueNames
    ) {
        self.kelurahan = kelurahan
        self.nameMatching = nameMatching
        self.kemendagriValueNames = kemendagriValueNames

        var units: [Unit] = []
        var unitByDigits: [String: Int] = [:]
        var aliases: [(Int, String)] = []
        func addUnit(_ level: GeoWilayahLevel, _ digits: String, _ name: String) {
            if let existing = unitByDigits[digits] {
                aliases.append((existing, name))
            } else {
                unitByDigits[digits] = units.count
                units.append(Unit(level: level, digits: digits, name: name))
            }
        }
        var byPrefix: [String: [Int]] = [:]
        for (i, k) in kelurahan.enumerated() {
            let digits = Self.digits(k.code)
            addUnit(.kelurahan, digits, k.name)
            addUnit(.kecamatan, Self.digits(k.kecamatanCode), k.kecamatanName)
            for length in [2, 4, 6, 10] where digits.count >= length {
                byPrefix[String(digits.prefix(length)), default: []].append(i)
            }
        }
        for (code, name) in regionNames.sorted(by: { $0.key < $1.key }) {
            let digits = Self.digits(code)
            guard let level = GeoWilayahLevel(digitCount: digits.count) else { continue }
            addUnit(level, digits, name)
        }
        var nameIndex: [String: [Int]] = [:]
        for (u, unit) in units.enumerated() {
            for key in GeoWilayahName.keys(forName: unit.name) where !(nameIndex[key]?.contains(u) ?? false) {
                nameIndex[key, default: []].append(u)
            }
        }
        for (u, alias) in aliases {
            for key in GeoWilayahName.keys(forName: alias) where !(nameIndex[key]?.contains(u) ?? false) {
                nameIndex[key, default: []].append(u)
            }
        }
        self.units = units
        self.unitByDigits = unitByDigits
        self.nameIndex = nameIndex
        self.kelurahanByPrefix = byPrefix
        self.grid = GeoGridIndex(boxes: kelurahan.map { k in
            k.boundary.isEmpty
                ? BoundingBox(points: k.fallbackPoints)
                : k.boundary.dropFirst().reduce(k.boundary[0].bounds) { $0.union($1.bounds) }
        })
    }

    /// Builds the kelurahan list's boundaries from GeoJSON features, joined on the code.
    /// Kelurahan without a feature keep what they had (e.g. fallback points).
    public static func attach(_ boundaries: [GeoBoundary], to kelurahan: [Kelurahan]) -> [Kelurahan] {
        var byCode: [String: [GeoPolygon]] = [:]
        for b in boundaries { byCode[digits(b.kode), default: []] += b.polygons }
        return kelurahan.map { k in
            var k = k
            if let polygons = byCode[digits(k.code)], !polygons.isEmpty { k.boundary = polygons }
            return k
        }
    }

    // MARK: - Matching

    /// One match per kelurahan reached by any info of the alert: the most exact evidence.
    public func match(_ alert: CAPAlert) -> [KelurahanMatch] { strongest(allMatches(alert)) }

    /// Every piece of evidence (a kelurahan may appear once per polygon, geocode, ...).
    public func allMatches(_ alert: CAPAlert) -> [KelurahanMatch] {
        let source = Self.sourceLabel(alert)
        var out: [KelurahanMatch] = []
        for (i, info) in alert.infos.enumerated() {
            collect(info.areas, infoIndex: i, source: source, into: &out)
        }
        return sorted(out)
    }

    /// One match per kelurahan for bare areas. `source` names the sender in reasons ("BMKG").
    public func match(areas: [CAPArea], infoIndex: Int = 0, source: String? = nil) -> [KelurahanMatch] {
        strongest(allMatches(areas: areas, infoIndex: infoIndex, source: source))
    }

    public func allMatches(areas: [CAPArea], infoIndex: Int = 0, source: String? = nil) -> [KelurahanMatch] {
        var out: [KelurahanMatch] = []
        collect(areas, infoIndex: infoIndex, source: source, into: &out)
        return sorted(out)
    }

    private func collect(_ areas: [CAPArea], infoIndex: Int, source: String?, into out: inout [KelurahanMatch]) {
        let from = source.map { "dari peringatan \($0)" } ?? "dari peringatan"
        var scratch = GeoGridIndex.Scratch(count: grid.itemCount)
        for (a, area) in areas.enumerated() {
            let at = areas.count > 1 ? " (area \(a + 1) \"\(area.areaDesc)\")" : ""
            func add(_ k: Int, _ method: KelurahanMatch.Method, viaPoint: Bool, _ reason: String) {
                let kel = kelurahan[k]
                out.append(KelurahanMatch(
                    code: kel.code, name: kel.name, kecamatanCode: kel.kecamatanCode, kecamatanName: kel.kecamatanName,
                    infoIndex: infoIndex, areaIndex: a, areaDesc: area.areaDesc, method: method,
                    viaFallbackPoint: viaPoint, reason: reason
                ))
            }

            var sawKemendagriCode = false
            for geocode in area.geocodes {
                guard let digits = kemendagriDigits(geocode) else { continue }
                sawKemendagriCode = true
                let unitLabel = unitByDigits[digits].map { " (\(units[$0].level.label(units[$0].name)))" } ?? ""
                for k in kelurahanByPrefix[digits] ?? [] {
                    let kel = kelurahan[k]
                    let reason = digits.count == 10
                        ? "kode wilayah \(geocode.value) \(from)\(at) menunjuk Kel. \(kel.name)"
                        : "kode wilayah \(geocode.value)\(unitLabel) \(from)\(at) mencakup Kel. \(kel.name)"
                    add(k, .geocode(geocode.value), viaPoint: false, reason)
                }
            }

            for (p, points) in area.polygons.enumerated() {
                guard let ring = GeoRing(points) else { continue }
                for k in grid.candidates(in: ring.bounds, scratch: &scratch) {
                    let kel = kelurahan[k]
                    if kel.boundary.isEmpty {
                        if kel.fallbackPoints.contains(where: { Geo.contains(ring, $0) }) {
                            add(k, .polygon(p), viaPoint: true,
                                "poligon \(p + 1) \(from)\(at) mencakup titik pos di Kel. \(kel.name) (batas kelurahan tidak tersedia)")
                        }
                    } else if kel.boundary.contains(where: { Geo.intersects(ring, $0) }) {
                        add(k, .polygon(p), viaPoint: false, "poligon \(p + 1) \(from)\(at) memotong batas Kel. \(kel.name)")
                    }
                }
            }

            for (c, circle) in area.circles.enumerated() {
                let radius = "radius \(CAPGeometryText.decimal(circle.radiusKm)) km"
                for k in grid.candidates(in: circle.bounds, scratch: &scratch) {
                    let kel = kelurahan[k]
                    if kel.boundary.isEmpty {
                        if kel.fallbackPoints.contains(where: { Geo.contains(circle, $0) }) {
                            add(k, .circle(c), viaPoint: true,
                                "lingkaran \(c + 1) (\(radius)) \(from)\(at) mencakup titik pos di Kel. \(kel.name) (batas kelurahan tidak tersedia)")
                        }
                    } else if kel.boundary.contains(where: { Geo.intersects(circle, $0) }) {
                        add(k, .circle(c), viaPoint: false, "lingkaran \(c + 1) (\(radius)) \(from)\(at) menjangkau Kel. \(kel.name)")
                    }
                }
            }

            let useNames: Bool
            switch nameMatching {
            case .never: useNames = false
            case .always: useNames = true
            case .fallback: useNames = area.polygons.isEmpty && area.circles.isEmpty && !sawKemendagriCode
            }
            guard useNames else { continue }
            for (text, unit) in namedUnits(area.areaDesc) {
                let u = units[unit]
                for k in kelurahanByPrefix[u.digits] ?? [] {
                    let kel = kelurahan[k]
                    let what = u.level == .kelurahan
                        ? "Kel. \(kel.name)"
                        : "\(u.level.label(u.name)), yang mencakup Kel. \(kel.name)"
                    add(k, .name(text), viaPoint: false, "nama \"\(text)\" pada area \"\(area.areaDesc)\" \(from) cocok dengan \(what)")
                }
            }
        }
    }

    /// Units an areaDesc names. A name that reads as the enclosing unit of another listed name
    /// is context, not a target ("Kel. Jati Utomo, Kec. Binjai Utara" is one kelurahan); a name
    /// that fits several units keeps those inside a context unit, else the largest level —
    /// over-warning a kota beats missing it.
    func namedUnits(_ areaDesc: String) -> [(text: String, unit: Int)] {
        let segments = GeoWilayahName.segments(areaDesc)
        let candidates = segments.map { lookup($0.tokens) }
        func encloses(_ outer: Int, _ inner: Int) -> Bool {
            let o = units[outer].digits
            let i = units[inner].digits
            return i.count > o.count && i.hasPrefix(o)
        }
        var context = Set<Int>()
        for (s, cands) in candidates.enumerated() {
            for u in cands {
                let enclosesOther = candidates.enumerated().contains { t, others in
                    t != s && others.contains { encloses(u, $0) }
                }
                if enclosesOther { context.insert(u) }
            }
        }
        var result: [(String, Int)] = []
        for (s, cands) in candidates.enumerated() where !cands.isEmpty {
            if cands.contains(where: context.contains) { continue }
            var chosen = cands
            let inside = chosen.filter { u in context.contains { encloses($0, u) } }
            if !inside.isEmpty { chosen = inside }
            if let top = chosen.map({ units[$0].level }).min() {
                chosen = chosen.filter { units[$0].level == top }
            }
            for u in chosen.sorted(by: { units[$0].digits < units[$1].digits }) { result.append((segments[s].text, u)) }
        }
        return result
    }

    private func lookup(_ tokens: [String]) -> [Int] {
        if let exact = nameIndex[GeoWilayahName.key(tokens)] { return exact }
        guard tokens.count > 1, let level = GeoWilayahName.levelPrefixes[tokens[0]] else { return [] }
        return (nameIndex[GeoWilayahName.key(tokens.dropFirst())] ?? []).filter { units[$0].level == level }
    }

    /// The digits of a Kemendagri code in a geocode, or nil when the geocode is something else.
    func kemendagriDigits(_ geocode: CAPValuePair) -> String? {
        let value = geocode.value.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        let allDigits = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard allDigits else { return nil }
        if parts.count > 1 {
            let shape = parts.map(\.count)
            guard [[2, 2], [2, 2, 2], [2, 2, 2, 4]].contains(shape) else { return nil }
            return parts.joined()
        }
        let name = String(geocode.valueName.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
        guard kemendagriValueNames.contains(name), GeoWilayahLevel(digitCount: value.count) != nil else { return nil }
        return value
    }

    // MARK: - Helpers

    static func digits(_ code: String) -> String { code.filter { $0.isASCII && $0.isNumber } }

    /// Short sender name for reasons: "BMKG" for BMKG, else the sender's own name.
    static func sourceLabel(_ alert: CAPAlert) -> String {
        let senderName = alert.infos.first?.senderName
        let haystack = (alert.sender + " " + (senderName ?? "")).lowercased()
        if haystack.contains("bmkg") || haystack.contains("meteorologi klimatologi") { return "BMKG" }
        if haystack.contains("bnpb") { return "BNPB" }
        return senderName ?? alert.sender
    }

    private func sorted(_ matches: [KelurahanMatch]) -> [KelurahanMatch] {
        matches.sorted { a, b in
            if a.code != b.code { return a.code < b.code }
            if a.method.rank != b.method.rank { return a.method.rank < b.method.rank }
            if a.viaFallbackPoint != b.viaFallbackPoint { return !a.viaFallbackPoint }
            if a.infoIndex != b.infoIndex { return a.infoIndex < b.infoIndex }
            if a.areaIndex != b.areaIndex { return a.areaIndex < b.areaIndex }
            if a.method.sortIndex != b.method.sortIndex { return a.method.sortIndex < b.method.sortIndex }
            return a.method.sortText < b.method.sortText
        }
    }

    /// Input sorted by code then strength: keep the first per code.
    private func strongest(_ sortedMatches: [KelurahanMatch]) -> [KelurahanMatch] {
        var out: [KelurahanMatch] = []
        for m in sortedMatches where out.last?.code != m.code { out.append(m) }
        return out
    }
}
