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
}
