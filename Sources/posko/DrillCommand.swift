import ArgumentParser
import Foundation
import PoskoApp
import PoskoCore

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

    @Option(help: "Extra wilayah table (CSV kode,nama,level,parent,lat,lon) beyond Binjai.")
    var wilayah: String?

    @Flag(help: "Run the scenario live on a running daemon (exercise emergencies, LATIHAN messages).")
    var live = false

    @Option(help: "With --live: time compression (1 = real time, 60 = an hour a minute).")
    var speed: Double = 1

    @Flag(help: "Print where the drill's time went (steps, re-plans, seconds per phase) to stderr.")
    var stats = false

    @OptionGroup var client: ClientOptions

    func run() async throws {
        if live {
            guard let yaml = FileManager.default.contents(atPath: scenario) else {
                FileHandle.standardError.write(Data("posko drill: \(scenario): cannot read file\n".utf8))
                throw ExitCode(1)
            }
            try await clientCall {
                let name = (scenario as NSString).lastPathComponent.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "scenario"
                let body = try await client.client.request(.POST, "/v1/drills?speed=\(speed)&file=\(name)", body: yaml, contentType: "application/yaml")
                let info = try JSONDecoder.iso.decode(LiveDrillInfo.self, from: body)
                print("Latihan langsung \(info.id) dimulai: \(info.nama), \(info.total) injeksi, kecepatan \(info.speed)×")
            }
            return
        }
        do {
            var timing = DrillRunner.Stats()
            let result = try await DrillFiles.run(scenarioPath: scenario, playbooks: playbooks, wilayah: wilayah, stats: &timing)
            if stats { FileHandle.standardError.write(Data("posko drill: \(timing)\n".utf8)) }
            try DrillFiles.write(result, to: out, boundaries: boundaries)
            print("\(result.scenario): nilai \(String(format: "%.1f", result.score)) (\(result.grade)); laporan di \(out)/report.{md,html,json}")
            if let stopped = result.stoppedEarly { print("PERHATIAN: \(stopped)") }
        } catch let e as DrillFiles.Failure {
            FileHandle.standardError.write(Data("posko drill: \(e.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension JSONDecoder {
    static let iso: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}
