import Foundation

/// What a post reports for one SPM field.
public enum ServiceStatus: String, CaseIterable, Codable, Sendable {
    case berjalan
    case terganggu
    case tutup
    /// Derived, never reported: no report within the check-in deadline during an emergency.
    case tidakDiketahui = "tidak_diketahui"

    public static let reportable: [ServiceStatus] = [.berjalan, .terganggu, .tutup]
}

/// The latest report for one post and field.
public struct StatusReport: Codable, Sendable, Equatable {
    public var postID: String
    public var bidang: Bidang
    public var status: ServiceStatus
    /// Remaining daily capacity when `terganggu`.
    public var capacity: Int?
    public var reporter: String
    public var note: String?
    public var at: Date

    public init(postID: String, bidang: Bidang, status: ServiceStatus, capacity: Int? = nil,
                reporter: String, note: String? = nil, at: Date) {
        self.postID = postID
        self.bidang = bidang
        self.status = status
        self.capacity = capacity
        self.reporter = reporter
        self.note = note
        self.at = at
    }
}

public struct PostField: Hashable, Codable, Sendable, Comparable {
    public var postID: String
    public var bidang: Bidang

    public init(_ postID: String, _ bidang: Bidang) {
        self.postID = postID
        self.bidang = bidang
    }

    public static func < (a: Self, b: Self) -> Bool { (a.postID, a.bidang) < (b.postID, b.bidang) }
}

/// Everything the core needs to evaluate continuity at a moment: built by storage from the
/// current-state tables, or by a drill from its in-memory database.
public struct OperationalState: Sendable, Equatable {
    public var emergencies: [Emergency]
    public var reports: [PostField: StatusReport]
    /// Last report of any field per post (a check-in).
    public var lastCheckIn: [String: Date]
    /// Cadres who replied `TIDAK HADIR`.
    public var unavailableCadres: Set<String>
    /// Cadres who replied `HADIR <pos>`: available, preferably at that post.
    public var availableCadres: [String: String]

    public init(emergencies: [Emergency] = [], reports: [PostField: StatusReport] = [:], lastCheckIn: [String: Date] = [:],
                unavailableCadres: Set<String> = [], availableCadres: [String: String] = [:]) {
        self.emergencies = emergencies
        self.reports = reports
        self.lastCheckIn = lastCheckIn
        self.unavailableCadres = unavailableCadres
        self.availableCadres = availableCadres
    }

    public var activeEmergencies: [Emergency] { emergencies.filter(\.isActive) }
}
