/// Primal network simplex on a transportation network with one sink.
///
/// Nodes: demands `0..<nd`, supplies `nd..<nd+ns`, the sink `nd+ns` (the tree root). Arcs:
/// the useful user arcs (demand → supply), then one arc per supply (supply → sink, its
/// capacity), then one unmet arc per demand (demand → sink, cost unmet_cost, unbounded).
/// The unmet arcs give a feasible starting tree without artificial arcs; the greedy
/// solution (cheapest arcs first) is hung from them, which halves the pivots on the
/// planner's networks (see ``greedyStart(demands:supplies:unmetCost:)``).
///
/// The basis is kept strongly feasible (the leaving arc is the last blocking arc of the
/// cycle, walking it from the apex in the entering arc's direction), which rules out
/// cycling. Entering arcs come from a candidate list that holds every non-tree arc that may
/// violate optimality: at the start all of them; after a pivot, only arcs at the nodes whose
/// potential changed relative to the rest (the moved subtree, a few nodes on these networks)
/// can start violating, so only those are priced again. Each search takes the most
/// violating of the next `candidateBlock` listed arcs that still violate, dropping those that
/// no longer do; the list running empty proves optimality. The tree is stored as parent/pred
/// pointers, a preorder thread, subtree sizes and the last node of every subtree, so a pivot
/// rewires only the stem and the two paths to the apex, and shifts the potentials of the
/// smaller of the two sides it separates.
///
/// Storage is raw buffers because bounds and uniqueness checks in the pricing loop cost
/// more than the pivot itself; every index is produced here, never taken from input.
struct NetworkSimplex: ~Copyable {
    static let unbounded = Int.max
    /// Arc states; a non-tree arc sits at its lower or upper bound.
    static let atLower: Int8 = 1, inTree: Int8 = 0, atUpper: Int8 = -1
    /// Whether a node's pred arc points up (node → parent) or down (parent → node).
    static let up = 1, down = -1
    /// Far above any tree path length (nodes × Int32.max) yet far below Int.max.
    static let driftLimit = 1 << 60

    let nodeCount: Int
    let arcCount: Int
    let root: Int
    let demandCount: Int
    let supplyCount: Int
    let userArcCount: Int

    // Pricing reads source, target, cost and state of every arc it looks at, so they are kept
    // narrow: costs are at most Int32.max (validated) and node and arc counts are checked
    // by ``MinCostFlow``.
    private let source: UnsafeMutablePointer<Int32>
    private let target: UnsafeMutablePointer<Int32>
    private let cost: UnsafeMutablePointer<Int32>
    private let state: UnsafeMutablePointer<Int8>
    private let capacity: UnsafeMutablePointer<Int>
    private let flows: UnsafeMutablePointer<Int>

    private let parent: UnsafeMutablePointer<Int>
    private let pred: UnsafeMutablePointer<Int>
    private let predDir: UnsafeMutablePointer<Int>
    private let subtreeSize: UnsafeMutablePointer<Int>
    private let lastInSubtree: UnsafeMutablePointer<Int>
    private let thread: UnsafeMutablePointer<Int>
    private let revThread: UnsafeMutablePointer<Int>
    private let potential: UnsafeMutablePointer<Int>
    /// Nodes whose thread successor changed during a pivot, to fix `revThread` afterwards.
    private let dirty: UnsafeMutablePointer<Int>

    /// Candidate list: every non-tree arc that may violate optimality is listed (an arc's
    /// reduced cost changes only when a pivot shifts the potential of one of its ends, and
    /// then it is listed again), so the list is empty exactly when the tree is optimal.
    private let candidates: UnsafeMutablePointer<Int32>
    private let listed: UnsafeMutablePointer<Int8>
    private var candidateCount = 0
    private var candidateCursor = 0
    /// Emptied slots in `candidates` (-1), squeezed out when they are half of the list.
    private var holes = 0
    private let candidateBlock: Int
    /// Largest side of a pivot (in nodes) whose arcs are listed: about a sixteenth of all arcs.
    private let listingLimit: Int
    /// User arcs at each node: `nodeArcs[nodeArcStart[v] ..< nodeArcStart[v + 1]]` (the sink
    /// arc of node v is `userArcCount + v - demandCount` for a supply and
    /// `userArcCount + supplyCount + v` for a demand).
    private let nodeArcStart: UnsafeMutablePointer<Int32>
    private let nodeArcs: UnsafeMutablePointer<Int32>
    /// 1 for a node with a capacitated user arc (which may sit at its upper bound).
    private let hasUpperBounds: UnsafeMutablePointer<Int8>
    private(set) var iterations = 0

    init(problem: TransportProblem, arcOrder: [Int]) {
        let nd = problem.demands.count
        let ns = problem.supplies.count
        demandCount = nd
        supplyCount = ns
        userArcCount = arcOrder.count
        nodeCount = nd + ns + 1
        arcCount = arcOrder.count + ns + nd
        root = nd + ns
        // Tuned on the province benchmark's flow and cadre components (sqrt(m)/4 to
        // sqrt(m)/16 are within noise of each other; sqrt(m), the block search size, is slower).
        candidateBlock = max(8, Int(Double(arcCount).squareRoot() / 10))
        listingLimit = max(64, arcCount / 16 / max(1, 2 * arcOrder.count / max(1, nd + ns)))

        func buffer<T: FixedWidthInteger>(_ count: Int, _: T.Type = Int.self) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        source = buffer(arcCount, Int32.self)
        target = buffer(arcCount, Int32.self)
        cost = buffer(arcCount, Int32.self)
        state = buffer(arcCount, Int8.self)
        candidates = buffer(arcCount, Int32.self)
        listed = buffer(arcCount, Int8.self)
        nodeArcStart = buffer(nd + ns + 1, Int32.self)
        nodeArcs = buffer(2 * arcOrder.count, Int32.self)
        hasUpperBounds = buffer(nodeCount, Int8.self)
        capacity = buffer(arcCount)
        flows = buffer(arcCount)
        parent = buffer(nodeCount)
        pred = buffer(nodeCount)
        predDir = buffer(nodeCount)
        subtreeSize = buffer(nodeCount)
        lastInSubtree = buffer(nodeCount)
        thread = buffer(nodeCount)
        revThread = buffer(nodeCount)
        potential = buffer(nodeCount)
        dirty = buffer(nodeCount + 1)

        for (k, i) in arcOrder.enumerated() {
            let arc = problem.arcs[i]
            source[k] = Int32(truncatingIfNeeded: arc.demand)
            target[k] = Int32(truncatingIfNeeded: nd + arc.supply)
            cost[k] = Int32(truncatingIfNeeded: arc.cost)
            capacity[k] = arc.capacity ?? Self.unbounded
            state[k] = Self.atLower
            if arc.capacity != nil {
                hasUpperBounds[arc.demand] = 1
                hasUpperBounds[nd + arc.supply] = 1
            }
        }
        // Starting tree: every node hangs from the root. Demands send everything unmet,
        // supplies carry nothing; both kinds of tree arc point up with spare capacity, so
        // the tree is strongly feasible.
        for s in 0..<ns {
            let e = userArcCount + s
            let node = nd + s
            source[e] = Int32(truncatingIfNeeded: node)
            target[e] = Int32(truncatingIfNeeded: root)
            capacity[e] = problem.supplies[s]
            attachToRoot(node, arc: e, potential: 0)
        }
        for d in 0..<nd {
            let e = userArcCount + ns + d
            source[e] = Int32(truncatingIfNeeded: d)
            target[e] = Int32(truncatingIfNeeded: root)
            cost[e] = Int32(truncatingIfNeeded: problem.unmetCost)
            capacity[e] = Self.unbounded
            flows[e] = problem.demands[d]
            attachToRoot(d, arc: e, potential: -problem.unmetCost)
        }
        parent[root] = -1
        pred[root] = -1
        subtreeSize[root] = nodeCount
        potential[root] = 0

        // Arcs by node (a counting sort), and every non-tree arc listed.
        for k in 0..<userArcCount {
            nodeArcStart[Int(source[k]) + 1] += 1
            nodeArcStart[Int(target[k]) + 1] += 1
        }
        for v in 0..<(nd + ns) { nodeArcStart[v + 1] += nodeArcStart[v] }
        for k in 0..<userArcCount {
            let d = Int(source[k]), s = Int(target[k])
            nodeArcs[Int(nodeArcStart[d])] = Int32(truncatingIfNeeded: k)
            nodeArcStart[d] += 1
            nodeArcs[Int(nodeArcStart[s])] = Int32(truncatingIfNeeded: k)
            nodeArcStart[s] += 1
        }
        for v in stride(from: nd + ns, to: 0, by: -1) { nodeArcStart[v] = nodeArcStart[v - 1] }
        nodeArcStart[0] = 0
        // Some nodes hang below others from here on; the thread is laid there.
        greedyStart(demands: problem.demands, supplies: problem.supplies, unmetCost: problem.unmetCost)
        for e in 0..<arcCount where state[e] != Self.inTree {
            candidates[candidateCount] = Int32(truncatingIfNeeded: e)
            candidateCount += 1
            listed[e] = 1
        }
    }

    deinit {
        candidates.deallocate()
        listed.deallocate()
        nodeArcStart.deallocate()
        nodeArcs.deallocate()
        hasUpperBounds.deallocate()
        source.deallocate()
        target.deallocate()
        cost.deallocate()
        state.deallocate()
        for p in [capacity, flows, parent, pred, predDir, subtreeSize, lastInSubtree, thread, revThread, potential, dirty] {
            p.deallocate()
        }
    }

    /// A starting tree from the greedy ("matrix minimum") solution: arcs in order of cost
    /// (ties by arc order), each sending as much as its demand and supply still have. Every
    /// such allocation exhausts its demand or its supply, so the allocations form a forest
    /// with at most one node per tree left unexhausted; that node's root arc (a demand's unmet
    /// arc, a supply's sink arc) hangs its tree from the root, or any demand's unmet arc when
    /// all are exhausted. Every other root arc is then at a bound (unmet 0, sink arc empty or
    /// full). The tree is strongly feasible: each forest arc carries flow, so a node can push
    /// flow back along it, or forward into an uncapacitated arc, and the root arc holding a
    /// tree has room upwards. A capacitated arc that the allocation would fill is left out
    /// (it stays empty), which keeps that argument.
    private mutating func greedyStart(demands: [Int], supplies: [Int], unmetCost: Int) {
        let nd = demandCount, ns = supplyCount, m = userArcCount, n = nd + ns
        // Arcs by cost, ties by arc: one counting sort on the cost's top 16 bits (every bit
        // of the costs planning produces; beyond 16 bits nearly equal costs keep arc order,
        // which only makes the start a little less greedy).
        var maxCost: Int32 = 0
        for k in 0..<m where cost[k] > maxCost { maxCost = cost[k] }
        let shift = Int32(max(0, (Int32.bitWidth - maxCost.leadingZeroBitCount) - 16))
        var order = [Int32](repeating: 0, count: m)
        do {
            var counts = [Int32](repeating: 0, count: Int(maxCost >> shift) + 2)
            for k in 0..<m { counts[Int(cost[k] >> shift) + 1] += 1 }
            for i in 1..<counts.count { counts[i] += counts[i - 1] }
            for k in 0..<m {
                let bucket = Int(cost[k] >> shift)
                order[Int(counts[bucket])] = Int32(truncatingIfNeeded: k)
                counts[bucket] += 1
            }
        }
        var remaining = demands
        var room = supplies
        var forest: [Int32] = []
        for k32 in order {
            let k = Int(k32)
            let d = Int(source[k]), s = Int(target[k]) - nd
            let amount = min(remaining[d], room[s])
            if amount <= 0 || (hasUpperBounds[d] != 0 && capacity[k] <= amount) { continue }
            flows[k] = amount
            state[k] = Self.inTree
            remaining[d] -= amount
            room[s] -= amount
            forest.append(k32)
        }
        // Forest arcs by node.
        var start = [Int32](repeating: 0, count: n + 1)
        for k in forest {
            start[Int(source[Int(k)]) + 1] += 1
            start[Int(target[Int(k)]) + 1] += 1
        }
        for v in 0..<n { start[v + 1] += start[v] }
        var adjacent = [Int32](repeating: 0, count: 2 * forest.count)
        do {
            var fill = start
            for k in forest {
                let d = Int(source[Int(k)]), s = Int(target[Int(k)])
                adjacent[Int(fill[d])] = k
                fill[d] += 1
                adjacent[Int(fill[s])] = k
                fill[s] += 1
            }
        }
        for s in 0..<ns where start[nd + s] < start[nd + s + 1] {
            let used = supplies[s] - room[s]
            flows[m + s] = used
            state[m + s] = used == supplies[s] ? Self.atUpper : Self.atLower
        }
        for d in 0..<nd where start[d] < start[d + 1] {
            flows[m + ns + d] = remaining[d]
            state[m + ns + d] = Self.atLower
        }
        // Each tree: its nodes found from its lowest node, then walked again breadth first
        // from its attachment node (parents, potentials), sizes added up in reverse, and
        // preorder positions handed out parent before children; trees follow each other in
        // the thread, then the nodes outside the forest.
        var seen = [Bool](repeating: false, count: n)
        var walk = [Int32](repeating: 0, count: n)
        var nextFree = [Int32](repeating: 0, count: n)
        var preorder = [Int32](repeating: 0, count: n)
        var previous = root
        for first in 0..<n where !seen[first] && start[first] < start[first + 1] {
            seen[first] = true
            walk[0] = Int32(truncatingIfNeeded: first)
            var count = 1
            var i = 0
            var attach = -1
            var firstDemand = -1
            while i < count {
                let v = Int(walk[i])
                i += 1
                if attach < 0 && (v < nd ? remaining[v] > 0 : room[v - nd] > 0) { attach = v }
                if firstDemand < 0 && v < nd { firstDemand = v }
                for j in Int(start[v])..<Int(start[v + 1]) {
                    let k = Int(adjacent[j])
                    let w = Int(source[k]) == v ? Int(target[k]) : Int(source[k])
                    if !seen[w] {
                        seen[w] = true
                        walk[count] = Int32(truncatingIfNeeded: w)
                        count += 1
                    }
                }
            }
            if attach < 0 { attach = firstDemand }
            let rootArc = attach < nd ? m + ns + attach : m + attach - nd
            state[rootArc] = Self.inTree
            parent[attach] = root
            pred[attach] = rootArc
            predDir[attach] = Self.up
            potential[attach] = attach < nd ? -unmetCost : 0
            walk[0] = Int32(truncatingIfNeeded: attach)
            var reached = 1
            i = 0
            while i < reached {
                let v = Int(walk[i])
                i += 1
                subtreeSize[v] = 1
                for j in Int(start[v])..<Int(start[v + 1]) {
                    let k = Int(adjacent[j])
                    if k == pred[v] { continue }
                    let up = Int(target[k]) == v
                    let w = up ? Int(source[k]) : Int(target[k])
                    parent[w] = v
                    pred[w] = k
                    predDir[w] = up ? Self.up : Self.down
                    potential[w] = up ? potential[v] - Int(cost[k]) : potential[v] + Int(cost[k])
                    walk[reached] = Int32(truncatingIfNeeded: w)
                    reached += 1
                }
            }
            for r in stride(from: reached - 1, to: 0, by: -1) {
                let v = Int(walk[r])
                subtreeSize[parent[v]] += subtreeSize[v]
            }
            // Preorder places, parents before children: each child takes its parent's next free
            // place and leaves room for its subtree.
            nextFree[attach] = 1
            preorder[0] = Int32(truncatingIfNeeded: attach)
            for r in 1..<reached {
                let v = Int(walk[r])
                let p = parent[v]
                let place = nextFree[p]
                nextFree[p] += Int32(truncatingIfNeeded: subtreeSize[v])
                nextFree[v] = place + 1
                preorder[Int(place)] = Int32(truncatingIfNeeded: v)
            }
            for q in 0..<reached {
                let v = Int(preorder[q])
                thread[previous] = v
                revThread[v] = previous
                previous = v
                lastInSubtree[v] = Int(preorder[q + subtreeSize[v] - 1])
            }
        }
        // Nodes outside the forest stay hung from the root on their own.
        for v in 0..<n where start[v] == start[v + 1] {
            thread[previous] = v
            revThread[v] = previous
            previous = v
        }
        thread[previous] = root
        revThread[root] = previous
        lastInSubtree[root] = previous
    }

    private func attachToRoot(_ node: Int, arc: Int, potential pi: Int) {
        state[arc] = Self.inTree
        parent[node] = root
        pred[node] = arc
        predDir[node] = Self.up
        subtreeSize[node] = 1
        lastInSubtree[node] = node
        potential[node] = pi
    }

    func flow(ofUserArc k: Int) -> Int { flows[k] }

    func unmet(ofDemand d: Int) -> Int { flows[userArcCount + supplyCount + d] }

    mutating func run(limits: FlowLimits) throws(FlowProblemError) {
        let maxIterations = limits.maxIterations ?? Int.max
        while let entering = findEnteringArc() {
            if iterations >= maxIterations { throw .iterationLimit(iterations: maxIterations) }
            iterations += 1
            if let deadline = limits.deadline, iterations & 1023 == 1, ContinuousClock.now >= deadline {
                throw .deadlineExceeded(iterations: iterations - 1)
            }
            let (movedRoot, movedSize, shift) = try pivot(entering)
            // On networks whose tree has large subtrees (random transport problems) listing
            // the arcs around a pivot can cost more than a pass over every arc: such listings
            // are skipped, and the pass over all arcs when the list runs empty (which every
            // search ends with anyway) lists what they would have.
            if movedRoot >= 0 && shift != 0 && min(movedSize, nodeCount - movedSize) <= listingLimit {
                listArcs(ofSubtree: movedRoot, size: movedSize, shift: shift)
            }
        }
    }

    @inline(__always)
    private func violation(_ e: Int) -> Int {
        Int(state[e]) * (Int(cost[e]) + potential[Int(source[e])] - potential[Int(target[e])])
    }

    @inline(__always)
    private mutating func list(_ e: Int) {
        if listed[e] == 0 && state[e] != Self.inTree && violation(e) < 0 {
            if candidateCount == arcCount { compactCandidates() }
            listed[e] = 1
            candidates[candidateCount] = Int32(truncatingIfNeeded: e)
            candidateCount += 1
        }
    }

    /// Lists the arcs that the last pivot may have made violating: it raised the potentials of
    /// the subtree of `size` nodes rooted at `top` by `shift` relative to the rest, so only arcs
    /// between the two sides changed reduced cost, and of those only the ones whose reduced
    /// cost moved against their bound: an arc at its lower bound leaving the subtree
    /// (demand → supply or → sink) when `shift < 0`, entering it when `shift > 0`; an arc at
    /// its upper bound the other way round. Either side finds every crossing arc, so user arcs
    /// are read from the smaller side, and only at the nodes (demands or supplies) that can
    /// hold such an arc; the sink arcs always from the subtree (the root, outside it, holds
    /// them all).
    private mutating func listArcs(ofSubtree top: Int, size: Int, shift: Int) {
        let inside = size <= nodeCount - size
        // Demands' user arcs leave them, supplies' enter them; seen from outside the subtree
        // the direction flips.
        let demandsLower = inside == (shift < 0)
        var v = top
        for _ in 0..<size {
            if inside && ((v < demandCount) == demandsLower || hasUpperBounds[v] != 0) {
                for i in Int(nodeArcStart[v])..<Int(nodeArcStart[v + 1]) { list(Int(nodeArcs[i])) }
            }
            list(v < demandCount ? userArcCount + supplyCount + v : userArcCount + v - demandCount)
            v = thread[v]
        }
        if inside { return }
        // `v` is now the first node after the subtree in preorder; the rest of the tree is
        // everything from there round to `top`.
        while v != top {
            if v != root && ((v < demandCount) == demandsLower || hasUpperBounds[v] != 0) {
                for i in Int(nodeArcStart[v])..<Int(nodeArcStart[v + 1]) { list(Int(nodeArcs[i])) }
            }
            v = thread[v]
        }
    }

    /// Candidate search: walk the list cyclically from where the last search stopped,
    /// dropping arcs that no longer violate, and take the most violating of the first
    /// `candidateBlock` that do. nil means the tree is optimal.
    private mutating func findEnteringArc() -> Int? {
        var best = 0
        var bestPos = -1
        var seen = 0
        var i = candidateCursor
        // Squeeze out holes only between searches, so positions stay valid during one.
        if holes > 1024 && holes * 2 > candidateCount {
            compactCandidates()
            i = 0
        }
        var steps = candidateCount
        while steps > 0 {
            if i >= candidateCount { i = 0 }
            steps -= 1
            let e32 = candidates[i]
            if e32 >= 0 {
                let e = Int(e32)
                let v = violation(e)
                if v < 0 {
                    if v < best {
                        best = v
                        bestPos = i
                    }
                    seen += 1
                    if seen == candidateBlock {
                        i += 1
                        break
                    }
                } else {
                    listed[e] = 0
                    candidates[i] = -1
                    holes += 1
                }
            }
            i += 1
        }
        candidateCursor = i
        guard bestPos >= 0 else {
            // Every listed arc was looked at and none violates. The list covers every
            // violating arc unless a large pivot's listing was skipped; one pass over all
            // arcs confirms optimality or lists what is left.
            compactCandidates()
            for e in 0..<arcCount { list(e) }
            if candidateCount == 0 { return nil }
            return findEnteringArc()
        }
        let e = Int(candidates[bestPos])
        listed[e] = 0
        candidates[bestPos] = -1
        holes += 1
        return e
    }

    private mutating func compactCandidates() {
        var j = 0
        for i in 0..<candidateCount where candidates[i] >= 0 {
            candidates[j] = candidates[i]
            j += 1
        }
        candidateCount = j
        candidateCursor = 0
        holes = 0
    }

    /// Returns the root and size of the subtree whose potentials moved relative to the rest
    /// and by how much (root -1 when the tree did not change).
    private mutating func pivot(_ entering: Int) throws(FlowProblemError) -> (Int, Int, Int) {
        let direction = state[entering]
        let first = Int(direction == Self.atLower ? source[entering] : target[entering])
        let second = Int(direction == Self.atLower ? target[entering] : source[entering])

        var u = first
        var v = second
        while u != v {
            // A node with the smaller subtree cannot be the other's ancestor.
            if subtreeSize[u] < subtreeSize[v] { u = parent[u] } else { v = parent[v] }
        }
        let apex = u

        // Flow goes first → second on the entering arc, second up to the apex, and down
        // from the apex to first. Ties go to the last blocking arc from the apex on.
        var delta = capacity[entering]
        var leavingNode = -1
        var leavingSide = 0
        u = first
        while u != apex {
            let e = pred[u]
            let room = predDir[u] == Self.down ? capacity[e] - flows[e] : flows[e]
            if room < delta {
                delta = room
                leavingNode = u
                leavingSide = 1
            }
            u = parent[u]
        }
        u = second
        while u != apex {
            let e = pred[u]
            let room = predDir[u] == Self.up ? capacity[e] - flows[e] : flows[e]
            if room <= delta {
                delta = room
                leavingNode = u
                leavingSide = 2
            }
            u = parent[u]
        }
        if delta == Self.unbounded {
            throw .internalError("unbounded cycle through arc \(entering)")
        }

        if delta > 0 {
            let change = Int(direction) * delta
            flows[entering] += change
            u = Int(source[entering])
            while u != apex {
                flows[pred[u]] -= predDir[u] * change
                u = parent[u]
            }
            u = Int(target[entering])
            while u != apex {
                flows[pred[u]] += predDir[u] * change
                u = parent[u]
            }
        }

        if leavingSide == 0 {
            state[entering] = -direction
            return (-1, 0, 0)
        }
        let leaving = pred[leavingNode]
        state[entering] = Self.inTree
        state[leaving] = flows[leaving] == 0 ? Self.atLower : Self.atUpper
        let uIn = leavingSide == 1 ? first : second
        let vIn = leavingSide == 1 ? second : first
        let sigma = potential[vIn] - potential[uIn] + (uIn == Int(source[entering]) ? -Int(cost[entering]) : Int(cost[entering]))
        let moved = subtreeSize[leavingNode]
        rehang(entering: entering, uIn: uIn, vIn: vIn, uOut: leavingNode, apex: apex)
        shiftPotentials(of: uIn, size: moved, by: sigma)
        return (uIn, moved, sigma)
    }

    /// Cuts the subtree of `uOut` off its parent and hangs it from `vIn` by the entering arc,
    /// re-rooted at `uIn`: the stem uIn → … → uOut reverses, everything else keeps its parent.
    /// The new preorder of the moved subtree is: the old subtree of uIn, then each stem node
    /// followed by its old subtree minus the part already placed.
    private func rehang(entering: Int, uIn: Int, vIn: Int, uOut: Int, apex: Int) {
        let oldRevThread = revThread[uOut]
        let oldSize = subtreeSize[uOut]
        let oldLast = lastInSubtree[uOut]
        let vOut = parent[uOut]

        if uIn == uOut {
            parent[uIn] = vIn
            pred[uIn] = entering
            predDir[uIn] = uIn == Int(source[entering]) ? Self.up : Self.down
            if thread[vIn] != uOut {
                // Move the block [uOut … oldLast] to just after vIn.
                var after = thread[oldLast]
                thread[oldRevThread] = after
                revThread[after] = oldRevThread
                after = thread[vIn]
                thread[vIn] = uOut
                revThread[uOut] = vIn
                thread[oldLast] = after
                revThread[after] = oldLast
            }
        } else {
            // When the block already follows vIn, what comes after it stays after it.
            let threadContinue = oldRevThread == vIn ? thread[oldLast] : thread[vIn]
            var stem = uIn
            var stemParent = vIn
            var last = lastInSubtree[uIn]
            var after = thread[last]
            var dirtyCount = 0
            thread[vIn] = uIn
            dirty[dirtyCount] = vIn
            dirtyCount += 1
            while stem != uOut {
                let nextStem = parent[stem]
                thread[last] = nextStem
                dirty[dirtyCount] = last
                dirtyCount += 1
                // Unlink the stem's old block from the thread of its old parent.
                let before = revThread[stem]
                thread[before] = after
                revThread[after] = before
                parent[stem] = stemParent
                stemParent = stem
                stem = nextStem
                // The last node of the next stem's subtree once stemParent's block is gone.
                last = lastInSubtree[stem] == lastInSubtree[stemParent] ? revThread[stemParent] : lastInSubtree[stem]
                after = thread[last]
            }
            parent[uOut] = stemParent
            thread[last] = threadContinue
            revThread[threadContinue] = last
            lastInSubtree[uOut] = last
            if oldRevThread != vIn {
                thread[oldRevThread] = after
                revThread[after] = oldRevThread
            }
            for i in 0..<dirtyCount {
                let u = dirty[i]
                revThread[thread[u]] = u
            }

            // Stem nodes take the pred arc of their old child and the sizes of what they keep.
            var sizeSoFar = 0
            let newLast = lastInSubtree[uOut]
            var u = uOut
            while u != uIn {
                let p = parent[u]
                pred[u] = pred[p]
                predDir[u] = -predDir[p]
                sizeSoFar += subtreeSize[u] - subtreeSize[p]
                subtreeSize[u] = sizeSoFar
                lastInSubtree[p] = newLast
                u = p
            }
            pred[uIn] = entering
            predDir[uIn] = uIn == Int(source[entering]) ? Self.up : Self.down
            subtreeSize[uIn] = oldSize
        }

        // Ancestors whose subtree ended at vIn now end with the moved block; ancestors of vOut
        // whose subtree ended with the block now end just before it (or, if the block came
        // back to the same place, with its new last node).
        let stopOut = lastInSubtree[apex] == vIn ? apex : -1
        let movedLast = lastInSubtree[uOut]
        var u = vIn
        while u != -1 && lastInSubtree[u] == vIn {
            lastInSubtree[u] = movedLast
            u = parent[u]
        }
        if apex != oldRevThread && vIn != oldRevThread {
            u = vOut
            while u != stopOut && lastInSubtree[u] == oldLast {
                lastInSubtree[u] = oldRevThread
                u = parent[u]
            }
        } else if movedLast != oldLast {
            u = vOut
            while u != stopOut && lastInSubtree[u] == oldLast {
                lastInSubtree[u] = movedLast
                u = parent[u]
            }
        }
        u = vIn
        while u != apex {
            subtreeSize[u] += oldSize
            u = parent[u]
        }
        u = vOut
        while u != apex {
            subtreeSize[u] -= oldSize
            u = parent[u]
        }
    }

    /// Makes the entering arc's reduced cost zero. Only differences of potentials matter, so
    /// shifting everything outside the moved subtree the other way is equivalent; whichever
    /// side is smaller is shifted.
    private func shiftPotentials(of uIn: Int, size: Int, by sigma: Int) {
        let end = thread[lastInSubtree[uIn]]
        if size <= nodeCount - size {
            var u = uIn
            while u != end {
                potential[u] += sigma
                u = thread[u]
            }
        } else {
            var u = end
            while u != uIn {
                potential[u] -= sigma
                u = thread[u]
            }
            // Shifting the root's side lets the root's potential drift; bring it back before
            // it could approach overflow.
            if potential[root] > Self.driftLimit || potential[root] < -Self.driftLimit {
                let offset = potential[root]
                for v in 0..<nodeCount { potential[v] -= offset }
            }
        }
    }
}
