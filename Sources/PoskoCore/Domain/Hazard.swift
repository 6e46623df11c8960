/// Hazards a post can be exposed to (`rawan`) and an emergency can declare.
public enum Hazard: String, CaseIterable, Codable, Sendable, Comparable, CustomStringConvertible {
    case banjir
    case banjirBandang = "banjir_bandang"
    case tanahLongsor = "tanah_longsor"
    case gempaBumi = "gempa_bumi"
    case anginKencang = "angin_kencang"
    case kebakaran
    case cuacaEkstrem = "cuaca_ekstrem"
    case kekeringan
    case tsunami
    case erupsi

    public static func < (lhs: Hazard, rhs: Hazard) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
    public var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    public static let names: String = allCases.map(\.rawValue).joined(separator: ", ")
}
