import Foundation
import PoskoCore
import PoskoStorage

/// `posko drill SCENARIO --out DIR`: read, play, write the three reports.
public enum DrillFiles {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Plays a scenario file. Playbooks default to the directory above `latihan/`.
    public static func run(scenarioPath: String, playbooks: String?, wilayah: String? = nil) async throws -> DrillResult {
        var stats = DrillRunner.Stats()
        return try await run(scenarioPath: scenarioPath, playbooks: playbooks, wilayah: wilayah, stats: &stats)
    }

    /// The directory above the scenario's `latihan/`, from its absolute path (`banjir-bingai.yaml`
    /// named inside latihan/ has no directory of its own).
    public static func defaultPlaybooks(for scenarioPath: String) -> String {
        URL(fileURLWithPath: scenarioPath).standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Plays a scenario file and tells where the time went in `stats`.
    public static func run(scenarioPath: String, playbooks: String?, wilayah: String? = nil,
                           stats: inout DrillRunner.Stats) async throws -> DrillResult {
        let playbookDir = playbooks ?? defaultPlaybooks(for: scenarioPath)
        let table: WilayahTable
        do { table = try PlaybookFiles.wilayah(file: wilayah) } catch { throw Failure(description: error.description) }
        let (set, diagnostics) = PlaybookFiles.load(paths: [playbookDir], wilayah: table)
        guard let set else {
            throw Failure(description: "playbooks in \(playbookDir) are invalid:\n" + diagnostics.errors.prefix(10).map(\.description).joined(separator: "\n"))
        }
        guard let data = FileManager.default.contents(atPath: scenarioPath) else { throw Failure(description: "\(scenarioPath): cannot read file") }
        let (scenario, scenarioDiagnostics) = DrillScenarioParser.parse(data, file: scenarioPath, playbooks: set)
        guard let scenario else { throw Failure(description: scenarioDiagnostics.errors.map(\.description).joined(separator: "\n")) }
        return try await DrillRunner(scenario: scenario, playbooks: set).run(planning: DrillRunner.Planning.planner, stats: &stats)
    }

    /// Writes report.md, report.html and report.json into `dir`.
    public static func write(_ result: DrillResult, to dir: String, boundaries: String?) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var shapes: [GeoBoundary] = []
        if let boundaries, let data = FileManager.default.contents(atPath: boundaries) {
            shapes = (try? GeoJSONBoundaries.load(from: data)) ?? []
        }
        let base = URL(fileURLWithPath: dir)
        try Data(DrillReport.markdown(result).utf8).write(to: base.appendingPathComponent("report.md"))
        try Data(DrillReport.html(result, boundaries: shapes).utf8).write(to: base.appendingPathComponent("report.html"))
        try DrillReport.json(result).write(to: base.appendingPathComponent("report.json"))
    }
}

extension DrillRunner.Planning {
    /// The daemon's planner, on the drill's coordinator.
    public static func planner(_ coordinator: Coordinator) -> DrillRunner.Planning {
        planner(PlanKeeper(fresh: coordinator))
    }

    /// The daemon's planner through a given keeper (on the drill's coordinator).
    public static func planner(_ keeper: PlanKeeper) -> DrillRunner.Planning {
        DrillRunner.Planning(
            replan: { at, state, states in
                guard let diff = try keeper.replan(at: at, state: state, states: states), let plan = keeper.current else { return nil }
                // A version whose explanations alone changed (a closed post gone silent is now
                // "tidak melapor") moves nothing: say so rather than "0 perubahan".
                let changes = diff.isEmpty ? "penugasan tetap, penjelasan diperbarui" : "\(diff.lines.count) perubahan"
                return "Rencana v\(plan.version): \(changes); \(plan.totals.moved) unit layanan dialihkan, \(plan.cadreAssignments.count) kader ditugaskan"
            },
            moved: { keeper.moved },
            cells: { keeper.cells },
            override: { o, actor, at in try keeper.addOverride(o, actor: actor, at: at) })
    }
}
