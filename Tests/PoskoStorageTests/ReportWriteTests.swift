import Foundation
import GRDB
import PoskoCore
@testable import PoskoStorage
import PoskoTesting
import Testing

/// What a report stores, read back from the tables (not from the state cache): every field of
/// the report, the event with its actor and payload, the audit line, the post's check-in. No
/// test looked at the stored reporter before: a value bound to the wrong column went unseen.
@Suite struct ReportWriteTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_400_000)

    @Test(arguments: [false, true])
    func aReportIsStoredAsGiven(groupCommitted: Bool) async throws {
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set)
        let actor = Actor("operator-bpbd", via: .api)
        let request = ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "terganggu", capacity: 7,
                                    note: "jalan rusak, \"banjir\" 40 cm", reporter: "bidan Sari")
        let at = Self.t0.addingTimeInterval(90)
        let reports = groupCommitted ? try await c.reportBatched(request, actor: actor, at: at) : try c.report(request, actor: actor, at: at)
        #expect(reports == [StatusReport(postID: "berngam-1", bidang: .kesehatan, status: .terganggu, capacity: 7,
                                         reporter: "bidan Sari", note: "jalan rusak, \"banjir\" 40 cm", at: at)])

        let state = try store.read { try PoskoStore.operationalState($0) }
        #expect(state.reports.values.map { $0 } == reports)
        #expect(state.lastCheckIn == ["berngam-1": at])

        let events = try store.events()
        let event = try #require(events.last)
        #expect(event.kind == .statusReported && event.subject == "berngam-1" && event.actor == actor && event.at == at)
        #expect(try JSON.decode([StatusReport].self, event.payload) == reports)

        let audit = try #require(try store.audit().first)
        #expect(audit.action == "post.report" && audit.subject == "berngam-1" && audit.detail == "kesehatan terganggu")
        #expect(audit.actor == "operator-bpbd" && audit.via == "api" && audit.at == at)
    }

    /// A report without capacity or note stores NULLs, not empty strings, and a later report
    /// of the same field replaces every column.
    @Test func aLaterReportReplacesEveryColumn() throws {
        let store = try PoskoStore.inMemory()
        let c = Coordinator(store: store, playbooks: SamplePlaybooks.set)
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "terganggu", capacity: 3, note: "x"),
                     actor: Actor("a", via: .api), at: Self.t0)
        try c.report(ReportRequest(post: "berngam-1", bidang: "kesehatan", status: "tutup"), actor: Actor("b", via: .sms),
                     at: Self.t0.addingTimeInterval(60))
        let row = try #require(try store.read { try Row.fetchOne($0, sql: "SELECT status, capacity, note, reporter, at FROM post_status") })
        #expect(row["status"] as String == "tutup")
        #expect(row["capacity"] as Int? == nil && row["note"] as String? == nil)
        #expect(row["reporter"] as String == "b" && row["at"] as Double == Self.t0.timeIntervalSince1970 + 60)
    }
}
