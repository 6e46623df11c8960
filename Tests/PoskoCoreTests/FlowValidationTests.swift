import Foundation
import Testing
@testable import PoskoCore

@Suite struct FlowValidationTests {
    /// The message `solve` rejects the problem with (decoding and validating).
    private func rejection(_ json: String) -> String? {
        do {
            _ = try MinCostFlow.solve(try FlowFixtures.decode(json))
            return nil
        } catch {
            return error.description
        }
    }

    private func problem(
        supplies: String = #"{"id":"q1","capacity":10}"#, demands: String = #"{"id":"p1","amount":5}"#,
        arcs: String = #"{"from":"p1","to":"q1","cost":3}"#, unmetCost: String = "100"
    ) -> String {
        #"{"supplies":[\#(supplies)],"demands":[\#(demands)],"arcs":[\#(arcs)],"unmet_cost":\#(unmetCost)}"#
    }

    @Test(arguments: [
        (#"{"id":"q1","capacity":1},{"id":"q1","capacity":2}"#, #"{"id":"p1","amount":5}"#,
         #"duplicate id "q1": supplies[0] and supplies[1]"#),
        (#"{"id":"q1","capacity":1}"#, #"{"id":"p1","amount":5},{"id":"p2","amount":5},{"id":"p1","amount":1}"#,
         #"duplicate id "p1": demands[0] and demands[2]"#),
        (#"{"id":"q1","capacity":1},{"id":"x","capacity":1}"#, #"{"id":"p1","amount":5},{"id":"x","amount":1}"#,
         #"id "x" is used by supplies[1] and demands[1]; supply and demand ids must be distinct"#),
        (#"{"id":"q1","capacity":1}"#, #"{"id":"p1","amount":5},{"id":"","amount":1}"#,
         "demands[1] has an empty id"),
        (#"{"id":"","capacity":1}"#, #"{"id":"p1","amount":5}"#,
         "supplies[0] has an empty id"),
    ])
    func identifiers(supplies: String, demands: String, message: String) {
        #expect(rejection(problem(supplies: supplies, demands: demands, arcs: "")) == message)
    }

    @Test(arguments: [
        (#"{"from":"p1","to":"q1","cost":3},{"from":"p9","to":"q1","cost":3}"#, #"arcs[1].from "p9" is not a demand id"#),
        (#"{"from":"p1","to":"q9","cost":3}"#, #"arcs[0].to "q9" is not a supply id"#),
        (#"{"from":"q1","to":"q1","cost":3}"#, #"arcs[0].from "q1" is a supply; arcs go from a demand to a supply"#),
        (#"{"from":"p1","to":"p1","cost":3}"#, #"arcs[0].to "p1" is a demand; arcs go from a demand to a supply"#),
    ])
    func arcEndpoints(arcs: String, message: String) {
        #expect(rejection(problem(arcs: arcs)) == message)
    }

    @Test func numbers() {
        #expect(rejection(problem(demands: #"{"id":"p1","amount":-5}"#)) == "amount -5 of demand p1 is negative")
        #expect(rejection(problem(supplies: #"{"id":"q1","capacity":-1}"#)) == "capacity -1 of supply q1 is negative")
        #expect(rejection(problem(arcs: #"{"from":"p1","to":"q1","cost":3,"capacity":-2}"#)) == "capacity -2 of arcs[0] (p1 -> q1) is negative")
        #expect(rejection(problem(arcs: #"{"from":"p1","to":"q1","cost":-3}"#)) == "cost -3 of arcs[0] (p1 -> q1) is negative")
        #expect(rejection(problem(unmetCost: "-1")) == "unmet_cost -1 is negative")
        #expect(rejection(problem(demands: #"{"id":"p1","amount":3000000000}"#)) == "amount 3000000000 of demand p1 exceeds 2147483647")
        #expect(rejection(problem(supplies: #"{"id":"q1","capacity":2147483648}"#)) == "capacity 2147483648 of supply q1 exceeds 2147483647")
        #expect(rejection(problem(arcs: #"{"from":"p1","to":"q1","cost":2147483648}"#)) == "cost 2147483648 of arcs[0] (p1 -> q1) exceeds 2147483647")
        #expect(rejection(problem(arcs: #"{"from":"p1","to":"q1","cost":1,"capacity":9999999999}"#)) == "capacity 9999999999 of arcs[0] (p1 -> q1) exceeds 2147483647")
        #expect(rejection(problem(unmetCost: "2147483648")) == "unmet_cost 2147483648 exceeds 2147483647")
        #expect(rejection(problem(arcs: "", unmetCost: "2147483647")) == nil)
    }

    @Test func objectiveOverflow() {
        let demands = (1...3).map { #"{"id":"p\#($0)","amount":2147483647}"# }.joined(separator: ",")
        #expect(rejection(problem(demands: demands, arcs: "", unmetCost: "2147483647"))
            == "total demand 6442450941 times unmet_cost 2147483647 exceeds 9223372036854775807, so the objective could overflow; lower unmet_cost or split the problem")
        // Two such demands still fit: 2 * (2^31 - 1)^2 < 2^63.
        let two = (1...2).map { #"{"id":"p\#($0)","amount":2147483647}"# }.joined(separator: ",")
        #expect(rejection(problem(demands: two, arcs: "", unmetCost: "2147483647")) == nil)
    }

    @Test func validateReportsWithoutSolving() throws {
        let bad = FlowProblem(supplies: [], demands: [.init(id: "p1", amount: 1)], arcs: [.init(from: "p1", to: "q", cost: 1)], unmetCost: 1)
        #expect(throws: FlowProblemError.unknownArcEndpoint(arc: 0, end: .to, id: "q")) { try bad.validate() }
        try FlowProblem(supplies: [], demands: [], arcs: [], unmetCost: 0).validate()
    }

    @Test func transportProblemErrorsNameIndices() {
        func message(_ problem: TransportProblem) -> String? {
            do {
                _ = try MinCostFlow.solve(problem)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message(TransportProblem(demands: [1, 1], supplies: [1], arcs: [.init(demand: 3, supply: 0, cost: 1)], unmetCost: 5))
            == "arc 0: demand index 3 is out of range (2 demands)")
        #expect(message(TransportProblem(demands: [1], supplies: [1], arcs: [.init(demand: 0, supply: 0, cost: 1), .init(demand: 0, supply: -1, cost: 1)], unmetCost: 5))
            == "arc 1: supply index -1 is out of range (1 supplies)")
        #expect(message(TransportProblem(demands: [1, -1], supplies: [1], arcs: [], unmetCost: 5)) == "amount -1 of demand #1 is negative")
        #expect(message(TransportProblem(demands: [1], supplies: [1], arcs: [.init(demand: 0, supply: 0, cost: 1, capacity: -4)], unmetCost: 5))
            == "capacity -4 of arc 0 (demand #0 -> supply #0) is negative")
    }
}
