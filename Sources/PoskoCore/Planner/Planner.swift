import Foundation

/// The reassignment planner: displaced demand → functioning posts (min-cost flow per field
/// and connected component), then free cadres → posts that need them (min-cost flow with
/// capacity 1 per cadre). Pure: no I/O, no clock; `at` is the plan's time.
///
/// - Sources are post × fields with displaced demand, targets post × fields with spare
///   capacity (``PostFieldState/spare`` is 0 for a post exposed to an active hazard, so such
///   a post never receives demand). Arcs only within the field's travel bound.
/// - Cost per unit: metres + fallback penalty (rank steps, or the non-fallback penalty) +
///   the stability threshold, except for the units an arc carried in `previous` (a
///   capacitated parallel arc without the threshold); unmet units cost `unmetCost`. So the
///   plan moves every unit it can, prefers the playbook's fallbacks, then short trips, and
///   keeps each unit of an existing assignment unless moving it gains more than the
///   threshold.
/// - Overrides: forbids are applied first; then pins, in order, each moving as much as the
///   target can take before anything else is planned.
/// - Incremental: with the cache of the previous run only the components around changed
///   inputs are recomputed; a component larger than `exactComponentLimit` is repaired
///   locally (the region around the change is solved again, the rest held as it was);
///   everything else is carried over, lines included.
/// - Bounded: a component that exceeds `maxIterations` pivots leaves its demand unmet with
///   the blocker ``PlanBlocker/iterationLimit``; the rest of the plan is unaffected.
public enum Planner {
    public static func plan(
        index: PlanningIndex,
        states: [PostFieldState],
        state: OperationalState,
        overrides: [PlanOverride] = [],
        previous: Plan? = nil,
        cache: consuming PlanCache? = nil,
        settings rawSettings: PlannerSettings = .standard,
        version: Int,
        at: Date
    ) -> (plan: Plan, cache: PlanCache) {
        let settings = rawSettings.sanitized
        let slotCount = index.slotCount
        let cadreCount = index.cadres.count
        let nf = index.fieldCount
        let settingsKey = PlanCacheFormat.settingsKey(settings)
        var usable = consume cache
        if let u = usable, !(u.fingerprint == index.fingerprint && u.settingsKey == settingsKey && u.flowDigest.count == slotCount) {
            usable = nil
        }
        var stats = PlanRunStats()
        stats.incremental = usable != nil

        // 1. Slot inputs from the continuity states.
        var inputs = readStates(states, index: index)
        var displacedTotal = 0
        for d in inputs.displaced { displacedTotal += Int(d) }

        // 2. Overrides: forbids, then pins.
        let ov = applyOverrides(overrides, index: index, inputs: &inputs, settings: settings)

        // 3. The previous plan's flows and cadre posts, in index form.
        let chunkCount = PlanChunking.count(slots: slotCount)
        let previousFlows: PlanFlowChunks
        let previousTargetsHash: [UInt64]
        let previousCadreSlot: [Int32]
        // The cache was made with `previous`: its digests then hold for every slot and cadre
        // whose inputs did not change, and only the others are hashed again at the end.
        var cacheMatchesPrevious = false
        if let previous, let usable, previous.version == usable.planVersion, previous.at == usable.planAt,
           previous.assignments.count == usable.assignmentCount,
           previous.cadreAssignments.count == usable.cadreAssignmentCount {
            previousFlows = usable.flowChunks
            previousTargetsHash = usable.planTargetsHash
            previousCadreSlot = usable.planCadreSlot
            cacheMatchesPrevious = true
        } else {
            var pairs: [(source: Int32, target: Int32, amount: Int32)] = []
            var cadreSlot = [Int32](repeating: -1, count: cadreCount)
            if let previous {
                for a in previous.assignments {
                    guard let p = index.postIndex[a.from], let q = index.postIndex[a.to] else { continue }
                    let f = a.bidang.index
                    let s = index.slotOfPost[Int(p) * nf + f], t = index.slotOfPost[Int(q) * nf + f]
                    if s >= 0 && t >= 0 { pairs.append((s, t, Int32(clamping: a.amount))) }
                }
                for c in previous.cadreAssignments {
                    guard let ci = index.cadreIndex[c.cadreID], let q = index.postIndex[c.to] else { continue }
                    cadreSlot[Int(ci)] = index.slotOfPost[Int(q) * nf + c.bidang.index]
                }
            }
            previousFlows = PlanFlowChunks.targets(of: pairs, slotCount: slotCount)
            previousTargetsHash = pairs.isEmpty ? [UInt64](repeating: 0, count: slotCount) : (0..<slotCount).map { previousFlows.targetsHash($0) }
            previousCadreSlot = cadreSlot
        }

        // Who is free and who changed, on another thread while the service flow is planned
        // (it does not depend on the flow).
        let availability = PlanBackground(startNow: settings.parallelism > 1) { [inputs, previousCadreSlot, cadreDigest = usable?.cadreDigest] in
            var ci = readCadreAvailability(index: index, inputs: inputs, state: state)
            if let cadreDigest {
                for c in 0..<cadreCount
                where PlanChunking.mix(ci.cadreBase[c], UInt64(bitPattern: Int64(previousCadreSlot[c]))) != cadreDigest[c] {
                    ci.changed.append(Int32(c))
                }
            }
            return ci
        }

        // 4. Service flow: what changed since the cached run, then the components around it.
        let flowBase = flowDigests(index: index, inputs: inputs, overrides: ov)
        let boundMetres = Bidang.allCases.map { Int32((min(settings.travelKm($0), index.radiusKm) * 1000).rounded()) }
        var flowStore = usable?.take(\.flowStore, leaving: PlanComponentStore<FlowOutput>(leftCount: 0, rightCount: 0))
            ?? PlanComponentStore(leftCount: slotCount, rightCount: slotCount)
        var dirtyLefts: [Int32] = []
        var dirtyRights: [Int32] = []
        if let usable {
            var mark = [Bool](repeating: false, count: slotCount)
            for s in 0..<slotCount where PlanChunking.mix(flowBase[s], previousTargetsHash[s]) != usable.flowDigest[s] {
                stats.changedSlots += 1
                dirtyRights.append(Int32(s))
                // Every source within reach of a changed slot may see other arcs now.
                let p = Int(index.slotPost[s]), f = Int(index.slotField[s])
                let bound = boundMetres[f]
                for k in Int(index.nbStart[p])..<Int(index.nbStart[p + 1]) {
                    if index.nbDist[k] > bound { break }
                    let t = Int(index.slotOfPost[Int(index.nbPost[k]) * nf + f])
                    if t >= 0 && !mark[t] {
                        mark[t] = true
                        dirtyLefts.append(Int32(t))
                    }
                }
            }
        } else {
            for s in 0..<slotCount where inputs.displaced[s] > 0 { dirtyLefts.append(Int32(s)) }
        }
        _ = consume previousTargetsHash  // shares its buffer with the cache's: let it go before that is updated
        let limits = PlanEngineLimits(exactLimit: settings.exactComponentLimit, repairHops: settings.repairHops,
                                      parallelism: settings.parallelism)
        let flowStage = ServiceFlowStage(
            index: index, settings: settings, inputs: inputs, forbiddenPost: ov.forbiddenPost, forbiddenArcs: ov.forbiddenArcs,
            overrideIDs: overrides.map(\.id), overrideHash: ov.overrideHash, previous: previousFlows, boundMetres: boundMetres)
        var touched: [Int32] = []
        if !dirtyLefts.isEmpty || !dirtyRights.isEmpty {
            flowStore.update(stage: flowStage, dirtyLefts: dirtyLefts, dirtyRights: dirtyRights, limits: limits,
                             stats: &stats.flow, touched: &touched)
        }
        stats.flow.components = flowStore.liveCount
        if stats.flow.kept == 0 && touched.isEmpty { stats.flow.kept = stats.flow.components }

        // 5. Flow lines by chunk: rebuild the chunks with touched or pinned slots, share the rest.
        var chunkDirty = [Bool](repeating: usable == nil, count: chunkCount)
        for s in touched { chunkDirty[Int(s) / PlanChunking.size] = true }
        for pin in ov.pins { chunkDirty[Int(pin.slot) / PlanChunking.size] = true }
        for s in usable?.pinnedSlots ?? [] where Int(s) < slotCount { chunkDirty[Int(s) / PlanChunking.size] = true }
        var flowChunks = usable?.take(\.flowChunks, leaving: PlanFlowChunks(chunks: 0)) ?? PlanFlowChunks(chunks: chunkCount)
        var received = usable?.take(\.received, leaving: []) ?? [Int32](repeating: 0, count: slotCount)
        var planTargetsHash = usable?.take(\.planTargetsHash, leaving: []) ?? [UInt64](repeating: 0, count: slotCount)
        var pinsBySlot: [Int32: [Int]] = [:]
        for (i, pin) in ov.pins.enumerated() { pinsBySlot[pin.slot, default: []].append(i) }
        let rebuilt = (0..<chunkCount).filter { chunkDirty[$0] }
        stats.rebuiltChunks += rebuilt.count
        // The rebuilt chunks as the previous run left them: lines of slots this run did not
        // render again come from there.
        let oldFlowLines = usable == nil ? nil : rebuilt.map {
            PlanChunkLines(lines: flowChunks.assignments[$0], lineStart: flowChunks.slotStart[$0],
                           notes: flowChunks.unmet[$0], noteStart: flowChunks.unmetStart[$0])
        }
        var unmetCount = [Int](repeating: 0, count: rebuilt.count)
        for (r, k) in rebuilt.enumerated() {
            for (i, t) in flowChunks.targets[k].enumerated() { received[Int(t)] -= flowChunks.amounts[k][i] }
            var targets: [Int32] = []
            var amounts: [Int32] = []
            var starts: [Int32] = [0]
            var moved = 0
            let lo = k * PlanChunking.size, hi = min(slotCount, lo + PlanChunking.size)
            for s in lo..<hi {
                let first = targets.count
                for i in pinsBySlot[Int32(s)] ?? [] {
                    targets.append(ov.pins[i].target)
                    amounts.append(Int32(clamping: ov.pins[i].line.amount))
                }
                flowStore.withOutput(ofLeft: s) { out, i in
                    for flow in out.tags(i) {
                        targets.append(flow.target)
                        amounts.append(flow.amount)
                    }
                    unmetCount[r] += out.noteCount(i, orSlot: s - lo, of: oldFlowLines?[r])
                }
                starts.append(Int32(targets.count))
                planTargetsHash[s] = PlanChunking.hash(targets[first...])
            }
            for (i, t) in targets.enumerated() {
                received[Int(t)] += amounts[i]
                moved += Int(amounts[i])
            }
            flowChunks.targets[k] = targets
            flowChunks.amounts[k] = amounts
            flowChunks.slotStart[k] = starts
            flowChunks.moved[k] = moved
        }
        // The rebuilt chunks' lines are copied on another thread while cadres are planned. An
        // incremental run copies a few chunks while its cadre stage repairs on this thread:
        // the copy starts at once. A full plan copies every chunk, and its cadre stage solves
        // one large component while the other threads run out of work: the copy waits for one
        // of them (so it does not slow the stage's parallel parts), else this thread does it.
        let flowTargets = rebuilt.map { flowChunks.targets[$0].count }
        let previouslyPinned = Set(usable?.pinnedSlots ?? [])
        let flowLines = PlanBackground(startNow: usable != nil && !rebuilt.isEmpty && settings.parallelism > 1) { [flowStore, unmetCount, pins = ov.pins, pinsBySlot] in
            rebuilt.indices.map { r -> (lines: [PlanAssignment], unmet: [PlanUnmet], unmetStart: [Int32], unmetUnits: Int) in
                let lo = rebuilt[r] * PlanChunking.size, hi = min(slotCount, lo + PlanChunking.size)
                let chunk = flowStore.chunkLines(
                    lo..<hi, count: (flowTargets[r], unmetCount[r]), old: oldFlowLines?[r],
                    leading: { s, lines in for i in pinsBySlot[Int32(s)] ?? [] { lines.append(pins[i].line) } },
                    oldLeading: { s, lines in
                        previouslyPinned.contains(Int32(s)) ? lines.prefix { $0.overrideID != nil }.count : 0
                    })
                var unmetUnits = 0
                for line in chunk.notes { unmetUnits += line.amount }
                return (chunk.lines, chunk.notes, chunk.noteStart, unmetUnits)
            }
        }
        let movedTotal = flowChunks.moved.reduce(0, +)
        var assignmentCount = 0
        for chunk in flowChunks.targets { assignmentCount += chunk.count }

        // 6. Cadres: who is needed where, who is free.
        var cadreInputs = availability.wait()
        addCadreNeeds(&cadreInputs, index: index, received: received, unitsPerCadre: Int32(settings.unitsPerCadre))
        var cadreStore = usable?.take(\.cadreStore, leaving: PlanComponentStore<CadreOutput>(leftCount: 0, rightCount: 0))
            ?? PlanComponentStore(leftCount: slotCount, rightCount: cadreCount)
        var cadreDirtyLefts: [Int32] = []
        var cadreDirtyRights: [Int32] = []
        if let usable {
            var mark = [Bool](repeating: false, count: slotCount)
            for s in 0..<slotCount where cadreInputs.needDigest[s] != usable.needDigest[s] {
                mark[s] = true
                cadreDirtyLefts.append(Int32(s))
            }
            for c32 in cadreInputs.changed {
                let c = Int(c32)
                stats.changedCadres += 1
                cadreDirtyRights.append(c32)
                let home = Int(index.cadreHome[c])
                guard home >= 0 else { continue }
                let range = index.cadreRange[c]
                let skills = index.cadreSkills[c]
                for k in Int(index.nbStart[home])..<Int(index.nbStart[home + 1]) {
                    if index.nbDist[k] > range { break }
                    let q = Int(index.nbPost[k])
                    for f in 0..<nf where skills & (1 << UInt8(f)) != 0 {
                        let s = Int(index.slotOfPost[q * nf + f])
                        if s >= 0 && !mark[s] {
                            mark[s] = true
                            cadreDirtyLefts.append(Int32(s))
                        }
                    }
                }
            }
        } else {
            for s in 0..<slotCount where cadreInputs.need[s] > 0 { cadreDirtyLefts.append(Int32(s)) }
        }
        var maxRange: Int32 = 0
        for r in index.cadreRange { maxRange = max(maxRange, r) }
        let cadreStage = CadreStage(
            index: index, settings: settings, need: cadreInputs.need, received: received, absent: cadreInputs.absent,
            freedom: cadreInputs.freedom, preferredPost: cadreInputs.preferredPost, previousSlot: previousCadreSlot,
            maxRange: maxRange)
        var cadreTouched: [Int32] = []
        if !cadreDirtyLefts.isEmpty || !cadreDirtyRights.isEmpty {
            cadreStore.update(stage: cadreStage, dirtyLefts: cadreDirtyLefts, dirtyRights: cadreDirtyRights, limits: limits,
                              stats: &stats.cadres, touched: &cadreTouched, aside: { flowLines.help() })
        }
        stats.cadres.components = cadreStore.liveCount
        if stats.cadres.kept == 0 && cadreTouched.isEmpty { stats.cadres.kept = stats.cadres.components }

        // 7. Cadre lines by chunk.
        var cadreDirty = [Bool](repeating: usable == nil, count: chunkCount)
        for s in cadreTouched { cadreDirty[Int(s) / PlanChunking.size] = true }
        var cadreChunks = usable?.take(\.cadreChunks, leaving: PlanCadreChunks(chunks: 0)) ?? PlanCadreChunks(chunks: chunkCount)
        var planCadreSlot = usable?.take(\.planCadreSlot, leaving: []) ?? [Int32](repeating: -1, count: cadreCount)
        var movedCadres: [Int32] = []
        let rebuiltCadre = (0..<chunkCount).filter { cadreDirty[$0] }
        stats.rebuiltChunks += rebuiltCadre.count
        let oldCadreLines = usable == nil ? nil : rebuiltCadre.map {
            PlanChunkLines(lines: cadreChunks.assignments[$0], lineStart: cadreChunks.slotStart[$0],
                           notes: cadreChunks.shortages[$0], noteStart: cadreChunks.shortageStart[$0])
        }
        var shortageCount = [Int](repeating: 0, count: rebuiltCadre.count)
        for (r, k) in rebuiltCadre.enumerated() {
            let lo = k * PlanChunking.size, hi = min(slotCount, lo + PlanChunking.size)
            for c in cadreChunks.cadres[k] where planCadreSlot[Int(c)] >= Int32(lo) && planCadreSlot[Int(c)] < Int32(hi) {
                planCadreSlot[Int(c)] = -1
                movedCadres.append(c)
            }
            var cadres: [Int32] = []
            var starts: [Int32] = [0]
            for s in lo..<hi {
                cadreStore.withOutput(ofLeft: s) { out, i in
                    for line in out.tags(i) {
                        let cadre = line.cadre
                        cadres.append(cadre)
                        planCadreSlot[Int(cadre)] = Int32(s)
                        movedCadres.append(cadre)
                    }
                    shortageCount[r] += out.noteCount(i, orSlot: s - lo, of: oldCadreLines?[r])
                }
                starts.append(Int32(cadres.count))
            }
            cadreChunks.cadres[k] = cadres
            cadreChunks.slotStart[k] = starts
        }
        // Their lines, copied on the planner's threads (a full plan rebuilds every chunk).
        let cadreLines = PlanParallel.ranges(rebuiltCadre.count, threads: settings.parallelism, minimum: 64) { [cadreStore, shortageCount, cadreCounts = rebuiltCadre.map { cadreChunks.cadres[$0].count }] range in
            range.map { r in
                let lo = rebuiltCadre[r] * PlanChunking.size, hi = min(slotCount, lo + PlanChunking.size)
                return cadreStore.chunkLines(lo..<hi, count: (cadreCounts[r], shortageCount[r]), old: oldCadreLines?[r])
            }
        }
        for (k, chunk) in zip(rebuiltCadre, cadreLines.joined()) {
            cadreChunks.assignments[k] = chunk.lines
            cadreChunks.shortages[k] = chunk.notes
            cadreChunks.shortageStart[k] = chunk.noteStart
        }
        var cadresAssigned = 0
        for chunk in cadreChunks.assignments { cadresAssigned += chunk.count }

        for (k, chunk) in zip(rebuilt, flowLines.wait()) {
            flowChunks.assignments[k] = chunk.lines
            flowChunks.unmet[k] = chunk.unmet
            flowChunks.unmetStart[k] = chunk.unmetStart
            flowChunks.unmetUnits[k] = chunk.unmetUnits
        }
        // Every line is in the plan's chunks now: the clusters let go of theirs (freed here,
        // before the plan is returned).
        flowStore.dropLines()
        cadreStore.dropLines()
        let unmetTotal = flowChunks.unmetUnits.reduce(0, +)

        // Posts that only went from closed to silent or back: their lines' words.
        if let usable, usable.slotStatus.count == slotCount, usable.cadreFreedom.count == cadreCount {
            let slots = (0..<Int32(slotCount)).filter { PlanText.relabelled(usable.slotStatus[Int($0)], inputs.status[Int($0)]) }
            PlanRelabel.flowLines(&flowChunks, slots: slots, oldStatus: usable.slotStatus, index: index, inputs: inputs)
            let cadres = (0..<Int32(cadreCount)).filter { CadreFreedom.relabelled(usable.cadreFreedom[Int($0)], cadreInputs.freedom[Int($0)]) }
            PlanRelabel.cadreLines(&cadreChunks, cadres: cadres, oldFreedom: usable.cadreFreedom, freedom: cadreInputs.freedom,
                                   planCadreSlot: planCadreSlot, index: index)
            stats.relabelledSlots = slots.count
            stats.relabelledCadres = cadres.count
        }

        let plan = Plan(
            version: version, at: at, assignments: PlanLines(chunks: flowChunks.assignments),
            cadreAssignments: PlanLines(chunks: cadreChunks.assignments), unmet: PlanLines(chunks: flowChunks.unmet),
            cadreShortages: PlanLines(chunks: cadreChunks.shortages), overrides: ov.outcomes.compactMap { $0 },
            totals: PlanTotals(displaced: displacedTotal, moved: movedTotal, unmet: unmetTotal,
                               cadresNeeded: cadreInputs.needed, cadresAssigned: cadresAssigned,
                               cadresAvailable: cadreInputs.available))

        // 8. The cache, with digests as the next run sees them when `previous` is this plan.
        var flowDigest: [UInt64]
        var cadreDigest: [UInt64]
        if cacheMatchesPrevious, usable != nil {
            flowDigest = usable!.take(\.flowDigest, leaving: [])
            for s in dirtyRights { flowDigest[Int(s)] = PlanChunking.mix(flowBase[Int(s)], planTargetsHash[Int(s)]) }
            for k in rebuilt {
                for s in (k * PlanChunking.size)..<min(slotCount, (k + 1) * PlanChunking.size) {
                    flowDigest[s] = PlanChunking.mix(flowBase[s], planTargetsHash[s])
                }
            }
            cadreDigest = usable!.take(\.cadreDigest, leaving: [])
            for c in cadreDirtyRights + movedCadres {
                cadreDigest[Int(c)] = PlanChunking.mix(cadreInputs.cadreBase[Int(c)], UInt64(bitPattern: Int64(planCadreSlot[Int(c)])))
            }
        } else {
            flowDigest = flowBase
            for s in 0..<slotCount { flowDigest[s] = PlanChunking.mix(flowBase[s], planTargetsHash[s]) }
            cadreDigest = cadreInputs.cadreBase
            for c in 0..<cadreCount {
                cadreDigest[c] = PlanChunking.mix(cadreInputs.cadreBase[c], UInt64(bitPattern: Int64(planCadreSlot[c])))
            }
        }
        let newCache = PlanCache(
            fingerprint: index.fingerprint, settingsKey: settingsKey, planVersion: version, planAt: at,
            assignmentCount: assignmentCount, cadreAssignmentCount: cadresAssigned, flowDigest: flowDigest,
            flowStore: flowStore, flowChunks: flowChunks, received: received, planTargetsHash: planTargetsHash,
            pinnedSlots: pinsBySlot.keys.sorted(), needDigest: cadreInputs.needDigest, cadreDigest: cadreDigest,
            cadreStore: cadreStore, cadreChunks: cadreChunks, planCadreSlot: planCadreSlot,
            slotStatus: inputs.status, cadreFreedom: cadreInputs.freedom, stats: stats)
        return (plan, newCache)
    }

    // MARK: - Inputs

    /// States in index form. States come in ``ContinuityEvaluator`` order, which is the
    /// index's slot order, so each is matched without hashing; others are looked up.
    static func readStates(_ states: [PostFieldState], index: PlanningIndex) -> PlanSlotInputs {
        let slotCount = index.slotCount
        let nf = index.fieldCount
        var displaced = [Int32](repeating: 0, count: slotCount), spare = displaced, capacity = displaced
        var status = [UInt8](repeating: PlanText.none, count: slotCount)
        var hazard = [UInt16](repeating: 0, count: slotCount)
        // Written through buffers: ~120,000 states, and array writes in the loop each checked
        // uniqueness and bounds.
        displaced.withUnsafeMutableBufferPointer { displaced in
        spare.withUnsafeMutableBufferPointer { spare in
        capacity.withUnsafeMutableBufferPointer { capacity in
        status.withUnsafeMutableBufferPointer { status in
        hazard.withUnsafeMutableBufferPointer { hazard in
        states.withUnsafeBufferPointer { buffer in
            for i in 0..<buffer.count {
                let f = buffer[i].bidang.index
                var slot = -1
                if i < slotCount, index.slotField[i] == UInt8(f), index.postIDs[Int(index.slotPost[i])] == buffer[i].postID {
                    slot = i
                } else if let p = index.postIndex[buffer[i].postID] {
                    slot = Int(index.slotOfPost[Int(p) * nf + f])
                }
                if slot < 0 { continue }
                displaced[slot] = Int32(clamping: max(0, buffer[i].displaced))
                spare[slot] = Int32(clamping: max(0, buffer[i].spare))
                capacity[slot] = Int32(clamping: max(0, buffer[i].capacity))
                status[slot] = PlanText.statusCode(buffer[i].status)
                if !buffer[i].activeHazards.isEmpty { hazard[slot] = PlanText.hazardMask(buffer[i].activeHazards) }
            }
        }
        }
        }
        }
        }
        }
        return PlanSlotInputs(displaced: displaced, spare: spare, capacity: capacity, status: status, hazard: hazard)
    }

    struct OverrideEffects {
        var forbiddenPost: [Int32]
        var forbiddenArcs: [Int32: [PlanForbiddenArc]]
        var overrideHash: [Int32]
        var outcomes: [PlanOverrideOutcome?]
        var pins: [(slot: Int32, target: Int32, line: PlanAssignment)]
    }

    /// Forbids first, then pins in order; pins take their units out of `inputs`.
    /// `settings`: for the travel bound a pin may go beyond (the operator's decision, said in its line).
    static func applyOverrides(_ overrides: [PlanOverride], index: PlanningIndex, inputs: inout PlanSlotInputs,
                               settings: PlannerSettings) -> OverrideEffects {
        let nf = index.fieldCount
        var fx = OverrideEffects(
            forbiddenPost: [Int32](repeating: -1, count: index.posts.count), forbiddenArcs: [:], overrideHash: [],
            outcomes: Array(repeating: nil, count: overrides.count), pins: [])
        for o in overrides {
            var h = PlanHasher()
            h.add(o.id)
            fx.overrideHash.append(Int32(truncatingIfNeeded: h.value))
        }
        func unknown(_ o: PlanOverride, _ what: String?) -> PlanOverrideOutcome {
            PlanOverrideOutcome(id: o.id, action: o.action, applied: false, amount: nil,
                                reason: "tidak berlaku: pos '\(what ?? "")' tidak dikenal")
        }
        for (oi, o) in overrides.enumerated() {
            switch o.action {
            case .forbidPost:
                guard let id = o.post, let p = index.postIndex[id] else {
                    fx.outcomes[oi] = unknown(o, o.post)
                    continue
                }
                if fx.forbiddenPost[Int(p)] < 0 { fx.forbiddenPost[Int(p)] = Int32(oi) }
                fx.outcomes[oi] = PlanOverrideOutcome(
                    id: o.id, action: o.action, applied: true, amount: nil,
                    reason: "\(index.postNames[Int(p)]) tidak dipakai sebagai pos tujuan")
            case .forbidArc:
                guard let from = o.from, let p = index.postIndex[from] else { fx.outcomes[oi] = unknown(o, o.from); continue }
                guard let to = o.to, let q = index.postIndex[to] else { fx.outcomes[oi] = unknown(o, o.to); continue }
                let mask: UInt8 = o.bidang.map { 1 << UInt8($0.index) } ?? ((1 << UInt8(nf)) - 1)
                fx.forbiddenArcs[p, default: []].append(PlanForbiddenArc(to: q, fields: mask, override: Int32(oi)))
                let what = o.bidang.map { " untuk \($0.label)" } ?? ""
                fx.outcomes[oi] = PlanOverrideOutcome(
                    id: o.id, action: o.action, applied: true, amount: nil,
                    reason: "pemindahan dari \(index.postNames[Int(p)]) ke \(index.postNames[Int(q)])\(what) dilarang")
            case .pin:
                break
            }
        }
        for (oi, o) in overrides.enumerated() where o.action == .pin {
            guard let from = o.from, let p = index.postIndex[from] else { fx.outcomes[oi] = unknown(o, o.from); continue }
            guard let to = o.to, let q = index.postIndex[to] else { fx.outcomes[oi] = unknown(o, o.to); continue }
            func refuse(_ why: String) {
                fx.outcomes[oi] = PlanOverrideOutcome(id: o.id, action: .pin, applied: false, amount: nil, reason: "tidak berlaku: \(why)")
            }
            guard let bidang = o.bidang else { refuse("bidang tidak disebut"); continue }
            let f = bidang.index
            let sourceName = index.postNames[Int(p)], targetName = index.postNames[Int(q)]
            guard p != q else { refuse("pos asal dan tujuan sama"); continue }
            let s = Int(index.slotOfPost[Int(p) * nf + f]), t = Int(index.slotOfPost[Int(q) * nf + f])
            guard s >= 0 else { refuse("\(sourceName) tidak melayani \(bidang.label)"); continue }
            guard t >= 0 else { refuse("\(targetName) tidak melayani \(bidang.label)"); continue }
            if fx.forbiddenPost[Int(q)] >= 0 {
                refuse("\(targetName) dilarang oleh \(overrides[Int(fx.forbiddenPost[Int(q)])].id)")
                continue
            }
            if let a = (fx.forbiddenArcs[p] ?? []).first(where: { $0.to == q && $0.fields & (1 << UInt8(f)) != 0 }) {
                refuse("pemindahan ini dilarang oleh \(overrides[Int(a.override)].id)")
                continue
            }
            guard inputs.displaced[s] > 0 else {
                refuse(inputs.status[s] == PlanText.berjalan || inputs.status[s] == PlanText.none
                    ? "\(sourceName) berjalan, tidak ada layanan \(bidang.label) yang perlu dipindah"
                    : "layanan \(bidang.label) \(sourceName) sudah terpindah semua")
                continue
            }
            guard inputs.spare[t] > 0 else {
                let why: String
                if inputs.hazard[t] != 0 {
                    why = "\(targetName) berada di wilayah bahaya \(PlanText.hazards(inputs.hazard[t]))"
                } else if inputs.status[t] == PlanText.tutup || inputs.status[t] == PlanText.tidakDiketahui {
                    why = "\(targetName) tidak berjalan"
                } else {
                    why = "kapasitas \(targetName) untuk \(bidang.label) sudah penuh"
                }
                refuse(why)
                continue
            }
            let amount = min(inputs.displaced[s], inputs.spare[t])
            let spareBefore = Int(inputs.spare[t])
            inputs.displaced[s] -= amount
            inputs.spare[t] -= amount
            let metres = Int((index.posts[Int(p)].lokasi.distanceKm(to: index.posts[Int(q)].lokasi) * 1000).rounded())
            let rank = index.fallbackRank(Int(p), q)
            let sourceText = PlanText.source(sourceName, status: inputs.status[s], hazards: inputs.hazard[s],
                                             capacity: Int(inputs.capacity[s]))
            fx.pins.append((Int32(s), Int32(t), PlanAssignment(
                from: index.postIDs[Int(p)], fromKelurahan: index.postKelurahan[Int(p)], to: index.postIDs[Int(q)],
                toKelurahan: index.postKelurahan[Int(q)], bidang: bidang, amount: Int(amount),
                distanceKm: Double(metres) / 1000, fallbackRank: rank > 0 ? rank : nil, overrideID: o.id,
                reason: PlanText.pinned(source: sourceText, target: targetName, overrideID: o.id, metres: metres, spare: spareBefore,
                                        bound: settings.travelKm(bidang)))))
            fx.outcomes[oi] = PlanOverrideOutcome(
                id: o.id, action: .pin, applied: true, amount: Int(amount),
                reason: "\(amount) unit \(bidang.label) dari \(sourceName) ke \(targetName)")
        }
        return fx
    }

    /// Per slot, a digest of everything about it that arcs, costs and texts depend on
    /// (except the stability discount, mixed in by the caller).
    static func flowDigests(index: PlanningIndex, inputs: PlanSlotInputs, overrides ov: OverrideEffects) -> [UInt64] {
        let slotCount = index.slotCount
        var forbidArcHash: [Int32: UInt64] = [:]
        for (p, list) in ov.forbiddenArcs {
            var h = PlanHasher()
            for a in list { h.add(Int(a.to)); h.add(Int(a.fields)); h.add(Int(ov.overrideHash[Int(a.override)])) }
            forbidArcHash[p] = h.value
        }
        var out = [UInt64](repeating: 0, count: slotCount)
        for s in 0..<slotCount {
            let p = Int(index.slotPost[s])
            var h = PlanHasher()
            h.add(Int(inputs.displaced[s]))
            h.add(Int(inputs.spare[s]))
            h.add(Int(inputs.capacity[s]))
            h.add(Int(PlanText.solveStatus(inputs.status[s])) | Int(inputs.hazard[s]) << 8)
            let fp = ov.forbiddenPost[p]
            if fp >= 0 { h.add(Int(ov.overrideHash[Int(fp)])) }
            if !forbidArcHash.isEmpty, let fh = forbidArcHash[Int32(p)] { h.add(Int(truncatingIfNeeded: fh)) }
            out[s] = h.value
        }
        return out
    }

    struct CadreInputs {
        var need: [Int32] = []
        var absent: [Int32]
        var freedom: [UInt8]
        var preferredPost: [Int32]
        var needDigest: [UInt64] = []
        var cadreBase: [UInt64] = []
        /// Cadres whose digest differs from the cache's.
        var changed: [Int32] = []
        var needed = 0
        var available = 0
    }

    /// Who is free (home post closed or silent, or `HADIR`) and who is missing at a working
    /// post: everything about cadres that does not depend on the service flow.
    static func readCadreAvailability(index: PlanningIndex, inputs: PlanSlotInputs, state: OperationalState) -> CadreInputs {
        let slotCount = index.slotCount
        let cadreCount = index.cadres.count
        let nf = index.fieldCount
        var ci = CadreInputs(
            absent: [Int32](repeating: 0, count: slotCount),
            freedom: [UInt8](repeating: CadreFreedom.none, count: cadreCount),
            preferredPost: [Int32](repeating: -1, count: cadreCount))
        var functioning = [UInt8](repeating: 0, count: index.posts.count)
        for s in 0..<slotCount {
            let st = inputs.status[s]
            if st != PlanText.tutup && st != PlanText.tidakDiketahui {
                functioning[Int(index.slotPost[s])] |= 1 << index.slotField[s]
            }
        }
        var unavailable = [Bool](repeating: false, count: cadreCount)
        for id in state.unavailableCadres {
            guard let c = index.cadreIndex[id] else { continue }
            unavailable[Int(c)] = true
            let home = Int(index.cadreHome[Int(c)])
            guard home >= 0 else { continue }
            // A cadre missing at a working post leaves a gap in its first working skill.
            let working = index.cadreSkills[Int(c)] & functioning[home] & index.postFields[home]
            guard working != 0 else { continue }
            let s = Int(index.slotOfPost[home * nf + working.trailingZeroBitCount])
            if s >= 0 && inputs.status[s] != PlanText.none { ci.absent[s] += 1 }
        }
        for c in 0..<cadreCount where !unavailable[c] {
            let home = Int(index.cadreHome[c])
            guard home >= 0 else { continue }
            let served = index.cadreSkills[c] & index.postFields[home]
            if served != 0 && served & functioning[home] == 0 {
                let s = Int(index.slotOfPost[home * nf + served.trailingZeroBitCount])
                ci.freedom[c] = s >= 0 && inputs.status[s] == PlanText.tidakDiketahui ? CadreFreedom.homeSilent : CadreFreedom.homeClosed
            }
        }
        for (id, post) in state.availableCadres {
            guard let c = index.cadreIndex[id], !unavailable[Int(c)], index.cadreHome[Int(c)] >= 0 else { continue }
            ci.freedom[Int(c)] = CadreFreedom.hadir
            ci.preferredPost[Int(c)] = post.isEmpty ? -1 : (index.postIndex[post] ?? -1)
        }
        ci.cadreBase = [UInt64](repeating: 0, count: cadreCount)
        for c in 0..<cadreCount {
            if ci.freedom[c] != CadreFreedom.none { ci.available += 1 }
            var h = PlanHasher()
            h.add(Int(CadreFreedom.solveKind(ci.freedom[c])))
            h.add(Int(ci.preferredPost[c]))
            ci.cadreBase[c] = h.value
        }
        return ci
    }

    /// Who is needed where: a cadre per `unitsPerCadre` units received, plus absent home cadres.
    static func addCadreNeeds(_ ci: inout CadreInputs, index: PlanningIndex, received: [Int32], unitsPerCadre: Int32) {
        let slotCount = index.slotCount
        ci.need = [Int32](repeating: 0, count: slotCount)
        ci.needDigest = [UInt64](repeating: 0, count: slotCount)
        for s in 0..<slotCount {
            let n = (received[s] + unitsPerCadre - 1) / unitsPerCadre + ci.absent[s]
            ci.need[s] = n
            ci.needed += Int(n)
            var h = PlanHasher()
            h.add(Int(n))
            h.add(Int(received[s]))
            h.add(Int(ci.absent[s]))
            ci.needDigest[s] = h.value
        }
    }
}
