import Foundation
import PoskoCore
import PoskoTesting
import Testing

@Suite struct EmergencyCoverTests {
    static func flood(_ areas: [String]) -> Emergency {
        Emergency(id: "D-1", hazard: .banjir, status: .siagaDarurat, areas: areas, declaredAt: Date(timeIntervalSince1970: 0), source: "test")
    }

    @Test(arguments: [
        (["12.75.02.1001"], "12.75.02.1001", true),
        (["12.75.02"], "12.75.02.1001", true),
        (["12.75"], "12.75.02.1001", true),
        (["12.75.0"], "12.75.02.1001", false),
        (["12.75.02.100"], "12.75.02.1001", false),
        (["12.75.03", "12.75.02.1002"], "12.75.02.1001", false),
        (["12.75.03", "12.75.02.1001"], "12.75.02.1001", true),
    ])
    func anEmergencyCoversItsAreasAndWhatLiesInThem(areas: [String], kelurahan: String, covered: Bool) {
        #expect(Self.flood(areas).covers(kelurahan: kelurahan) == covered)
    }

    @Test func continuityMarksPostsOfACoveredKecamatanAffected() {
        var state = OperationalState()
        state.emergencies = [Self.flood(["12.75.02"])]
        let states = ContinuityEvaluator.evaluate(SamplePlaybooks.set, state: state, now: Date(timeIntervalSince1970: 60))
        #expect(!states.isEmpty)
        for s in states { #expect(s.affected == s.kelurahan.hasPrefix("12.75.02."), "\(s.postID) \(s.kelurahan)") }
    }

    /// A kelurahan added to an emergency later has its posts' first check-in due `lapor_setiap`
    /// after it was added, not after the declaration (which would make them silent at once).
    @Test func aKelurahanAddedLaterIsDueFromWhenItWasAdded() throws {
        let set = SamplePlaybooks.set
        let added = try #require(set.posts.first { $0.kelurahan == "12.75.02.1003" })
        let every = Double(added.laporSetiap)
        let widenedAt = Date(timeIntervalSince1970: 2 * every)
        var flood = Self.flood(["12.75.02.1001"])
        flood.setAreas(["12.75.02.1001", "12.75.02.1003"], at: widenedAt)
        #expect(flood.areasAddedAt == ["12.75.02.1003": widenedAt])
        var state = OperationalState()
        state.emergencies = [flood]
        func status(_ post: Post, at seconds: Double) -> ServiceStatus? {
            ContinuityEvaluator.evaluate(set, state: state, now: Date(timeIntervalSince1970: seconds)).first { $0.postID == post.id }?.status
        }
        #expect(status(added, at: 2 * every + 1) == .berjalan, "just added: not silent")
        #expect(status(added, at: 3 * every + 1) == .tidakDiketahui, "silent a lapor_setiap after it was added")
        let original = try #require(set.posts.first { $0.kelurahan == "12.75.02.1001" })
        #expect(status(original, at: Double(original.laporSetiap) + 1) == .tidakDiketahui, "the first areas are due from the declaration")
        // Taken out and added again: counts from its return.
        let back = widenedAt.addingTimeInterval(4 * every)
        flood.setAreas(["12.75.02.1001"], at: widenedAt.addingTimeInterval(every))
        #expect(flood.areasAddedAt == nil)
        flood.setAreas(["12.75.02.1001", "12.75.02.1003"], at: back)
        #expect(flood.areasAddedAt == ["12.75.02.1003": back])
    }
}
