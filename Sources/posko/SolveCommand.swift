import ArgumentParser
import Foundation
import PoskoCore

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a min-cost flow problem (JSON: supplies, demands, arcs, unmet_cost) and print the optimal solution."
    )

    @Argument(help: "Problem file, or - for standard input.")
    var problem: String

    @Flag(help: "Print solve time and iterations to stderr.")
    var stats = false

    @Option(help: "Give up after this many pivots (default: no limit).")
    var maxIterations: Int?

    func run() throws {
        let data: Data
        if problem == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            let size = (try? FileManager.default.attributesOfItem(atPath: problem)[.size] as? Int) ?? nil
            guard let size else { throw failure("\(problem): no such file") }
            guard size <= FlowProblem.maxInputBytes else {
                throw failure("\(problem): file is \(size) bytes; the limit is \(FlowProblem.maxInputBytes) bytes")
            }
            guard let d = FileManager.default.contents(atPath: problem) else { throw failure("\(problem): cannot read file") }
            data = d
        }
        do {
            let p = try FlowProblem.decode(from: data)
            let start = ContinuousClock.now
            let (solution, s) = try MinCostFlow.solve(p, limits: FlowLimits(maxIterations: maxIterations))
            let elapsed = ContinuousClock.now - start
            FileHandle.standardOutput.write(solution.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
            if stats { FileHandle.standardError.write(Data((s.summary(solveTime: elapsed) + "\n").utf8)) }
        } catch {
            throw failure(error.description)
        }
    }

    private func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("posko solve: \(message)\n".utf8))
        return ExitCode(1)
    }
}
