import ArgumentParser
import Foundation
import PoskoApp

struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a drill scenario (Playbooks/latihan/*.yaml) on a virtual clock and write report.md, report.html, report.json."
    )

    @Argument(help: "Scenario file.")
    var scenario: String

    @Option(help: "Output directory.")
    var out: String = "out"

    @Option(help: "Playbook directory (default: the directory above latihan/).")
    var playbooks: String?

    @Option(help: "Kelurahan boundaries (GeoJSON) for the report's map.")
    var boundaries: String = "Config/wilayah/binjai_boundaries.geojson"

    func run() async throws {
        do {
            let result = try await DrillFiles.run(scenarioPath: scenario, playbooks: playbooks, boundaries: boundaries)
            try DrillFiles.write(result, to: out, boundaries: boundaries)
            print("\(result.scenario): nilai \(String(format: "%.1f", result.score)) (\(result.grade)); laporan di \(out)/report.{md,html,json}")
            if let stopped = result.stoppedEarly { print("PERHATIAN: \(stopped)") }
        } catch let e as DrillFiles.Failure {
            FileHandle.standardError.write(Data("posko drill: \(e.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
