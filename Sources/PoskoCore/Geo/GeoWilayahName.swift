import Foundation

/// Administrative levels, largest first.
enum GeoWilayahLevel: Int, Sendable, Comparable, CaseIterable {
    case provinsi = 0, kota = 1, kecamatan = 2, kelurahan = 3

    static func < (lhs: GeoWilayahLevel, rhs: GeoWilayahLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Level of a Kemendagri code by its digit count (12 / 12.75 / 12.75.01 / 12.75.01.1001).
    init?(digitCount: Int) {
        switch digitCount {
        case 2: self = .provinsi
        case 4: self = .kota
        case 6: self = .kecamatan
        case 10: self = .kelurahan
        default: return nil
        }
    }

    /// How an operator-facing text names a unit of this level, e.g. "Kec. Binjai Utara".
    func label(_ name: String) -> String {
        switch self {
        case .provinsi: "Provinsi \(name)"
        case .kota: name
        case .kecamatan: "Kec. \(name)"
        case .kelurahan: "Kel. \(name)"
        }
    }
}

/// Comparing place names the way warnings write them: "KEC. BINJAI UTARA", "Binjai  Utara",
/// "Kel. Sumber Mulyo Rejo", "PULAU-PULAU BATU", "Sogae'adu".
enum GeoWilayahName {
    /// Prefix words that say which level a name is, and are not part of it.
    static let levelPrefixes: [String: GeoWilayahLevel] = [
        "provinsi": .provinsi, "prov": .provinsi,
        "kota": .kota, "kab": .kota, "kabupaten": .kota,
        "kecamatan": .kecamatan, "kec": .kecamatan,
        "kelurahan": .kelurahan, "kel": .kelurahan, "desa": .kelurahan,
    ]

    /// Lowercased, diacritics folded, split on everything that is not a letter or digit.
    static func tokens(_ text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var result: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Spacing- and punctuation-insensitive key.
    static func key(_ tokens: some Collection<String>) -> String { tokens.joined() }

    /// The keys a unit's own name is known under: as written, and without a level prefix
    /// ("Kota Binjai" is also "Binjai").
    static func keys(forName name: String) -> [String] {
        let t = tokens(name)
        guard !t.isEmpty else { return [] }
        var keys = [key(t)]
        if t.count > 1, levelPrefixes[t[0]] != nil { keys.append(key(t.dropFirst())) }
        return keys
    }

    /// An areaDesc split into the names it lists: commas, semicolons, slashes, brackets,
    /// line breaks, "&" and the word "dan" separate names.
    static func segments(_ areaDesc: String) -> [(text: String, tokens: [String])] {
        let separators = CharacterSet(charactersIn: ",;/()[]&\n\r")
        var result: [(String, [String])] = []
        for piece in areaDesc.components(separatedBy: separators) {
            var words: [Substring] = []
            func flush() {
                let text = words.joined(separator: " ")
                let t = tokens(text)
                if !t.isEmpty { result.append((text, t)) }
                words = []
            }
            for word in piece.split(whereSeparator: \.isWhitespace) {
                if word.lowercased() == "dan" { flush() } else { words.append(word) }
            }
            flush()
        }
        return result
    }
}
