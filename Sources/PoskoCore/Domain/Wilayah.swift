/// A kecamatan or kelurahan from the Kemendagri code table.
public struct WilayahUnit: Sendable, Hashable, Codable {
    public enum Level: String, Sendable, Codable { case provinsi, kota, kabupaten, kecamatan, kelurahan, desa }

    public var code: String
    public var name: String
    public var level: Level
    public var parent: String
    public var centroid: Coordinate?
}

/// The wilayah codes Posko knows. Playbooks may only name codes from this table.
public struct WilayahTable: Sendable {
    public private(set) var units: [String: WilayahUnit] = [:] {
        didSet { kelurahanByKecamatan = Self.index(units) }
    }
    /// Kelurahan and desa by parent code, sorted by code (a province has thousands).
    private var kelurahanByKecamatan: [String: [WilayahUnit]] = [:]

    public init(units: [WilayahUnit] = []) {
        var byCode: [String: WilayahUnit] = [:]
        for u in units { byCode[u.code] = u }
        self.init(byCode: byCode)
    }

    private init(byCode: [String: WilayahUnit]) {
        units = byCode
        kelurahanByKecamatan = Self.index(byCode)
    }

    private static func index(_ units: [String: WilayahUnit]) -> [String: [WilayahUnit]] {
        var out: [String: [WilayahUnit]] = [:]
        for u in units.values where u.level == .kelurahan || u.level == .desa { out[u.parent, default: []].append(u) }
        for key in out.keys { out[key]?.sort { $0.code < $1.code } }
        return out
    }

    /// Binjai's 5 kecamatan and 37 kelurahan.
    public static let binjai: WilayahTable = {
        // The embedded table is checked by a test; a parse failure here is a build defect.
        (try? WilayahTable.parseCSV(BinjaiWilayah.csv)) ?? WilayahTable()
    }()

    public struct CSVError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads `kode,nama,level,parent,lat,lon` rows (the format of shared/data/wilayah/binjai.csv).
    public static func parseCSV(_ text: String) throws(CSVError) -> WilayahTable {
        var units: [String: WilayahUnit] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: "\r")
            if line.isEmpty || (index == 0 && line.hasPrefix("kode,")) { continue }
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 4 else { throw CSVError(line: index + 1, message: "expected kode,nama,level,parent,lat,lon") }
            guard let level = WilayahUnit.Level(rawValue: cols[2]) else {
                throw CSVError(line: index + 1, message: "unknown level '\(cols[2])'")
            }
            var centroid: Coordinate?
            if cols.count >= 6, let lat = Double(cols[4]), let lon = Double(cols[5]) {
                centroid = Coordinate(lat: lat, lon: lon)
            }
            units[cols[0]] = WilayahUnit(code: cols[0], name: cols[1], level: level, parent: cols[3], centroid: centroid)
        }
        return WilayahTable(byCode: units)
    }

    public func merging(_ other: WilayahTable) -> WilayahTable {
        var units = self.units
        for (k, v) in other.units { units[k] = v }
        return WilayahTable(byCode: units)
    }

    public subscript(code: String) -> WilayahUnit? { units[code] }

    public var kecamatan: [WilayahUnit] { units.values.filter { $0.level == .kecamatan }.sorted { $0.code < $1.code } }

    public func kelurahan(in kecamatan: String) -> [WilayahUnit] {
        kelurahanByKecamatan[kecamatan] ?? []
    }

    /// "12.75.01.1001 (Pahlawan)" for messages.
    public func label(_ code: String) -> String {
        if let u = units[code] { return "\(code) (\(u.name))" }
        return code
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
