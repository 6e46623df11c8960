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
    /// Which posts' reports or check-ins the source's last refreshes touched (nil: unknown).
    /// Not part of equality: two states are equal when what they say is.
    @NotCompared public var changes: StateChanges? = nil

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

/// A stored property that its type's synthesized equality leaves out (every two values of
/// the wrapper are equal).
@propertyWrapper
public struct NotCompared<Value: Sendable>: Sendable, Equatable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public static func == (a: Self, b: Self) -> Bool { true }
}

/// The record a state keeps of its last refreshes: each revision's posts whose reports or
/// check-in were written. A follower holding an earlier state of the same source then knows
/// which posts may differ without comparing every report and check-in.
public struct StateChanges: Sendable {
    /// The source (one store's state cache); revisions of different sources are unrelated.
    public let source: UInt64
    public private(set) var revision: Int
    /// Posts of the last revisions, oldest first (the last entry is `revision`'s).
    private var recent: [[String]]
    static let kept = 64

    /// A first revision that records nothing (a full read: no follower can reach across it).
    public init(source: UInt64, revision: Int) {
        self.source = source
        self.revision = revision
        self.recent = []
    }

    /// The next revision, which wrote `posts`.
    public func next(writing posts: [String]) -> StateChanges {
        var out = self
        out.revision += 1
        out.recent.append(posts)
        if out.recent.count > Self.kept { out.recent.removeFirst(out.recent.count - Self.kept) }
        return out
    }

    /// Posts written after `earlier` (a revision of the same source) up to this one; nil when
    /// the record does not reach back that far, or `earlier` is of another source.
    public func posts(since earlier: StateChanges?) -> Set<String>? {
        guard let earlier, earlier.source == source, earlier.revision <= revision,
              revision - earlier.revision <= recent.count else { return nil }
        return Set(recent.suffix(revision - earlier.revision).joined())
    }
}
