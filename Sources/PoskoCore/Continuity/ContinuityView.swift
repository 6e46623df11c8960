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
    /// Reports came in after the plan was made; a new one is on its way.
    public var planPending: Bool?
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
        let cells = cells(set, states: states, moved: moved)
        let affected = states.filter { $0.status != .berjalan || $0.affected && !$0.activeHazards.isEmpty }
        return ContinuityView(
            at: at, planVersion: planVersion, planPending: nil, cells: cells, affectedPosts: affected,
            totalDemand: cells.reduce(0) { $0 + $1.demand }, totalServed: cells.reduce(0) { $0 + $1.served },
            totalDisplaced: cells.reduce(0) { $0 + $1.displaced })
    }

    /// The coverage cells of ``build`` alone, sorted by kelurahan then field (the planner and
    /// drills need no list of affected posts: copying ~40,000 states of a province flood was
    /// half of the view's time).
    public static func cells(_ set: PlaybookSet, states: [PostFieldState], moved: [PostField: Int] = [:]) -> [CoverageCell] {
        struct Acc { var demand = 0, served = 0, displaced = 0, seen = false }
        // Kelurahan × field accumulators in a flat array (a province view sums ~120,000 states;
        // states of one post come in a row, so the kelurahan look-up is one per post).
        let fields = Bidang.allCases.count
        var slot: [String: Int] = [:]
        var codes: [String] = []
        var acc: [Acc] = []
        var last: (kelurahan: String, base: Int)?
        for s in states {
            let base: Int
            if let last, last.kelurahan == s.kelurahan {
                base = last.base
            } else if let known = slot[s.kelurahan] {
                base = known
            } else {
                base = acc.count
                slot[s.kelurahan] = base
                codes.append(s.kelurahan)
                acc.append(contentsOf: repeatElement(Acc(), count: fields))
            }
            last = (s.kelurahan, base)
            let i = base + s.bidang.index
            // Only displaced demand can have been moved: most states skip the plan look-up.
            let m = s.displaced > 0 ? min(s.displaced, moved[PostField(s.postID, s.bidang)] ?? 0) : 0
            acc[i].demand += s.demand
            acc[i].served += s.served + m
            acc[i].displaced += s.displaced
            acc[i].seen = true
        }
        var cells: [CoverageCell] = []
        cells.reserveCapacity(acc.count)
        for code in codes.sorted() {
            let unit = set.wilayah[code]
            let base = slot[code] ?? 0
            for bidang in Bidang.allCases {
                let a = acc[base + bidang.index]
                guard a.seen else { continue }
                cells.append(CoverageCell(
                    kelurahan: code, nama: unit?.name ?? code, kecamatan: unit?.parent ?? "", bidang: bidang,
                    demand: a.demand, served: a.served, displaced: a.displaced, unmet: a.demand - a.served,
                    coverage: a.demand == 0 ? 1 : Double(a.served) / Double(a.demand)))
            }
        }
        return cells
    }
}
