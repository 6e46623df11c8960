import Foundation

/// ``ContinuityEvaluator/evaluate(_:state:now:exercise:)`` kept up to date from one state to
/// the next, with the posts' check-in deadlines in order: only the posts whose reports or
/// check-ins changed (as the state's `changes` tell, or found by comparing the two states),
/// or whose check-in deadline passed in between, are evaluated again. A
/// change of the active emergencies, or a clock that went back, evaluates everything. The
/// states are always exactly what `evaluate` gives.
public struct ContinuityTracker: Sendable {
    /// Empty when the tracker keeps deadlines only.
    public private(set) var states: [PostFieldState] = []
    private let exercise: Bool
    private let keepsStates: Bool
    /// Posts in evaluation order, where each one's states start, its position by id and its
    /// rank among the ids in sorted order.
    private let posts: [Post]
    private let start: [Int]
    private let position: [String: Int32]
    private let rank: [Int32]
    /// Each post's check-in deadline, `distantFuture` while no emergency covers it.
    private var deadline: [Date] = []
    /// The posts with a deadline, by deadline then id.
    private var byDeadline: [(at: Date, post: Int32)] = []
    private var state: OperationalState?
    private var now = Date.distantPast
    private var emergencies: [Emergency] = []
    private var cover = EmergencyCover([])

    /// `keepStates: false`: a tracker of check-in deadlines only (the deadline timer), which
    /// does not hold a province's evaluation between looks.
    public init(set: PlaybookSet, exercise: Bool = false, keepStates: Bool = true) {
        self.exercise = exercise
        self.keepsStates = keepStates
        let posts = set.posts.list  // shared with the set, not copied
        var start: [Int] = []
        start.reserveCapacity(posts.count)
        var offset = 0
        for post in posts {
            start.append(offset)
            offset += Bidang.allCases.filter { post.layanan[$0] != nil }.count
        }
        self.posts = posts
        self.start = start
        self.position = set.posts.position
        var rank = [Int32](repeating: 0, count: posts.count)
        for (r, i) in posts.indices.sorted(by: { posts[$0].id < posts[$1].id }).enumerated() { rank[i] = Int32(r) }
        self.rank = rank
    }

    /// Check-in deadlines of the posts an emergency covers, by time then post id, as of the
    /// last update.
    public var deadlines: some Sequence<ContinuityEvaluator.Deadline> {
        byDeadline.lazy.map { [posts] in ContinuityEvaluator.Deadline(at: $0.at, postID: posts[Int($0.post)].id) }
    }

    /// The next moment a check-in deadline passes after `now`, so a timer can sleep until then.
    public func nextDeadline(after now: Date) -> Date? {
        let i = firstDeadline { $0 > now }
        return i < byDeadline.count ? byDeadline[i].at : nil
    }

    /// Whether a check-in deadline falls in `range`.
    public func hasDeadline(in range: Range<Date>) -> Bool {
        let i = firstDeadline { $0 >= range.lowerBound }
        return i < byDeadline.count && byDeadline[i].at < range.upperBound
    }

    /// The position of the first deadline that is `late` (every later one is too).
    private func firstDeadline(_ late: (Date) -> Bool) -> Int {
        var lo = 0, hi = byDeadline.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if late(byDeadline[mid].at) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Posts whose check-in deadline passed before `now`, sorted by id.
    public func overduePosts(at now: Date) -> [String] {
        byDeadline.prefix { $0.at < now }.map { posts[Int($0.post)].id }.sorted()
    }

    /// The states of `state` at `now`.
    @discardableResult
    public mutating func update(state: OperationalState, now: Date) -> [PostFieldState] {
        let active = state.activeEmergencies.filter { $0.exercise == exercise }
        guard let old = self.state, active == emergencies, now >= self.now, deadline.count == posts.count else {
            evaluateAll(state: state, active: active, now: now)
            return states
        }
        var marked = [Bool](repeating: false, count: posts.count)
        var changed: [Int] = []
        func mark(_ id: String) {
            guard let i = position[id].map(Int.init), !marked[i] else { return }
            marked[i] = true
            changed.append(i)
        }
        if let written = state.changes?.posts(since: old.changes) {
            // The source says which posts it wrote since the state seen last.
            for id in written { mark(id) }
        } else {
            var added = false
            for (key, report) in state.reports {
                guard let before = old.reports[key] else { added = true; mark(key.postID); continue }
                if before != report { mark(key.postID) }
            }
            if added || state.reports.count != old.reports.count {
                for key in old.reports.keys where state.reports[key] == nil { mark(key.postID) }
            }
            added = false
            for (id, at) in state.lastCheckIn {
                guard let before = old.lastCheckIn[id] else { added = true; mark(id); continue }
                if before != at { mark(id) }
            }
            if added || state.lastCheckIn.count != old.lastCheckIn.count {
                for id in old.lastCheckIn.keys where state.lastCheckIn[id] == nil { mark(id) }
            }
        }
        // A deadline passed in between (with a second's margin either side: evaluating a post
        // again never changes its states wrongly).
        let from = self.now.addingTimeInterval(-1), to = now.addingTimeInterval(1)
        var k = firstDeadline { $0 >= from }
        while k < byDeadline.count, byDeadline[k].at <= to {
            let i = Int(byDeadline[k].post)
            if !marked[i] {
                marked[i] = true
                changed.append(i)
            }
            k += 1
        }
        var fresh: [PostFieldState] = []
        var moved: [Int] = []
        for i in changed {
            let post = posts[i]
            let d: Date
            if keepsStates {
                fresh.removeAll(keepingCapacity: true)
                d = ContinuityEvaluator.evaluate(post, covering: cover.covering(post.kelurahan), state: state, hasReports: true,
                                                 now: now, into: &fresh) ?? .distantFuture
                states.replaceSubrange(start[i]..<(start[i] + fresh.count), with: fresh)
            } else {
                d = Self.deadline(post, cover: &cover, state: state)
            }
            if d != deadline[i] {
                deadline[i] = d
                moved.append(i)
            }
        }
        if !moved.isEmpty { reorder(moved) }
        self.state = state
        self.now = now
        return states
    }

    private mutating func evaluateAll(state: OperationalState, active: [Emergency], now: Date) {
        cover = EmergencyCover(active)
        if keepsStates {
            (states, deadline) = ContinuityEvaluator.evaluate(posts, count: posts.count, emergencies: active, state: state, now: now)
        } else {
            deadline = posts.map { Self.deadline($0, cover: &cover, state: state) }
        }
        self.state = state
        self.now = now
        emergencies = active
        byDeadline = deadline.indices.filter { deadline[$0] != .distantFuture }.map { (deadline[$0], Int32($0)) }
        byDeadline.sort(by: before)
    }

    private static func deadline(_ post: Post, cover: inout EmergencyCover, state: OperationalState) -> Date {
        ContinuityEvaluator.checkInDeadline(post, covering: cover.covering(post.kelurahan), state: state) ?? .distantFuture
    }

    private func before(_ a: (at: Date, post: Int32), _ b: (at: Date, post: Int32)) -> Bool {
        a.at != b.at ? a.at < b.at : rank[Int(a.post)] < rank[Int(b.post)]
    }

    /// Puts the posts whose deadline changed in their new place: the unchanged order merged
    /// with theirs (a handful of posts among a province's thousands, mostly).
    private mutating func reorder(_ moved: [Int]) {
        var isMoved = [Bool](repeating: false, count: posts.count)
        for i in moved { isMoved[i] = true }
        var fresh = moved.filter { deadline[$0] != .distantFuture }.map { (at: deadline[$0], post: Int32($0)) }
        fresh.sort(by: before)
        var out: [(at: Date, post: Int32)] = []
        out.reserveCapacity(byDeadline.count + fresh.count)
        var j = 0
        for e in byDeadline where !isMoved[Int(e.post)] {
            while j < fresh.count, before(fresh[j], e) {
                out.append(fresh[j])
                j += 1
            }
            out.append(e)
        }
        out.append(contentsOf: fresh[j...])
        byDeadline = out
    }
}
