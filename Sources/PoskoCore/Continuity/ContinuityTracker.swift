import Foundation

/// ``ContinuityEvaluator/evaluate(_:state:now:exercise:)`` kept up to date from one state to
/// the next: only the posts whose reports or check-ins changed, or whose check-in deadline
/// passed in between, are evaluated again. A change of the active emergencies, or a clock
/// that went back, evaluates everything. The states are always exactly what `evaluate` gives.
public struct ContinuityTracker: Sendable {
    public private(set) var states: [PostFieldState] = []
    private let exercise: Bool
    /// Posts in evaluation order, where each one's states start, and its position by id.
    private let posts: [Post]
    private let start: [Int]
    private let position: [String: Int]
    /// Each post's check-in deadline (seconds since 1970), +∞ while no emergency covers it.
    private var deadline: [Double] = []
    private var state: OperationalState?
    private var now = Date.distantPast
    private var emergencies: [Emergency] = []

    public init(set: PlaybookSet, exercise: Bool = false) {
        self.exercise = exercise
        var posts: [Post] = [], start: [Int] = [], position: [String: Int] = [:]
        var offset = 0
        for pb in set.playbooks {
            for post in pb.pos {
                position[post.id] = posts.count
                posts.append(post)
                start.append(offset)
                offset += Bidang.allCases.filter { post.layanan[$0] != nil }.count
            }
        }
        self.posts = posts
        self.start = start
        self.position = position
    }

    /// The states of `state` at `now`.
    public mutating func update(state: OperationalState, now: Date) -> [PostFieldState] {
        let active = state.activeEmergencies.filter { $0.exercise == exercise }
        guard let old = self.state, active == emergencies, now >= self.now, deadline.count == posts.count else {
            evaluateAll(state: state, active: active, now: now)
            return states
        }
        var marked = [Bool](repeating: false, count: posts.count)
        var changed: [Int] = []
        func mark(_ id: String) {
            guard let i = position[id], !marked[i] else { return }
            marked[i] = true
            changed.append(i)
        }
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
        // A deadline passed in between (with a second's margin either side: evaluating a post
        // again never changes its states wrongly).
        let from = self.now.timeIntervalSince1970 - 1, to = now.timeIntervalSince1970 + 1
        for i in deadline.indices where deadline[i] >= from && deadline[i] <= to && !marked[i] {
            marked[i] = true
            changed.append(i)
        }
        var cover = EmergencyCover(active)
        var fresh: [PostFieldState] = []
        for i in changed {
            fresh.removeAll(keepingCapacity: true)
            let post = posts[i]
            let d = ContinuityEvaluator.evaluate(post, covering: cover.covering(post.kelurahan), state: state, hasReports: true,
                                                 now: now, into: &fresh)
            states.replaceSubrange(start[i]..<(start[i] + fresh.count), with: fresh)
            deadline[i] = d?.timeIntervalSince1970 ?? .infinity
        }
        self.state = state
        self.now = now
        return states
    }

    private mutating func evaluateAll(state: OperationalState, active: [Emergency], now: Date) {
        (states, deadline) = ContinuityEvaluator.evaluate(posts, count: posts.count, emergencies: active, state: state, now: now)
        self.state = state
        self.now = now
        emergencies = active
    }
}
