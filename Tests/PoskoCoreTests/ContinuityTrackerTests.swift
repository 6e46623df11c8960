import Foundation
import Testing
@testable import PoskoCore

/// The tracker evaluates again only what changed; its states must always be exactly a full
/// evaluation's, whatever happens between two looks.
@Suite struct ContinuityTrackerTests {
    let set = PlanFixtures.binjai

    @Test(arguments: [UInt64(3), 17, 42])
    func followsAFullEvaluationThroughRandomChanges(seed: UInt64) {
        var rng = PlanTestRandom(seed: seed)
        var now = PlanFixtures.now
        var state = PlanFixtures.flood()
        var tracker = ContinuityTracker(set: set)
        // The deadline timer's kind: deadlines only, no evaluation held between looks.
        var timer = ContinuityTracker(set: set, keepStates: false)
        let posts = set.posts.map(\.id).sorted()
        var partial = 0
        #expect(tracker.update(state: state, now: now) == ContinuityEvaluator.evaluate(set, state: state, now: now))
        for step in 0..<120 {
            let post = posts[Int(rng.next() % UInt64(posts.count))]
            switch rng.next() % 8 {
            case 0: PlanFixtures.report(&state, set, post, .tutup)
            case 1: PlanFixtures.report(&state, set, post, .berjalan)
            case 2: PlanFixtures.report(&state, set, post, .terganggu, bidang: .kesehatan, capacity: Int(rng.next() % 40))
            case 3: state.lastCheckIn[post] = now
            case 4: state.reports = state.reports.filter { $0.key.postID != post }
            case 5 where rng.next() % 5 == 0:
                // Another emergency, or the first one ended: everything is evaluated again.
                if state.emergencies.count == 1 {
                    state.emergencies.append(Emergency(id: "longsor-\(step)", hazard: .tanahLongsor, status: .siagaDarurat,
                                                       areas: ["12.75.01"], declaredAt: now, source: "operator:test"))
                } else {
                    state.emergencies.removeLast()
                }
            default: break
            }
            // Time moves on: by nothing, by minutes, or past many posts' check-in deadlines.
            now = now.addingTimeInterval([0, 60, 1_800, 7_200, 21_600][Int(rng.next() % 5)])
            let full = ContinuityEvaluator.evaluate(set, state: state, now: now)
            let tracked = tracker.update(state: state, now: now)
            #expect(tracked == full, "step \(step)")
            let deadlines = Array(tracker.deadlines)
            #expect(deadlines == expectedDeadlines(state), "step \(step)")
            timer.update(state: state, now: now)
            #expect(Array(timer.deadlines) == deadlines && timer.states.isEmpty, "step \(step)")
            if tracked == full && deadlines == expectedDeadlines(state) { partial += 1 }
            // What the deadline timer and drills ask of them.
            let probe = now.addingTimeInterval([-3_600, 0, 1_800, 10_800][Int(rng.next() % 4)])
            #expect(tracker.nextDeadline(after: probe) == deadlines.first { $0.at > probe }?.at)
            #expect(tracker.overduePosts(at: probe) == deadlines.filter { $0.at < probe }.map(\.postID).sorted())
            let window = probe..<probe.addingTimeInterval(900)
            #expect(tracker.hasDeadline(in: window) == deadlines.contains { window.contains($0.at) })
        }
        #expect(partial == 120)
        // A clock that goes back is evaluated from scratch, not from the later look.
        let earlier = PlanFixtures.now
        #expect(tracker.update(state: state, now: earlier) == ContinuityEvaluator.evaluate(set, state: state, now: earlier))
    }

    /// The definition: a post an emergency covers must check in `laporSetiap` after the later
    /// of the earliest covering declaration and its last check-in; by time, then post id.
    func expectedDeadlines(_ state: OperationalState) -> [ContinuityEvaluator.Deadline] {
        let active = state.activeEmergencies.filter { !$0.exercise }
        return set.posts.compactMap { post -> ContinuityEvaluator.Deadline? in
            guard let since = active.filter({ $0.covers(kelurahan: post.kelurahan) }).map(\.declaredAt).min() else { return nil }
            // A post that reported every field closed has no check-in to miss.
            if post.layanan.keys.allSatisfy({ state.reports[PostField(post.id, $0)]?.status == .tutup }) { return nil }
            let anchor = max(since, state.lastCheckIn[post.id] ?? since)
            return ContinuityEvaluator.Deadline(at: anchor.addingTimeInterval(Double(post.laporSetiap)), postID: post.id)
        }.sorted { ($0.at, $0.postID) < ($1.at, $1.postID) }
    }

    /// A state's change record answers for its own source's last revisions only.
    @Test func aChangeRecordReachesBackItsLastRevisionsOfOneSourceOnly() {
        let first = StateChanges(source: 7, revision: 1)
        var record = first
        var seen: [StateChanges] = [first]
        for i in 0..<70 {
            record = record.next(writing: ["p\(i)", "q"])
            seen.append(record)
        }
        #expect(record.posts(since: record) == [])
        #expect(record.posts(since: seen[68]) == ["p68", "p69", "q"])
        #expect(record.posts(since: seen[70 - 64]) == Set((6..<70).map { "p\($0)" } + ["q"]))
        #expect(record.posts(since: seen[70 - 65]) == nil, "older than the record keeps")
        #expect(record.posts(since: first) == nil, "across a full read")
        #expect(record.posts(since: nil) == nil)
        #expect(record.posts(since: StateChanges(source: 8, revision: 70)) == nil, "another source")
        #expect(seen[3].posts(since: record) == nil, "a later revision")
    }

    @Test func silencePastTheDeadlineMakesAPostUnknownWithoutAnyOtherChange() throws {
        let state = PlanFixtures.flood()
        var tracker = ContinuityTracker(set: set)
        let before = tracker.update(state: state, now: PlanFixtures.now)
        #expect(!before.contains { $0.status == .tidakDiketahui })
        let closed = Set(PlanFixtures.riverPosts(set))
        let post = try #require(set.posts.filter { $0.kecamatan == "12.75.02" && !closed.contains($0.id) }.min { ($0.laporSetiap, $0.id) < ($1.laporSetiap, $1.id) })
        let later = PlanFixtures.now.addingTimeInterval(Double(post.laporSetiap) + 60)
        let after = tracker.update(state: state, now: later)
        #expect(after.contains { $0.postID == post.id && $0.status == .tidakDiketahui })
        #expect(after == ContinuityEvaluator.evaluate(set, state: state, now: later))
    }

    /// Nobody staffs a flooded post to check in: a post that reported every field closed has no
    /// deadline and stays `tutup`; one with a field closed and others running goes silent for
    /// the running ones only, and is due again once it reports a field open.
    @Test func aPostReportedClosedHasNoCheckInToMiss() throws {
        var state = PlanFixtures.flood()
        let closed = try #require(PlanFixtures.riverPosts(set).first)
        let partly = try #require(set.posts.first { $0.kecamatan == "12.75.02" && $0.layanan.count > 1 && !PlanFixtures.riverPosts(set).contains($0.id) })
        let closedField = try #require(partly.layanan.keys.sorted().first)
        PlanFixtures.report(&state, set, partly.id, .tutup, bidang: closedField)
        let late = PlanFixtures.now.addingTimeInterval(Double(max(set.posts[closed]?.laporSetiap ?? 0, partly.laporSetiap)) + 60)
        var tracker = ContinuityTracker(set: set)
        let states = tracker.update(state: state, now: late)
        #expect(states.filter { $0.postID == closed }.allSatisfy { $0.status == .tutup && !$0.overdue })
        #expect(!tracker.deadlines.contains { $0.postID == closed })
        #expect(tracker.overduePosts(at: late).contains(partly.id) && !tracker.overduePosts(at: late).contains(closed))
        for s in states where s.postID == partly.id {
            #expect(s.status == (s.bidang == closedField ? .tutup : .tidakDiketahui), "\(s.bidang)")
        }
        // It reports a field open again: due again, a lapor_setiap from then.
        PlanFixtures.report(&state, set, closed, .berjalan, bidang: set.posts[closed]?.layanan.keys.sorted().first)
        _ = tracker.update(state: state, now: late)
        #expect(tracker.deadlines.contains { $0.postID == closed })
    }

    @Test func aPostIsOverdueOnlyAfterItsDeadlineHasPassed() throws {
        let state = PlanFixtures.flood()
        var tracker = ContinuityTracker(set: set)
        _ = tracker.update(state: state, now: PlanFixtures.now)
        let due = try #require(Array(tracker.deadlines).first)
        let atDeadline = tracker.update(state: state, now: due.at)
        #expect(atDeadline.contains { $0.postID == due.postID && $0.status != .tidakDiketahui && !$0.overdue })
        let justAfter = tracker.update(state: state, now: due.at.addingTimeInterval(1))
        #expect(justAfter.contains { $0.postID == due.postID && $0.status == .tidakDiketahui && $0.overdue })
        #expect(ContinuityEvaluator.evaluate(set, state: state, now: due.at) == atDeadline)
    }
}
