import Foundation

extension DrillReport {
    /// `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external
    /// resources) in Bahasa Indonesia: summary, expectations, gaps, strengths, the coverage
    /// timeline (`svg#coverage-timeline`), the coverage map (`svg#coverage-map`), message
    /// statistics and the timeline.
    public static func html(_ r: DrillResult, boundaries: [GeoBoundary], wilayah: WilayahTable = .binjai) -> String {
        typealias F = DrillReportFormat
        let e = F.html
        var h = DrillReportLines()
        h.add("<!DOCTYPE html>")
        h.open("<html lang=\"id\">")
        h.open("<head>")
        h.add("<meta charset=\"utf-8\">")
        h.add("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.add("<title>Laporan Latihan: \(e(r.scenario))</title>")
        h.add("<style>\n\(stylesheet)</style>")
        h.close("</head>")
        h.open("<body>")
        h.open("<main>")

        // Header and summary.
        h.open("<header>")
        h.add("<p class=\"eyebrow\">Laporan Latihan (LATIHAN — bukan keadaan darurat sebenarnya)</p>")
        h.add("<h1>\(e(r.scenario))</h1>")
        h.open("<div class=\"summary\">")
        h.open("<dl class=\"meta\">")
        h.add("<dt>Berkas skenario</dt><dd><code>\(e(r.scenarioFile))</code></dd>")
        h.add("<dt>Waktu latihan</dt><dd>\(e(F.wib(r.start))) – \(e(F.wib(r.end)))</dd>")
        h.add("<dt>Durasi</dt><dd>\(e(F.durationText(from: r.start, to: r.end)))</dd>")
        h.add("<dt>Seed</dt><dd>\(r.seed)</dd>")
        if let reason = r.stoppedEarly {
            h.add("<dt>Dihentikan lebih awal</dt><dd class=\"warn\">\(e(reason))</dd>")
        }
        h.close("</dl>")
        let passed = r.expectations.filter(\.passed).count
        h.open("<div class=\"score grade-\(e(gradeClass(r.grade)))\">")
        h.add("<div class=\"grade\">\(e(r.grade))</div>")
        h.add("<div><span class=\"nilai\">\(e(F.angka(r.score)))</span> <span class=\"of\">dari 100</span></div>")
        h.add("<div class=\"of\">\(passed) dari \(r.expectations.count) harapan terpenuhi</div>")
        h.close("</div>")
        h.close("</div>")
        h.close("</header>")

        // Expectations.
        h.open("<section id=\"harapan\">")
        h.add("<h2>Harapan</h2>")
        if r.expectations.isEmpty {
            h.add("<p class=\"empty\">Skenario ini tidak menetapkan harapan.</p>")
        } else {
            h.open("<table class=\"expectations\">")
            h.add("<thead><tr><th class=\"num\">No</th><th>Harapan</th><th>Hasil</th><th class=\"center\">Lulus</th><th class=\"num\">Skor</th></tr></thead>")
            h.open("<tbody>")
            for (i, x) in r.expectations.enumerated() {
                let mark = x.passed ? "<span class=\"pass\" title=\"lulus\">✔</span>" : "<span class=\"fail\" title=\"tidak lulus\">✘</span>"
                h.add("<tr class=\"\(x.passed ? "passed" : "failed")\"><td class=\"num\">\(i + 1)</td><td>\(e(x.description)) <code>\(e(x.kind))</code></td><td>\(e(x.actual))</td><td class=\"center\">\(mark)</td><td class=\"num\">\(e(F.angka(x.score)))</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }
        h.close("</section>")

        h.open("<div class=\"columns\">")
        list(&h, id: "celah", title: "Celah", items: r.gaps, itemClass: "gap", empty: "Tidak ada celah yang ditemukan.")
        list(&h, id: "baik", title: "Yang berjalan baik", items: r.strengths, itemClass: "strength", empty: "Tidak ada yang dicatat.")
        h.close("</div>")

        // Coverage timeline.
        h.open("<section id=\"cakupan\">")
        h.add("<h2>Cakupan layanan dari waktu ke waktu</h2>")
        h.add("<p class=\"note\">Bagian kebutuhan layanan posyandu yang terlayani per kecamatan, termasuk yang dilayani pos lain menurut rencana (garis putus-putus merah: ambang 80%). Area abu-abu: bagian kebutuhan yang tergeser dari pos asalnya (pos tutup, terganggu atau tidak melapor).</p>")
        h.open("<figure>")
        h.addBlock(coverageTimelineSVG(r, wilayah: wilayah))
        h.close("</figure>")
        h.close("</section>")

        // Coverage map and the same numbers as a table.
        h.open("<section id=\"peta\">")
        h.add("<h2>Peta cakupan terendah per kelurahan</h2>")
        h.add("<p class=\"note\">Warna: cakupan terendah yang dicapai kelurahan selama latihan (dari enam bidang layanan). Arahkan kursor ke kelurahan untuk melihat nilainya.</p>")
        h.open("<div class=\"map-row\">")
        h.open("<figure>")
        h.addBlock(coverageMapSVG(r, boundaries: boundaries, wilayah: wilayah))
        h.close("</figure>")
        let worst = worstSorted(r)
        if !worst.isEmpty {
            h.open("<table class=\"worst\">")
            h.add("<thead><tr><th>Kelurahan</th><th class=\"num\">Terendah</th><th class=\"num\">Tergeser tertinggi</th></tr></thead>")
            h.open("<tbody>")
            for (code, value) in worst {
                let name = F.kelurahanName(code, r, wilayah: wilayah)
                h.add("<tr><td><span class=\"swatch\" style=\"background:\(coverageColor(value))\"></span>\(e(name)) <span class=\"code\">\(e(code))</span></td><td class=\"num\">\(e(F.persen(value)))</td><td class=\"num\">\(e(F.persen(r.peakDisplaced[code] ?? 0)))</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }
        h.close("</div>")
        h.close("</section>")

        messages(&h, r, wilayah: wilayah)

        // Timeline.
        h.open("<section id=\"linimasa\">")
        h.add("<h2>Linimasa</h2>")
        if r.timeline.isEmpty {
            h.add("<p class=\"empty\">Linimasa kosong.</p>")
        } else {
            h.open("<table class=\"timeline\">")
            h.add("<thead><tr><th>Waktu</th><th>Jam (WIB)</th><th>Jenis</th><th>Kejadian</th></tr></thead>")
            h.open("<tbody>")
            for t in r.timeline {
                h.add("<tr><td class=\"mono\">\(e(F.offset(t.at, from: r.start)))</td><td class=\"nowrap\">\(e(F.wib(t.at)))</td><td><span class=\"kind kind-\(kindClass(t.kind))\">\(e(F.kindLabel(t.kind)))</span></td><td>\(e(t.text))</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }
        h.close("</section>")

        h.add("<footer>Dibuat oleh Posko dari <code>\(e(r.scenarioFile))</code> (seed \(r.seed)). Laporan ini hasil latihan, bukan keadaan darurat sebenarnya.</footer>")
        h.close("</main>")
        h.close("</body>")
        h.close("</html>")
        return h.text
    }

    private static func list(_ h: inout DrillReportLines, id: String, title: String, items: [String], itemClass: String, empty: String) {
        h.open("<section id=\"\(id)\">")
        h.add("<h2>\(DrillReportFormat.html(title))</h2>")
        if items.isEmpty {
            h.add("<p class=\"empty\">\(DrillReportFormat.html(empty))</p>")
        } else {
            h.open("<ul class=\"\(itemClass)\">")
            for item in items { h.add("<li>\(DrillReportFormat.html(item))</li>") }
            h.close("</ul>")
        }
        h.close("</section>")
    }

    private static func messages(_ h: inout DrillReportLines, _ r: DrillResult, wilayah: WilayahTable) {
        typealias F = DrillReportFormat
        let e = F.html
        let m = r.messages
        h.open("<section id=\"pesan\">")
        h.add("<h2>Statistik pesan</h2>")

        h.open("<div class=\"cards\">")
        h.add("<div class=\"card\"><div class=\"big\">\(m.acknowledged)/\(m.needingAck)</div><div>konfirmasi diterima\(m.acknowledgedViaEscalation > 0 ? " (+\(m.acknowledgedViaEscalation) lewat eskalasi)" : "")</div></div>")
        h.add("<div class=\"card\"><div class=\"big\">\(m.escalations)</div><div>eskalasi</div></div>")
        if let slow = slowestLurah(r) {
            h.add("<div class=\"card\"><div class=\"big\">\(e(F.angka(slow.minutes))) menit</div><div>peringatan pertama terlama (\(e(F.recipientLabel(slow.key, r, wilayah: wilayah))))</div></div>")
        }
        h.close("</div>")
        h.add("<p>Konfirmasi diterima: \(e(ackText(m))). Eskalasi: \(m.escalations).</p>")

        h.add("<h3>Percobaan kirim per kanal</h3>")
        if m.attemptsByChannel.isEmpty {
            h.add("<p class=\"empty\">Tidak ada percobaan kirim.</p>")
        } else {
            let results = Set(m.attemptsByChannel.values.flatMap(\.keys)).sorted()
            h.open("<table class=\"channels\">")
            h.add("<thead><tr><th>Kanal</th>" + results.map { "<th class=\"num\">\(e(F.stateLabel($0)))</th>" }.joined() + "<th class=\"num\">Jumlah</th></tr></thead>")
            h.open("<tbody>")
            for channel in m.attemptsByChannel.keys.sorted() {
                let counts = m.attemptsByChannel[channel] ?? [:]
                let cells = results.map { "<td class=\"num\">\(counts[$0] ?? 0)</td>" }.joined()
                h.add("<tr><td><code>\(e(channel))</code></td>\(cells)<td class=\"num\">\(counts.values.reduce(0, +))</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }

        h.open("<div class=\"columns\">")
        h.open("<div>")
        h.add("<h3>Pesan menurut status akhir</h3>")
        if m.byState.isEmpty {
            h.add("<p class=\"empty\">Tidak ada pesan.</p>")
        } else {
            h.open("<table class=\"states\">")
            h.add("<thead><tr><th>Status</th><th class=\"num\">Jumlah</th></tr></thead>")
            h.open("<tbody>")
            for state in m.byState.keys.sorted() {
                h.add("<tr><td>\(e(F.stateLabel(state)))</td><td class=\"num\">\(m.byState[state] ?? 0)</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }
        h.close("</div>")
        h.open("<div>")
        h.add("<h3>Peringatan pertama per lurah</h3>")
        if m.firstAlertMinutes.isEmpty {
            h.add("<p class=\"empty\">Tidak ada peringatan yang sampai ke lurah.</p>")
        } else {
            h.open("<table class=\"first-alert\">")
            h.add("<thead><tr><th>Lurah</th><th class=\"num\">Menit sejak penetapan</th></tr></thead>")
            h.open("<tbody>")
            for key in m.firstAlertMinutes.keys.sorted() {
                h.add("<tr><td>\(e(F.recipientLabel(key, r, wilayah: wilayah)))</td><td class=\"num\">\(e(F.angka(m.firstAlertMinutes[key] ?? 0)))</td></tr>")
            }
            h.close("</tbody>")
            h.close("</table>")
        }
        h.close("</div>")
        h.close("</div>")
        h.close("</section>")
    }

    /// `A`…`E` as a CSS class suffix; anything else `x`.
    static func gradeClass(_ grade: String) -> String {
        ["A", "B", "C", "D", "E"].contains(grade) ? grade : "x"
    }

    /// A timeline kind as a CSS class suffix: lowercase ASCII letters, digits and `-` only.
    static func kindClass(_ kind: String) -> String {
        let s = String(kind.lowercased().unicodeScalars.map { c -> Character in
            (("a"..."z").contains(c) || ("0"..."9").contains(c)) ? Character(c) : "-"
        })
        return s.isEmpty ? "x" : s
    }

    static let stylesheet = """
    :root { color-scheme: light; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #eef1f4; color: var(--ink); font: 15px/1.5 "Liberation Sans", Arial, Helvetica, sans-serif; }
    main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 40px; background: #ffffff; }
    header { border-bottom: 3px solid #b2182b; padding-bottom: 12px; margin-bottom: 8px; }
    .eyebrow { margin: 0; color: #b2182b; font-weight: bold; letter-spacing: .04em; text-transform: uppercase; font-size: 12px; }
    h1 { margin: 4px 0 12px; font-size: 28px; line-height: 1.2; }
    h2 { margin: 28px 0 8px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
    h3 { margin: 18px 0 6px; font-size: 16px; }
    .summary { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
    dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
    dl.meta dt { color: var(--muted); }
    dl.meta dd { margin: 0; }
    .warn { color: #b2182b; font-weight: bold; }
    .score { min-width: 200px; text-align: center; border-radius: 8px; padding: 10px 18px; border: 2px solid; }
    .score .grade { font-size: 44px; font-weight: bold; line-height: 1; }
    .score .nilai { font-size: 22px; font-weight: bold; }
    .score .of { color: var(--muted); font-size: 13px; }
    .grade-A { border-color: #1a9850; background: #e8f5ec; } .grade-A .grade { color: #1a7f44; }
    .grade-B { border-color: #66bd63; background: #eef8e8; } .grade-B .grade { color: #3f8f3a; }
    .grade-C { border-color: #d9a400; background: #fdf6df; } .grade-C .grade { color: #9a7500; }
    .grade-D { border-color: #f46d43; background: #fdeee7; } .grade-D .grade { color: #c2451e; }
    .grade-E, .grade-x { border-color: #d73027; background: #fbe9e8; } .grade-E .grade, .grade-x .grade { color: #b2182b; }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 14px; }
    th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
    thead th { background: var(--soft); }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .center { text-align: center; }
    .mono { font-family: "Liberation Mono", "DejaVu Sans Mono", monospace; white-space: nowrap; }
    .nowrap { white-space: nowrap; }
    code, .code { font-family: "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); }
    tr.failed td { background: #fdf0ef; }
    .pass { color: #1a7f44; font-weight: bold; font-size: 18px; }
    .fail { color: #b2182b; font-weight: bold; font-size: 18px; }
    .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; }
    ul.gap li::marker { color: #b2182b; }
    ul.strength li::marker { color: #1a7f44; }
    .empty, .note { color: var(--muted); }
    figure { margin: 8px 0; }
    svg.chart, svg.map { display: block; max-width: 100%; height: auto; }
    .map-row { display: flex; gap: 20px; align-items: flex-start; }
    .map-row figure { flex: 1 1 auto; min-width: 0; }
    table.worst { width: auto; min-width: 220px; flex: 0 0 auto; }
    .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; border: 1px solid #999999; vertical-align: -1px; }
    .cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0; }
    .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; background: var(--soft); min-width: 150px; color: var(--muted); font-size: 13px; }
    .card .big { font-size: 22px; font-weight: bold; color: var(--ink); }
    .kind { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; background: #eaeef2; white-space: nowrap; }
    .kind-inject, .kind-declare { background: #ddf4ff; }
    .kind-alert { background: #fff1c2; }
    .kind-escalation, .kind-deadline { background: #ffe1dc; }
    .kind-outage { background: #f3d5d2; }
    .kind-ack { background: #dcf5e3; }
    .kind-plan { background: #ece2fb; }
    footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
    @media (max-width: 800px) { .columns, .map-row { display: block; } main { padding: 16px; } }
    @media print { body { background: #ffffff; } main { max-width: none; padding: 0; } section, figure, tr { break-inside: avoid; } }

    """
}

extension DrillReportLines {
    /// Adds pre-built lines (e.g. an SVG) at the current indentation.
    mutating func addBlock(_ block: String) {
        for line in block.split(separator: "\n", omittingEmptySubsequences: true) { add(String(line)) }
    }
}
