import Foundation

/// A transportation problem in the plain JSON format of `posko solve`:
///
/// ```json
/// {"supplies":[{"id":"q1","capacity":120}],
///  "demands":[{"id":"p1","amount":80}],
///  "arcs":[{"from":"p1","to":"q1","cost":350}],
///  "unmet_cost":100000}
/// ```
///
/// Arcs go from a demand to a supply; an arc without `capacity` is unbounded. Every unit of
/// demand is either sent along arcs or left unmet at `unmet_cost` per unit. All numbers are
/// integers in 0...Int32.max. Use ``decode(from:)`` for files: it is strict (unknown keys,
/// fractions and duplicate keys are errors) and reports the line, column and JSON path; the
/// synthesized `Codable` conformance is for embedding the type in other documents.
public struct FlowProblem: Codable, Sendable, Equatable {
    public struct Supply: Codable, Sendable, Equatable {
        public var id: String
        public var capacity: Int
        public init(id: String, capacity: Int) {
            self.id = id
            self.capacity = capacity
        }
    }

    public struct Demand: Codable, Sendable, Equatable {
        public var id: String
        public var amount: Int
        public init(id: String, amount: Int) {
            self.id = id
            self.amount = amount
        }
    }

    public struct Arc: Codable, Sendable, Equatable {
        /// A demand id.
        public var from: String
        /// A supply id.
        public var to: String
        public var cost: Int
        /// nil means unbounded.
        public var capacity: Int?
        public init(from: String, to: String, cost: Int, capacity: Int? = nil) {
            self.from = from
            self.to = to
            self.cost = cost
            self.capacity = capacity
        }
    }

    public var supplies: [Supply]
    public var demands: [Demand]
    public var arcs: [Arc]
    public var unmetCost: Int

    public init(supplies: [Supply], demands: [Demand], arcs: [Arc], unmetCost: Int) {
        self.supplies = supplies
        self.demands = demands
        self.arcs = arcs
        self.unmetCost = unmetCost
    }

    enum CodingKeys: String, CodingKey {
        case supplies, demands, arcs
        case unmetCost = "unmet_cost"
    }

    /// Larger inputs are refused before parsing; a province-scale problem is far smaller.
    public static let maxInputBytes = 256 * 1024 * 1024

    /// Checks ids, arc endpoints and number ranges; throws the first problem found.
    public func validate() throws(FlowProblemError) {
        _ = try indexed()
    }

    /// The problem over integer indices, with supplies and demands renumbered in id order so
    /// that the solution does not depend on the order of the input lists.
    func indexed() throws(FlowProblemError) -> IndexedFlowProblem {
        var supplyIndex: [String: Int] = [:]
        supplyIndex.reserveCapacity(supplies.count)
        for (i, supply) in supplies.enumerated() {
            if supply.id.isEmpty { throw .emptyID(node: "supplies[\(i)]") }
            if let first = supplyIndex.updateValue(i, forKey: supply.id) {
                throw .duplicateID(id: supply.id, section: "supplies", firstIndex: first, index: i)
            }
            try FlowChecks.check(supply.capacity, .capacity, "supply \(supply.id)")
        }
        var demandIndex: [String: Int] = [:]
        demandIndex.reserveCapacity(demands.count)
        for (i, demand) in demands.enumerated() {
            if demand.id.isEmpty { throw .emptyID(node: "demands[\(i)]") }
            if let first = demandIndex.updateValue(i, forKey: demand.id) {
                throw .duplicateID(id: demand.id, section: "demands", firstIndex: first, index: i)
            }
            if let s = supplyIndex[demand.id] {
                throw .supplyDemandIDClash(id: demand.id, supplyIndex: s, demandIndex: i)
            }
            try FlowChecks.check(demand.amount, .amount, "demand \(demand.id)")
        }
        try FlowChecks.check(unmetCost, .unmetCost, nil)

        var arcDemand = [Int](repeating: 0, count: arcs.count)
        var arcSupply = [Int](repeating: 0, count: arcs.count)
        for (i, arc) in arcs.enumerated() {
            guard let d = demandIndex[arc.from] else {
                if supplyIndex[arc.from] != nil { throw .arcEndpointWrongKind(arc: i, end: .from, id: arc.from) }
                throw .unknownArcEndpoint(arc: i, end: .from, id: arc.from)
            }
            guard let s = supplyIndex[arc.to] else {
                if demandIndex[arc.to] != nil { throw .arcEndpointWrongKind(arc: i, end: .to, id: arc.to) }
                throw .unknownArcEndpoint(arc: i, end: .to, id: arc.to)
            }
            arcDemand[i] = d
            arcSupply[i] = s
            try FlowChecks.check(arc.cost, .cost, "arcs[\(i)] (\(arc.from) -> \(arc.to))")
            if let capacity = arc.capacity {
                try FlowChecks.check(capacity, .capacity, "arcs[\(i)] (\(arc.from) -> \(arc.to))")
            }
        }
        try FlowChecks.checkWorstObjective(amounts: demands.lazy.map(\.amount), unmetCost: unmetCost)

        let demandOrder = demands.indices.sorted { demands[$0].id < demands[$1].id }
        let supplyOrder = supplies.indices.sorted { supplies[$0].id < supplies[$1].id }
        var demandRank = [Int](repeating: 0, count: demands.count)
        for (rank, i) in demandOrder.enumerated() { demandRank[i] = rank }
        var supplyRank = [Int](repeating: 0, count: supplies.count)
        for (rank, i) in supplyOrder.enumerated() { supplyRank[i] = rank }

        var transportArcs: [TransportProblem.Arc] = []
        transportArcs.reserveCapacity(arcs.count)
        for (i, arc) in arcs.enumerated() {
            transportArcs.append(TransportProblem.Arc(
                demand: demandRank[arcDemand[i]], supply: supplyRank[arcSupply[i]],
                cost: arc.cost, capacity: arc.capacity))
        }
        let transport = TransportProblem(
            demands: demandOrder.map { demands[$0].amount },
            supplies: supplyOrder.map { supplies[$0].capacity },
            arcs: transportArcs,
            unmetCost: unmetCost)
        return IndexedFlowProblem(
            transport: transport,
            demandIDs: demandOrder.map { demands[$0].id },
            supplyIDs: supplyOrder.map { supplies[$0].id })
    }
}

struct IndexedFlowProblem {
    var transport: TransportProblem
    /// Id of each transport demand index.
    var demandIDs: [String]
    /// Id of each transport supply index.
    var supplyIDs: [String]
}

/// The answer to a ``FlowProblem``, in the JSON format printed by `posko solve`:
/// `{"objective":28000,"flows":[{"from":"p1","to":"q1","amount":80}],"unmet":[]}`.
///
/// `flows` holds one entry per (demand, supply) pair that carries flow, parallel arcs summed,
/// sorted by `from` then `to`; `unmet` holds the demands with unmet units, sorted by id.
public struct FlowSolution: Codable, Sendable, Equatable {
    public struct Flow: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var amount: Int
        public init(from: String, to: String, amount: Int) {
            self.from = from
            self.to = to
            self.amount = amount
        }
    }

    public struct Unmet: Codable, Sendable, Equatable {
        public var id: String
        public var amount: Int
        public init(id: String, amount: Int) {
            self.id = id
            self.amount = amount
        }
    }

    /// Sum of arc cost times flow plus unmet_cost times unmet units; minimal.
    public var objective: Int
    public var flows: [Flow]
    public var unmet: [Unmet]

    public init(objective: Int, flows: [Flow], unmet: [Unmet]) {
        self.objective = objective
        self.flows = flows
        self.unmet = unmet
    }
}

enum FlowChecks {
    /// Keeps every product of a cost and an amount far inside Int64.
    static let valueLimit = Int(Int32.max)

    static func check(
        _ value: Int, _ field: FlowProblemError.Field, _ owner: @autoclosure () -> String?
    ) throws(FlowProblemError) {
        if value < 0 { throw .negativeValue(field: field, owner: owner(), value: value) }
        if value > valueLimit { throw .valueTooLarge(field: field, owner: owner(), value: value, limit: valueLimit) }
    }

    /// Leaving everything unmet is feasible, so the optimum never exceeds total demand times
    /// unmet_cost; if that fits, so do the objective and every intermediate sum.
    static func checkWorstObjective(
        amounts: some Sequence<Int>, unmetCost: Int
    ) throws(FlowProblemError) {
        var total = 0
        var saturated = false
        for amount in amounts {
            let (sum, overflow) = total.addingReportingOverflow(amount)
            if overflow { saturated = true; break }
            total = sum
        }
        if saturated { throw .objectiveMayOverflow(totalDemand: Int.max, unmetCost: unmetCost) }
        if total.multipliedReportingOverflow(by: unmetCost).overflow {
            throw .objectiveMayOverflow(totalDemand: total, unmetCost: unmetCost)
        }
    }
}
