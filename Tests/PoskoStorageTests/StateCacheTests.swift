import Foundation
import GRDB
import PoskoCore
@testable import PoskoStorage
import PoskoTesting
import Testing

/// The operational state read from memory must always be the state a full read of the
/// tables gives: after every kind of write, a rolled-back one, raw SQL and a deletion.
@Suite struct StateCacheTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_400_000)
    static let op = Actor("op", via: .api)

    struct Rollback: Error {}

    /// A drill's routine check-in round is one transaction: all of it, or with an unknown post
    /// among them, none of it.
    @Test func aCheckInRoundIsStoredWholeOrNotAtAll() throws {
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set)
        let before = c.changeCount
        #expect(throws: RequestError.self) {
            try c.checkIns([("berngam-1", Self.op), ("pos-tidak-ada", Self.op)], at: Self.t0)
        }
        #expect(try store.operationalState().lastCheckIn.isEmpty)
        #expect(try store.audit().isEmpty && c.changeCount == before)
        try c.checkIns([("berngam-1", Self.op), ("berngam-2", Actor("kader berngam-2", via: .sms))], at: Self.t0)
        #expect(try store.operationalState().lastCheckIn == ["berngam-1": Self.t0, "berngam-2": Self.t0])
        #expect(try store.audit().map { "\($0.action) \($0.subject) \($0.actor)" }.sorted()
            == ["post.checkin berngam-1 op", "post.checkin berngam-2 kader berngam-2"])
        // One notice for the round: the planner looks once.
        #expect(c.changeCount == before + 1)
    }

    func checkEveryWrite(_ store: PoskoStore) async throws {
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set)
        var step = 0
        func same(_ what: String) throws {
            step += 1
            let full = try store.read { try PoskoStore.operationalState($0) }
            #expect(try store.operationalState() == full, "after \(what)")
        }
        try same("nothing")
        let e = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.02"], status: "siaga_darurat"), actor: Self.op, at: Self.t0)
        try same("a declaration")
        try c.report(ReportRequest(post: "berngam-1", bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0.addingTimeInterval(60))
        try same("a report of every field")
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "terganggu", capacity: 7), actor: Self.op,
                     at: Self.t0.addingTimeInterval(120))
        try c.checkIn("berngam-2", actor: Self.op, at: Self.t0.addingTimeInterval(130))
        try same("a second report and a check-in")
        try await c.reportBatched(ReportRequest(post: "berngam-2", bidang: "semua", status: "tutup"), actor: Self.op, at: Self.t0.addingTimeInterval(140))
        try same("a group-committed report")
        try c.cadreAvailability("k-0073", available: true, post: "berngam-3", actor: Self.op, at: Self.t0.addingTimeInterval(150))
        try same("HADIR")
        try c.cadreAvailability("k-0073", available: false, post: nil, actor: Self.op, at: Self.t0.addingTimeInterval(160))
        try same("TIDAK HADIR after HADIR")
        _ = try c.change(e.id, ChangeRequest(status: "tanggap_darurat"), actor: Self.op, at: Self.t0.addingTimeInterval(170))
        try same("an escalation")
        #expect(throws: Rollback.self) {
            try store.write { tx in
                try tx.saveReport(StatusReport(postID: "berngam-3", bidang: .sosial, status: .tutup, reporter: "x", at: Self.t0))
                throw Rollback()
            }
        }
        try same("a rolled-back report")
        try store.write { tx in try tx.db.execute(sql: "UPDATE post_status SET status = 'berjalan' WHERE post_id = 'berngam-1' AND bidang = 'sosial'") }
        try same("raw SQL")
        try store.write { tx in try tx.db.execute(sql: "DELETE FROM post_status WHERE post_id = 'berngam-2'") }
        try same("a deletion")
        _ = try c.end(e.id, actor: Self.op, at: Self.t0.addingTimeInterval(180))
        try same("the end")
        #expect(try store.operationalState().reports[PostField("berngam-1", .kesehatan)]?.capacity == 7)
        #expect(try store.operationalState().unavailableCadres == ["k-0073"])
        #expect(step == 12)
    }

    /// A tracker following the store's states is told by each state which posts were written
    /// since the one it saw (no comparison of every report), and still evaluates exactly what a
    /// full evaluation does; a state from a full read (after a deletion) records nothing to
    /// reach back to, and the tracker compares the states instead.
    @Test func aTrackerFollowsTheStoreByItsChangeRecord() throws {
        let set = SamplePlaybooks.set
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: set)
        _ = try c.declare(DeclareRequest(hazard: "banjir", areas: ["12.75.01", "12.75.02"], status: "tanggap_darurat"), actor: Self.op, at: Self.t0)
        var tracker = ContinuityTracker(set: set)
        var previous = try store.operationalState()
        tracker.update(state: previous, now: Self.t0)
        let posts = set.posts.map(\.id).sorted()
        var told = 0
        for step in 1...60 {
            let at = Self.t0.addingTimeInterval(Double(step) * 600)
            let post = posts[(step * 7_919) % posts.count]
            var written: Set<String> = [post]
            switch step % 4 {
            case 0: try c.checkIn(post, actor: Self.op, at: at)
            case 1: try c.report(ReportRequest(post: post, bidang: "semua", status: "tutup"), actor: Self.op, at: at)
            case 2: try c.report(ReportRequest(post: post, bidang: "semua", status: "berjalan"), actor: Self.op, at: at)
            default:
                // Two writes, and another reader between them: the tracker looks after both.
                let other = posts[(step * 104_729 + 13) % posts.count]
                try c.checkIn(post, actor: Self.op, at: at)
                try c.report(ReportRequest(post: other, bidang: "semua", status: "tutup"), actor: Self.op, at: at)
                _ = try store.operationalState()
                written.insert(other)
            }
            let state = try store.operationalState()
            if let record = state.changes?.posts(since: previous.changes) {
                told += 1
                #expect(record == written, "step \(step)")
            }
            #expect(tracker.update(state: state, now: at) == ContinuityEvaluator.evaluate(set, state: state, now: at), "step \(step)")
            previous = state
        }
        #expect(told == 60)
        try store.write { tx in try tx.db.execute(sql: "DELETE FROM post_checkin WHERE rowid = (SELECT MIN(rowid) FROM post_checkin)") }
        let afterDeletion = try store.operationalState()
        #expect(afterDeletion.changes?.posts(since: previous.changes) == nil)
        let later = Self.t0.addingTimeInterval(61 * 600)
        #expect(tracker.update(state: afterDeletion, now: later) == ContinuityEvaluator.evaluate(set, state: afterDeletion, now: later))
    }

    @Test func inMemory() async throws {
        try await checkEveryWrite(try PoskoStore.inMemory())
    }

    @Test func onAFileWithReaderConnections() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try PoskoStore.open(directory: dir.path)
        try await checkEveryWrite(store)
        try store.close()
    }
}
