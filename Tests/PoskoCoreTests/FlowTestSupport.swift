import Foundation
@testable import PoskoCore

/// SplitMix64: a seeded generator, so every random test is reproducible from its seed.
struct FlowTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum FlowFixtures {
    /// A random problem with varied features: zero amounts and capacities, capped arcs,
    /// parallel arcs, arcs dearer than unmet_cost, nodes without arcs.
    static func random(
        seed: UInt64, demands: Int, supplies: Int, arcs: Int,
        maxAmount: Int = 30, maxCost: Int = 100, unmetCost: Int? = nil
    ) -> FlowProblem {
        var rng = FlowTestRandom(seed: seed)
        let demandList = (0..<demands).map { i in
            FlowProblem.Demand(id: "p\(i)", amount: Int.random(in: 0...4, using: &rng) == 0 ? 0 : Int.random(in: 1...maxAmount, using: &rng))
        }
        let supplyList = (0..<supplies).map { j in
            FlowProblem.Supply(id: "q\(j)", capacity: Int.random(in: 0...5, using: &rng) == 0 ? 0 : Int.random(in: 1...maxAmount, using: &rng))
        }
        var arcList: [FlowProblem.Arc] = []
        if demands > 0 && supplies > 0 {
            for _ in 0..<arcs {
                let d = Int.random(in: 0..<demands, using: &rng)
                let s = Int.random(in: 0..<supplies, using: &rng)
                let capacity: Int? = Int.random(in: 0...3, using: &rng) == 0 ? Int.random(in: 0...maxAmount, using: &rng) : nil
                arcList.append(FlowProblem.Arc(from: "p\(d)", to: "q\(s)", cost: Int.random(in: 0...maxCost, using: &rng), capacity: capacity))
            }
        }
        return FlowProblem(
            supplies: supplyList, demands: demandList, arcs: arcList,
            unmetCost: unmetCost ?? Int.random(in: maxCost / 2...maxCost * 3, using: &rng))
    }

    static func decode(_ json: String) throws(FlowProblemError) -> FlowProblem {
        try FlowProblem.decode(from: Data(json.utf8))
    }
}

/// Independent optimality certificate for a solution: recomputes the objective from the
/// problem, checks conservation and capacities, then proves optimality by LP duality —
/// Bellman-Ford finds node potentials on the residual network, and the solution is optimal
/// exactly when every residual arc has a non-negative reduced cost under them (no negative
/// cycle). Uses nothing of the solver but its output.
enum FlowCertificate {
    /// nil when the solution is feasible and optimal, else why not.
    static func failure(of solution: FlowSolution, for problem: FlowProblem) -> String? {
        let nd = problem.demands.count
        let ns = problem.supplies.count
        let sink = nd + ns
        var node: [String: Int] = [:]
        for (i, d) in problem.demands.enumerated() { node[d.id] = i }
        for (j, s) in problem.supplies.enumerated() { node[s.id] = nd + j }

        struct Edge { var from: Int; var to: Int; var cost: Int; var capacity: Int; var flow: Int }
        var edges: [Edge] = []
        var parallel: [[Int]: [Int]] = [:]
        for arc in problem.arcs {
            guard let d = node[arc.from], let s = node[arc.to] else { return "problem has a dangling arc" }
            parallel[[d, s], default: []].append(edges.count)
            edges.append(Edge(from: d, to: s, cost: arc.cost, capacity: arc.capacity ?? Int.max, flow: 0))
        }

        // Reported flows are per (from, to) pair; an optimal split fills the cheapest arc first.
        var previous: (String, String)? = nil
        for flow in solution.flows {
            if let previous, !(previous < (flow.from, flow.to)) { return "flows not strictly sorted at \(flow.from)->\(flow.to)" }
            previous = (flow.from, flow.to)
            guard flow.amount > 0 else { return "zero or negative flow listed for \(flow.from)->\(flow.to)" }
            guard let d = node[flow.from], let s = node[flow.to], let group = parallel[[d, s]] else {
                return "flow on a pair without an arc: \(flow.from)->\(flow.to)"
            }
            var left = flow.amount
            for e in group.sorted(by: { edges[$0].cost < edges[$1].cost }) where left > 0 {
                let take = min(left, edges[e].capacity)
                edges[e].flow = take
                left -= take
            }
            if left > 0 { return "flow \(flow.amount) on \(flow.from)->\(flow.to) exceeds the arc capacities" }
        }
        var unmet = [Int](repeating: 0, count: nd)
        var previousID: String? = nil
        for entry in solution.unmet {
            if let previousID, !(previousID < entry.id) { return "unmet not strictly sorted at \(entry.id)" }
            previousID = entry.id
            guard let d = node[entry.id], d < nd else { return "unmet names a non-demand \(entry.id)" }
            guard entry.amount > 0 else { return "zero or negative unmet listed for \(entry.id)" }
            unmet[d] = entry.amount
        }

        var outflow = [Int](repeating: 0, count: nd)
        var inflow = [Int](repeating: 0, count: ns)
        var objective = 0
        for edge in edges {
            outflow[edge.from] += edge.flow
            inflow[edge.to - nd] += edge.flow
            objective += edge.cost * edge.flow
        }
        for d in 0..<nd {
            if outflow[d] + unmet[d] != problem.demands[d].amount {
                return "demand \(problem.demands[d].id): routed \(outflow[d]) + unmet \(unmet[d]) != amount \(problem.demands[d].amount)"
            }
            objective += unmet[d] * problem.unmetCost
        }
        for s in 0..<ns where inflow[s] > problem.supplies[s].capacity {
            return "supply \(problem.supplies[s].id) receives \(inflow[s]) > capacity \(problem.supplies[s].capacity)"
        }
        if objective != solution.objective { return "objective reported \(solution.objective), recomputed \(objective)" }

        // Residual network: forward where there is room, backward where there is flow.
        var residual: [(from: Int, to: Int, cost: Int)] = []
        for edge in edges {
            if edge.flow < edge.capacity { residual.append((edge.from, edge.to, edge.cost)) }
            if edge.flow > 0 { residual.append((edge.to, edge.from, -edge.cost)) }
        }
        for d in 0..<nd {
            if unmet[d] < problem.demands[d].amount { residual.append((d, sink, problem.unmetCost)) }
            if unmet[d] > 0 { residual.append((sink, d, -problem.unmetCost)) }
        }
        for s in 0..<ns {
            if inflow[s] < problem.supplies[s].capacity { residual.append((nd + s, sink, 0)) }
            if inflow[s] > 0 { residual.append((sink, nd + s, 0)) }
        }
        // Potentials: shortest distances from a virtual source joined to every node at cost 0.
        var potential = [Int](repeating: 0, count: nd + ns + 1)
        for _ in 0...potential.count {
            var changed = false
            for arc in residual where potential[arc.from] + arc.cost < potential[arc.to] {
                potential[arc.to] = potential[arc.from] + arc.cost
                changed = true
            }
            if !changed { break }
        }
        for arc in residual where arc.cost + potential[arc.from] - potential[arc.to] < 0 {
            return "residual arc \(arc.from)->\(arc.to) has negative reduced cost: a cheaper solution exists"
        }
        return nil
    }
}
