import Foundation
@testable import PoskoCore
import PoskoTesting

/// Scenarios for the planner tests: the Binjai sample playbooks under a flood, and tiny
/// hand-made sets where every number can be checked by hand.
enum PlanFixtures {
    static let now = Date(timeIntervalSince1970: 1_795_400_000)

    /// The sample Binjai playbooks (`Playbooks/` of the repository).
    static var binjai: PlaybookSet { SamplePlaybooks.set }

    /// Kota Binjai (12.75.02) under a banjir emergency, its river-side posts (rawan banjir)
    /// closed for every field; everyone checked in at `now`.
    static func flood(_ set: PlaybookSet = binjai, kecamatan: String = "12.75.02") -> OperationalState {
        var state = OperationalState()
        state.emergencies = [Emergency(id: "banjir-1", hazard: .banjir, status: .tanggapDarurat, areas: [kecamatan],
                                       declaredAt: now, source: "operator:test")]
        for id in set.posts.map(\.id) { state.lastCheckIn[id] = now }
        for post in riverPosts(set, kecamatan: kecamatan) { report(&state, set, post, .tutup) }
        return state
    }

    static func riverPosts(_ set: PlaybookSet = binjai, kecamatan: String = "12.75.02") -> [String] {
        set.posts.filter { $0.kecamatan == kecamatan && $0.rawan.contains(.banjir) }.map(\.id).sorted()
    }

    /// A report for every field of the post (or one field).
    static func report(_ state: inout OperationalState, _ set: PlaybookSet, _ post: String, _ status: ServiceStatus,
                       bidang: Bidang? = nil, capacity: Int? = nil) {
        guard let p = set.posts[post] else { return }
        for b in p.layanan.keys where bidang == nil || bidang == b {
            state.reports[PostField(post, b)] = StatusReport(postID: post, bidang: b, status: status, capacity: capacity,
                                                             reporter: "test", at: now)
        }
        state.lastCheckIn[post] = now
    }

    struct Run {
        var plan: Plan
        var cache: PlanCache
        var states: [PostFieldState]
    }

    static func plan(_ set: PlaybookSet = binjai, _ state: OperationalState, index: PlanningIndex? = nil,
                     overrides: [PlanOverride] = [], previous: Plan? = nil, cache: PlanCache? = nil,
                     settings: PlannerSettings = .standard, version: Int = 1) -> Run {
        let states = ContinuityEvaluator.evaluate(set, state: state, now: now)
        let index = index ?? PlanningIndex(set: set, settings: settings)
        let (plan, newCache) = Planner.plan(index: index, states: states, state: state, overrides: overrides, previous: previous,
                                            cache: cache, settings: settings, version: version, at: now)
        return Run(plan: plan, cache: newCache, states: states)
    }

    // MARK: - Tiny sets

    struct TinyPost {
        var id: String
        var kelurahan = "12.75.02.1001"
        var lat: Double
        var lon: Double
        var rawan: [String] = []
        /// field: (kapasitas, sasaran)
        var layanan: [String: (Int, Int)]
        var cadangan: [String] = []
    }

    struct TinyCadre {
        var id: String
        var pos: String
        var keahlian: [String]
        var jangkauanKm: Double
    }

    /// A one-playbook set for kecamatan 12.75.02 built from YAML (the real loader).
    static func tiny(_ posts: [TinyPost], cadres: [TinyCadre] = []) -> PlaybookSet {
        var y = "kecamatan: \"12.75.02\"\nnama: Uji\npos:\n"
        for p in posts {
            y += "  - id: \(p.id)\n    nama: \"Pos \(p.id)\"\n    kelurahan: \"\(p.kelurahan)\"\n"
            y += "    lokasi: { lat: \(p.lat), lon: \(p.lon) }\n"
            if !p.rawan.isEmpty { y += "    rawan: [\(p.rawan.joined(separator: ", "))]\n" }
            y += "    layanan:\n"
            for (f, load) in p.layanan.sorted(by: { $0.key < $1.key }) { y += "      \(f): { kapasitas: \(load.0), sasaran: \(load.1) }\n" }
            if !p.cadangan.isEmpty { y += "    cadangan: [\(p.cadangan.joined(separator: ", "))]\n" }
        }
        if !cadres.isEmpty {
            y += "kader:\n"
            for (i, c) in cadres.enumerated() {
                y += "  - { id: \(c.id), nama: \"Kader \(c.id)\", telepon: \"0812-7777-\(String(format: "%04d", i))\", pos: \(c.pos), keahlian: [\(c.keahlian.joined(separator: ", "))], jangkauan_km: \(c.jangkauanKm) }\n"
            }
        }
        return PlaybookSet.load(files: [(path: "uji.yaml", data: Data(y.utf8))]).0 ?? .empty
    }

    /// Latitude step of about `km` kilometres.
    static func km(_ km: Double) -> Double { km / 111.195 }
}

extension Plan {
    /// Canonical JSON of the lines, for byte-for-byte comparisons.
    func linesJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Lines: Encodable {
            var assignments: PlanLines<PlanAssignment>
            var cadreAssignments: PlanLines<PlanCadreAssignment>
            var unmet: PlanLines<PlanUnmet>
            var cadreShortages: PlanLines<PlanCadreShortage>
        }
        return try encoder.encode(Lines(assignments: assignments, cadreAssignments: cadreAssignments, unmet: unmet,
                                        cadreShortages: cadreShortages))
    }
}
