import Foundation

/// Tuning of the reassignment planner. Costs are in cost units of one metre of travel per
/// unit of demand (or per cadre), so every penalty reads as "worth this many metres".
///
/// Decoding is lenient about absent keys (each falls back to its default) so a configuration
/// file can set only what it changes; `maxTravelKm` is a JSON object keyed by SPM field name.
public struct PlannerSettings: Sendable, Equatable, Codable {
    /// Travel bound for displaced demand, per SPM field, for fields not in `maxTravelKm`.
    public var defaultMaxTravelKm: Double
    /// Travel bound per SPM field (e.g. kesehatan 3 km: mothers with infants do not walk far).
    public var maxTravelKm: [Bidang: Double]
    /// Cost per step down the playbook's fallback list: fallback #1 costs nothing extra,
    /// #2 one step, #3 two steps, and so on.
    public var fallbackRankPenalty: Int
    /// Extra cost for a target that is not in the source post's fallback list at all.
    public var nonFallbackPenalty: Int
    /// Cost of one unit of demand left unmet; far above any travel cost, so the plan moves
    /// every unit it can before it looks at distances.
    public var unmetCost: Int
    /// An assignment of the previous plan is kept unless moving it gains more than this per
    /// unit (or per cadre), so the plan does not flip on small differences.
    public var stabilityThreshold: Int
    /// Units of daily demand one cadre can serve; a post that receives demand needs
    /// ceil(received / unitsPerCadre) extra cadres.
    public var unitsPerCadre: Int
    /// Nearest valid targets considered per displaced post × field (plus every listed
    /// fallback), to bound the number of arcs.
    public var candidateLimit: Int
    /// Nearest free cadres considered per post × field that needs cadres (plus the cadres who
    /// asked for that post and those already assigned there).
    public var cadreCandidateLimit: Int
    /// Upper bound on a cadre's travel range (jangkauan_km is clipped to it); also the radius
    /// of the neighbour lists in ``PlanningIndex``.
    public var maxCadreTravelKm: Double
    /// Cost subtracted for a cadre going to the post named in its `HADIR <pos>` reply.
    public var preferredPostBonus: Int
    /// Most simplex pivots for one component; a component that needs more is left unmet with
    /// the reason "perhitungan dihentikan (batas iterasi)" instead of failing the plan.
    public var maxIterations: Int
    /// Neighbours kept per post in ``PlanningIndex`` (nearest first, kept only when each post
    /// is among the other's nearest), so a dense city cannot blow the index up.
    public var maxNeighbours: Int
    /// On a re-plan, an affected cluster with more displaced post × fields than this is
    /// updated by local repair (only the region around the change is solved again, the rest
    /// held as it was) instead of being solved whole.
    public var exactComponentLimit: Int
    /// Size of that region: post × fields within this many hops (source → shared target →
    /// source) of the change.
    public var repairHops: Int
    /// Threads used to solve independent components of a full plan (1: none).
    public var parallelism: Int

    public init(
        defaultMaxTravelKm: Double = 5,
        maxTravelKm: [Bidang: Double] = [.kesehatan: 3],
        fallbackRankPenalty: Int = 250,
        nonFallbackPenalty: Int = 1500,
        unmetCost: Int = 1_000_000,
        stabilityThreshold: Int = 500,
        unitsPerCadre: Int = 40,
        candidateLimit: Int = 16,
        cadreCandidateLimit: Int = 8,
        maxCadreTravelKm: Double = 8,
        preferredPostBonus: Int = 1000,
        maxIterations: Int = 250_000,
        maxNeighbours: Int = 128,
        exactComponentLimit: Int = 400,
        repairHops: Int = 2,
        parallelism: Int = 2
    ) {
        self.defaultMaxTravelKm = defaultMaxTravelKm
        self.maxTravelKm = maxTravelKm
        self.fallbackRankPenalty = fallbackRankPenalty
        self.nonFallbackPenalty = nonFallbackPenalty
        self.unmetCost = unmetCost
        self.stabilityThreshold = stabilityThreshold
        self.unitsPerCadre = unitsPerCadre
        self.candidateLimit = candidateLimit
        self.cadreCandidateLimit = cadreCandidateLimit
        self.maxCadreTravelKm = maxCadreTravelKm
        self.preferredPostBonus = preferredPostBonus
        self.maxIterations = maxIterations
        self.maxNeighbours = maxNeighbours
        self.exactComponentLimit = exactComponentLimit
        self.repairHops = repairHops
        self.parallelism = parallelism
    }

    public static let standard = PlannerSettings()

    /// The travel bound of one field in kilometres.
    public func travelKm(_ bidang: Bidang) -> Double {
        maxTravelKm[bidang] ?? defaultMaxTravelKm
    }

    /// The settings with every number brought into the range the solver accepts: no
    /// negative costs, bounds and limits of at least one, costs far below `Int32.max`.
    public var sanitized: PlannerSettings {
        var s = self
        func km(_ v: Double) -> Double { v.isFinite ? Swift.min(Swift.max(v, 0), 100) : 0 }
        s.defaultMaxTravelKm = km(defaultMaxTravelKm)
        s.maxTravelKm = maxTravelKm.mapValues(km)
        s.maxCadreTravelKm = km(maxCadreTravelKm)
        let costCap = 10_000_000
        s.fallbackRankPenalty = Swift.min(Swift.max(fallbackRankPenalty, 0), costCap / 100)
        s.nonFallbackPenalty = Swift.min(Swift.max(nonFallbackPenalty, 0), costCap)
        s.stabilityThreshold = Swift.min(Swift.max(stabilityThreshold, 0), costCap)
        s.preferredPostBonus = Swift.min(Swift.max(preferredPostBonus, 0), costCap)
        // Unmet must stay dearer than any arc (travel ≤ 100 km plus penalties).
        s.unmetCost = Swift.min(Swift.max(unmetCost, 1), 1_000_000_000)
        s.unitsPerCadre = Swift.max(unitsPerCadre, 1)
        s.candidateLimit = Swift.min(Swift.max(candidateLimit, 1), 1000)
        s.cadreCandidateLimit = Swift.min(Swift.max(cadreCandidateLimit, 1), 1000)
        s.maxIterations = Swift.max(maxIterations, 1)
        s.maxNeighbours = Swift.min(Swift.max(maxNeighbours, 1), 10_000)
        s.exactComponentLimit = Swift.max(exactComponentLimit, 1)
        s.repairHops = Swift.min(Swift.max(repairHops, 1), 100)
        s.parallelism = Swift.min(Swift.max(parallelism, 1), 64)
        return s
    }

    enum CodingKeys: String, CodingKey {
        case defaultMaxTravelKm, maxTravelKm, fallbackRankPenalty, nonFallbackPenalty, unmetCost
        case stabilityThreshold, unitsPerCadre, candidateLimit, cadreCandidateLimit, maxCadreTravelKm
        case preferredPostBonus, maxIterations, maxNeighbours, exactComponentLimit, repairHops, parallelism
    }

    public init(from decoder: any Decoder) throws {
        let d = PlannerSettings()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultMaxTravelKm = try c.decodeIfPresent(Double.self, forKey: .defaultMaxTravelKm) ?? d.defaultMaxTravelKm
        if let raw = try c.decodeIfPresent([String: Double].self, forKey: .maxTravelKm) {
            var map: [Bidang: Double] = [:]
            for (key, value) in raw {
                guard let bidang = Bidang(rawValue: key) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .maxTravelKm, in: c, debugDescription: "unknown SPM field '\(key)' (expected one of: \(Bidang.names))")
                }
                map[bidang] = value
            }
            maxTravelKm = map
        } else {
            maxTravelKm = d.maxTravelKm
        }
        fallbackRankPenalty = try c.decodeIfPresent(Int.self, forKey: .fallbackRankPenalty) ?? d.fallbackRankPenalty
        nonFallbackPenalty = try c.decodeIfPresent(Int.self, forKey: .nonFallbackPenalty) ?? d.nonFallbackPenalty
        unmetCost = try c.decodeIfPresent(Int.self, forKey: .unmetCost) ?? d.unmetCost
        stabilityThreshold = try c.decodeIfPresent(Int.self, forKey: .stabilityThreshold) ?? d.stabilityThreshold
        unitsPerCadre = try c.decodeIfPresent(Int.self, forKey: .unitsPerCadre) ?? d.unitsPerCadre
        candidateLimit = try c.decodeIfPresent(Int.self, forKey: .candidateLimit) ?? d.candidateLimit
        cadreCandidateLimit = try c.decodeIfPresent(Int.self, forKey: .cadreCandidateLimit) ?? d.cadreCandidateLimit
        maxCadreTravelKm = try c.decodeIfPresent(Double.self, forKey: .maxCadreTravelKm) ?? d.maxCadreTravelKm
        preferredPostBonus = try c.decodeIfPresent(Int.self, forKey: .preferredPostBonus) ?? d.preferredPostBonus
        maxIterations = try c.decodeIfPresent(Int.self, forKey: .maxIterations) ?? d.maxIterations
        maxNeighbours = try c.decodeIfPresent(Int.self, forKey: .maxNeighbours) ?? d.maxNeighbours
        exactComponentLimit = try c.decodeIfPresent(Int.self, forKey: .exactComponentLimit) ?? d.exactComponentLimit
        repairHops = try c.decodeIfPresent(Int.self, forKey: .repairHops) ?? d.repairHops
        parallelism = try c.decodeIfPresent(Int.self, forKey: .parallelism) ?? d.parallelism
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(defaultMaxTravelKm, forKey: .defaultMaxTravelKm)
        var raw: [String: Double] = [:]
        for (k, v) in maxTravelKm { raw[k.rawValue] = v }
        try c.encode(raw, forKey: .maxTravelKm)
        try c.encode(fallbackRankPenalty, forKey: .fallbackRankPenalty)
        try c.encode(nonFallbackPenalty, forKey: .nonFallbackPenalty)
        try c.encode(unmetCost, forKey: .unmetCost)
        try c.encode(stabilityThreshold, forKey: .stabilityThreshold)
        try c.encode(unitsPerCadre, forKey: .unitsPerCadre)
        try c.encode(candidateLimit, forKey: .candidateLimit)
        try c.encode(cadreCandidateLimit, forKey: .cadreCandidateLimit)
        try c.encode(maxCadreTravelKm, forKey: .maxCadreTravelKm)
        try c.encode(preferredPostBonus, forKey: .preferredPostBonus)
        try c.encode(maxIterations, forKey: .maxIterations)
        try c.encode(maxNeighbours, forKey: .maxNeighbours)
        try c.encode(exactComponentLimit, forKey: .exactComponentLimit)
        try c.encode(repairHops, forKey: .repairHops)
        try c.encode(parallelism, forKey: .parallelism)
    }
}

extension Cadre {
    /// How far the plan may send this cadre from the home post: its jangkauan, at most the
    /// planner's `maxCadreTravelKm`.
    public func reachKm(_ settings: PlannerSettings = .standard) -> Double {
        jangkauanKm.isFinite ? min(max(jangkauanKm, 0), settings.maxCadreTravelKm) : 0
    }
}
