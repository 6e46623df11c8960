import Foundation

/// Why a cadre is free to be sent.
enum CadreFreedom {
    static let none: UInt8 = 0
    static let homeClosed: UInt8 = 1
    static let homeSilent: UInt8 = 2
    static let hadir: UInt8 = 3

    /// As the solver sees it: a cadre whose home post closed or went silent is free the same way.
    static func solveKind(_ f: UInt8) -> UInt8 { f == homeSilent ? homeClosed : f }

    /// Whether `a` and `b` differ in the words of the cadre's line only.
    static func relabelled(_ a: UInt8, _ b: UInt8) -> Bool { a != b && solveKind(a) == solveKind(b) }
}

/// The second stage: free cadres → post × fields that need cadres, as a min-cost flow with
/// capacity 1 per cadre (so no cadre is ever in two places).
///
/// A post × field needs ceil(received units / unitsPerCadre) cadres, plus one per home cadre
/// of a functioning post who replied `TIDAK HADIR`. A cadre is free when its home post is
/// closed or silent for all of its skills, or when it replied `HADIR`; never when it replied
/// `TIDAK HADIR`. Arcs go only to a field among the cadre's skills and a post within its
/// range (jangkauan_km from the home post). Cost: metres + the stability threshold unless
/// the cadre already served there in the previous plan + a bonus off for the post named in
/// its `HADIR <pos>` reply.
struct CadreStage: PlanStage, Sendable {
    let index: PlanningIndex
    let settings: PlannerSettings
    /// Per slot.
    let need: [Int32]
    let received: [Int32]
    let absent: [Int32]
    /// Per cadre.
    let freedom: [UInt8]
    let preferredPost: [Int32]
    let previousSlot: [Int32]
    /// Largest cadre range in metres.
    let maxRange: Int32
    /// Free cadres by home post, in the index's order: `freeAt[freeAtStart[q] ..< freeAtStart[q + 1]]`
    /// (most posts have none, so arc generation skips them without looking at their cadres).
    let freeAtStart: [Int32]
    let freeAt: [Int32]

    init(index: PlanningIndex, settings: PlannerSettings, need: [Int32], received: [Int32], absent: [Int32],
         freedom: [UInt8], preferredPost: [Int32], previousSlot: [Int32], maxRange: Int32) {
        self.index = index
        self.settings = settings
        self.need = need
        self.received = received
        self.absent = absent
        self.freedom = freedom
        self.preferredPost = preferredPost
        self.previousSlot = previousSlot
        self.maxRange = maxRange
        let postCount = index.cadresAtStart.count - 1
        var start = [Int32](repeating: 0, count: postCount + 1)
        var free: [Int32] = []
        for q in 0..<max(postCount, 0) {
            for ci in Int(index.cadresAtStart[q])..<Int(index.cadresAtStart[q + 1]) {
                let c = index.cadresAt[ci]
                if freedom[Int(c)] != CadreFreedom.none { free.append(c) }
            }
            start[q + 1] = Int32(free.count)
        }
        freeAtStart = start
        freeAt = free
    }

    var leftCount: Int { index.slotCount }
    var rightCount: Int { index.cadres.count }

    func isActive(left: Int) -> Bool { need[left] > 0 }

    func capacity(right: Int) -> Int32 { freedom[right] == CadreFreedom.none ? 0 : 1 }

    func generateArcs(left: Int, into arena: inout PlanArcArena) {
        let p = Int(index.slotPost[left])
        let bit = UInt8(1) << index.slotField[left]
        var taken = 0
        let limit = settings.cadreCandidateLimit
        let threshold = settings.stabilityThreshold
        let bonus = settings.preferredPostBonus
        for k in Int(index.nbStart[p])..<Int(index.nbStart[p + 1]) {
            let d = index.nbDist[k]
            if d > maxRange { break }
            let q = Int(index.nbPost[k])
            for ci in Int(freeAtStart[q])..<Int(freeAtStart[q + 1]) {
                let c = Int(freeAt[ci])
                if index.cadreSkills[c] & bit == 0 || index.cadreRange[c] < d { continue }
                let preferred = preferredPost[c] == Int32(p)
                let previous = previousSlot[c] == Int32(left)
                if !preferred && !previous {
                    if taken >= limit { continue }
                    taken += 1
                }
                let cost = Int(d) + (previous ? 0 : threshold) + (preferred ? 0 : bonus)
                arena.append(right: Int32(c), cost: Int32(clamping: cost), dist: d,
                             tag: (previous ? 1 : 0) | (preferred ? 2 : 0))
            }
        }
    }

    func encodeLeft(_ left: Int, arcs: Int, into key: inout [Int32]) {
        key.append(Int32(left))
        key.append(need[left])
        key.append(received[left])
        key.append(absent[left])
        key.append(Int32(arcs))
    }

    func encodeRight(_ right: Int, into key: inout [Int32]) {
        key.append(Int32(right))
        key.append(Int32(CadreFreedom.solveKind(freedom[right])))
    }

    func purpose(_ left: Int) -> String {
        PlanLine.build { line in
            if received[left] > 0 {
                line.add("pos menerima ")
                line.add(Int(received[left]))
                line.add(" unit pindahan")
            }
            if absent[left] > 0 {
                line.add(received[left] > 0 ? ", menggantikan " : "menggantikan ")
                line.add(Int(absent[left]))
                line.add(" kader yang TIDAK HADIR")
            }
        }
    }

    func shortage(_ left: Int, assigned: Int, arcs: Int, purpose: String) -> PlanCadreShortage {
        let p = Int(index.slotPost[left])
        let bidang = Bidang.allCases[Int(index.slotField[left])]
        let needed = Int(need[left])
        return PlanCadreShortage(
            post: index.postIDs[p], kelurahan: index.postKelurahan[p], bidang: bidang, needed: needed, assigned: assigned,
            reason: PlanLine.build { line in
                line.add(index.postNames[p])
                line.add(" butuh ")
                line.add(needed)
                line.add(" kader ")
                line.add(bidang.label)
                line.add(" (")
                line.add(purpose)
                line.add("), terpenuhi ")
                line.add(assigned)
                if arcs == 0 {
                    line.add("; tidak ada kader bebas berkeahlian ")
                    line.add(bidang.label)
                    line.add(" dalam jangkauan")
                } else {
                    line.add("; kader bebas dalam jangkauan tidak cukup")
                }
            })
    }

    func solveFlows(group: PlanGroup, arena: PlanArcArena, capacities: [Int32]?) -> PlanSolveResult {
        let lefts = group.lefts
        if group.arcIndex.isEmpty {
            return PlanSolveResult(arcFlows: [], unmet: lefts.map { Int(need[Int($0)]) })
        }
        var arcs: [TransportProblem.Arc] = []
        arcs.reserveCapacity(group.arcIndex.count)
        for i in 0..<group.arcIndex.count {
            arcs.append(TransportProblem.Arc(demand: Int(group.arcLeft[i]), supply: Int(group.arcRight[i]),
                                             cost: Int(arena.cost[Int(group.arcIndex[i])])))
        }
        let problem = TransportProblem(
            demands: lefts.map { Int(need[Int($0)]) },
            supplies: capacities.map { $0.map(Int.init) } ?? [Int](repeating: 1, count: group.rights.count),
            arcs: arcs, unmetCost: settings.unmetCost)
        return PlanSolveResult.solving(problem, maxIterations: settings.maxIterations)
    }

    func render(group: PlanGroup, arena: PlanArcArena, result: PlanSolveResult, left li: Int, into out: inout CadreOutput) {
        let left = Int(group.lefts[li])
        let start = out.startLeft()
        defer { out.closeLeft(start) }
        let p = Int(index.slotPost[left])
        let bidang = Bidang.allCases[Int(index.slotField[left])]
        let a = Int(group.arcStart[li]), b = Int(group.arcStart[li + 1])
        if let failure = result.failure {
            var line = shortage(left, assigned: 0, arcs: b - a, purpose: purpose(left))
            line.reason = "\(index.postNames[p]) butuh \(need[left]) kader \(bidang.label); \(failure)"
            out.appendNote(line)
            return
        }
        var assigned = 0
        let why = purpose(left)
        for i in a..<b where !result.arcFlows.isEmpty && result.arcFlows[i] > 0 {
            let k = Int(group.arcIndex[i])
            let c = Int(group.rights[Int(group.arcRight[i])])
            let home = Int(index.cadreHome[c])
            let nama = index.cadreNames[c]
            let freed = freedom[c]
            out.append(PlanCadreAssignment(
                cadreID: index.cadreIDs[c], nama: nama, home: index.postIDs[home], homeKelurahan: index.postKelurahan[home],
                to: index.postIDs[p], toKelurahan: index.postKelurahan[p], bidang: bidang, distanceKm: Double(arena.dist[k]) / 1000,
                reason: PlanLine.build { line in
                    line.add(nama)
                    line.add(": ")
                    switch freed {
                    case CadreFreedom.hadir:
                        line.add(preferredPost[c] == index.slotPost[left] ? "menyatakan HADIR di pos ini" : "menyatakan HADIR")
                    default:
                        line.addFreedHome(index.postNames[home], freedom: freed)
                    }
                    line.add("; ke ")
                    line.add(index.postNames[p])
                    line.add(" (")
                    line.add(bidang.label)
                    line.add("), ")
                    line.addKm(Int(arena.dist[k]))
                    line.add(", ")
                    line.add(why)
                }),
                tag: PlanLineCadre(cadre: Int32(c)))
            assigned += 1
        }
        if result.unmet[li] > 0 {
            out.appendNote(shortage(left, assigned: assigned, arcs: b - a, purpose: why))
        }
    }
}
