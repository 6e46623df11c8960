import Foundation
import Testing
@testable import PoskoCore

/// Compares objectives with networkx through `scripts/flow_crosscheck.py`. Outside CI a
/// machine without networkx skips this; with `CI` set, a missing networkx fails the run.
enum FlowCrossCheck {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/flow_crosscheck.py")

    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    static let networkxAvailable: Bool = (try? run(["python3", "-c", "import networkx"]).status) == 0

    static var shouldRun: Bool { inCI || networkxAvailable }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: a full pipe would block the child forever.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

@Suite struct FlowCrossCheckTests {
    @Test(.enabled(if: FlowCrossCheck.shouldRun, "networkx is not installed (required when CI is set)"))
    func objectivesMatchNetworkx() throws {
        try #require(FlowCrossCheck.networkxAvailable, "CI is set but `python3 -c 'import networkx'` fails; install networkx")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("posko-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var problems: [FlowProblem] = []
        for seed in UInt64(0)..<60 {
            var rng = FlowTestRandom(seed: 90_000 + seed)
            problems.append(FlowFixtures.random(
                seed: 90_000 + seed, demands: Int.random(in: 1...40, using: &rng), supplies: Int.random(in: 1...40, using: &rng),
                arcs: Int.random(in: 0...250, using: &rng), maxAmount: [1, 20, 1000][Int(seed % 3)],
                maxCost: [2, 500, 2_000_000][Int(seed / 3 % 3)]))
        }
        problems.append(FlowFixtures.random(seed: 99_999, demands: 400, supplies: 300, arcs: 4000, maxAmount: 200, maxCost: 100_000))
        let max32 = Int(Int32.max)
        problems.append(FlowProblem(
            supplies: [.init(id: "q", capacity: max32)], demands: [.init(id: "p", amount: max32), .init(id: "r", amount: 7)],
            arcs: [.init(from: "p", to: "q", cost: max32 - 1), .init(from: "r", to: "q", cost: 1, capacity: 3)], unmetCost: max32))

        var paths: [String] = []
        for (i, problem) in problems.enumerated() {
            let url = directory.appendingPathComponent("problem-\(i).json")
            try JSONEncoder().encode(problem).write(to: url)
            paths.append(url.path)
        }
        let result = try FlowCrossCheck.run(["python3", FlowCrossCheck.script.path] + paths)
        try #require(result.status == 0, "flow_crosscheck.py failed: \(result.errors)")
        let lines = result.output.split(separator: "\n")
        try #require(lines.count == problems.count)
        for (i, line) in lines.enumerated() {
            struct Line: Decodable { var objective: Int }
            let expected = try JSONDecoder().decode(Line.self, from: Data(line.utf8)).objective
            let solution = try MinCostFlow.solve(problems[i]).solution
            #expect(solution.objective == expected, "problem \(i) (\(paths[i]))")
        }
    }
}
