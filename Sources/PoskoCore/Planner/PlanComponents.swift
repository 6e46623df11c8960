import Foundation

/// Arcs generated during one update, per left node in generation order.
struct PlanArcArena: Sendable {
    var right: [Int32] = []
    var cost: [Int32] = []
    /// Metres.
    var dist: [Int32] = []
    /// Stage-specific flags (fallback rank, stability, preference).
    var tag: [Int32] = []
    /// Arc capacity; -1 for unbounded.
    var capacity: [Int32] = []

    var count: Int { right.count }

    @inline(__always)
    mutating func append(right r: Int32, cost c: Int32, dist d: Int32, tag t: Int32, capacity u: Int32 = -1) {
        right.append(r)
        cost.append(c)
        dist.append(d)
        tag.append(t)
        capacity.append(u)
    }
}

extension PlanArcArena {
    /// The arcs of `lefts`, in their order; `from`/`to` receive each left's arc range. Many
    /// lefts are split into contiguous ranges generated on up to `threads` threads and joined
    /// in order, so the arena does not depend on the thread count.
    static func generate<S: PlanStage>(stage: S, lefts: [Int32], threads: Int, from: inout [Int32], to: inout [Int32]) -> PlanArcArena {
        var arena = PlanArcArena()
        arena.append(stage: stage, lefts: lefts, threads: threads, minimum: 4096, from: &from, to: &to)
        return arena
    }

    /// Appends the arcs of `lefts` as `generate` makes them, on several threads from `minimum`
    /// lefts on.
    mutating func append<S: PlanStage>(stage: S, lefts: [Int32], threads: Int, minimum: Int, from: inout [Int32], to: inout [Int32]) {
        let pieces = PlanParallel.ranges(lefts.count, threads: threads, minimum: minimum) { range in
            var arena = PlanArcArena()
            var ends: [Int32] = []
            ends.reserveCapacity(range.count)
            for i in range {
                stage.generateArcs(left: Int(lefts[i]), into: &arena)
                ends.append(Int32(arena.count))
            }
            return (arena: arena, ends: ends)
        }
        var i = 0
        var start = Int32(count)
        for piece in pieces {
            let base = start
            for end in piece.ends {
                from[Int(lefts[i])] = start
                to[Int(lefts[i])] = base + end
                start = base + end
                i += 1
            }
        }
        if pieces.count == 1 && count == 0 {
            self = pieces[0].arena
            return
        }
        for piece in pieces {
            right.append(contentsOf: piece.arena.right)
            cost.append(contentsOf: piece.arena.cost)
            dist.append(contentsOf: piece.arena.dist)
            tag.append(contentsOf: piece.arena.tag)
            capacity.append(contentsOf: piece.arena.capacity)
        }
    }
}

/// One problem to solve: left nodes (demands) and right nodes (supplies), and its arcs in
/// left order (each left's arcs in generation order).
struct PlanGroup: Sendable {
    init() {}

    /// The problem of `lefts`: their rights (sorted) and arcs, renumbered locally.
    /// `localOf` is scratch indexed by right; all -1 on entry and again on return.
    init(lefts: [Int32], arena: PlanArcArena, arcFrom: [Int32], arcTo: [Int32], localOf: inout [Int32]) {
        self.lefts = lefts
        var rights: [Int32] = []
        var arcCount = 0
        for l in lefts {
            arcCount += Int(arcTo[Int(l)] - arcFrom[Int(l)])
            for k in Int(arcFrom[Int(l)])..<Int(arcTo[Int(l)]) {
                let r = arena.right[k]
                if localOf[Int(r)] < 0 {
                    localOf[Int(r)] = 0
                    rights.append(r)
                }
            }
        }
        rights.sort()
        for (i, r) in rights.enumerated() { localOf[Int(r)] = Int32(i) }
        self.rights = rights
        arcLeft.reserveCapacity(arcCount)
        arcRight.reserveCapacity(arcCount)
        arcIndex.reserveCapacity(arcCount)
        arcStart.reserveCapacity(lefts.count + 1)
        for (li, l) in lefts.enumerated() {
            for k in Int(arcFrom[Int(l)])..<Int(arcTo[Int(l)]) {
                arcLeft.append(Int32(li))
                arcRight.append(localOf[Int(arena.right[k])])
                arcIndex.append(Int32(k))
            }
            arcStart.append(Int32(arcLeft.count))
        }
        for r in rights { localOf[Int(r)] = -1 }
    }

    var lefts: [Int32] = []
    var rights: [Int32] = []
    var arcLeft: [Int32] = []
    var arcRight: [Int32] = []
    /// Index into the arena.
    var arcIndex: [Int32] = []
    /// `arcStart[i]..<arcStart[i + 1]` are the arcs of left `i`.
    var arcStart: [Int32] = [0]
}

/// The result of a solved cluster per local left: the flows it sends and, until the plan
/// takes them, its lines (see ``PlanLeftLines``).
protocol PlanStageOutput: Sendable {
    init()
    /// Local lefts in the table.
    var leftCount: Int { get }
    /// Entries no longer referenced by the table, and those that are.
    var deadEntries: Int { get }
    var liveEntries: Int { get }
    /// Sets local left `local` (or appends it when `local == leftCount`) to the flows (and the
    /// lines, when held) of `otherLocal` in `other`.
    mutating func setLeft(_ local: Int, from other: Self, otherLocal: Int)
    /// Units sent from local left `local`, as (right id, amount).
    func flows(local: Int, into out: inout [(right: Int32, amount: Int32)])
    /// Rewrites the storage without dead entries.
    mutating func compact()
    /// Appends a local left without lines.
    mutating func appendEmptyLeft()
    /// Appends `piece`'s lefts after this output's, taking its line blocks without copying lines.
    mutating func append(_ piece: Self)
    var holdsLines: Bool { get }
    /// Lets go of the lines held.
    mutating func dropLines()
}

/// A stage of the planner seen by the component engine: a bipartite transport problem whose
/// left nodes are demands and right nodes supplies, over fixed id spaces.
protocol PlanStage: Sendable {
    associatedtype Output: PlanStageOutput
    var leftCount: Int { get }
    var rightCount: Int { get }
    /// Whether a left node has demand now (inactive lefts are in no cluster).
    func isActive(left: Int) -> Bool
    /// Supply of a right node now.
    func capacity(right: Int) -> Int32
    /// Appends the arcs of one active left node.
    func generateArcs(left: Int, into arena: inout PlanArcArena)
    /// Everything besides arcs that the output depends on (amounts, capacities, texts):
    /// two groups with equal keys have equal outputs.
    func encodeLeft(_ left: Int, arcs: Int, into key: inout [Int32])
    func encodeRight(_ right: Int, into key: inout [Int32])
    /// Solves a group; `capacities` (per group right) replaces the rights' own supply when
    /// given (a local repair with the flows outside the region held fixed).
    func solveFlows(group: PlanGroup, arena: PlanArcArena, capacities: [Int32]?) -> PlanSolveResult
    /// Appends the lines of group left `li` (and closes it) to `out`.
    func render(group: PlanGroup, arena: PlanArcArena, result: PlanSolveResult, left li: Int, into out: inout Output)
}

extension PlanStage {
    /// Solves `groups` and renders their lines; results in the order of `groups`.
    ///
    /// On more than one thread (and with a large group among them) workers take the solves in
    /// order, and a solved group of many lefts becomes `threads` render tasks over contiguous
    /// ranges of its lefts, joined in order; so a worker that runs out of solves renders
    /// instead of waiting, and the output does not depend on the thread count.
    func solveAll(_ groups: [PlanGroup], arena: PlanArcArena, threads: Int,
                  aside: (@Sendable () -> Void)? = nil) -> [(output: Output, iterations: Int, limited: Bool)] {
        if threads <= 1 || !groups.contains(where: { $0.arcIndex.count >= 2000 }) {
            return groups.map { group in
                let result = solveFlows(group: group, arena: arena, capacities: nil)
                var out = Output()
                for li in group.lefts.indices { render(group: group, arena: arena, result: result, left: li, into: &out) }
                return (out, result.iterations, result.limited)
            }
        }
        let queue = PlanTaskQueue<Output>(solves: groups.count, aside: aside)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let task = queue.next() {
                switch task {
                case .solve(let g):
                    let group = groups[g]
                    let n = group.lefts.count
                    let solved = solveFlows(group: group, arena: arena, capacities: nil)
                    queue.solved(g, solved, parts: n >= 4096 ? min(threads, 8) : 1)
                case .render(let g, let result, let part, let parts):
                    let group = groups[g]
                    let n = group.lefts.count
                    var out = Output()
                    for li in (n * part / parts)..<(n * (part + 1) / parts) {
                        render(group: group, arena: arena, result: result, left: li, into: &out)
                    }
                    queue.rendered(g, part: part, out)
                case .aside(let work):
                    work()
                }
            }
        }
        return queue.results()
    }
}

/// The work of ``PlanStage/solveAll(_:arena:threads:aside:)``: solves in order, then the
/// render tasks of solved groups; when nothing is ready but a solve is still running (it may
/// add render tasks), the `aside` work once, then `next` waits; nil when everything is done.
final class PlanTaskQueue<Output: PlanStageOutput>: @unchecked Sendable {
    enum Task {
        case solve(group: Int)
        /// Part `part` of `parts` of a solved group's lefts.
        case render(group: Int, result: PlanSolveResult, part: Int, parts: Int)
        case aside(@Sendable () -> Void)
    }

    private let condition = NSCondition()
    private let solveCount: Int
    private var nextSolve = 0
    private var running = 0
    private var renders: [Task] = []
    private var nextRender = 0
    private var solveResults: [PlanSolveResult?]
    private var pieces: [[Output?]]
    private var aside: (@Sendable () -> Void)?

    init(solves: Int, aside: (@Sendable () -> Void)?) {
        solveCount = solves
        self.aside = aside
        solveResults = Array(repeating: nil, count: solves)
        pieces = Array(repeating: [], count: solves)
    }

    func next() -> Task? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if nextSolve < solveCount {
                nextSolve += 1
                running += 1
                return .solve(group: nextSolve - 1)
            }
            if nextRender < renders.count {
                nextRender += 1
                return renders[nextRender - 1]
            }
            if running == 0 { return nil }
            if let work = aside {
                aside = nil
                return .aside(work)
            }
            condition.wait()
        }
    }

    func solved(_ group: Int, _ result: PlanSolveResult, parts: Int) {
        condition.lock()
        solveResults[group] = result
        pieces[group] = Array(repeating: nil, count: parts)
        for part in 0..<parts { renders.append(.render(group: group, result: result, part: part, parts: parts)) }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    func rendered(_ group: Int, part: Int, _ output: Output) {
        condition.lock()
        pieces[group][part] = output
        condition.unlock()
    }

    /// Each group's pieces joined in order, after every worker has returned.
    func results() -> [(output: Output, iterations: Int, limited: Bool)] {
        condition.lock()
        defer { condition.unlock() }
        return (0..<solveCount).map { g in
            let parts = pieces[g].compactMap { $0 }
            var out = parts.first ?? Output()
            for piece in parts.dropFirst() { out.append(piece) }
            return (out, solveResults[g]?.iterations ?? 0, solveResults[g]?.limited ?? false)
        }
    }
}

/// What one planner stage did in one run.
public struct PlanStageStats: Sendable, Equatable, Codable {
    /// Clusters (connected components, or unions of them after a local repair) in the plan.
    public var components = 0
    /// Clusters carried over untouched.
    public var kept = 0
    /// Components recomputed but found identical to a cached one.
    public var reused = 0
    /// Components solved from scratch.
    public var solved = 0
    /// Large clusters updated by a local repair around the change instead of a full solve.
    public var repaired = 0
    /// Left nodes (displaced post × fields, or post × fields needing cadres) solved again.
    public var recomputedNodes = 0
    /// Left nodes in the largest problem solved.
    public var largestProblem = 0
    public var iterations = 0
    public var iterationLimitHits = 0

    public init() {}
}

/// How the engine may work.
struct PlanEngineLimits: Sendable {
    /// Clusters with more left nodes than this are updated by local repair.
    var exactLimit: Int
    /// Hops (left → right → left) around the change that a local repair re-solves.
    var repairHops: Int
    /// Threads for solving independent components.
    var parallelism: Int
}

/// A solved cluster: its nodes and arcs. Tables by local index; pools are append-only.
struct PlanCluster: Sendable {
    /// Global id per local left; an entry whose `leftCluster`/`leftLocal` no longer points
    /// back here is dead.
    var lefts: [Int32] = []
    var live = 0
    /// Global id per local right.
    var rights: [Int32] = []
    /// Canonical problem key; empty once locally repaired (never reused).
    var key: [Int32] = []
    var hash: UInt64 = 0
    var arcFirst: [Int32] = []
    var arcCount: [Int32] = []
    /// Global right ids.
    var arcPool: [Int32] = []
    /// Local lefts with an arc to each local right (CSR from the solve, plus additions);
    /// may list lefts that no longer have that arc.
    var rightStart: [Int32] = [0]
    var rightLeft: [Int32] = []
    var rightExtra: [Int32: [Int32]] = [:]

    init() {}

    /// From an exact solve: `rights` sorted, arcs of each left.
    init(group: PlanGroup, arena: PlanArcArena, key: [Int32], hash: UInt64) {
        lefts = group.lefts
        live = lefts.count
        rights = group.rights
        self.key = key
        self.hash = hash
        arcFirst.reserveCapacity(lefts.count)
        arcCount.reserveCapacity(lefts.count)
        arcPool.reserveCapacity(group.arcIndex.count)
        var start = [Int32](repeating: 0, count: rights.count + 1)
        for i in 0..<lefts.count {
            let a = Int(group.arcStart[i]), b = Int(group.arcStart[i + 1])
            arcFirst.append(Int32(arcPool.count))
            arcCount.append(Int32(b - a))
            for k in a..<b {
                arcPool.append(arena.right[Int(group.arcIndex[k])])
                start[Int(group.arcRight[k]) + 1] += 1
            }
        }
        for j in 0..<rights.count { start[j + 1] += start[j] }
        var cursor = start
        var list = [Int32](repeating: 0, count: group.arcIndex.count)
        for i in 0..<lefts.count {
            for k in Int(group.arcStart[i])..<Int(group.arcStart[i + 1]) {
                let j = Int(group.arcRight[k])
                list[Int(cursor[j])] = Int32(i)
                cursor[j] += 1
            }
        }
        rightStart = start
        rightLeft = list
    }

    func hasLeft(_ i: Int32, usingRight j: Int) -> Bool {
        if j + 1 < rightStart.count {
            for k in Int(rightStart[j])..<Int(rightStart[j + 1]) where rightLeft[k] == i { return true }
        }
        return rightExtra[Int32(j)]?.contains(i) ?? false
    }
}

/// A region of a cluster to solve again (see ``PlanComponentStore``'s local repair): the
/// cluster taken out of its box, its output as before, the region's problem (its lefts are
/// the region's).
struct PlanRepair<Output: PlanStageOutput>: Sendable {
    var cluster: Int32
    var box: PlanCluster
    var output: Output
    var group: PlanGroup
    /// Per group right: its supply less the flows of the lefts held fixed.
    var capacities: [Int32]
}

/// Node-indexed scratch arrays shared by the repairs of one update; every user resets the
/// entries it set, so no repair pays for clearing a whole array.
struct PlanRepairScratch {
    var inRegion: [Bool]
    var rightMark: [Bool]
    var localOf: [Int32]

    init(leftCount: Int, rightCount: Int) {
        inRegion = [Bool](repeating: false, count: leftCount)
        rightMark = [Bool](repeating: false, count: rightCount)
        localOf = [Int32](repeating: -1, count: rightCount)
    }
}

/// An immutable box, so that copying an array of clusters costs one retain per cluster.
final class PlanBox<T: Sendable>: Sendable {
    let value: T
    init(_ value: T) { self.value = value }

    @inline(__always)
    func withValue<R>(_ body: (borrowing T) -> R) -> R { body(value) }
}

/// Data-parallel loops of the planner. Results come back in range order, so nothing a
/// caller builds from them depends on the thread count.
enum PlanParallel {
    /// Runs `body` on up to `threads` contiguous ranges covering `0 ..< count` (one range when
    /// `count < minimum`), concurrently, and returns the results in range order.
    static func ranges<R: Sendable>(_ count: Int, threads: Int, minimum: Int, _ body: @Sendable (Range<Int>) -> R) -> [R] {
        let parts = count >= minimum ? min(max(threads, 1), 8, count) : 1
        if parts <= 1 { return [body(0..<count)] }
        let results = PlanParallelResults<R>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            results.store(part, body((count * part / parts)..<(count * (part + 1) / parts)))
        }
        return results.values.compactMap { $0 }
    }
}

extension PlanParallel {
    /// `body` for each of `0 ..< count` on up to `threads` threads, each taking the next index
    /// when it is free (the tasks differ in size); results in index order.
    static func each<R: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> R) -> [R] {
        let workers = min(max(threads, 1), 8, count)
        if workers <= 1 { return (0..<count).map(body) }
        let results = PlanParallelResults<R>(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            results.work(body)
        }
        return results.values.compactMap { $0 }
    }
}

/// A value computed on another thread while the caller goes on: on a thread of its own
/// (`startNow`), or by the first thread that calls `help` for having nothing else to do. `wait`
/// computes it itself when no thread has started it yet, so a caller never waits for a queue
/// that has no thread free (every thread of it waiting in `wait`, say).
final class PlanBackground<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var started = false
    private var result: T?
    private let body: @Sendable () -> T

    init(startNow: Bool, _ body: @escaping @Sendable () -> T) {
        self.body = body
        guard startNow else { return }
        DispatchQueue.global().async { [self] in self.help() }
    }

    /// Computes the value unless another thread has started it.
    func help() {
        if claim() { finish(body()) }
    }

    func wait() -> T {
        if claim() {
            let value = body()
            finish(value)
            return value
        }
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result { return result }
            condition.wait()
        }
    }

    /// Whether the caller is the one to compute the value.
    private func claim() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if started { return false }
        started = true
        return true
    }

    private func finish(_ value: T) {
        condition.lock()
        result = value
        condition.broadcast()
        condition.unlock()
    }
}

/// `count` values by index, computed on another thread while the caller goes on (see
/// ``PlanBackground``); `wait` has the caller compute the ones no thread has taken yet, so work
/// left when the caller is free is shared, not waited for.
public final class PlanBackgroundEach<T: Sendable>: Sendable {
    private let results: PlanParallelResults<T>
    private let body: @Sendable (Int) -> T
    private let worker: PlanBackground<Void>

    public init(_ count: Int, startNow: Bool, _ body: @escaping @Sendable (Int) -> T) {
        let results = PlanParallelResults<T>(count: count)
        self.results = results
        self.body = body
        worker = PlanBackground(startNow: startNow) {
            results.work(body)
        }
    }

    /// The values in index order.
    public func wait() -> [T] {
        results.work(body)
        worker.wait()
        return results.values.compactMap { $0 }
    }
}

/// Results written by concurrent workers; each index is written once.
final class PlanParallelResults<T: Sendable>: @unchecked Sendable {
    private var items: [T?]
    private var claimed = 0
    private let lock = NSLock()

    init(count: Int) { items = Array(repeating: nil, count: count) }

    /// The next index no worker has taken yet; nil when all are taken.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard claimed < items.count else { return nil }
        claimed += 1
        return claimed - 1
    }

    func store(_ i: Int, _ value: T) {
        lock.lock()
        items[i] = value
        lock.unlock()
    }

    /// Takes the next free index and stores `body` of it, until none is left (what each worker
    /// of a dynamic split does).
    func work(_ body: (Int) -> T) {
        while let i = claim() { store(i, body(i)) }
    }

    var values: [T?] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Clusters of a stage with their solutions, and which cluster every node belongs to, so an
/// update touches only the clusters around what changed.
struct PlanComponentStore<Output: PlanStageOutput>: Sendable {
    private(set) var leftCluster: [Int32]
    private(set) var leftLocal: [Int32]
    private(set) var rightCluster: [Int32]
    private(set) var rightLocal: [Int32]
    private(set) var clusters: [PlanBox<PlanCluster>?] = []
    /// Output of each cluster (empty for free ids); kept apart so reading lines copies nothing.
    private(set) var outputs: [PlanBox<Output>] = []
    private var free: [Int32] = []
    /// Clusters whose outputs may hold lines (set since the last `dropLines`).
    private var holding: [Int32] = []

    init(leftCount: Int, rightCount: Int) {
        leftCluster = [Int32](repeating: -1, count: leftCount)
        leftLocal = [Int32](repeating: -1, count: leftCount)
        rightCluster = [Int32](repeating: -1, count: rightCount)
        rightLocal = [Int32](repeating: -1, count: rightCount)
    }

    /// Clusters held.
    var liveCount: Int { clusters.count - free.count }

    /// Calls `body` with the output holding left `l`'s lines and `l`'s index in it; not at all
    /// when `l` is in no cluster.
    @inline(__always)
    func withOutput(ofLeft l: Int, _ body: (borrowing Output, Int) -> Void) {
        let c = Int(leftCluster[l])
        guard c >= 0 else { return }
        // Lent from its box, not copied: an output holds a dozen arrays, and copying one for
        // every slot a plan reads (retaining and releasing each array) was ~10% of a full plan.
        outputs[c].withValue { body($0, Int(leftLocal[l])) }
    }

    /// Lets go of every line the clusters hold: the plan's chunks have them.
    mutating func dropLines() {
        for c in holding where outputs[Int(c)].value.holdsLines {
            var out = outputs[Int(c)].value
            out.dropLines()
            outputs[Int(c)] = PlanBox(out)
        }
        holding = []
    }

    /// Recomputes what a change affects and keeps everything else.
    ///
    /// The affected clusters are those holding a dirty node or reached by a dirty left's new
    /// arcs. Affected clusters that the new arcs join are merged. A merged set with at most
    /// `exactLimit` active lefts is dissolved and solved exactly, one problem per connected
    /// component; a larger one is repaired in place: only the lefts within `repairHops` of
    /// the change are solved again, with every other left's flow held fixed. A left that is
    /// not dirty must have exactly the arcs and key it had before (the caller marks dirty
    /// every left whose neighbourhood changed).
    mutating func update<S: PlanStage>(
        stage: S, dirtyLefts: [Int32], dirtyRights: [Int32], limits: PlanEngineLimits, stats: inout PlanStageStats,
        touched: inout [Int32], aside: (@Sendable () -> Void)? = nil
    ) where S.Output == Output {
        let leftCount = stage.leftCount
        let rightCount = stage.rightCount

        // Dirty lefts and their new arcs.
        var isDirty = [Bool](repeating: false, count: leftCount)
        var dirty: [Int32] = []
        var active: [Int32] = []
        for l in dirtyLefts where l >= 0 && Int(l) < leftCount && !isDirty[Int(l)] {
            isDirty[Int(l)] = true
            dirty.append(l)
            touched.append(l)
            if stage.isActive(left: Int(l)) { active.append(l) }
        }
        var arcFrom = [Int32](repeating: -1, count: leftCount)
        var arcTo = [Int32](repeating: -1, count: leftCount)
        var arena = PlanArcArena.generate(stage: stage, lefts: active, threads: limits.parallelism, from: &arcFrom, to: &arcTo)

        // Affected clusters, joined where a dirty left links them. A dirty left outside any
        // cluster takes part as a pseudo member (id `clusters.count + its position`), and rights
        // outside any cluster link every dirty left that reaches them, so that no supply is
        // ever shared between two problems.
        let pseudoBase = Int32(clusters.count)
        // Union-find over cluster and pseudo ids (-1: untouched); a set's root is its smallest
        // id, because the larger root is always hung under the smaller.
        var mergeParent = [Int32](repeating: -1, count: Int(pseudoBase) + active.count)
        func root(_ c: Int32, _ mergeParent: inout [Int32]) -> Int32 {
            var x = c
            while mergeParent[Int(x)] != x { x = mergeParent[Int(x)] }
            var y = c
            while mergeParent[Int(y)] != x {
                let next = mergeParent[Int(y)]
                mergeParent[Int(y)] = x
                y = next
            }
            return x
        }
        func touch(_ c: Int32, _ mergeParent: inout [Int32]) {
            if c >= 0 && mergeParent[Int(c)] < 0 { mergeParent[Int(c)] = c }
        }
        func join(_ a: Int32, _ b: Int32, _ mergeParent: inout [Int32]) {
            let ra = root(a, &mergeParent), rb = root(b, &mergeParent)
            if ra != rb { mergeParent[Int(max(ra, rb))] = min(ra, rb) }
        }
        for l in dirty { touch(leftCluster[Int(l)], &mergeParent) }
        for r in dirtyRights where r >= 0 && Int(r) < rightCount { touch(rightCluster[Int(r)], &mergeParent) }
        // The first anchor to reach each right outside any cluster: a table for many dirty
        // lefts, a dictionary for a few. Without clusters (a full plan) nothing can be merged
        // into one or repaired, so every active left goes to the exact queue as it is.
        let merging = liveCount > 0
        var anchorTable = [Int32](repeating: -1, count: merging && active.count > 1024 ? rightCount : 0)
        var anchorOfRight: [Int32: Int32] = [:]
        var anchorOfLeft: [Int32] = []
        anchorOfLeft.reserveCapacity(active.count)
        for (position, l) in active.enumerated() where merging {
            let anchor = leftCluster[Int(l)] >= 0 ? leftCluster[Int(l)] : pseudoBase + Int32(position)
            anchorOfLeft.append(anchor)
            touch(anchor, &mergeParent)
            for k in Int(arcFrom[Int(l)])..<Int(arcTo[Int(l)]) {
                let r = arena.right[k]
                let c = rightCluster[Int(r)]
                if c >= 0 {
                    touch(c, &mergeParent)
                    join(anchor, c, &mergeParent)
                } else if !anchorTable.isEmpty {
                    let other = anchorTable[Int(r)]
                    if other >= 0 { join(anchor, other, &mergeParent) } else { anchorTable[Int(r)] = anchor }
                } else if let other = anchorOfRight[r] {
                    join(anchor, other, &mergeParent)
                } else {
                    anchorOfRight[r] = anchor
                }
            }
        }
        // Members of each set in increasing id order; sets ordered by root.
        var sets: [(key: Int32, value: [Int32])] = []
        var setOfRoot = [Int32](repeating: -1, count: mergeParent.count)
        for c in 0..<Int32(mergeParent.count) where mergeParent[Int(c)] >= 0 {
            let r = root(c, &mergeParent)
            if r == c {
                setOfRoot[Int(c)] = Int32(sets.count)
                sets.append((c, [c]))
            } else {
                sets[Int(setOfRoot[Int(r)])].value.append(c)
            }
        }

        // Decide per merged set: repair in place, or dissolve into the exact queue.
        var dissolved: [Int32] = []
        var repairs: [(target: Int32, others: [Int32])] = []
        var repairTarget: [Int32: Int32] = [:]  // set root → repaired cluster
        for (setRoot, members) in sets {
            let real = members.filter { $0 < pseudoBase }
            var liveTotal = members.count - real.count
            for c in real { liveTotal += clusters[Int(c)]?.value.live ?? 0 }
            if liveTotal > limits.exactLimit && !real.isEmpty {
                let ranked = real.sorted { (-(clusters[Int($0)]?.value.live ?? 0), $0) < (-(clusters[Int($1)]?.value.live ?? 0), $1) }
                repairs.append((ranked[0], Array(ranked.dropFirst())))
                repairTarget[setRoot] = ranked[0]
            } else {
                dissolved.append(contentsOf: real)
            }
        }

        // Repairs: fold the smaller clusters into the largest, then re-solve around the change.
        var repairedSet = Set<Int32>()
        for (target, others) in repairs {
            for c in others { absorb(c, into: target) }
            repairedSet.insert(target)
        }
        var queue: [Int32] = []
        var inQueue = [Bool](repeating: false, count: leftCount)
        var joining: [Int32: [Int32]] = [:]
        for (position, l) in active.enumerated() {
            let c = leftCluster[Int(l)]
            if c >= 0 && repairedSet.contains(c) { continue }
            // A dirty left of a repaired set joins the cluster being repaired.
            if merging, let target = repairTarget[root(anchorOfLeft[position], &mergeParent)] {
                if c >= 0 { removeLeft(l) }
                joining[target, default: []].append(l)
                continue
            }
            if !inQueue[Int(l)] {
                inQueue[Int(l)] = true
                queue.append(l)
            }
        }
        var scratch = PlanRepairScratch(leftCount: repairs.isEmpty ? 0 : leftCount, rightCount: repairs.isEmpty ? 0 : rightCount)
        // The repaired clusters share no left or right (their changes would have joined them),
        // so their regions are solved concurrently once every region's arcs are in the arena,
        // and written back in order.
        var jobs: [PlanRepair<Output>] = []
        for target in repairs.map(\.target) {
            if let job = prepareRepair(cluster: target, joining: joining[target] ?? [], stage: stage, dirty: dirty,
                                       isDirty: isDirty, dirtyRights: dirtyRights, scratch: &scratch, arena: &arena,
                                       arcFrom: &arcFrom, arcTo: &arcTo, limits: limits) {
                jobs.append(job)
            }
        }
        let results = PlanParallel.each(jobs.count, threads: limits.parallelism) { [jobs, arena] j in
            stage.solveFlows(group: jobs[j].group, arena: arena, capacities: jobs[j].capacities)
        }
        for j in jobs.indices {
            finishRepair(&jobs[j], result: results[j], stage: stage, isDirty: isDirty, arena: arena, scratch: &scratch,
                         stats: &stats, touched: &touched)
        }

        // Exact: every active left of the dissolved clusters, plus the dirty lefts outside
        // any repaired cluster.
        for c in dissolved {
            guard let cluster = clusters[Int(c)]?.value else { continue }
            for (i, l) in cluster.lefts.enumerated()
            where leftCluster[Int(l)] == c && leftLocal[Int(l)] == Int32(i) && !inQueue[Int(l)] && stage.isActive(left: Int(l)) {
                inQueue[Int(l)] = true
                queue.append(l)
            }
        }
        // Dirty lefts that lost their demand leave the repaired clusters.
        for l in dirty where !stage.isActive(left: Int(l)) {
            let c = leftCluster[Int(l)]
            if c >= 0 && repairedSet.contains(c) { removeLeft(l) }
        }
        var droppedByHash: [UInt64: [(key: [Int32], output: Output)]] = [:]
        for c in dissolved {
            guard let cluster = clusters[Int(c)]?.value else { continue }
            for (i, l) in cluster.lefts.enumerated() where leftCluster[Int(l)] == c && leftLocal[Int(l)] == Int32(i) {
                touched.append(l)
            }
            if !cluster.key.isEmpty { droppedByHash[cluster.hash, default: []].append((cluster.key, outputs[Int(c)].value)) }
            release(c)
        }
        free.sort(by: >)
        queue.sort()
        arena.append(stage: stage, lefts: queue.filter { arcFrom[Int($0)] < 0 }, threads: limits.parallelism, minimum: 512,
                     from: &arcFrom, to: &arcTo)
        let created = solveExactly(stage: stage, queue: queue, arena: arena, arcFrom: arcFrom, arcTo: arcTo,
                                   droppedByHash: droppedByHash, limits: limits, stats: &stats, aside: aside)
        for (cluster, output) in created { insert(cluster, output) }
        stats.components = liveCount
        stats.kept = liveCount - created.count - repairs.count
    }

    // MARK: - Cluster bookkeeping

    private mutating func insert(_ cluster: PlanCluster, _ output: Output) {
        let id: Int32
        if let reused = free.popLast() {
            id = reused
            clusters[Int(id)] = PlanBox(cluster)
            outputs[Int(id)] = PlanBox(output)
        } else {
            id = Int32(clusters.count)
            clusters.append(PlanBox(cluster))
            outputs.append(PlanBox(output))
        }
        if output.holdsLines { holding.append(id) }
        for (i, l) in cluster.lefts.enumerated() {
            leftCluster[Int(l)] = id
            leftLocal[Int(l)] = Int32(i)
        }
        for (j, r) in cluster.rights.enumerated() {
            rightCluster[Int(r)] = id
            rightLocal[Int(r)] = Int32(j)
        }
    }

    private mutating func release(_ c: Int32) {
        guard let cluster = clusters[Int(c)]?.value else { return }
        for (i, l) in cluster.lefts.enumerated() where leftCluster[Int(l)] == c && leftLocal[Int(l)] == Int32(i) {
            leftCluster[Int(l)] = -1
            leftLocal[Int(l)] = -1
        }
        for r in cluster.rights where rightCluster[Int(r)] == c {
            rightCluster[Int(r)] = -1
            rightLocal[Int(r)] = -1
        }
        clusters[Int(c)] = nil
        outputs[Int(c)] = PlanBox(Output())
        free.append(c)
    }

    /// Moves every live left and right of `c` into `target`, lines and solution included.
    private mutating func absorb(_ c: Int32, into target: Int32) {
        guard let source = clusters[Int(c)]?.value, var dest = clusters[Int(target)]?.value else { return }
        clusters[Int(target)] = nil
        let sourceOutput = outputs[Int(c)].value
        var destOutput = outputs[Int(target)].value
        for (j, r) in source.rights.enumerated() where rightCluster[Int(r)] == c && rightLocal[Int(r)] == Int32(j) {
            rightCluster[Int(r)] = target
            rightLocal[Int(r)] = Int32(dest.rights.count)
            dest.rights.append(r)
        }
        for (i, l) in source.lefts.enumerated() where leftCluster[Int(l)] == c && leftLocal[Int(l)] == Int32(i) {
            let local = dest.lefts.count
            dest.lefts.append(l)
            dest.live += 1
            leftCluster[Int(l)] = target
            leftLocal[Int(l)] = Int32(local)
            destOutput.setLeft(local, from: sourceOutput, otherLocal: i)
            dest.arcFirst.append(Int32(dest.arcPool.count))
            dest.arcCount.append(source.arcCount[i])
            let a = Int(source.arcFirst[i])
            for k in a..<(a + Int(source.arcCount[i])) {
                let r = source.arcPool[k]
                dest.arcPool.append(r)
                if rightCluster[Int(r)] == target {
                    dest.rightExtra[rightLocal[Int(r)], default: []].append(Int32(local))
                }
            }
        }
        dest.key = []
        clusters[Int(target)] = PlanBox(dest)
        outputs[Int(target)] = PlanBox(destOutput)
        if destOutput.holdsLines { holding.append(target) }
        clusters[Int(c)] = nil
        outputs[Int(c)] = PlanBox(Output())
        free.append(c)
        free.sort(by: >)
    }

    /// Takes a left out of its cluster (its lines are no longer read).
    private mutating func removeLeft(_ l: Int32) {
        let c = leftCluster[Int(l)]
        guard c >= 0 else { return }
        if var cluster = clusters[Int(c)]?.value {
            cluster.live -= 1
            clusters[Int(c)] = PlanBox(cluster)
        }
        leftCluster[Int(l)] = -1
        leftLocal[Int(l)] = -1
    }

    // MARK: - Exact solve

    /// Connected components of the queued lefts, each solved exactly (or reused when a
    /// dissolved cluster had exactly the same problem), independent components in parallel.
    private func solveExactly<S: PlanStage>(
        stage: S, queue: [Int32], arena: PlanArcArena, arcFrom: [Int32], arcTo: [Int32],
        droppedByHash: [UInt64: [(key: [Int32], output: Output)]], limits: PlanEngineLimits, stats: inout PlanStageStats,
        aside: (@Sendable () -> Void)?
    ) -> [(cluster: PlanCluster, output: Output)] where S.Output == Output {
        if queue.isEmpty { return [] }
        let rightCount = stage.rightCount
        // Union-find over the queued lefts (ids: their positions) and the rights they reach (ids
        // from `queue.count` on, as first reached). A set's root is its smallest id, so always
        // a left: a right reached for the first time joins the current left's set directly, and
        // that left's root is found once, not once per arc.
        var rightNode = [Int32](repeating: -1, count: rightCount)
        var parent = [Int32](0..<Int32(queue.count))
        func find(_ x: Int32, _ parent: inout [Int32]) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                let p = parent[Int(x)]
                parent[Int(x)] = parent[Int(p)]
                x = p
            }
            return x
        }
        for (pos, l) in queue.enumerated() {
            var a = find(Int32(pos), &parent)
            for k in Int(arcFrom[Int(l)])..<Int(arcTo[Int(l)]) {
                let r = Int(arena.right[k])
                let node = rightNode[r]
                if node < 0 {
                    rightNode[r] = Int32(parent.count)
                    parent.append(a)
                    continue
                }
                let b = find(node, &parent)
                if a < b {
                    parent[Int(b)] = a
                } else if b < a {
                    parent[Int(a)] = b
                    a = b
                }
            }
        }
        var groupOfRoot = [Int32](repeating: -1, count: parent.count)
        var groupLefts: [[Int32]] = []
        for pos in queue.indices {
            let root = Int(find(Int32(pos), &parent))
            var g = groupOfRoot[root]
            if g < 0 {
                g = Int32(groupLefts.count)
                groupOfRoot[root] = g
                groupLefts.append([])
            }
            groupLefts[Int(g)].append(queue[pos])
        }

        var groups: [PlanGroup] = []
        var localOf = [Int32](repeating: -1, count: rightCount)
        groups.reserveCapacity(groupLefts.count)
        for lefts in groupLefts {
            groups.append(PlanGroup(lefts: lefts, arena: arena, arcFrom: arcFrom, arcTo: arcTo, localOf: &localOf))
        }
        // Each group's key, and the dissolved cluster's output when one had the same problem.
        let exactLimit = limits.exactLimit
        let matched = PlanParallel.ranges(groups.count, threads: limits.parallelism, minimum: 256) { [groups] range in
            range.map { g -> (key: [Int32], hash: UInt64, found: Output?) in
                let group = groups[g]
                let lefts = group.lefts, rights = group.rights
                // Clusters above the exact limit are repaired in place, never matched by key.
                guard lefts.count <= exactLimit else { return ([], 0, nil) }
                var key = [Int32(lefts.count), Int32(rights.count)]
                key.reserveCapacity(2 + lefts.count * 8 + rights.count * 2 + group.arcIndex.count * 6)
                for (li, l) in lefts.enumerated() {
                    stage.encodeLeft(Int(l), arcs: Int(group.arcStart[li + 1] - group.arcStart[li]), into: &key)
                }
                for r in rights { stage.encodeRight(Int(r), into: &key) }
                for i in 0..<group.arcIndex.count {
                    let k = Int(group.arcIndex[i])
                    key.append(group.arcLeft[i])
                    key.append(group.arcRight[i])
                    key.append(arena.cost[k])
                    key.append(arena.dist[k])
                    key.append(arena.tag[k])
                    key.append(arena.capacity[k])
                }
                var hasher = PlanHasher()
                for v in key { hasher.add(Int(v)) }
                let found = droppedByHash[hasher.value]?.first(where: { $0.key == key })?.output
                return (key, hasher.value, found)
            }
        }.flatMap { $0 }
        let outputsFound = matched.map(\.found)

        // Solve what was not found, largest first, on up to `parallelism` threads.
        let toSolve = groups.indices.filter { outputsFound[$0] == nil }.sorted {
            (groups[$0].arcIndex.count, $1) > (groups[$1].arcIndex.count, $0)
        }
        var solved = [(output: Output, iterations: Int, limited: Bool)?](repeating: nil, count: groups.count)
        for (g, result) in zip(toSolve, stage.solveAll(toSolve.map { groups[$0] }, arena: arena, threads: limits.parallelism, aside: aside)) {
            solved[g] = result
        }

        let clusters = PlanParallel.ranges(groups.count, threads: limits.parallelism, minimum: 256) { [groups] range in
            range.map { PlanCluster(group: groups[$0], arena: arena, key: matched[$0].key, hash: matched[$0].hash) }
        }.flatMap { $0 }
        var out: [(cluster: PlanCluster, output: Output)] = []
        out.reserveCapacity(groups.count)
        for g in groups.indices {
            let group = groups[g]
            let output: Output
            if let found = outputsFound[g] {
                output = found
                stats.reused += 1
            } else if let result = solved[g] {
                output = result.output
                stats.solved += 1
                stats.recomputedNodes += group.lefts.count
                stats.largestProblem = max(stats.largestProblem, group.lefts.count)
                stats.iterations += result.iterations
                if result.limited { stats.iterationLimitHits += 1 }
            } else {
                output = Output()
            }
            out.append((clusters[g], output))
        }
        return out
    }

    // MARK: - Local repair

    /// The problem of re-solving the lefts of cluster `c` within `repairHops` of the change
    /// (through shared rights), with every other left's flow held fixed: the region's group with
    /// its arcs added to `arena`, and the rights' capacities less the fixed flows. The cluster is
    /// taken out of its box until ``finishRepair`` puts it back.
    private mutating func prepareRepair<S: PlanStage>(
        cluster c: Int32, joining: [Int32], stage: S, dirty: [Int32], isDirty: [Bool], dirtyRights: [Int32],
        scratch: inout PlanRepairScratch, arena: inout PlanArcArena,
        arcFrom: inout [Int32], arcTo: inout [Int32], limits: PlanEngineLimits
    ) -> PlanRepair<Output>? where S.Output == Output {
        guard var cluster = clusters[Int(c)]?.value else { return nil }
        // Work on local copies; the boxes may be shared with an earlier cache.
        clusters[Int(c)] = nil
        var out = outputs[Int(c)].value
        outputs[Int(c)] = PlanBox(Output())
        // Dirty lefts new to the cluster join with no lines yet.
        for l in joining {
            let local = cluster.lefts.count
            cluster.lefts.append(l)
            cluster.live += 1
            cluster.arcFirst.append(Int32(cluster.arcPool.count))
            cluster.arcCount.append(0)
            out.appendEmptyLeft()
            leftCluster[Int(l)] = c
            leftLocal[Int(l)] = Int32(local)
        }
        let rightCount = stage.rightCount
        var inRegion = scratch.inRegion
        var rightMark = scratch.rightMark
        scratch.inRegion = []
        scratch.rightMark = []
        var marked: [Int32] = []
        var region: [Int32] = []
        defer {
            for l in region { inRegion[Int(l)] = false }
            for r in marked { rightMark[Int(r)] = false }
            scratch.inRegion = inRegion
            scratch.rightMark = rightMark
        }
        var frontier: [Int32] = []
        func isMember(_ l: Int32) -> Bool { leftCluster[Int(l)] == c }
        func addRight(_ r: Int32, _ rightMark: inout [Bool], _ frontier: inout [Int32]) {
            if !rightMark[Int(r)] {
                rightMark[Int(r)] = true
                frontier.append(r)
                marked.append(r)
            }
        }
        let arcFirst = cluster.arcFirst, arcCount = cluster.arcCount, arcPool = cluster.arcPool
        func storedRights(_ l: Int32, _ body: (Int32) -> Void) {
            guard isMember(l) else { return }
            let i = Int(leftLocal[Int(l)])
            let a = Int(arcFirst[i])
            for k in a..<(a + Int(arcCount[i])) { body(arcPool[k]) }
        }
        // The change: dirty lefts of this cluster (what they held before and their new arcs)
        // and its dirty rights.
        for l in dirty {
            let member = isMember(l) || leftCluster[Int(l)] < 0 && arcFrom[Int(l)] >= 0
            guard member else { continue }
            storedRights(l) { addRight($0, &rightMark, &frontier) }
            if stage.isActive(left: Int(l)) && isMember(l) {
                inRegion[Int(l)] = true
                region.append(l)
                for k in Int(arcFrom[Int(l)])..<Int(arcTo[Int(l)]) { addRight(arena.right[k], &rightMark, &frontier) }
            }
        }
        for r in dirtyRights where r >= 0 && Int(r) < rightCount && rightCluster[Int(r)] == c { addRight(r, &rightMark, &frontier) }

        // Read-only snapshots for the loops below (no copy of the cluster per call).
        let memberLefts = cluster.lefts
        let rightStart = cluster.rightStart
        let rightLeft = cluster.rightLeft
        let rightExtra = cluster.rightExtra
        let before = out
        func usersOf(_ r: Int32, _ into: inout [Int32]) {
            into.removeAll(keepingCapacity: true)
            let j = Int(rightLocal[Int(r)])
            if j + 1 < rightStart.count {
                for k in Int(rightStart[j])..<Int(rightStart[j + 1]) { into.append(rightLeft[k]) }
            }
            if !rightExtra.isEmpty, let extra = rightExtra[Int32(j)] { into.append(contentsOf: extra) }
        }
        var users: [Int32] = []
        for hop in 0..<limits.repairHops {
            var added: [Int32] = []
            for r in frontier where rightCluster[Int(r)] == c {
                usersOf(r, &users)
                for i in users {
                    let l = memberLefts[Int(i)]
                    if leftCluster[Int(l)] == c && leftLocal[Int(l)] == i && !inRegion[Int(l)] && stage.isActive(left: Int(l)) {
                        inRegion[Int(l)] = true
                        region.append(l)
                        added.append(l)
                    }
                }
            }
            // The next hop's rights (none after the last).
            if hop == limits.repairHops - 1 { break }
            var next: [Int32] = []
            for l in added { storedRights(l) { addRight($0, &rightMark, &next) } }
            frontier = next
            if frontier.isEmpty { break }
        }
        region.sort()

        // The region's problem: fresh arcs, capacities less the fixed flows from outside.
        arena.append(stage: stage, lefts: region.filter { arcFrom[Int($0)] < 0 }, threads: limits.parallelism, minimum: 512,
                     from: &arcFrom, to: &arcTo)
        var localOf = scratch.localOf
        scratch.localOf = []
        defer { scratch.localOf = localOf }
        let group = PlanGroup(lefts: region, arena: arena, arcFrom: arcFrom, arcTo: arcTo, localOf: &localOf)
        let rights = group.rights
        var capacities = rights.map { stage.capacity(right: Int($0)) }
        // The fixed lefts using the region's rights, each once (one uses several of them), and
        // their flows into those rights.
        var fixed: [Int32] = []
        var seen = [Bool](repeating: false, count: memberLefts.count)
        for r in rights where rightCluster[Int(r)] == c {
            usersOf(r, &users)
            for i in users where !seen[Int(i)] {
                seen[Int(i)] = true
                let l = memberLefts[Int(i)]
                guard leftCluster[Int(l)] == c, leftLocal[Int(l)] == i, !inRegion[Int(l)], !isDirty[Int(l)],
                      stage.isActive(left: Int(l)) else { continue }
                fixed.append(i)
            }
        }
        for (j, r) in rights.enumerated() { localOf[Int(r)] = Int32(j) }
        var flows: [(right: Int32, amount: Int32)] = []
        for i in fixed {
            flows.removeAll(keepingCapacity: true)
            before.flows(local: Int(i), into: &flows)
            for f in flows where localOf[Int(f.right)] >= 0 { capacities[Int(localOf[Int(f.right)])] -= f.amount }
        }
        for r in rights { localOf[Int(r)] = -1 }
        for j in capacities.indices { capacities[j] = max(capacities[j], 0) }
        return PlanRepair(cluster: c, box: cluster, output: out, group: group, capacities: capacities)
    }

    /// Writes a solved region's lines and arcs back in place (re-rendering only lefts whose flows
    /// or inputs changed); new rights join the cluster.
    private mutating func finishRepair<S: PlanStage>(
        _ job: inout PlanRepair<Output>, result: PlanSolveResult, stage: S, isDirty: [Bool], arena: PlanArcArena,
        scratch: inout PlanRepairScratch, stats: inout PlanStageStats, touched: inout [Int32]
    ) where S.Output == Output {
        let c = job.cluster, group = job.group, region = group.lefts, rights = group.rights
        // Taken out of the job, so that writing to them copies nothing the job still holds.
        var cluster = job.box
        job.box = PlanCluster()
        let before = job.output
        var out = before
        job.output = Output()
        var flows: [(right: Int32, amount: Int32)] = []
        stats.repaired += 1
        stats.recomputedNodes += region.count
        stats.largestProblem = max(stats.largestProblem, region.count)
        stats.iterations += result.iterations
        if result.limited { stats.iterationLimitHits += 1 }
        for r in rights where rightCluster[Int(r)] != c {
            rightCluster[Int(r)] = c
            rightLocal[Int(r)] = Int32(cluster.rights.count)
            cluster.rights.append(r)
        }
        var newFlows: [(right: Int32, amount: Int32)] = []
        // Clear between uses (see the arcs below).
        var rightMark = scratch.rightMark
        scratch.rightMark = []
        defer { scratch.rightMark = rightMark }
        for (li, l) in region.enumerated() {
            let i = Int(leftLocal[Int(l)])
            let a = Int(group.arcStart[li]), b = Int(group.arcStart[li + 1])
            var unchanged = false
            if !isDirty[Int(l)] && result.failure == nil {
                flows.removeAll(keepingCapacity: true)
                before.flows(local: i, into: &flows)
                newFlows.removeAll(keepingCapacity: true)
                for k in a..<b where !result.arcFlows.isEmpty && result.arcFlows[k] > 0 {
                    let r = group.rights[Int(group.arcRight[k])]
                    if let last = newFlows.last, last.right == r {
                        newFlows[newFlows.count - 1].amount += Int32(clamping: result.arcFlows[k])
                    } else {
                        newFlows.append((r, Int32(clamping: result.arcFlows[k])))
                    }
                }
                unchanged = flows.count == newFlows.count
                    && zip(flows, newFlows).allSatisfy { $0.right == $1.right && $0.amount == $1.amount }
            }
            if !unchanged {
                var one = Output()
                stage.render(group: group, arena: arena, result: result, left: li, into: &one)
                out.setLeft(i, from: one, otherLocal: 0)
                touched.append(l)
            }
            // Its arcs: the same as stored (the common case) stay where they are; otherwise only
            // rights it did not reach before can be missing its entry in their lists.
            let oldFirst = Int(cluster.arcFirst[i]), oldEnd = oldFirst + Int(cluster.arcCount[i])
            if oldEnd - oldFirst == b - a
                && (a..<b).allSatisfy({ cluster.arcPool[oldFirst + $0 - a] == group.rights[Int(group.arcRight[$0])] }) {
                continue
            }
            for k in oldFirst..<oldEnd { rightMark[Int(cluster.arcPool[k])] = true }
            cluster.arcFirst[i] = Int32(cluster.arcPool.count)
            cluster.arcCount[i] = Int32(b - a)
            for k in a..<b {
                let r = group.rights[Int(group.arcRight[k])]
                cluster.arcPool.append(r)
                if rightMark[Int(r)] { continue }
                let j = Int(rightLocal[Int(r)])
                if !cluster.hasLeft(Int32(i), usingRight: j) { cluster.rightExtra[Int32(j), default: []].append(Int32(i)) }
            }
            for k in oldFirst..<oldEnd { rightMark[Int(cluster.arcPool[k])] = false }
        }
        cluster.key = []
        cluster.hash = 0
        // Keep the pools from growing without bound.
        if cluster.arcPool.count > 4 * max(cluster.live, 1) * 8 + 1024 { compactArcs(&cluster) }
        if out.deadEntries > out.liveEntries + 1024 { out.compact() }
        clusters[Int(c)] = PlanBox(cluster)
        outputs[Int(c)] = PlanBox(out)
        if out.holdsLines { holding.append(c) }
    }

    private func compactArcs(_ cluster: inout PlanCluster) {
        var pool: [Int32] = []
        pool.reserveCapacity(cluster.arcPool.count / 2)
        for i in cluster.lefts.indices {
            let a = Int(cluster.arcFirst[i])
            let n = Int(cluster.arcCount[i])
            cluster.arcFirst[i] = Int32(pool.count)
            pool.append(contentsOf: cluster.arcPool[a..<(a + n)])
        }
        cluster.arcPool = pool
    }
}
