import Foundation
import Testing
@testable import PoskoCore

@Suite struct FlowJSONTests {
    private func decodeError(_ json: String) -> String? {
        do {
            _ = try FlowFixtures.decode(json)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func sizeLimit() {
        let data = Data(#"{"supplies":[],"demands":[],"arcs":[],"unmet_cost":1}"#.utf8)
        #expect(throws: FlowProblemError.inputTooLarge(bytes: data.count, limit: 10)) { try FlowProblem.decode(from: data, limit: 10) }
        #expect(FlowProblemError.inputTooLarge(bytes: 300_000_000, limit: FlowProblem.maxInputBytes).description
            == "problem is 300000000 bytes; the limit is 268435456 bytes (256 MB)")
        #expect(FlowProblem.maxInputBytes == 256 * 1024 * 1024)
    }

    @Test(arguments: [
        ("", "invalid problem JSON at line 1, column 1 (top level): expected an object, found end of input"),
        ("[1]", "invalid problem JSON at line 1, column 1 (top level): expected an object, found an array"),
        (#"{"supplies":[,],"demands":[],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 14 (supplies[0]): expected an object, found ','"),
        ("{\"supplies\":[],\n\"demands\":[{\"id\":\"p1\",\"amount\":2.5}],\"arcs\":[],\"unmet_cost\":1}",
         "invalid problem JSON at line 2, column 32 (demands[0].amount): expected an integer, found 2.5"),
        (#"{"supplies":[],"demands":[{"id":"p1","amount":"5"}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 47 (demands[0].amount): expected an integer, found a string"),
        (#"{"supplies":[],"demands":[{"id":"p1","amount":null}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 47 (demands[0].amount): expected an integer, found null"),
        (#"{"supplies":[],"demands":[{"id":7,"amount":1}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 33 (demands[0].id): expected a string, found a number"),
        (#"{"supplies":[],"demands":[],"arcs":[{"from":"p1","to":"q1"}],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 59 (arcs[0]): missing key \"cost\""),
        (#"{"supplies":[],"demands":[],"arcs":[{"from":"p1","to":"q1","cost":1,"cap":3}],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 69 (arcs[0]): unknown key \"cap\" (expected from, to, cost, capacity)"),
        (#"{"supplies":[],"demands":[{"id":"p1","amount":1,"amount":2}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 49 (demands[0]): key \"amount\" appears twice"),
        (#"{"supplies":[],"demands":[],"arcs":[],"unmet_cost":1,"unmet_cost":2}"#,
         "invalid problem JSON at line 1, column 54 (top level): key \"unmet_cost\" appears twice"),
        (#"{"supplies":[],"demands":[],"arcs":[]}"#,
         "invalid problem JSON at line 1, column 38 (top level): missing key \"unmet_cost\""),
        (#"{"supplies":[],"demands":[],"arcs":[],"unmetcost":1}"#,
         "invalid problem JSON at line 1, column 39 (top level): unknown key \"unmetcost\" (expected supplies, demands, arcs, unmet_cost)"),
        (#"{"supplies":[],"demands":[],"arcs":[],"unmet_cost":1}}"#,
         "invalid problem JSON at line 1, column 54 (top level): unexpected '}' after the problem object"),
        (#"{"supplies":[],"demands":[],"arcs":[],"unmet_cost":99999999999999999999}"#,
         "invalid problem JSON at line 1, column 52 (unmet_cost): number 99999999999999999999 does not fit in 64 bits"),
        (#"{"supplies":[],"demands":[],"arcs":[],"unmet_cost":007}"#,
         "invalid problem JSON at line 1, column 52 (unmet_cost): numbers must not have leading zeros"),
        (#"{"supplies":{},"demands":[],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 13 (supplies): expected an array, found an object"),
        (#"{"supplies":[{"id":"q1","capacity":1} {"id":"q2","capacity":1}],"demands":[],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 39 (supplies): expected ',' or ']' after element 0, found an object"),
        (#"{"supplies":[],"demands":[{"id":"p1,"amount":1}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 38 (demands[0]): expected ',' or '}', found 'a'"),
        (#"{"supplies":[],"demands":[{"id" "p1","amount":1}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 33 (demands[0]): expected ':' after key \"id\", found a string"),
        (#"{"supplies":[],"demands":[{"id":"p\ud800","amount":1}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 35 (demands[0].id): \\u escape is an unpaired surrogate"),
        (#"{"supplies":[],"demands":[{"id":"p1"#,
         "invalid problem JSON at line 1, column 33 (demands[0].id): unterminated string"),
        (#"{"supplies":[],"demands":[{"id":"p\x1","amount":1}],"arcs":[],"unmet_cost":1}"#,
         "invalid problem JSON at line 1, column 35 (demands[0].id): invalid escape in string"),
    ])
    func malformed(json: String, message: String) {
        #expect(decodeError(json) == message)
    }

    @Test func invalidUTF8AndControlCharacters() {
        var bytes = Array(#"{"supplies":[{"id":"q"#.utf8)
        bytes.append(0xFF)
        bytes += Array(#"","capacity":1}],"demands":[],"arcs":[],"unmet_cost":1}"#.utf8)
        #expect(throws: FlowProblemError.malformedJSON(path: "supplies[0].id", reason: "string is not valid UTF-8", line: 1, column: 20)) {
            try FlowProblem.decode(from: Data(bytes))
        }
        #expect(decodeError("{\"supplies\":[{\"id\":\"a\tb\",\"capacity\":1}],\"demands\":[],\"arcs\":[],\"unmet_cost\":1}")
            == "invalid problem JSON at line 1, column 22 (supplies[0].id): control character in string; write it as an escape")
    }

    @Test func escapesAndUnicodeRoundTrip() throws {
        let problem = try FlowFixtures.decode(#"""
            {"supplies":[{"id":"Posyandu \"Melati\" \u00e9\ud83d\ude00","capacity":5}],
             "demands":[{"id":"kel\\1001\n","amount":2}],
             "arcs":[{"from":"kel\\1001\n","to":"Posyandu \"Melati\" é😀","cost":4,"capacity":null}],
             "unmet_cost":10}
            """#)
        #expect(problem.supplies[0].id == "Posyandu \"Melati\" é😀")
        #expect(problem.demands[0].id == "kel\\1001\n")
        #expect(problem.arcs[0].capacity == nil)
        let solution = try MinCostFlow.solve(problem).solution
        let text = String(decoding: solution.jsonData(), as: UTF8.self)
        #expect(text == #"{"objective":8,"flows":[{"from":"kel\\1001\n","to":"Posyandu \"Melati\" é😀","amount":2}],"unmet":[]}"#)
        #expect(try JSONDecoder().decode(FlowSolution.self, from: solution.jsonData()) == solution)
    }

    @Test func codableUsesTheSameKeys() throws {
        let problem = FlowFixtures.random(seed: 3, demands: 5, supplies: 4, arcs: 12)
        let data = try JSONEncoder().encode(problem)
        #expect(String(decoding: data, as: UTF8.self).contains("\"unmet_cost\""))
        #expect(try FlowProblem.decode(from: data) == problem)
        #expect(try JSONDecoder().decode(FlowProblem.self, from: data) == problem)
    }
}
