/// Bounds on one solve, so that a pathological problem cannot stall the planner.
public struct FlowLimits: Sendable, Equatable {
    /// Most simplex pivots allowed; nil means no bound.
    public var maxIterations: Int?
    /// Checked every 1024 pivots; nil means no deadline.
    public var deadline: ContinuousClock.Instant?

    public init(maxIterations: Int? = nil, deadline: ContinuousClock.Instant? = nil) {
        self.maxIterations = maxIterations
        self.deadline = deadline
    }
}

/// What one solve did, for `--stats` and metrics.
public struct FlowStats: Sendable, Equatable {
    /// Simplex pivots.
    public var iterations: Int
    /// Nodes of the solved network: demands, supplies and one sink.
    public var nodes: Int
    /// Arcs of the solved network after dropping arcs that can never carry flow.
    public var arcs: Int

    public init(iterations: Int, nodes: Int, arcs: Int) {
        self.iterations = iterations
        self.nodes = nodes
        self.arcs = arcs
    }

    /// The `--stats` line, e.g. `solve_ms=12.345 iterations=456 nodes=4001 arcs=54000`;
    /// `Benchmarks/solver/compare_ortools.py` parses it.
    public func summary(solveTime: Duration) -> String {
        let (seconds, attoseconds) = solveTime.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let milliseconds = "\(microseconds / 1000).\(String(microseconds % 1000 + 1000).dropFirst())"
        return "solve_ms=\(milliseconds) iterations=\(iterations) nodes=\(nodes) arcs=\(arcs)"
    }
}

/// A ``FlowProblem`` over integer indices instead of string ids: the cheap form for callers
/// that solve many small problems (the planner solves one per SPM field and component).
public struct TransportProblem: Sendable, Equatable {
    public struct Arc: Sendable, Equatable {
        /// Index into `demands`.
        public var demand: Int
        /// Index into `supplies`.
        public var supply: Int
        public var cost: Int
        /// nil means unbounded.
        public var capacity: Int?

        public init(demand: Int, supply: Int, cost: Int, capacity: Int? = nil) {
            self.demand = demand
            self.supply = supply
            self.cost = cost
            self.capacity = capacity
        }
    }

    /// Amount of each demand.
    public var demands: [Int]
    /// Capacity of each supply.
    public var supplies: [Int]
    public var arcs: [Arc]
    public var unmetCost: Int

    public init(demands: [Int], supplies: [Int], arcs: [Arc], unmetCost: Int) {
        self.demands = demands
        self.supplies = supplies
        self.arcs = arcs
        self.unmetCost = unmetCost
    }

    /// Same rules as ``FlowProblem/validate()``, with nodes named by index.
    public func validate() throws(FlowProblemError) {
        for (i, capacity) in supplies.enumerated() {
            try FlowChecks.check(capacity, .capacity, "supply #\(i)")
        }
        for (i, amount) in demands.enumerated() {
            try FlowChecks.check(amount, .amount, "demand #\(i)")
        }
        try FlowChecks.check(unmetCost, .unmetCost, nil)
        for (i, arc) in arcs.enumerated() {
            if !demands.indices.contains(arc.demand) {
                throw .arcIndexOutOfRange(arc: i, end: .from, index: arc.demand, count: demands.count)
            }
            if !supplies.indices.contains(arc.supply) {
                throw .arcIndexOutOfRange(arc: i, end: .to, index: arc.supply, count: supplies.count)
            }
            try FlowChecks.check(arc.cost, .cost, "arc \(i) (demand #\(arc.demand) -> supply #\(arc.supply))")
            if let capacity = arc.capacity {
                try FlowChecks.check(capacity, .capacity, "arc \(i) (demand #\(arc.demand) -> supply #\(arc.supply))")
            }
        }
        try FlowChecks.checkWorstObjective(amounts: demands, unmetCost: unmetCost)
    }
}

/// The answer to a ``TransportProblem``.
public struct TransportSolution: Sendable, Equatable {
    /// Minimal sum of arc cost times flow plus unmet_cost times unmet units.
    public var objective: Int
    /// Flow on each arc, by the index of the arc in the problem.
    public var arcFlows: [Int]
    /// Unmet units of each demand.
    public var unmet: [Int]

    public init(objective: Int, arcFlows: [Int], unmet: [Int]) {
        self.objective = objective
        self.arcFlows = arcFlows
        self.unmet = unmet
    }
}

/// Exact minimum-cost flow for transportation problems with unmet demand.
///
/// Every result is optimal: no cheaper way exists to route the demand (or leave it unmet)
/// within the capacities. Among equally cheap answers the choice is deterministic: for a
/// ``FlowProblem`` it does not depend on the order of the supplies, demands or arcs (nodes
/// are renumbered by id), for a ``TransportProblem`` not on the order of the arcs. So
/// re-planning with the same data never flips an assignment.
///
/// Both `solve` functions are pure and allocate their own storage; solving many problems
/// concurrently is safe.
public enum MinCostFlow {
    public static func solve(
        _ problem: FlowProblem, limits: FlowLimits = .init()
    ) throws(FlowProblemError) -> (solution: FlowSolution, stats: FlowStats) {
        let indexed = try problem.indexed()
        let transport = indexed.transport
        let (result, stats) = try solveValidated(transport, limits: limits)

        // Arcs sorted by (demand, supply) index are sorted by (from, to) id: indices are id ranks.
        var used: [Int] = []
        for (i, amount) in result.arcFlows.enumerated() where amount > 0 { used.append(i) }
        used.sort {
            let a = transport.arcs[$0], b = transport.arcs[$1]
            return (a.demand, a.supply) < (b.demand, b.supply)
        }
        var flows: [FlowSolution.Flow] = []
        var previous: (demand: Int, supply: Int)? = nil
        for i in used {
            let arc = transport.arcs[i]
            if let previous, previous == (arc.demand, arc.supply) {
                flows[flows.count - 1].amount += result.arcFlows[i]
            } else {
                flows.append(FlowSolution.Flow(
                    from: indexed.demandIDs[arc.demand], to: indexed.supplyIDs[arc.supply],
                    amount: result.arcFlows[i]))
                previous = (arc.demand, arc.supply)
            }
        }
        var unmet: [FlowSolution.Unmet] = []
        for (d, amount) in result.unmet.enumerated() where amount > 0 {
            unmet.append(FlowSolution.Unmet(id: indexed.demandIDs[d], amount: amount))
        }
        return (FlowSolution(objective: result.objective, flows: flows, unmet: unmet), stats)
    }

    public static func solve(
        _ problem: TransportProblem, limits: FlowLimits = .init()
    ) throws(FlowProblemError) -> (solution: TransportSolution, stats: FlowStats) {
        try problem.validate()
        return try solveValidated(problem, limits: limits)
    }

    static func solveValidated(
        _ problem: TransportProblem, limits: FlowLimits
    ) throws(FlowProblemError) -> (solution: TransportSolution, stats: FlowStats) {
        let order = usefulArcsInCanonicalOrder(problem)
        // The simplex numbers nodes and arcs in Int32.
        let nodes = problem.demands.count + problem.supplies.count + 1
        if nodes >= Int(Int32.max) / 2 || order.count + nodes >= Int(Int32.max) / 2 {
            throw .internalError("problem too large: \(nodes) nodes, \(order.count) arcs")
        }
        var simplex = NetworkSimplex(problem: problem, arcOrder: order)
        try simplex.run(limits: limits)

        var arcFlows = [Int](repeating: 0, count: problem.arcs.count)
        for (k, original) in order.enumerated() { arcFlows[original] = simplex.flow(ofUserArc: k) }
        let unmet = problem.demands.indices.map { simplex.unmet(ofDemand: $0) }

        var objective = 0
        var overflow = false
        func add(_ cost: Int, _ amount: Int) {
            let (product, o1) = cost.multipliedReportingOverflow(by: amount)
            let (sum, o2) = objective.addingReportingOverflow(product)
            objective = sum
            overflow = overflow || o1 || o2
        }
        for (i, amount) in arcFlows.enumerated() where amount != 0 { add(problem.arcs[i].cost, amount) }
        for amount in unmet where amount != 0 { add(problem.unmetCost, amount) }
        if overflow { throw .internalError("objective overflowed although the problem passed validation") }

        let stats = FlowStats(iterations: simplex.iterations, nodes: simplex.nodeCount, arcs: simplex.arcCount)
        return (TransportSolution(objective: objective, arcFlows: arcFlows, unmet: unmet), stats)
    }

    /// Indices of the arcs that can ever carry flow in an optimum, sorted by
    /// (demand, supply, cost, capacity, index) so that pivoting, and with it the choice among
    /// equal optima, does not depend on the input order.
    ///
    /// An arc costing at least unmet_cost is dropped: leaving the unit unmet is never dearer.
    static func usefulArcsInCanonicalOrder(_ problem: TransportProblem) -> [Int] {
        let arcs = problem.arcs
        func useful(_ arc: TransportProblem.Arc) -> Bool {
            arc.cost < problem.unmetCost && (arc.capacity ?? 1) > 0
                && problem.demands[arc.demand] > 0 && problem.supplies[arc.supply] > 0
        }
        // Two stable counting sorts: by supply, then by demand.
        var bySupply = [Int](repeating: 0, count: problem.supplies.count + 1)
        var byDemand = [Int](repeating: 0, count: problem.demands.count + 1)
        var kept = 0
        for arc in arcs where useful(arc) {
            bySupply[arc.supply + 1] += 1
            byDemand[arc.demand + 1] += 1
            kept += 1
        }
        for i in 1..<bySupply.count { bySupply[i] += bySupply[i - 1] }
        for i in 1..<byDemand.count { byDemand[i] += byDemand[i - 1] }
        var stage = [Int](repeating: 0, count: kept)
        for (i, arc) in arcs.enumerated() where useful(arc) {
            stage[bySupply[arc.supply]] = i
            bySupply[arc.supply] += 1
        }
        var order = [Int](repeating: 0, count: kept)
        for i in stage {
            let d = arcs[i].demand
            order[byDemand[d]] = i
            byDemand[d] += 1
        }
        // Parallel arcs are rare; order each run of them by cost and capacity.
        var start = 0
        while start < order.count {
            var end = start + 1
            let head = arcs[order[start]]
            while end < order.count, arcs[order[end]].demand == head.demand, arcs[order[end]].supply == head.supply {
                end += 1
            }
            if end - start > 1 {
                order[start..<end].sort {
                    let a = arcs[$0], b = arcs[$1]
                    return (a.cost, a.capacity ?? Int.max, $0) < (b.cost, b.capacity ?? Int.max, $1)
                }
            }
            start = end
        }
        return order
    }
}
