import Foundation

/// Coverage of one kelurahan × SPM field: served demand / normal demand.
public struct CoverageCell: Codable, Sendable, Equatable {
    public var kelurahan: String
    public var nama: String
    public var kecamatan: String
    public var bidang: Bidang
    public var demand: Int
    /// Served at its own posts plus demand moved to other posts by the plan.
    public var served: Int
    public var displaced: Int
    public var unmet: Int
    /// served / demand, 1 when there is no demand.
    public var coverage: Double
}

/// The continuity picture an operator looks at: coverage per kelurahan × field and the posts
/// that are not serving normally.
public struct ContinuityView: Codable, Sendable, Equatable {
    public var at: Date
    public var planVersion: Int?
    public var cells: [CoverageCell]
    public var affectedPosts: [PostFieldState]
    public var totalDemand: Int
    public var totalServed: Int
    public var totalDisplaced: Int

    public var coverage: Double { totalDemand == 0 ? 1 : Double(totalServed) / Double(totalDemand) }

    /// `moved` is the demand of each post × field that the current plan places elsewhere.
    public static func build(
        _ set: PlaybookSet, states: [PostFieldState], moved: [PostField: Int] = [:], planVersion: Int? = nil, at: Date
    ) -> ContinuityView {
        struct Acc { var demand = 0, served = 0, displaced = 0 }
        var acc: [String: [Bidang: Acc]] = [:]
        for s in states {
            var a = acc[s.kelurahan, default: [:]][s.bidang, default: Acc()]
            let m = min(s.displaced, moved[PostField(s.postID, s.bidang)] ?? 0)
            a.demand += s.demand
            a.served += s.served + m
            a.displaced += s.displaced
            acc[s.kelurahan, default: [:]][s.bidang] = a
        }
        var cells: [CoverageCell] = []
        for code in acc.keys.sorted() {
            let unit = set.wilayah[code]
            for (bidang, a) in (acc[code] ?? [:]).sorted(by: { $0.key < $1.key }) {
                cells.append(CoverageCell(
                    kelurahan: code, nama: unit?.name ?? code, kecamatan: unit?.parent ?? "", bidang: bidang,
                    demand: a.demand, served: a.served, displaced: a.displaced, unmet: a.demand - a.served,
                    coverage: a.demand == 0 ? 1 : Double(a.served) / Double(a.demand)))
            }
        }
        let affected = states.filter { $0.status != .berjalan || $0.affected && !$0.activeHazards.isEmpty }
        return ContinuityView(
            at: at, planVersion: planVersion, cells: cells, affectedPosts: affected,
            totalDemand: cells.reduce(0) { $0 + $1.demand }, totalServed: cells.reduce(0) { $0 + $1.served },
            totalDisplaced: cells.reduce(0) { $0 + $1.displaced })
    }
}
