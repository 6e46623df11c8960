import Foundation

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
                         amount: amount, blocker: blocker,
                         reason: PlanText.unmet(index.postNames[p], status: inputs.status[left], hazards: inputs.hazard[left],
                                                capacity: Int(inputs.capacity[left]), why))
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
        let start = out.startLeft()
        defer { out.closeLeft(start) }
        if let failure = result.failure {
            out.appendNote(unmetLine(left, amount: Int(inputs.displaced[left]), blocker: .iterationLimit, why: failure))
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
            out.append(PlanAssignment(
                from: index.postIDs[p], fromKelurahan: index.postKelurahan[p], to: index.postIDs[q], toKelurahan: index.postKelurahan[q],
                bidang: bidang, amount: amount, distanceKm: Double(arena.dist[k]) / 1000,
                fallbackRank: rank > 0 ? rank : nil, overrideID: nil,
                reason: PlanText.assignment(source: src, target: index.postNames[q], rank: rank, metres: Int(arena.dist[k]),
                                            spare: Int(inputs.spare[t]))),
                tag: PlanLineFlow(target: Int32(t), amount: Int32(clamping: amount)))
        }
        let unmet = result.unmet[li]
        if unmet > 0 {
            if b > a {
                let km = Double(boundMetres[f]) / 1000
                var targets = 0
                for i in a..<b where i == a || group.arcRight[i] != group.arcRight[i - 1] { targets += 1 }
                out.appendNote(unmetLine(left, amount: unmet, blocker: .noCapacity, why: PlanText.full(targets: targets, bound: km)))
            } else {
                out.appendNote(blockedLine(left))
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
