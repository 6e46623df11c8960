import Foundation

extension DrillReport {
    /// `report.md`: the drill report in Bahasa Indonesia (title, scenario, WIB time window,
    /// score and grade, expectations, strengths, gaps, coverage, messages, timeline).
    public static func markdown(_ r: DrillResult, wilayah: WilayahTable = .binjai) -> String {
        typealias F = DrillReportFormat
        var md = DrillReportMarkdownLines()

        md.line("# Laporan Latihan: \(F.markdown(r.scenario))")
        md.blank()
        md.line("- **Skenario:** \(F.markdown(r.scenario))")
        md.line("- **Berkas skenario:** \(F.markdownCode(r.scenarioFile))")
        md.line("- **Waktu latihan:** \(F.wib(r.start)) – \(F.wib(r.end)) (durasi \(F.durationText(from: r.start, to: r.end)))")
        md.line("- **Seed:** \(r.seed)")
        if let reason = r.stoppedEarly {
            md.line("- **Dihentikan lebih awal:** \(F.markdown(reason))")
        }
        let passed = r.expectations.filter(\.passed).count
        md.line("- **Nilai:** \(F.angka(r.score)) dari 100 — **peringkat \(F.markdown(r.grade))** (\(passed) dari \(r.expectations.count) harapan terpenuhi)")
        md.blank()

        md.line("## Harapan")
        md.blank()
        if r.expectations.isEmpty {
            md.line("_Skenario ini tidak menetapkan harapan._")
        } else {
            md.line("| No | Harapan | Hasil | Lulus | Skor |")
            md.line("|---:|---|---|:---:|---:|")
            for (i, e) in r.expectations.enumerated() {
                let desc = "\(F.markdown(e.description)) (\(F.markdownCode(e.kind)))"
                md.line("| \(i + 1) | \(desc) | \(F.markdown(e.actual)) | \(e.passed ? "✔" : "✘") | \(F.angka(e.score)) |")
            }
        }
        md.blank()

        md.line("## Yang berjalan baik")
        md.blank()
        md.bullets(r.strengths.map(F.markdown), empty: "_Tidak ada yang dicatat._")
        md.blank()

        md.line("## Celah")
        md.blank()
        md.bullets(r.gaps.map(F.markdown), empty: "_Tidak ada celah yang ditemukan._")
        md.blank()

        coverageSection(r, wilayah: wilayah, into: &md)
        messageSection(r, wilayah: wilayah, into: &md)

        md.line("## Linimasa")
        md.blank()
        if r.timeline.isEmpty {
            md.line("_Linimasa kosong._")
        } else {
            md.line("| Waktu | Jam (WIB) | Jenis | Kejadian |")
            md.line("|---|---|---|---|")
            for t in r.timeline {
                md.line("| \(F.offset(t.at, from: r.start)) | \(F.wib(t.at)) | \(F.markdown(F.kindLabel(t.kind))) | \(F.markdown(t.text)) |")
            }
        }
        return md.text
    }

    private static func coverageSection(_ r: DrillResult, wilayah: WilayahTable, into md: inout DrillReportMarkdownLines) {
        typealias F = DrillReportFormat
        md.line("## Cakupan layanan")
        md.blank()
        let samples = F.sortedCoverage(r)
        let codes = F.kecamatanCodes(r)
        if samples.isEmpty {
            md.line("_Tidak ada data cakupan._")
        } else {
            md.line("| Kecamatan | Terendah | Saat terendah | Akhir | Tergeser tertinggi |")
            md.line("|---|---:|---|---:|---:|")
            for code in codes {
                var lowest: (value: Double, at: Date)?
                var last: Double?
                var displaced = 0.0
                for s in samples {
                    displaced = max(displaced, s.displaced[code] ?? 0)
                    guard let v = s.kecamatan[code], v.isFinite else { continue }
                    if lowest == nil || v < (lowest?.value ?? v) { lowest = (v, s.at) }
                    last = v
                }
                let name = "\(F.markdown(F.kecamatanName(code, r, wilayah: wilayah))) (\(code))"
                let low = lowest.map { F.persen($0.value) } ?? "–"
                let when = lowest.map { "\(F.offset($0.at, from: r.start)) (\(F.wib($0.at)))" } ?? "–"
                md.line("| \(name) | \(low) | \(when) | \(last.map(F.persen) ?? "–") | \(F.persen(displaced)) |")
            }
            var lowestOverall: DrillResult.CoverageSample?
            for s in samples where s.overall.isFinite && s.overall < (lowestOverall?.overall ?? .infinity) { lowestOverall = s }
            if let low = lowestOverall, let last = samples.last {
                md.blank()
                md.line("Cakupan keseluruhan terendah \(F.persen(low.overall)) pada \(F.offset(low.at, from: r.start)) (\(F.wib(low.at))); akhir latihan \(F.persen(last.overall)).")
                md.blank()
                md.line("_Tergeser_: bagian kebutuhan layanan yang tidak lagi dilayani pos asalnya (pos tutup, terganggu atau tidak melapor); cakupan menghitung juga yang dilayani pos lain menurut rencana.")
            }
        }
        md.blank()

        md.line("### Cakupan terendah per kelurahan")
        md.blank()
        if r.worstCoverage.isEmpty {
            md.line("_Tidak ada data._")
        } else {
            md.line("| Kelurahan | Cakupan terendah | Tergeser tertinggi |")
            md.line("|---|---:|---:|")
            for (code, value) in worstSorted(r) {
                md.line("| \(F.markdown(F.kelurahanName(code, r, wilayah: wilayah))) (\(code)) | \(F.persen(value)) | \(F.persen(r.peakDisplaced[code] ?? 0)) |")
            }
        }
        md.blank()
    }

    private static func messageSection(_ r: DrillResult, wilayah: WilayahTable, into md: inout DrillReportMarkdownLines) {
        typealias F = DrillReportFormat
        let m = r.messages
        md.line("## Statistik pesan")
        md.blank()

        md.line("### Percobaan kirim per kanal")
        md.blank()
        let results = Set(m.attemptsByChannel.values.flatMap(\.keys)).sorted()
        if m.attemptsByChannel.isEmpty {
            md.line("_Tidak ada percobaan kirim._")
        } else {
            md.line("| Kanal | " + results.map { F.markdown(F.stateLabel($0)) }.joined(separator: " | ") + " | Jumlah |")
            md.line("|---|" + String(repeating: "---:|", count: results.count) + "---:|")
            for channel in m.attemptsByChannel.keys.sorted() {
                let counts = m.attemptsByChannel[channel] ?? [:]
                let cells = results.map { String(counts[$0] ?? 0) }
                let total = counts.values.reduce(0, +)
                md.line("| \(F.markdownCode(channel)) | " + cells.joined(separator: " | ") + " | \(total) |")
            }
        }
        md.blank()

        md.line("### Pesan menurut status akhir")
        md.blank()
        if m.byState.isEmpty {
            md.line("_Tidak ada pesan._")
        } else {
            md.line("| Status | Jumlah |")
            md.line("|---|---:|")
            for state in m.byState.keys.sorted() {
                md.line("| \(F.markdown(F.stateLabel(state))) | \(m.byState[state] ?? 0) |")
            }
        }
        md.blank()

        md.line("### Peringatan pertama per lurah")
        md.blank()
        if m.firstAlertMinutes.isEmpty {
            md.line("_Tidak ada peringatan yang sampai ke lurah._")
        } else {
            md.line("Menit sejak penetapan status darurat sampai peringatan pertama terkirim.")
            md.blank()
            md.line("| Lurah | Menit |")
            md.line("|---|---:|")
            for key in m.firstAlertMinutes.keys.sorted() {
                md.line("| \(F.markdown(F.recipientLabel(key, r, wilayah: wilayah))) | \(F.angka(m.firstAlertMinutes[key] ?? 0)) |")
            }
            if let slowest = slowestLurah(r) {
                md.blank()
                md.line("Terlama: \(F.markdown(F.recipientLabel(slowest.key, r, wilayah: wilayah))), \(F.angka(slowest.minutes)) menit.")
            }
        }
        md.blank()

        md.line("### Konfirmasi dan eskalasi")
        md.blank()
        md.line("- **Konfirmasi diterima:** \(ackText(m))")
        md.line("- **Eskalasi:** \(m.escalations)")
        md.blank()
    }

    /// "11 dari 13 pesan yang perlu konfirmasi (84,6%)".
    static func ackText(_ m: DrillResult.MessageStats) -> String {
        guard m.needingAck > 0 else { return "\(m.acknowledged) (tidak ada pesan yang perlu konfirmasi)" }
        let via = m.acknowledgedViaEscalation > 0 ? "; \(m.acknowledgedViaEscalation) lagi dikonfirmasi lewat eskalasi" : ""
        return "\(m.acknowledged) dari \(m.needingAck) pesan yang perlu konfirmasi (\(DrillReportFormat.persen(Double(m.acknowledged) / Double(m.needingAck))))\(via)"
    }

    /// Worst coverage per kelurahan, lowest first (ties by code).
    /// Kelurahan by worst coverage, then the hardest hit (largest displaced share) first.
    static func worstSorted(_ r: DrillResult) -> [(code: String, value: Double)] {
        r.worstCoverage.map { (code: $0.key, value: $0.value) }.sorted { a, b in
            let va = a.value.isFinite ? a.value : .infinity, vb = b.value.isFinite ? b.value : .infinity
            if va != vb { return va < vb }
            let da = r.peakDisplaced[a.code] ?? 0, db = r.peakDisplaced[b.code] ?? 0
            return da != db ? da > db : a.code < b.code
        }
    }

    static func slowestLurah(_ r: DrillResult) -> (key: String, minutes: Double)? {
        var best: (key: String, minutes: Double)?
        for key in r.messages.firstAlertMinutes.keys.sorted() {
            guard let v = r.messages.firstAlertMinutes[key], v.isFinite else { continue }
            if best == nil || v > (best?.minutes ?? v) { best = (key, v) }
        }
        return best
    }
}

/// Builds Markdown text line by line.
struct DrillReportMarkdownLines {
    private(set) var text = ""

    mutating func line(_ s: String) { text += s + "\n" }
    mutating func blank() { text += "\n" }

    mutating func bullets(_ items: [String], empty: String) {
        if items.isEmpty { line(empty) } else { for item in items { line("- " + item) } }
    }
}
