/// The six SPM service fields a posyandu serves under Permendagri 13/2024.
public enum Bidang: String, CaseIterable, Codable, Sendable, Comparable, CustomStringConvertible {
    case pendidikan
    case kesehatan
    case pekerjaanUmum = "pekerjaan_umum"
    case perumahanRakyat = "perumahan_rakyat"
    case trantibumlinmas
    case sosial

    public static func < (lhs: Bidang, rhs: Bidang) -> Bool {
        lhs.order < rhs.order
    }

    private var order: Int { index }

    /// Position in `allCases` (0…5), for arrays indexed by field.
    public var index: Int {
        switch self {
        case .pendidikan: 0
        case .kesehatan: 1
        case .pekerjaanUmum: 2
        case .perumahanRakyat: 3
        case .trantibumlinmas: 4
        case .sosial: 5
        }
    }

    public var description: String { rawValue }

    /// Indonesian label for operator-facing texts.
    public var label: String {
        switch self {
        case .pendidikan: "pendidikan"
        case .kesehatan: "kesehatan"
        case .pekerjaanUmum: "pekerjaan umum"
        case .perumahanRakyat: "perumahan rakyat"
        case .trantibumlinmas: "trantibumlinmas"
        case .sosial: "sosial"
        }
    }

    public static let names: String = allCases.map(\.rawValue).joined(separator: ", ")
}
