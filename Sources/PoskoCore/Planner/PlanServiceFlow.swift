import Foundation

/// Lines of one service-flow component, grouped by its left nodes (displaced post × fields).
struct FlowOutput: PlanStageOutput {
    var assignments = PlanPool<PlanAssignment>()
    /// Target slot and amount of each assignment (read without touching the lines).
    var assignmentFlow: [PlanLineFlow] = []
    var unmet = PlanPool<PlanUnmet>()
    /// Per local left: its assignments `aFirst[i] ..< aFirst[i] + aCount[i]`, and its unmet line.
    var aFirst: [Int32] = []
    var aCount: [Int32] = []
    var uFirst: [Int32] = []
    var uCount: [Int32] = []
    private(set) var deadLines = 0

    init() {}

    var leftCount: Int { aFirst.count }
    var liveLines: Int { assignments.stored + unmet.stored - deadLines }

    mutating func appendEmptyLeft() {
        aFirst.append(Int32(assignments.count))
        aCount.append(0)
        uFirst.append(Int32(unmet.count))
        uCount.append(0)
    }

    /// Where the next left's lines go (a shared pool starts a new block); `assignmentFlow` is
    /// padded to follow the assignment pool's indices.
    mutating func startLeft() -> (assignments: Int, unmet: Int) {
        let a = assignments.appendStart(), b = unmet.appendStart()
        if assignmentFlow.count < a { assignmentFlow.append(contentsOf: repeatElement(.skipped, count: a - assignmentFlow.count)) }
        return (a, b)
    }

    /// Closes a left whose lines were appended since `a` and `u`.
    mutating func closeLeft(assignmentsFrom a: Int, unmetFrom u: Int) {
        aFirst.append(Int32(a))
        aCount.append(Int32(assignments.count - a))
        uFirst.append(Int32(u))
        uCount.append(Int32(unmet.count - u))
    }

    mutating func setLeft(_ local: Int, from other: FlowOutput, otherLocal o: Int) {
        let a = Int(other.aFirst[o]), n = Int(other.aCount[o])
        let u = Int(other.uFirst[o]), m = Int(other.uCount[o])
        let (first, firstUnmet) = startLeft()
        assignments.append(from: other.assignments, a, n)
        assignmentFlow.append(contentsOf: other.assignmentFlow[a..<(a + n)])
        unmet.append(from: other.unmet, u, m)
        if local == aFirst.count {
            aFirst.append(Int32(first))
            aCount.append(Int32(n))
            uFirst.append(Int32(firstUnmet))
            uCount.append(Int32(m))
        } else {
            deadLines += Int(aCount[local] + uCount[local])
            aFirst[local] = Int32(first)
            aCount[local] = Int32(n)
            uFirst[local] = Int32(firstUnmet)
            uCount[local] = Int32(m)
        }
    }

    mutating func append(_ piece: Self) {
        let a = assignments.appendBlocks(of: piece.assignments), b = unmet.appendBlocks(of: piece.unmet)
        assignmentFlow.append(contentsOf: repeatElement(.skipped, count: a - assignmentFlow.count))
        assignmentFlow.append(contentsOf: piece.assignmentFlow)
        assignmentFlow.append(contentsOf: repeatElement(.skipped, count: assignments.count - assignmentFlow.count))
        for i in 0..<piece.leftCount {
            aFirst.append(piece.aFirst[i] + Int32(a))
            aCount.append(piece.aCount[i])
            uFirst.append(piece.uFirst[i] + Int32(b))
            uCount.append(piece.uCount[i])
        }
        deadLines += piece.deadLines
    }

    /// Appends the lines of local left `i`.
    func copyLines(_ i: Int, into lines: inout [PlanAssignment], _ unmetLines: inout [PlanUnmet]) {
        assignments.copy(Int(aFirst[i]), Int(aCount[i]), into: &lines)
        unmet.copy(Int(uFirst[i]), Int(uCount[i]), into: &unmetLines)
    }

    func flows(local: Int, into out: inout [(right: Int32, amount: Int32)]) {
        let a = Int(aFirst[local])
        for k in a..<(a + Int(aCount[local])) {
            out.append((assignmentFlow[k].target, assignmentFlow[k].amount))
        }
    }

    mutating func compact() {
        var fresh = FlowOutput()
        for i in 0..<leftCount { fresh.setLeft(i, from: self, otherLocal: i) }
        self = fresh
    }
}

/// Target slot and units of one assignment line.
struct PlanLineFlow: Sendable {
    var target: Int32
    var amount: Int32
    /// Fills indices a pool skipped.
    static let skipped = PlanLineFlow(target: -1, amount: 0)
}

/// An operator's forbidden arc, in index form.
struct PlanForbiddenArc: Sendable {
    var to: Int32
    /// Fields it applies to (bit per field).
    var fields: UInt8
    var override: Int32
}

/// Per-slot inputs of one planning run, in index form.
struct PlanSlotInputs: Sendable {
    /// Displaced units still to place (after pins).
    var displaced: [Int32]
    /// Spare capacity still free (after pins).
    var spare: [Int32]
    var capacity: [Int32]
    var status: [UInt8]
    var hazard: [UInt16]
}

/// The first stage: displaced demand → posts with spare capacity, per field and component.
///
/// Left nodes are slots with displaced demand, right nodes slots with spare capacity. A
/// source gets arcs to its nearest `candidateLimit` valid targets within the field's travel
/// bound, plus every listed fallback and every target it used in the previous plan. Cost:
/// metres + fallback penalty + the stability threshold; the units an arc carried in the
/// previous plan get a parallel arc of that capacity without the threshold. Unmet units cost
/// `unmetCost`.
struct ServiceFlowStage: PlanStage, Sendable {
    let index: PlanningIndex
    let settings: PlannerSettings
    let inputs: PlanSlotInputs
    /// Per post: the override forbidding it as a target, or -1.
    let forbiddenPost: [Int32]
    let forbiddenArcs: [Int32: [PlanForbiddenArc]]
    let overrideIDs: [String]
    let overrideHash: [Int32]
    /// The previous plan's targets per source slot.
    let previous: PlanFlowChunks
    /// Travel bound per field in metres (clipped to the index radius).
    let boundMetres: [Int32]

    var leftCount: Int { index.slotCount }
    var rightCount: Int { index.slotCount }

    func isActive(left: Int) -> Bool { inputs.displaced[left] > 0 }

    func capacity(right: Int) -> Int32 { inputs.spare[right] }


    /// The override forbidding demand of `field` from post `p` to post `q`, or -1.
    @inline(__always)
    func arcForbidden(_ p: Int, _ q: Int32, _ field: Int) -> Int32 {
        if forbiddenArcs.isEmpty { return -1 }
        guard let list = forbiddenArcs[Int32(p)] else { return -1 }
        for a in list where a.to == q && a.fields & (1 << UInt8(field)) != 0 { return a.override }
        return -1
    }

    func generateArcs(left: Int, into arena: inout PlanArcArena) {
        let p = Int(index.slotPost[left])
        let f = Int(index.slotField[left])
        let bound = boundMetres[f]
        let nf = index.fieldCount
        var taken = 0
        let limit = settings.candidateLimit
        let step = settings.fallbackRankPenalty
        let nonFallback = settings.nonFallbackPenalty
        let threshold = settings.stabilityThreshold
        for k in Int(index.nbStart[p])..<Int(index.nbStart[p + 1]) {
            let d = index.nbDist[k]
            if d > bound { break }
            let q = index.nbPost[k]
            if Int(q) == p { continue }
            let t = index.slotOfPost[Int(q) * nf + f]
            if t < 0 || inputs.spare[Int(t)] <= 0 || forbiddenPost[Int(q)] >= 0 { continue }
            if arcForbidden(p, q, f) >= 0 { continue }
            let rank = index.fallbackRank(p, q)
            let previous = self.previous.amount(left, t)
            if rank == 0 && previous == 0 {
                if taken >= limit { continue }
                taken += 1
            }
            let cost = Int(d) + (rank > 0 ? (rank - 1) * step : nonFallback)
            // The previous plan's units on this arc keep their place unless moving gains more
            // than the threshold per unit: a discounted arc for them, a full-price one beside it.
            if previous > 0 {
                arena.append(right: t, cost: Int32(clamping: cost), dist: d, tag: Int32(rank) | 256, capacity: previous)
            }
            arena.append(right: t, cost: Int32(clamping: cost + threshold), dist: d, tag: Int32(rank))
        }
    }

    /// Why a source without any arc cannot be placed.
    struct Blocked {
        var blocker: PlanBlocker
        var hazards: UInt16 = 0
        var count = 0
        var overrides: [Int32] = []
    }

    func classify(left: Int) -> Blocked {
        let p = Int(index.slotPost[left])
        let f = Int(index.slotField[left])
        let bound = boundMetres[f]
        let nf = index.fieldCount
        var forbidden: [Int32] = []
        var full = 0, exposed = 0
        var hazards: UInt16 = 0
        for k in Int(index.nbStart[p])..<Int(index.nbStart[p + 1]) {
            let d = index.nbDist[k]
            if d > bound { break }
            let q = index.nbPost[k]
            if Int(q) == p { continue }
            let t = Int(index.slotOfPost[Int(q) * nf + f])
            if t < 0 { continue }
            let status = inputs.status[t]
            if inputs.spare[t] > 0 {
                let o = forbiddenPost[Int(q)] >= 0 ? forbiddenPost[Int(q)] : arcForbidden(p, q, f)
                if o >= 0 {
                    if !forbidden.contains(o) { forbidden.append(o) }
                } else {
                    full += 1
                }
            } else if status == PlanText.berjalan || status == PlanText.terganggu {
                if inputs.hazard[t] != 0 {
                    exposed += 1
                    hazards |= inputs.hazard[t]
                } else {
                    full += 1
                }
            }
        }
        if !forbidden.isEmpty { return Blocked(blocker: .forbidden, count: forbidden.count, overrides: forbidden.sorted()) }
        if full > 0 { return Blocked(blocker: .noCapacity, count: 0) }
        if exposed > 0 { return Blocked(blocker: .hazard, hazards: hazards, count: exposed) }
        return Blocked(blocker: .outOfRange)
    }

    private func blockerCode(_ b: PlanBlocker) -> Int32 {
        Int32(PlanBlocker.allCases.firstIndex(of: b) ?? 0)
    }

    func encodeLeft(_ left: Int, arcs: Int, into key: inout [Int32]) {
        key.append(Int32(left))
        key.append(inputs.displaced[left])
        key.append(Int32(inputs.status[left]))
        key.append(Int32(inputs.hazard[left]))
        key.append(inputs.capacity[left])
        key.append(Int32(arcs))
        if arcs == 0 {
            let b = classify(left: left)
            key.append(blockerCode(b.blocker))
            key.append(Int32(b.hazards))
            key.append(Int32(b.overrides.count))
            for o in b.overrides { key.append(overrideHash[Int(o)]) }
        } else {
            key.append(-1)
        }
    }

    func encodeRight(_ right: Int, into key: inout [Int32]) {
        key.append(Int32(right))
        key.append(inputs.spare[right])
    }

    func sourceText(_ left: Int) -> String {
        let p = Int(index.slotPost[left])
        return PlanText.source(index.postNames[p], status: inputs.status[left], hazards: inputs.hazard[left],
                               capacity: Int(inputs.capacity[left]))
    }

    func unmetLine(_ left: Int, amount: Int, blocker: PlanBlocker, why: String) -> PlanUnmet {
        let p = Int(index.slotPost[left])
        return PlanUnmet(post: index.postIDs[p], kelurahan: index.postKelurahan[p], bidang: Bidang.allCases[Int(index.slotField[left])],
                         amount: amount, blocker: blocker, reason: PlanText.unmet(source: sourceText(left), why))
    }

    func blockedLine(_ left: Int) -> PlanUnmet {
        let f = Int(index.slotField[left])
        let km = Double(boundMetres[f]) / 1000
        let b = classify(left: left)
        let why: String
        switch b.blocker {
        case .forbidden: why = PlanText.forbidden(b.overrides.map { overrideIDs[Int($0)] })
        case .hazard: why = PlanText.allInHazard(b.hazards, bound: km)
        case .noCapacity: why = PlanText.full(targets: 0, bound: km)
        case .outOfRange, .iterationLimit: why = PlanText.noPostInRange(Bidang.allCases[f], bound: km)
        }
        return unmetLine(left, amount: Int(inputs.displaced[left]), blocker: b.blocker, why: why)
    }

    func solveFlows(group: PlanGroup, arena: PlanArcArena, capacities: [Int32]?) -> PlanSolveResult {
        let lefts = group.lefts
        if group.arcIndex.isEmpty {
            return PlanSolveResult(arcFlows: [], unmet: lefts.map { Int(inputs.displaced[Int($0)]) })
        }
        var arcs: [TransportProblem.Arc] = []
        arcs.reserveCapacity(group.arcIndex.count)
        for i in 0..<group.arcIndex.count {
            let k = Int(group.arcIndex[i])
            arcs.append(TransportProblem.Arc(demand: Int(group.arcLeft[i]), supply: Int(group.arcRight[i]),
                                             cost: Int(arena.cost[k]), capacity: arena.capacity[k] < 0 ? nil : Int(arena.capacity[k])))
        }
        let problem = TransportProblem(
            demands: lefts.map { Int(inputs.displaced[Int($0)]) },
            supplies: capacities.map { $0.map(Int.init) } ?? group.rights.map { Int(inputs.spare[Int($0)]) },
            arcs: arcs, unmetCost: settings.unmetCost)
        return PlanSolveResult.solving(problem, maxIterations: settings.maxIterations)
    }

    func render(group: PlanGroup, arena: PlanArcArena, result: PlanSolveResult, left li: Int, into out: inout FlowOutput) {
        let left = Int(group.lefts[li])
        let (firstLine, firstUnmet) = out.startLeft()
        defer { out.closeLeft(assignmentsFrom: firstLine, unmetFrom: firstUnmet) }
        if let failure = result.failure {
            out.unmet.append(unmetLine(left, amount: Int(inputs.displaced[left]), blocker: .iterationLimit, why: failure))
            return
        }
        let p = Int(index.slotPost[left])
        let f = Int(index.slotField[left])
        let bidang = Bidang.allCases[f]
        let a = Int(group.arcStart[li]), b = Int(group.arcStart[li + 1])
        var text: String?
        var i = a
        while i < b {
            // Parallel arcs to one target (discounted previous units, then the rest) are one line.
            var amount = result.arcFlows[i]
            var j = i + 1
            while j < b && group.arcRight[j] == group.arcRight[i] {
                amount += result.arcFlows[j]
                j += 1
            }
            defer { i = j }
            if amount <= 0 { continue }
            let k = Int(group.arcIndex[i])
            let t = Int(group.rights[Int(group.arcRight[i])])
            let q = Int(index.slotPost[t])
            let rank = Int(arena.tag[k] & 255)
            let src = text ?? sourceText(left)
            text = src
            out.assignments.append(PlanAssignment(
                from: index.postIDs[p], fromKelurahan: index.postKelurahan[p], to: index.postIDs[q], toKelurahan: index.postKelurahan[q],
                bidang: bidang, amount: amount, distanceKm: Double(arena.dist[k]) / 1000,
                fallbackRank: rank > 0 ? rank : nil, overrideID: nil,
                reason: PlanText.assignment(source: src, target: index.postNames[q], rank: rank, metres: Int(arena.dist[k]),
                                            spare: Int(inputs.spare[t]))))
            out.assignmentFlow.append(PlanLineFlow(target: Int32(t), amount: Int32(clamping: amount)))
        }
        let unmet = result.unmet[li]
        if unmet > 0 {
            if b > a {
                let km = Double(boundMetres[f]) / 1000
                var targets = 0
                for i in a..<b where i == a || group.arcRight[i] != group.arcRight[i - 1] { targets += 1 }
                out.unmet.append(unmetLine(left, amount: unmet, blocker: .noCapacity, why: PlanText.full(targets: targets, bound: km)))
            } else {
                out.unmet.append(blockedLine(left))
            }
        }
    }
}

/// The answer to one component's transport problem, before it is rendered into lines.
struct PlanSolveResult: Sendable {
    /// Flow per group arc.
    var arcFlows: [Int]
    /// Unmet units per group left.
    var unmet: [Int]
    var iterations = 0
    /// Set when the solver stopped (iteration limit) or failed: every left is unmet.
    var failure: String?

    var limited: Bool { failure != nil }

    static func solving(_ problem: TransportProblem, maxIterations: Int) -> PlanSolveResult {
        do {
            let (solution, stats) = try MinCostFlow.solve(problem, limits: FlowLimits(maxIterations: maxIterations))
            return PlanSolveResult(arcFlows: solution.arcFlows, unmet: solution.unmet, iterations: stats.iterations)
        } catch {
            let why: String = switch error {
            case .iterationLimit, .deadlineExceeded: PlanText.iterationLimit
            default: PlanText.solverFailed("\(error)")
            }
            return PlanSolveResult(arcFlows: [Int](repeating: 0, count: problem.arcs.count), unmet: problem.demands,
                                   iterations: maxIterations, failure: why)
        }
    }
}
