import Foundation

/// What one planning run did: how much was recomputed and how much came from the cache.
public struct PlanRunStats: Sendable, Equatable, Codable {
    /// The run started from a usable cache (same index, same settings).
    public var incremental = false
    /// Slots (post × fields) whose input differs from the cached run.
    public var changedSlots = 0
    /// Cadres whose availability differs from the cached run.
    public var changedCadres = 0
    /// Chunks of plan lines rebuilt (the rest were shared with the previous plan).
    public var rebuiltChunks = 0
    /// Slots and cadres whose lines only changed words (closed ↔ silent), not solved again.
    public var relabelledSlots = 0
    public var relabelledCadres = 0
    public var flow = PlanStageStats()
    public var cadres = PlanStageStats()

    public init() {}
}

/// The solved components of the last plan, so the next plan recomputes only the components
/// whose inputs changed. Opaque; pass back what ``Planner/plan(index:states:state:overrides:previous:cache:settings:version:at:)``
/// returned. A cache made with another ``PlanningIndex`` or other settings is ignored (the
/// run is then a full one).
///
/// A run updates the cache's parts in place when it is handed the only copy (pass it with
/// `consume`, as ``PlanKeeper`` does); a cache the caller keeps is copied where it changes.
///
/// The cache assumes that a `previous` plan with the version and time of the plan it was made
/// with *is* that plan; for any other `previous` it maps the plan's lines back by id.
public struct PlanCache: Sendable {
    let fingerprint: UInt64?
    let settingsKey: UInt64
    private(set) var planVersion: Int
    private(set) var planAt: Date
    let assignmentCount: Int
    let cadreAssignmentCount: Int
    var flowDigest: [UInt64]
    var flowStore: PlanComponentStore<FlowOutput>
    var flowChunks: PlanFlowChunks
    /// Units each slot receives in the plan.
    var received: [Int32]
    /// Per slot, hash of the targets it sends demand to in the plan.
    var planTargetsHash: [UInt64]
    /// Slots with pinned lines in the plan.
    let pinnedSlots: [Int32]
    let needDigest: [UInt64]
    var cadreDigest: [UInt64]
    var cadreStore: PlanComponentStore<CadreOutput>
    var cadreChunks: PlanCadreChunks
    /// Slot each cadre serves in the plan, or -1.
    var planCadreSlot: [Int32]
    /// Each slot's status and each cadre's freedom as the plan's lines word them.
    let slotStatus: [UInt8]
    let cadreFreedom: [UInt8]
    /// What the run that made this cache did.
    public let stats: PlanRunStats

    /// This cache, made by a run whose plan had the same lines as `plan`, for when the caller
    /// keeps `plan` (a re-plan that changed nothing is not a new version).
    public func relabeled(as plan: Plan) -> PlanCache {
        var out = self
        out.planVersion = plan.version
        out.planAt = plan.at
        return out
    }

    /// Moves a part out, leaving `empty` in its place: a run that was handed the cache then
    /// holds the only reference and updates the part in place instead of copying it.
    mutating func take<T>(_ part: WritableKeyPath<PlanCache, T>, leaving empty: T) -> T {
        var out = empty
        swap(&out, &self[keyPath: part])
        return out
    }

    /// A cache that matches nothing: the next run is a full one.
    public static let empty = PlanCache()

    private init() {
        fingerprint = nil
        settingsKey = 0
        planVersion = 0
        planAt = Date(timeIntervalSince1970: 0)
        assignmentCount = 0
        cadreAssignmentCount = 0
        flowDigest = []
        flowStore = PlanComponentStore(leftCount: 0, rightCount: 0)
        flowChunks = PlanFlowChunks(chunks: 0)
        received = []
        planTargetsHash = []
        pinnedSlots = []
        needDigest = []
        cadreDigest = []
        cadreStore = PlanComponentStore(leftCount: 0, rightCount: 0)
        cadreChunks = PlanCadreChunks(chunks: 0)
        planCadreSlot = []
        slotStatus = []
        cadreFreedom = []
        stats = PlanRunStats()
    }

    init(fingerprint: UInt64?, settingsKey: UInt64, planVersion: Int, planAt: Date, assignmentCount: Int,
         cadreAssignmentCount: Int, flowDigest: [UInt64], flowStore: PlanComponentStore<FlowOutput>,
         flowChunks: PlanFlowChunks, received: [Int32], planTargetsHash: [UInt64], pinnedSlots: [Int32],
         needDigest: [UInt64], cadreDigest: [UInt64], cadreStore: PlanComponentStore<CadreOutput>,
         cadreChunks: PlanCadreChunks, planCadreSlot: [Int32], slotStatus: [UInt8], cadreFreedom: [UInt8], stats: PlanRunStats) {
        self.fingerprint = fingerprint
        self.settingsKey = settingsKey
        self.planVersion = planVersion
        self.planAt = planAt
        self.assignmentCount = assignmentCount
        self.cadreAssignmentCount = cadreAssignmentCount
        self.flowDigest = flowDigest
        self.flowStore = flowStore
        self.flowChunks = flowChunks
        self.received = received
        self.planTargetsHash = planTargetsHash
        self.pinnedSlots = pinnedSlots
        self.needDigest = needDigest
        self.cadreDigest = cadreDigest
        self.cadreStore = cadreStore
        self.cadreChunks = cadreChunks
        self.planCadreSlot = planCadreSlot
        self.slotStatus = slotStatus
        self.cadreFreedom = cadreFreedom
        self.stats = stats
    }

    /// Clusters held (service flow and cadres).
    public var componentCount: Int { stats.flow.components + stats.cadres.components }
}

enum PlanCacheFormat {
    /// Everything in the settings that changes a plan.
    static func settingsKey(_ s: PlannerSettings) -> UInt64 {
        var h = PlanHasher()
        h.add(Int(s.defaultMaxTravelKm * 1000))
        for b in Bidang.allCases { h.add(Int(s.travelKm(b) * 1000)) }
        h.add(s.fallbackRankPenalty)
        h.add(s.nonFallbackPenalty)
        h.add(s.unmetCost)
        h.add(s.stabilityThreshold)
        h.add(s.unitsPerCadre)
        h.add(s.candidateLimit)
        h.add(s.cadreCandidateLimit)
        h.add(Int(s.maxCadreTravelKm * 1000))
        h.add(s.preferredPostBonus)
        h.add(s.maxIterations)
        h.add(s.maxNeighbours)
        h.add(s.exactComponentLimit)
        h.add(s.repairHops)
        return h.value
    }
}
