/// One kecamatan's contingency plan (rencana kontinjensi), as loaded from its YAML file.
public struct Playbook: Sendable, Equatable {
    public var file: String
    public var kecamatan: String
    public var nama: String
    public var versi: String?
    public var kontak: [Contact]
    public var pos: [Post]
    public var kader: [Cadre]
    public var eskalasi: [EscalationStep]
}

public enum ContactRole: String, CaseIterable, Sendable, Codable {
    case camat, lurah, bpbd, sekcam, puskesmas, dinsos
}

public struct Contact: Sendable, Equatable, Codable {
    public var peran: ContactRole
    public var nama: String?
    public var kelurahan: String?
    /// E.164, normalised.
    public var telepon: String?
    /// A webhook endpoint named in the configuration.
    public var webhook: String?
    public var location: SourceLocation
}

/// Daily capacity and normal demand of one SPM field at one post.
public struct ServiceLoad: Sendable, Equatable, Codable {
    public var kapasitas: Int
    public var sasaran: Int
}

public struct Post: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    public var nama: String
    public var kelurahan: String
    public var kecamatan: String
    public var lokasi: Coordinate
    public var rawan: [Hazard]
    public var layanan: [Bidang: ServiceLoad]
    public var cadangan: [String]
    /// Where each `cadangan` entry is written, for errors about one fallback.
    public var cadanganAt: [SourceLocation]
    /// Check-in deadline during an emergency, in seconds.
    public var laporSetiap: Int
    public var location: SourceLocation
}

public struct Cadre: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    public var nama: String
    public var telepon: String
    public var pos: String
    public var keahlian: [Bidang]
    public var jangkauanKm: Double
    public var location: SourceLocation
}

public struct EscalationStep: Sendable, Equatable, Codable {
    /// Seconds after the alert was sent without acknowledgement.
    public var setelah: Int
    public var ke: ContactRole
}
