import Foundation

/// One post's situation for one SPM field at a moment, derived from the playbook, the
/// latest reports, check-in deadlines and active emergencies.
public struct PostFieldState: Codable, Sendable, Equatable {
    public var postID: String
    public var kelurahan: String
    public var bidang: Bidang
    public var status: ServiceStatus
    /// Normal daily demand (sasaran) of the post for this field.
    public var demand: Int
    /// Capacity available now (0 when closed or unknown).
    public var capacity: Int
    /// Own demand served at the post itself.
    public var served: Int
    /// Own demand the post cannot serve now: to be moved elsewhere.
    public var displaced: Int
    /// Capacity left for demand from other posts (0 when not a valid target).
    public var spare: Int
    /// Hazards of active emergencies covering the post that it is exposed to (`rawan`).
    public var activeHazards: [Hazard]
    /// The check-in deadline passed without a report.
    public var overdue: Bool
    /// An active (non-exercise) emergency covers the post's kelurahan.
    public var affected: Bool

    /// Can take displaced demand: running or degraded, not in an active hazard it is exposed to.
    public var isTarget: Bool { spare > 0 }
}

public enum ContinuityEvaluator {
    /// States for every post × field it serves: posts in the set's order (kecamatan, then file
    /// order), each post's fields in ``Bidang`` order.
    public static func evaluate(_ set: PlaybookSet, state: OperationalState, now: Date, exercise: Bool = false) -> [PostFieldState] {
        evaluate(set.posts.list, count: set.posts.count,
                 emergencies: state.activeEmergencies.filter { $0.exercise == exercise }, state: state, now: now).states
    }

    /// States of `posts` (in their order) under `emergencies`, and each post's check-in
    /// deadline (`distantFuture` when no emergency covers it).
    static func evaluate(_ posts: some Sequence<Post>, count: Int, emergencies: [Emergency], state: OperationalState,
                         now: Date) -> (states: [PostFieldState], deadlines: [Date]) {
        var cover = EmergencyCover(emergencies)
        // Most posts have no report: one set look-up spares them six report look-ups.
        let reported = Set(state.reports.keys.lazy.map(\.postID))
        var out: [PostFieldState] = [], deadlines: [Date] = []
        out.reserveCapacity(count * 6)
        deadlines.reserveCapacity(count)
        for post in posts {
            let deadline = evaluate(post, covering: cover.covering(post.kelurahan), state: state,
                                    hasReports: reported.contains(post.id), now: now, into: &out)
            deadlines.append(deadline ?? .distantFuture)
        }
        return (out, deadlines)
    }

    /// Appends the states of one post (its fields in ``Bidang`` order); returns the moment its
    /// check-in deadline passes (nil when no emergency covers it).
    static func evaluate(_ post: Post, covering cover: KelurahanCover, state: OperationalState, hasReports: Bool, now: Date,
                         into out: inout [PostFieldState]) -> Date? {
        let covering = cover.emergencies
        var hazards: [Hazard] = []
        var overdue = false
        for e in covering where post.rawan.contains(e.hazard) && !hazards.contains(e.hazard) { hazards.append(e.hazard) }
        hazards.sort()
        let deadline = checkInDeadline(post, covering: cover, state: state)
        if let deadline { overdue = now > deadline }
        for bidang in Bidang.allCases {
            guard let load = post.layanan[bidang] else { continue }
            let report = hasReports ? state.reports[PostField(post.id, bidang)] : nil
            var status = report?.status ?? .berjalan
            // Silence makes what was running unknown; a field reported closed stays closed.
            if overdue && status != .tutup { status = .tidakDiketahui }
            let capacity: Int = switch status {
            case .berjalan: load.kapasitas
            case .terganggu: min(load.kapasitas, report?.capacity ?? load.kapasitas / 2)
            case .tutup, .tidakDiketahui: 0
            }
            let served = min(load.sasaran, capacity)
            let functioning = status == .berjalan || status == .terganggu
            out.append(PostFieldState(
                postID: post.id, kelurahan: post.kelurahan, bidang: bidang, status: status,
                demand: load.sasaran, capacity: capacity, served: served,
                displaced: load.sasaran - served,
                spare: functioning && hazards.isEmpty ? capacity - served : 0,
                activeHazards: hazards, overdue: overdue, affected: !covering.isEmpty
            ))
        }
        return deadline
    }

    /// When a post's check-in is due: `laporSetiap` after the later of the moment its kelurahan
    /// came under an emergency (the declaration, or a later widening) and the post's last
    /// check-in or report; nil when no emergency covers the post, and for a post that reported
    /// every field it serves `tutup` — nobody staffs a flooded post to check in, and what it
    /// would say is known; it is due again once it reports a field open.
    static func checkInDeadline(_ post: Post, covering cover: KelurahanCover, state: OperationalState) -> Date? {
        guard let since = cover.since else { return nil }
        if post.layanan.keys.allSatisfy({ state.reports[PostField(post.id, $0)]?.status == .tutup }) { return nil }
        return max(since, state.lastCheckIn[post.id] ?? since).addingTimeInterval(Double(post.laporSetiap))
    }

    /// A post's check-in deadline during an emergency: `laporSetiap` after the later of the
    /// emergency's declaration and the post's last check-in or report.
    public struct Deadline: Sendable, Equatable {
        public var at: Date
        public var postID: String
    }
}

/// Posts whose check-in deadline passed, each announced once per silence: a post that checks
/// in or reports and falls silent again is announced again. Shared by the daemon's deadline
/// timer and drills.
public struct MissedCheckIns: Sendable {
    /// Post → the last check-in (seconds since 1970, 0 for none) its silence was announced after.
    private var announced: [String: Double] = [:]

    public init() {}

    /// Silences announced before (by a daemon that has since restarted): a post announced at
    /// `at` whose last check-in has not moved since is not announced again.
    public init(announced earlier: [(posts: [String], at: Date)], lastCheckIn: [String: Date]) {
        for (posts, at) in earlier {
            for post in posts {
                let since = lastCheckIn[post]
                if since.map({ $0 <= at }) ?? true { announced[post] = since?.timeIntervalSince1970 ?? 0 }
            }
        }
    }

    /// Posts overdue at `now` not announced yet for their current last check-in, sorted by id,
    /// handed to `record` (not called when there are none); they count as announced once
    /// `record` returns, so a failed write announces them again next time.
    @discardableResult
    public mutating func announce(_ deadlines: some Sequence<ContinuityEvaluator.Deadline>, lastCheckIn: [String: Date], now: Date,
                                  _ record: ([String]) throws -> Void) rethrows -> [String] {
        var fresh: [(post: String, since: Double)] = []
        for d in deadlines {
            guard d.at < now else { break }
            let since = lastCheckIn[d.postID]?.timeIntervalSince1970 ?? 0
            if announced[d.postID] != since { fresh.append((d.postID, since)) }
        }
        guard !fresh.isEmpty else { return [] }
        let posts = fresh.map(\.post).sorted()
        try record(posts)
        for f in fresh { announced[f.post] = f.since }
        return posts
    }
}
