/// Primal network simplex on a transportation network with one sink.
///
/// Nodes: demands `0..<nd`, supplies `nd..<nd+ns`, the sink `nd+ns` (the tree root). Arcs:
/// the useful user arcs (demand → supply), then one arc per supply (supply → sink, its
/// capacity), then one unmet arc per demand (demand → sink, cost unmet_cost, unbounded).
/// The unmet arcs give a feasible starting tree without artificial arcs.
///
/// The basis is kept strongly feasible (the leaving arc is the last blocking arc of the
/// cycle, walking it from the apex in the entering arc's direction), which rules out
/// cycling. Entering arcs are found by block search. The tree is stored as parent/pred
/// pointers, a preorder thread, subtree sizes and the last node of every subtree, so a pivot
/// rewires only the stem and the two paths to the apex, and shifts the potentials of the
/// smaller of the two sides it separates.
///
/// Storage is raw buffers because bounds and uniqueness checks in the pricing loop cost
/// more than the pivot itself; every index is produced here, never taken from input.
struct NetworkSimplex: ~Copyable {
    static let unbounded = Int.max
    /// Arc states; a non-tree arc sits at its lower or upper bound.
    static let atLower = 1, inTree = 0, atUpper = -1
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

    private let source: UnsafeMutablePointer<Int>
    private let target: UnsafeMutablePointer<Int>
    private let cost: UnsafeMutablePointer<Int>
    private let capacity: UnsafeMutablePointer<Int>
    private let flows: UnsafeMutablePointer<Int>
    private let state: UnsafeMutablePointer<Int>

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

    private let blockSize: Int
    private var nextArc = 0
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
        blockSize = max(10, Int(Double(arcCount).squareRoot()))

        func buffer(_ count: Int) -> UnsafeMutablePointer<Int> {
            let p = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        source = buffer(arcCount)
        target = buffer(arcCount)
        cost = buffer(arcCount)
        capacity = buffer(arcCount)
        flows = buffer(arcCount)
        state = buffer(arcCount)
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
            source[k] = arc.demand
            target[k] = nd + arc.supply
            cost[k] = arc.cost
            capacity[k] = arc.capacity ?? Self.unbounded
            state[k] = Self.atLower
        }
        // Starting tree: every node hangs from the root. Demands send everything unmet,
        // supplies carry nothing; both kinds of tree arc point up with spare capacity, so
        // the tree is strongly feasible.
        for s in 0..<ns {
            let e = userArcCount + s
            let node = nd + s
            source[e] = node
            target[e] = root
            capacity[e] = problem.supplies[s]
            attachToRoot(node, arc: e, potential: 0)
        }
        for d in 0..<nd {
            let e = userArcCount + ns + d
            source[e] = d
            target[e] = root
            cost[e] = problem.unmetCost
            capacity[e] = Self.unbounded
            flows[e] = problem.demands[d]
            attachToRoot(d, arc: e, potential: -problem.unmetCost)
        }
        parent[root] = -1
        pred[root] = -1
        subtreeSize[root] = nodeCount
        lastInSubtree[root] = root == 0 ? root : root - 1
        potential[root] = 0
        // Thread: root, 0, 1, ..., root - 1, back to root.
        for node in 0..<root { thread[node] = node + 1 }
        thread[root] = root == 0 ? root : 0
        for node in 0..<nodeCount { revThread[thread[node]] = node }
    }

    deinit {
        for p in [source, target, cost, capacity, flows, state,
                  parent, pred, predDir, subtreeSize, lastInSubtree, thread, revThread, potential, dirty] {
            p.deallocate()
        }
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
            try pivot(entering)
        }
    }

    /// Block search: scan arcs cyclically, a block at a time, and take the most violating
    /// arc of the first block that has one. nil means the basis is optimal.
    private mutating func findEnteringArc() -> Int? {
        var best = 0
        var bestArc = -1
        var e = nextArc
        var left = blockSize
        for _ in 0..<arcCount {
            let violation = state[e] * (cost[e] + potential[source[e]] - potential[target[e]])
            if violation < best {
                best = violation
                bestArc = e
            }
            e += 1
            if e == arcCount { e = 0 }
            left -= 1
            if left == 0 {
                if best < 0 { break }
                left = blockSize
            }
        }
        nextArc = e
        return best < 0 ? bestArc : nil
    }

    private mutating func pivot(_ entering: Int) throws(FlowProblemError) {
        let direction = state[entering]
        let first = direction == Self.atLower ? source[entering] : target[entering]
        let second = direction == Self.atLower ? target[entering] : source[entering]

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
            let change = direction * delta
            flows[entering] += change
            u = source[entering]
            while u != apex {
                flows[pred[u]] -= predDir[u] * change
                u = parent[u]
            }
            u = target[entering]
            while u != apex {
                flows[pred[u]] += predDir[u] * change
                u = parent[u]
            }
        }

        if leavingSide == 0 {
            state[entering] = -direction
            return
        }
        let leaving = pred[leavingNode]
        state[entering] = Self.inTree
        state[leaving] = flows[leaving] == 0 ? Self.atLower : Self.atUpper
        let uIn = leavingSide == 1 ? first : second
        let vIn = leavingSide == 1 ? second : first
        let sigma = potential[vIn] - potential[uIn] + (uIn == source[entering] ? -cost[entering] : cost[entering])
        let moved = subtreeSize[leavingNode]
        rehang(entering: entering, uIn: uIn, vIn: vIn, uOut: leavingNode, apex: apex)
        shiftPotentials(of: uIn, size: moved, by: sigma)
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
            predDir[uIn] = uIn == source[entering] ? Self.up : Self.down
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
            predDir[uIn] = uIn == source[entering] ? Self.up : Self.down
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
