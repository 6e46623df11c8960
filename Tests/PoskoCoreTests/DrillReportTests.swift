import Foundation
import PoskoTesting
import Testing
@testable import PoskoCore

/// The konfirmasi expectation counts what recipients confirmed themselves in time; an alert the
/// camat confirmed by answering its escalation is named apart and does not count.
@Test func confirmationsThroughAnEscalationDoNotCountAsTheRecipients() {
    let t0 = Date(timeIntervalSince1970: 1_795_400_000)
    func message(_ who: String, ackedAfter minutes: Double?, viaEscalation: Bool = false) -> DrillScoring.Message {
        .init(recipient: who, createdAt: t0, acceptedAt: t0, needsAck: true, ackedAt: minutes.map { t0.addingTimeInterval($0 * 60) },
              ackedViaEscalation: viaEscalation)
    }
    let messages = [message("lurah:a", ackedAfter: 10), message("lurah:b", ackedAfter: 40, viaEscalation: true),
                    message("lurah:c", ackedAfter: 90), message("lurah:d", ackedAfter: nil)]
    let result = DrillScoring.evaluate([.acknowledged(minimum: 0.5, within: 3600)], declarations: [], messages: messages, names: [:])
    #expect(result.map(\.actual) == ["1 dari 4 dikonfirmasi tepat waktu (25%); 1 lagi hanya lewat eskalasi"])
    #expect(result.map(\.passed) == [false])
    #expect(result.map(\.score) == [25], "a miss scores the share that met it")
}

/// The kelurahan boundaries committed with the repository (37 polygons).
func drillReportBoundaries() throws -> [GeoBoundary] {
    let data = try Data(contentsOf: URL(fileURLWithPath: RepoPaths.path("Config/wilayah/binjai_boundaries.geojson")))
    return try GeoJSONBoundaries.load(from: data)
}

/// Start tags `<name …>` in `text`, each as its attributes.
func drillReportElements(_ name: String, in text: String) throws -> [[String: String]] {
    let tag = try Regex("<\(name)(\\s[^>]*)?>")
    let attribute = try Regex("([A-Za-z_:][-A-Za-z0-9_:.]*)=\"([^\"]*)\"")
    return text.matches(of: tag).map { match in
        var attrs: [String: String] = [:]
        for a in String(text[match.range]).matches(of: attribute) {
            if let k = a.output[1].substring, let v = a.output[2].substring { attrs[String(k)] = String(v) }
        }
        return attrs
    }
}

/// The text of the `<svg id="…">…</svg>` element with that id.
func drillReportSVG(id: String, in text: String) -> String? {
    guard let open = text.range(of: "id=\"\(id)\""),
          let svgStart = text[..<open.lowerBound].range(of: "<svg", options: .backwards),
          let end = text[open.upperBound...].range(of: "</svg>") else { return nil }
    return String(text[svgStart.lowerBound..<end.upperBound])
}

@Suite("Drill report writers")
struct DrillReportTests {
    let result = DrillReportFixture.result()

    // MARK: Markdown

    @Test func markdownHasIndonesianSections() {
        let md = DrillReport.markdown(result)
        for heading in [
            "# Laporan Latihan: Banjir Sungai Bingai 2026", "## Harapan", "## Yang berjalan baik", "## Celah",
            "## Cakupan layanan", "## Statistik pesan", "### Percobaan kirim per kanal", "### Peringatan pertama per lurah",
            "### Konfirmasi dan eskalasi", "## Linimasa",
        ] {
            #expect(md.contains("\n\(heading)\n") || md.hasPrefix("\(heading)\n"), "missing \(heading)")
        }
        #expect(md.contains("- **Waktu latihan:** 1 Nov 2026 06.00 WIB – 4 Nov 2026 06.00 WIB (durasi 72 jam)"))
        #expect(md.contains("- **Nilai:** 80 dari 100 — **peringkat B** (2 dari 3 harapan terpenuhi)"))
        #expect(md.contains("- Kelurahan Berngam bidang pendidikan tidak terlayani 5 jam\n"))
        #expect(md.contains("- Semua lurah terdampak menerima peringatan dalam 15 menit\n"))
    }

    /// How hard each place was hit, beside how well it was covered: a kelurahan whose own posts
    /// lost half their service but whose coverage the plan kept at 100% still shows up.
    @Test func markdownShowsDisplacedDemand() throws {
        let md = DrillReport.markdown(result)
        let lines = md.split(separator: "\n").map(String.init)
        #expect(lines.contains("| Kecamatan | Terendah | Saat terendah | Akhir | Tergeser tertinggi |"))
        // Binjai Selatan fell to 35% (the fixture displaces 20 points more than it lost).
        #expect(lines.contains { $0.hasPrefix("| Binjai Selatan (12.75.05) | 35% |") && $0.hasSuffix("| 85% |") })
        #expect(lines.contains { $0.hasPrefix("| Binjai Timur (12.75.04) | 82% |") && $0.hasSuffix("| 38% |") })
        #expect(lines.contains("| Kelurahan | Cakupan terendah | Tergeser tertinggi |"))
        let kelurahan = lines.drop { $0 != "| Kelurahan | Cakupan terendah | Tergeser tertinggi |" }.dropFirst(2).prefix { $0.hasPrefix("| ") }
        #expect(kelurahan.count == 10)
        #expect(kelurahan.first == "| Tanah Merah (12.75.05.1001) | 31% | 90% |")
        // Fully covered: the one the scenario hit comes before those it never touched.
        #expect(Array(kelurahan.suffix(1)) == ["| Suka Maju (12.75.03.1005) | 100% | 50% |"])
        #expect(kelurahan.contains("| Pahlawan (12.75.01.1001) | 96% | 0% |"))
    }

    @Test func planHeldOnlyWhenDemandWasDisplacedAndCoverageStayedUp() {
        let t0 = DrillReportFixture.start
        func sample(_ h: Double, _ overall: Double, _ displaced: Double) -> DrillResult.CoverageSample {
            .init(at: t0.addingTimeInterval(h * 3600), kecamatan: [:], overall: overall, overallDisplaced: displaced)
        }
        #expect(DrillScoring.planHeld([sample(0, 1, 0), sample(1, 0.97, 0.12), sample(2, 0.99, 0.2), sample(3, 1, 0.05)], start: t0)
            == "Rencana menjaga cakupan keseluruhan ≥ 80% (terendah 97%) saat hingga 20% kebutuhan layanan tergeser dari pos asalnya (+02:00)")
        #expect(DrillScoring.planHeld([sample(0, 1, 0), sample(1, 1, 0)], start: t0) == nil)
        #expect(DrillScoring.planHeld([sample(0, 1, 0), sample(1, 0.79, 0.3)], start: t0) == nil)
    }

    @Test func markdownExpectationsTableMarksTheFailure() throws {
        let md = DrillReport.markdown(result)
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("`") && ($0.contains("✔") || $0.contains("✘")) }
        #expect(rows.count == 3)
        let failing = try #require(rows.first { $0.contains("cakupan\\_pulih") || $0.contains("cakupan_pulih") })
        #expect(failing.contains("| ✘ |"))
        #expect(failing.contains("Binjai Selatan baru pulih setelah 30 jam"))
        #expect(failing.hasSuffix("| 40 |"))
        #expect(rows.filter { $0.contains("| ✔ |") }.count == 2)
    }

    @Test func markdownStatisticsAndTimeline() {
        let md = DrillReport.markdown(result)
        // Channels sorted, one column per result kind, totals.
        #expect(md.contains("| Kanal | sampai | gagal | gagal sementara | Jumlah |"))
        #expect(md.contains("| `sms:kannel-utama` | 40 | 0 | 3 | 43 |"))
        #expect(md.contains("| Berngam (12.75.02.1001) | 4 |"))
        #expect(md.contains("| Bhakti Karya (12.75.05.1003) | 7,3 |"))
        #expect(md.contains("Terlama: Setia (12.75.02.1003), 12 menit."))
        #expect(md.contains("- **Konfirmasi diterima:** 11 dari 13 pesan yang perlu konfirmasi (84,6%)"))
        #expect(md.contains("- **Eskalasi:** 2"))
        #expect(md.contains("| Tanah Merah (12.75.05.1001) | 31% |"))
        #expect(md.contains("| Binjai Selatan (12.75.05) | 35% | +03:00 (1 Nov 2026 09.00 WIB) | 100% |"))
        // Timeline: offset beyond 24 hours, WIB clock across midnight, kinds in Indonesian, text escaped.
        #expect(md.contains("| +00:33 | 1 Nov 2026 06.33 WIB | Peringatan | Peringatan dikirim ke 13 lurah lewat SMS (kannel-utama) |"))
        #expect(md.contains("| +24:00 | 2 Nov 2026 06.00 WIB | Injeksi | Listrik padam di Binjai Timur \\<2 jam\\> & genset posyandu Mencirim rusak |"))
        #expect(md.contains("| +72:00 | 4 Nov 2026 06.00 WIB | Tenggat | Latihan berakhir |"))
        let timelineRows = md.components(separatedBy: "## Linimasa").last?.split(separator: "\n").filter { $0.hasPrefix("| +") } ?? []
        #expect(timelineRows.count == 20)
    }

    @Test func markdownEscapesTableBreakers() {
        var r = result
        r.expectations[0].actual = "a | b\nc"
        r.stoppedEarly = "Batas horizon tercapai"
        let md = DrillReport.markdown(r)
        #expect(md.contains("| a \\| b c |"))
        #expect(md.contains("- **Dihentikan lebih awal:** Batas horizon tercapai"))
    }

    @Test func wibTimesAreBuiltFromComponents() {
        typealias F = DrillReportFormat
        // 2026-12-31T17:00Z is 00.00 WIB of the next day; year, month and leap-day boundaries.
        #expect(F.wib(Date(timeIntervalSince1970: 1_798_736_400)) == "1 Jan 2027 00.00 WIB")
        #expect(F.wib(Date(timeIntervalSince1970: 1_798_736_340)) == "31 Des 2026 23.59 WIB")
        #expect(F.wib(Date(timeIntervalSince1970: 1_787_702_400)) == "26 Agu 2026 07.00 WIB")
        #expect(F.wib(Date(timeIntervalSince1970: 1_709_164_800)) == "29 Feb 2024 07.00 WIB")
        #expect(F.offset(DrillReportFixture.at(49.26), from: DrillReportFixture.start) == "+49:15")
        #expect(F.offset(DrillReportFixture.at(-0.5), from: DrillReportFixture.start) == "-00:30")
        #expect(F.durationText(from: DrillReportFixture.start, to: DrillReportFixture.at(1.5)) == "1 jam 30 menit")
        #expect(F.angka(84.6154) == "84,6")
        #expect(F.angka(-0.01) == "0")
        #expect(F.fixed(12.25, decimals: 1) == "12.3")
        #expect(F.fixed(-3.04, decimals: 1) == "-3.0")
        #expect(F.fixed(.nan, decimals: 1) == "0.0")
        #expect(F.persen(0.949) == "94,9%")
    }

    // MARK: HTML

    @Test func htmlHasBothSVGsAndSections() throws {
        let html = DrillReport.html(result, boundaries: try drillReportBoundaries())
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"id\">"))
        #expect(html.hasSuffix("</html>\n"))
        let timeline = try #require(drillReportSVG(id: "coverage-timeline", in: html))
        let map = try #require(drillReportSVG(id: "coverage-map", in: html))
        #expect(timeline.contains("stroke-dasharray=\"8 5\""))
        for heading in ["Harapan", "Celah", "Yang berjalan baik", "Statistik pesan", "Linimasa", "Peta cakupan terendah per kelurahan"] {
            #expect(html.contains("<h2>\(heading)</h2>"))
        }
        #expect(html.contains("Kelurahan Berngam bidang pendidikan tidak terlayani 5 jam"))
        #expect(html.contains("<span class=\"fail\" title=\"tidak lulus\">✘</span>"))
        #expect(html.contains("1 Nov 2026 06.00 WIB – 4 Nov 2026 06.00 WIB"))
        // Self-contained: no scripts, no external resources.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("url("))
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http://"))
        #expect(!map.isEmpty)
    }

    @Test func timelineHasOneNonEmptyPolylinePerKecamatan() throws {
        let svg = try #require(drillReportSVG(id: "coverage-timeline", in: DrillReport.html(result, boundaries: [])))
        let lines = try drillReportElements("polyline", in: svg).filter { $0["class"] == "kecamatan" }
        #expect(lines.compactMap { $0["data-kecamatan"] } == ["12.75.01", "12.75.02", "12.75.03", "12.75.04", "12.75.05"])
        for line in lines {
            let points = (line["points"] ?? "").split(separator: " ")
            #expect(points.count >= 2, "\(line["data-kecamatan"] ?? "?") has \(points.count) points")
            for p in points {
                let xy = p.split(separator: ",").compactMap { Double($0) }
                #expect(xy.count == 2)
                #expect((64...936).contains(xy.first ?? -1) && (20...280).contains(xy.last ?? -1), "point \(p) outside the plot")
            }
        }
        // Binjai Selatan drops to 35% at +03:00: y = 280 − 0.35·260 = 189, x = 64 + 3/72·872 = 100.3.
        let selatan = try #require(lines.first { $0["data-kecamatan"] == "12.75.05" }?["points"])
        #expect(selatan.contains("100.3,20.0 100.3,189.0"))
        // Legend names every kecamatan; hour ticks and the dashed 80% line.
        for (_, name) in DrillReportFixture.kecamatanNames { #expect(svg.contains(">\(name)</text>")) }
        #expect(svg.contains(">+06:00</text>") && svg.contains(">+72:00</text>"))
        let threshold = try #require(try drillReportElements("line", in: svg).first { $0["class"] == "threshold" })
        #expect(threshold["y1"] == "72.0" && threshold["y2"] == "72.0")
        #expect(threshold["stroke-dasharray"] != nil)
    }

    /// The displaced share as a grey step area under the coverage lines, from the drill's start
    /// to its last sample; none when nothing was displaced.
    @Test func timelineShadesDisplacedDemand() throws {
        let svg = try #require(drillReportSVG(id: "coverage-timeline", in: DrillReport.html(result, boundaries: [])))
        let areas = try drillReportElements("path", in: svg).filter { $0["class"] == "displaced" }
        let d = try #require(areas.first?["d"])
        #expect(areas.count == 1)
        #expect(d.hasPrefix("M64.0,280.0") && d.hasSuffix("V280.0Z"))
        // At +04:00 every flooded kecamatan is down: (0.28 + 0.65 + 0.5 + 0 + 0.85) / 5 = 0.456,
        // y = 280 − 0.456·260 = 161.4, the area's top; x = 64 + 4/72·872 = 112.4.
        let ys = d.matches(of: /V([0-9.]+)/).compactMap { Double($0.1) }
        #expect(ys.min() == 161.4)
        #expect(d.contains("H112.4V161.4"))
        #expect(svg.contains(">Tergeser dari pos asal (keseluruhan)</text>"))

        var calm = result
        calm.coverage = calm.coverage.map { .init(at: $0.at, kecamatan: $0.kecamatan, overall: $0.overall) }
        let none = try #require(drillReportSVG(id: "coverage-timeline", in: DrillReport.html(calm, boundaries: [])))
        #expect(try drillReportElements("path", in: none).allSatisfy { $0["class"] != "displaced" })
        #expect(!none.contains("Tergeser dari pos asal"))
    }

    @Test func mapOutlinesTheKelurahanThatWereHit() throws {
        let svg = try #require(drillReportSVG(id: "coverage-map", in: DrillReport.html(result, boundaries: try drillReportBoundaries())))
        let filled = try drillReportElements("path", in: svg).filter { $0["data-kode"] != nil }
        // The outlines' group gives their stroke; the arrow and scale bar have their own.
        let outlines = try drillReportElements("path", in: svg).filter { $0["data-kode"] == nil && $0["fill"] == nil && $0["stroke"] == nil }
        // One outline per kelurahan hit, drawn with the same shape as its fill.
        #expect(outlines.count == DrillReportFixture.peakDisplaced.count)
        let byCode = Dictionary(filled.map { ($0["data-kode"] ?? "", $0["d"] ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(Set(outlines.compactMap { $0["d"] }) == Set(DrillReportFixture.peakDisplaced.compactMap { byCode[$0.0] }))
        #expect(svg.contains("<title>Suka Maju (12.75.03.1005): cakupan terendah 100%, tergeser dari pos asal hingga 50%</title>"))
        #expect(svg.contains("<title>Pahlawan (12.75.01.1001): cakupan terendah 96%</title>"))
        // Without boundaries, the hit kelurahan's dots carry the outline.
        let dots = try drillReportElements("circle", in: DrillReport.coverageMapSVG(result, boundaries: []))
        #expect(dots.filter { $0["stroke-width"] == "2.5" }.count == DrillReportFixture.peakDisplaced.count)
    }

    @Test func mapFillsEveryBoundaryByWorstCoverage() throws {
        let boundaries = try drillReportBoundaries()
        #expect(boundaries.count == 37)
        let svg = try #require(drillReportSVG(id: "coverage-map", in: DrillReport.html(result, boundaries: boundaries)))
        let paths = try drillReportElements("path", in: svg).filter { $0["data-kode"] != nil }
        #expect(paths.count == 37)
        #expect(Set(paths.compactMap { $0["data-kode"] }) == Set(boundaries.map(\.kode)))
        let fill = Dictionary(paths.map { ($0["data-kode"] ?? "", $0["fill"] ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(fill["12.75.02.1001"] == "#d73027") // Berngam 42%: red
        #expect(fill["12.75.05.1002"] == "#fdae61") // Binjai Estate 55%: orange
        #expect(fill["12.75.02.1002"] == "#fdae61") // Satria 78%: orange
        #expect(fill["12.75.04.1004"] == "#a6d96a") // Mencirim 82%: yellow-green
        #expect(fill["12.75.01.1001"] == "#1a9850") // Pahlawan 96%: green
        #expect(fill["12.75.03.1005"] == "#1a9850") // Suka Maju 100%: green
        #expect(fill["12.75.01.1004"] == "#cfcfcf") // Damai: no data, grey
        #expect(fill.filter { $0.value == "#cfcfcf" }.count == 27)
        for (kode, value) in result.worstCoverage { #expect(fill[kode] == DrillReport.coverageColor(value)) }
        // Every path is a closed outline in view-box units with one decimal.
        for p in paths {
            let d = p["d"] ?? ""
            #expect(d.hasPrefix("M") && d.hasSuffix("Z"))
            #expect(try Regex("\\d\\.\\d\\d").firstMatch(in: d) == nil)
        }
        #expect(svg.contains("<title>Berngam (12.75.02.1001): cakupan terendah 42%, tergeser dari pos asal hingga 80%</title>"))
        #expect(svg.contains("<title>Damai (12.75.01.1004): tidak ada data</title>"))
        // Projection: Binjai is taller than wide, so the fitted map is 600 units high (the
        // maximum) and narrower than that, with the 200-unit legend beside it.
        let viewBox = try #require(try drillReportElements("svg", in: svg).first?["viewBox"])
        let size = viewBox.split(separator: " ").compactMap { Double($0) }
        #expect(size.count == 4 && size[3] == 600 && size[2] - 200 < 600 && size[2] - 200 > 400, "viewBox \(viewBox)")
    }

    @Test func mapWithoutBoundariesDrawsCentroidDots() throws {
        let svg = DrillReport.coverageMapSVG(result, boundaries: [])
        // Every kelurahan of the five kecamatan, grey without data.
        let dots = try drillReportElements("circle", in: svg)
        #expect(dots.count == 37)
        #expect(dots.first { $0["data-kode"] == "12.75.05.1001" }?["fill"] == "#d73027")
        #expect(dots.first { $0["data-kode"] == "12.75.01.1004" }?["fill"] == "#cfcfcf")
        #expect(dots.filter { $0["fill"] == "#cfcfcf" }.count == 27)
        // North is up: Bhakti Karya (lat 3.5527) is the lowest dot, Jati Utomo (3.6616) the highest.
        let cy = dots.compactMap { d in d["cy"].flatMap(Double.init).map { (d["data-kode"] ?? "", $0) } }.sorted { $0.1 > $1.1 }
        #expect(cy.first?.0 == "12.75.05.1003" && cy.last?.0 == "12.75.01.1007")
        #expect(try drillReportElements("path", in: svg).filter { $0["data-kode"] != nil }.isEmpty)
    }

    @Test func colourScaleBoundaries() {
        #expect(DrillReport.coverageColor(0.95) == "#1a9850")
        #expect(DrillReport.coverageColor(0.9499) == "#a6d96a")
        #expect(DrillReport.coverageColor(0.8) == "#a6d96a")
        #expect(DrillReport.coverageColor(0.5) == "#fdae61")
        #expect(DrillReport.coverageColor(0.4999) == "#d73027")
        #expect(DrillReport.coverageColor(nil) == "#cfcfcf")
        #expect(DrillReport.coverageColor(.nan) == "#cfcfcf")
    }

    @Test func htmlEscapesEveryText() throws {
        var r = result
        r.scenario = "Uji <script>alert(\"x\")</script> & 'kutip'"
        r.kecamatanNames["12.75.02"] = "Kota <b>"
        r.kelurahanNames["12.75.02.1001"] = "Berngam & \"Sekitarnya\""
        r.gaps.append("<img src=x onerror=alert(1)>")
        let html = DrillReport.html(r, boundaries: try drillReportBoundaries())
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("<h1>Uji &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;kutip&#39;</h1>"))
        #expect(html.contains(">Kota &lt;b&gt;</text>"))
        #expect(html.contains("<title>Berngam &amp; &quot;Sekitarnya&quot; (12.75.02.1001): cakupan terendah 42%, tergeser dari pos asal hingga 80%</title>"))
        #expect(html.contains("Listrik padam di Binjai Timur &lt;2 jam&gt; &amp; genset"))
    }

    @Test func emptyResultStillRenders() throws {
        let r = DrillResult(scenario: "Kosong", scenarioFile: "x.yaml", start: DrillReportFixture.start, end: DrillReportFixture.start, seed: 1)
        let html = DrillReport.html(r, boundaries: [])
        #expect(drillReportSVG(id: "coverage-timeline", in: html)?.contains("Tidak ada data cakupan") == true)
        #expect(drillReportSVG(id: "coverage-map", in: html)?.contains("Tidak ada data wilayah") == true)
        #expect(DrillReport.markdown(r).contains("_Skenario ini tidak menetapkan harapan._"))
        #expect(try DrillReport.decodeJSON(DrillReport.json(r)) == r)
    }

    // MARK: Determinism and JSON

    @Test func renderingIsByteIdentical() throws {
        let boundaries = try drillReportBoundaries()
        let scrambled = DrillReportFixture.result(scrambled: true)
        #expect(scrambled == result)
        #expect(DrillReport.markdown(result) == DrillReport.markdown(result))
        #expect(DrillReport.markdown(scrambled) == DrillReport.markdown(result))
        let html = DrillReport.html(result, boundaries: boundaries)
        #expect(Data(DrillReport.html(result, boundaries: boundaries).utf8) == Data(html.utf8))
        #expect(DrillReport.html(scrambled, boundaries: boundaries.reversed()) == html)
        #expect(DrillReport.json(result) == DrillReport.json(result))
        #expect(DrillReport.json(scrambled) == DrillReport.json(result))
    }

    @Test func jsonRoundTripsAndIsStable() throws {
        let data = DrillReport.json(result)
        #expect(try DrillReport.decodeJSON(data) == result)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.hasPrefix("{\n  \"coverage\" : ["))
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"scenarioFile\" : \"Playbooks/latihan/banjir-bingai.yaml\""))
        #expect(text.contains("\"start\" : \"2026-10-31T23:00:00Z\""))
        #expect(text.contains("\"end\" : \"2026-11-03T23:00:00Z\""))
        // A plain JSONDecoder with ISO-8601 dates reads it too.
        let plain = JSONDecoder()
        plain.dateDecodingStrategy = .iso8601
        #expect(try plain.decode(DrillResult.self, from: data) == result)
        // Sub-second times keep their milliseconds.
        var r = result
        r.end = r.end.addingTimeInterval(0.25)
        #expect(try DrillReport.decodeJSON(DrillReport.json(r)).end == r.end)
        #expect(DrillReport.parseISO8601("2026-11-01T06:00:00+07:00") == DrillReportFixture.start)
        #expect(DrillReport.parseISO8601("2026-11-01T06:00") == nil)
    }
}
