import Foundation
import PoskoCore
import PoskoStorage

/// Turns what a drill run observed into a `DrillResult`: expectations scored, gaps and
/// strengths in Indonesian, message statistics.
enum DrillReportBuilder {
    static func build(
        scenario s: DrillScenario, set: PlaybookSet, store: PoskoStore, timeline: [DrillResult.TimelineEntry],
        samples: [DrillResult.CoverageSample], worst: [String: Double], peakDisplaced: [String: Double], belowHalf: [String: Double],
        declarations: [(at: Date, kelurahan: [String], after: [Int: [String: Double]])], end: Date, stoppedEarly: String?
    ) throws -> DrillResult {
        let messages = try store.allMessages()
        let accepted = try store.firstAcceptance()
        let names = Dictionary(uniqueKeysWithValues: set.wilayah.units.values.map { ($0.code, $0.name) })
        let scoringMessages = messages.map {
            DrillScoring.Message(recipient: $0.recipient, createdAt: $0.createdAt, acceptedAt: accepted[$0.id],
                                 needsAck: $0.ackCode != nil, ackedAt: $0.ackedAt, ackedViaEscalation: $0.ackedVia != nil)
        }
        let scoringDeclarations = declarations.map { DrillScoring.Declaration(at: $0.at, kelurahan: $0.kelurahan, coverageAfter: $0.after) }
        let expectations = DrillScoring.evaluate(s.expectations, declarations: scoringDeclarations, messages: scoringMessages, names: names)
        let score = expectations.isEmpty ? 100 : expectations.map(\.score).reduce(0, +) / Double(expectations.count)

        var gaps: [String] = []
        for (cell, seconds) in belowHalf.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) where seconds >= 3600 {
            let parts = cell.split(separator: "|").map(String.init)
            let bidang = Bidang(rawValue: parts[1])?.label ?? parts[1]
            gaps.append("Kelurahan \(names[parts[0]] ?? parts[0]) bidang \(bidang) tidak terlayani \(Int((seconds / 3600).rounded())) jam")
        }
        gaps = Array(gaps.prefix(15)) + (gaps.count > 15 ? ["… dan \(gaps.count - 15) celah lainnya"] : [])
        for e in expectations where !e.passed { gaps.append("Harapan tidak terpenuhi: \(e.description) — \(e.actual)") }
        let failed = messages.filter { $0.state == .failed }
        if !failed.isEmpty { gaps.append("\(failed.count) pesan gagal terkirim di semua kanal") }
        let escalations = messages.filter { $0.kind == "escalation" }.count
        if escalations > 0 { gaps.append("\(escalations) eskalasi: peringatan tidak dikonfirmasi tepat waktu oleh penerimanya") }
        // An inject the pipeline refused did not happen: the drill rehearsed less than planned.
        let refused = timeline.filter { $0.kind == "error" }
        if let first = refused.first { gaps.append("\(refused.count) injeksi tidak dapat dijalankan, pertama: \(first.text)") }
        if let stoppedEarly { gaps.append(stoppedEarly.prefix(1).uppercased() + stoppedEarly.dropFirst()) }

        var strengths: [String] = []
        for e in expectations where e.passed { strengths.append("\(e.description): \(e.actual)") }
        let failovers = try store.deliveryStats().attempts.values.reduce(0) { $0 + ($1["permanent"] ?? 0) }
        let delivered = messages.filter { $0.state == .delivered || $0.state == .sent }.count
        if !messages.isEmpty { strengths.append("\(delivered) dari \(messages.count) pesan sampai ke penerima\(failovers > 0 ? " (termasuk lewat kanal cadangan)" : "")") }

        // How hard the scenario hit, when the plan kept the services going.
        if let held = DrillScoring.planHeld(samples, start: s.mulai) { strengths.append(held) }

        let firstAlert = DrillScoring.firstAlertMinutes(declarations: scoringDeclarations, recipients: .init(scoringMessages))
        let stats = try store.deliveryStats()
        let events = try store.events(afterID: 0, limit: 1_000_000).map {
            DrillResult.EventLine(id: $0.id, at: $0.at, kind: $0.kind.rawValue, actor: $0.actor.name, subject: $0.subject)
        }
        var kecNames: [String: String] = [:]
        for pb in set.playbooks { kecNames[pb.kecamatan] = pb.nama }
        var kelNames: [String: String] = [:]
        for code in worst.keys { kelNames[code] = names[code] ?? code }
        return DrillResult(
            scenario: s.nama, scenarioFile: (s.file as NSString).lastPathComponent, start: s.mulai, end: end, seed: s.seed,
            stoppedEarly: stoppedEarly, timeline: timeline, coverage: samples, worstCoverage: worst, peakDisplaced: peakDisplaced, kelurahanNames: kelNames,
            kecamatanNames: kecNames,
            messages: .init(attemptsByChannel: stats.attempts, byState: stats.states, firstAlertMinutes: firstAlert,
                            acknowledged: messages.filter { $0.ackedAt != nil && $0.ackedVia == nil }.count,
                            acknowledgedViaEscalation: messages.filter { $0.ackedVia != nil }.count, needingAck: messages.filter { $0.ackCode != nil }.count,
                            escalations: messages.filter { $0.kind == "escalation" }.count),
            expectations: expectations, gaps: gaps, strengths: strengths, score: (score * 10).rounded() / 10,
            grade: DrillScoring.grade(score), events: events)
    }
}
