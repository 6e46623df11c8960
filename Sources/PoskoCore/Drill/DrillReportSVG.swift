import Foundation

extension DrillReport {
    /// Map fill for a kelurahan's worst coverage: ≥ 95% green, ≥ 80% yellow-green, ≥ 50% orange,
    /// below 50% red, no data (nil or not a number) grey.
    public static func coverageColor(_ coverage: Double?) -> String {
        guard let v = coverage, v.isFinite else { return MapStyle.noData }
        if v >= 0.95 { return MapStyle.good }
        if v >= 0.8 { return MapStyle.fair }
        if v >= 0.5 { return MapStyle.poor }
        return MapStyle.bad
    }

    enum MapStyle {
        static let good = "#1a9850"
        static let fair = "#a6d96a"
        static let poor = "#fdae61"
        static let bad = "#d73027"
        static let noData = "#cfcfcf"
    }

    /// Fill of the displaced-demand area in the coverage timeline.
    static let displacedColor = "#d9d9d9"

    /// Line colours for the kecamatan series, in code order (Okabe–Ito, then Tableau).
    static let seriesColors = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"]

    // MARK: - Coverage timeline

    /// Inline SVG (`id="coverage-timeline"`): one step line per kecamatan (coverage 0–100% on y,
    /// drill time on x with hour ticks), the overall coverage, a dashed 80% line, and a legend.
    public static func coverageTimelineSVG(_ r: DrillResult, wilayah: WilayahTable = .binjai) -> String {
        typealias F = DrillReportFormat
        let width = 960.0
        let left = 64.0, right = width - 24, top = 20.0, bottom = 280.0
        let samples = F.sortedCoverage(r)
        let codes = F.kecamatanCodes(r)

        // Time domain: the drill window, widened to every sample.
        let startMs = CivilTime.epochMilliseconds(r.start)
        var endMs = max(CivilTime.epochMilliseconds(r.end), samples.last.map { CivilTime.epochMilliseconds($0.at) } ?? startMs)
        if endMs <= startMs { endMs = startMs + 3_600_000 }
        let span = Double(endMs - startMs)
        func x(_ date: Date) -> Double {
            let t = Double(CivilTime.epochMilliseconds(date) - startMs)
            return left + max(0, min(1, t / span)) * (right - left)
        }
        func y(_ v: Double) -> Double { bottom - max(0, min(1, v.isFinite ? v : 0)) * (bottom - top) }

        // Legend layout (rows of entries under the axis title).
        struct Entry { var label: String; var color: String; var dash: String?; var strokeWidth: Double }
        var entries = codes.enumerated().map { i, code in
            Entry(label: F.kecamatanName(code, r, wilayah: wilayah), color: seriesColors[i % seriesColors.count], dash: nil, strokeWidth: 2.5)
        }
        if !samples.isEmpty { entries.append(Entry(label: "Keseluruhan", color: "#333333", dash: "2 3", strokeWidth: 2)) }
        if samples.contains(where: { $0.overallDisplaced > 0 }) {
            entries.append(Entry(label: "Tergeser dari pos asal (keseluruhan)", color: displacedColor, dash: nil, strokeWidth: 8))
        }
        entries.append(Entry(label: "Ambang 80%", color: "#b2182b", dash: "8 5", strokeWidth: 1.5))
        var legendItems: [(x: Double, row: Int, entry: Entry)] = []
        var cx = left, row = 0
        for e in entries {
            let w = 30 + Double(e.label.count) * 6.2 + 14
            if cx + w > right, cx > left { cx = left; row += 1 }
            legendItems.append((cx, row, e))
            cx += w
        }
        let legendTop = bottom + 70
        let height = legendTop + Double(row + 1) * 22 + 6

        var s = DrillReportLines()
        s.open("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"coverage-timeline\" class=\"chart\" viewBox=\"0 0 \(F.coord(width)) \(F.coord(height))\" width=\"\(F.coord(width))\" height=\"\(F.coord(height))\" role=\"img\" aria-labelledby=\"coverage-timeline-title\" font-family=\"Liberation Sans, Arial, Helvetica, sans-serif\" font-size=\"12\">")
        s.add("<title id=\"coverage-timeline-title\">Cakupan layanan per kecamatan selama latihan (0–100%)</title>")
        s.add("<rect x=\"0\" y=\"0\" width=\"\(F.coord(width))\" height=\"\(F.coord(height))\" fill=\"#ffffff\"/>")

        // Y grid and labels.
        s.open("<g class=\"y-axis\" fill=\"#555555\" text-anchor=\"end\">")
        for pct in stride(from: 0, through: 100, by: 20) {
            let yy = F.coord(y(Double(pct) / 100))
            s.add("<line x1=\"\(F.coord(left))\" y1=\"\(yy)\" x2=\"\(F.coord(right))\" y2=\"\(yy)\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>")
            s.add("<text x=\"\(F.coord(left - 8))\" y=\"\(F.coord(y(Double(pct) / 100) + 4))\">\(pct)%</text>")
        }
        s.add("<text x=\"16\" y=\"\(F.coord((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(F.coord((top + bottom) / 2)))\">Cakupan</text>")
        s.close("</g>")

        // X ticks: a small tick every hour, a label (offset and WIB clock) every `step` hours.
        let hours = span / 3_600_000
        let plotWidth = right - left
        let pxPerHour = plotWidth / hours
        let steps = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720]
        let step = steps.first { Double($0) * pxPerHour >= 64 } ?? max(1, Int((64 / pxPerHour).rounded(.up)))
        s.open("<g class=\"x-axis\" fill=\"#555555\" text-anchor=\"middle\">")
        s.add("<line x1=\"\(F.coord(left))\" y1=\"\(F.coord(bottom))\" x2=\"\(F.coord(right))\" y2=\"\(F.coord(bottom))\" stroke=\"#555555\" stroke-width=\"1\"/>")
        let lastHour = Int(hours.rounded(.down))
        if pxPerHour >= 4, lastHour <= 5000 {
            var minor = ""
            for h in 0...lastHour {
                let xx = F.coord(left + Double(h) * pxPerHour)
                minor += "M\(xx),\(F.coord(bottom))v4"
            }
            s.add("<path class=\"hour-ticks\" d=\"\(minor)\" stroke=\"#777777\" stroke-width=\"1\" fill=\"none\"/>")
        }
        for h in stride(from: 0, through: lastHour, by: step) {
            let xx = left + Double(h) * pxPerHour
            let at = Date(timeIntervalSince1970: Double(startMs) / 1000 + Double(h) * 3600)
            if h > 0 {
                s.add("<line x1=\"\(F.coord(xx))\" y1=\"\(F.coord(top))\" x2=\"\(F.coord(xx))\" y2=\"\(F.coord(bottom))\" stroke=\"#efefef\" stroke-width=\"1\"/>")
            }
            s.add("<line x1=\"\(F.coord(xx))\" y1=\"\(F.coord(bottom))\" x2=\"\(F.coord(xx))\" y2=\"\(F.coord(bottom + 7))\" stroke=\"#555555\" stroke-width=\"1\"/>")
            s.add("<text x=\"\(F.coord(xx))\" y=\"\(F.coord(bottom + 20))\">+\(F.pad2(h)):00</text>")
            let clock = F.wibClock(at) == "00.00" || h == 0 ? "\(F.wibDay(at)) \(F.wibClock(at))" : F.wibClock(at)
            s.add("<text x=\"\(F.coord(xx))\" y=\"\(F.coord(bottom + 34))\" font-size=\"10\" fill=\"#888888\">\(F.html(clock))</text>")
        }
        s.add("<text x=\"\(F.coord((left + right) / 2))\" y=\"\(F.coord(bottom + 54))\">Waktu latihan (jam sejak mulai \(F.html(F.wib(r.start))); baris bawah: jam WIB</text>")
        s.close("</g>")

        // The 80% threshold.
        let y80 = F.coord(y(0.8))
        s.add("<line class=\"threshold\" x1=\"\(F.coord(left))\" y1=\"\(y80)\" x2=\"\(F.coord(right))\" y2=\"\(y80)\" stroke=\"#b2182b\" stroke-width=\"1.5\" stroke-dasharray=\"8 5\"><title>Ambang cakupan 80%</title></line>")

        if samples.isEmpty {
            s.add("<text x=\"\(F.coord((left + right) / 2))\" y=\"\(F.coord((top + bottom) / 2))\" text-anchor=\"middle\" fill=\"#888888\" font-size=\"16\">Tidak ada data cakupan</text>")
        } else {
            // Displaced demand under the lines: how hard the scenario hit, as a step area from 0.
            if samples.contains(where: { $0.overallDisplaced > 0 }) {
                var d = "M\(F.coord(x(samples[0].at))),\(F.coord(y(0)))"
                var lastY = ""
                for sample in samples {
                    // Each sample holds until the next one.
                    let yy = F.coord(y(sample.overallDisplaced))
                    d += "H\(F.coord(x(sample.at)))"
                    if yy != lastY { d += "V\(yy)" }
                    lastY = yy
                }
                d += "V\(F.coord(y(0)))Z"
                s.add("<path class=\"displaced\" d=\"\(d)\" fill=\"\(displacedColor)\" stroke=\"none\"><title>Kebutuhan layanan tergeser dari pos asal (keseluruhan)</title></path>")
            }
            s.open("<g class=\"series\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">")
            let overall = samples.map { (x($0.at), y($0.overall)) }
            s.add(polyline(overall, attributes: "class=\"overall\" stroke=\"#333333\" stroke-width=\"2\" stroke-dasharray=\"2 3\"", title: "Keseluruhan"))
            for (i, code) in codes.enumerated() {
                let points = samples.compactMap { sample in sample.kecamatan[code].map { (x(sample.at), y($0)) } }
                let color = seriesColors[i % seriesColors.count]
                let name = F.kecamatanName(code, r, wilayah: wilayah)
                s.add(polyline(points, attributes: "class=\"kecamatan\" data-kecamatan=\"\(F.html(code))\" stroke=\"\(color)\" stroke-width=\"2.5\" stroke-opacity=\"0.9\"", title: "\(name) (\(code))"))
            }
            s.close("</g>")
        }

        s.open("<g class=\"legend\" fill=\"#333333\">")
        for item in legendItems {
            let ly = legendTop + Double(item.row) * 22
            let dash = item.entry.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            s.add("<line x1=\"\(F.coord(item.x))\" y1=\"\(F.coord(ly))\" x2=\"\(F.coord(item.x + 24))\" y2=\"\(F.coord(ly))\" stroke=\"\(item.entry.color)\" stroke-width=\"\(F.coord(item.entry.strokeWidth))\"\(dash)/>")
            s.add("<text x=\"\(F.coord(item.x + 30))\" y=\"\(F.coord(ly + 4))\">\(F.html(item.entry.label))</text>")
        }
        s.close("</g>")
        s.close("</svg>")
        return s.text
    }

    /// A step line ("value holds until the next sample") through points already in SVG units,
    /// with horizontal runs reduced to their ends. One point becomes a short dash.
    private static func polyline(_ points: [(Double, Double)], attributes: String, title: String) -> String {
        typealias F = DrillReportFormat
        var stepped: [(String, String)] = []
        for (i, p) in points.enumerated() {
            let px = F.coord(p.0), py = F.coord(p.1)
            if i > 0, let prev = stepped.last, prev.1 != py { stepped.append((px, prev.1)) }
            stepped.append((px, py))
        }
        if stepped.count == 1, let only = stepped.first {
            stepped.append((F.coord((Double(only.0) ?? 0) + 3), only.1))
        }
        var kept: [(String, String)] = []
        for (i, p) in stepped.enumerated() {
            if let last = kept.last, last == p { continue }
            let isRunMiddle = i > 0 && i + 1 < stepped.count && stepped[i - 1].1 == p.1 && stepped[i + 1].1 == p.1
            if !isRunMiddle { kept.append(p) }
        }
        let pts = kept.map { "\($0.0),\($0.1)" }.joined(separator: " ")
        return "<polyline \(attributes) points=\"\(pts)\"><title>\(F.html(title))</title></polyline>"
    }

    // MARK: - Coverage map

    /// Inline SVG (`id="coverage-map"`): kelurahan polygons (equirectangular, cos(lat)-scaled,
    /// fitted to the view box) filled by worst coverage, with a `<title>` each and a legend.
    /// Without boundaries, each kelurahan is a dot at its centroid from `wilayah`.
    public static func coverageMapSVG(_ r: DrillResult, boundaries: [GeoBoundary], wilayah: WilayahTable = .binjai) -> String {
        typealias F = DrillReportFormat
        struct Shape { var kode: String; var name: String; var polygons: [GeoPolygon]; var label: Coordinate? }
        var shapes: [Shape] = []
        var dots: [Shape] = []
        var drawn = Set<String>()
        for b in boundaries.sorted(by: { $0.kode < $1.kode }) where !b.polygons.isEmpty && !drawn.contains(b.kode) {
            drawn.insert(b.kode)
            // Label at the table's centroid, else at the centroid of the biggest polygon.
            func extent(_ p: GeoPolygon) -> Double { (p.bounds.maxLat - p.bounds.minLat) * (p.bounds.maxLon - p.bounds.minLon) }
            let label = wilayah[b.kode]?.centroid ?? b.polygons.max { extent($0) < extent($1) }.map { ringCentroid($0.outer) }
            shapes.append(Shape(kode: b.kode, name: F.kelurahanName(b.kode, r, wilayah: wilayah, fallback: b.nama), polygons: b.polygons, label: label))
        }
        // Kelurahan without a boundary: a dot at the centroid. With no boundaries at all, every
        // kelurahan of the drill's kecamatan gets one, so the dots with data have context.
        var dotCodes = Set(r.worstCoverage.keys)
        if boundaries.isEmpty {
            dotCodes.formUnion(r.kelurahanNames.keys)
            let kecamatan = Set(r.kecamatanNames.keys).union(F.kecamatanCodes(r))
            for k in kecamatan.sorted() { dotCodes.formUnion(wilayah.kelurahan(in: k).map(\.code)) }
        }
        for code in dotCodes.sorted() where !drawn.contains(code) {
            guard let c = wilayah[code]?.centroid else { continue }
            dots.append(Shape(kode: code, name: F.kelurahanName(code, r, wilayah: wilayah), polygons: [], label: c))
        }

        // Projection: x = lon·cos(lat₀), y = −lat, fitted into the map area.
        var all: [Coordinate] = shapes.flatMap { $0.polygons.flatMap(\.outer.points) }
        all += dots.compactMap(\.label)
        let maxMapWidth = 560.0, maxMapHeight = 600.0, margin = 16.0, legendWidth = 200.0
        let box = BoundingBox(points: all) ?? BoundingBox(minLat: 3.55, minLon: 98.44, maxLat: 3.67, maxLon: 98.54)
        let k = cos((box.minLat + box.maxLat) / 2 * .pi / 180)
        var dx = (box.maxLon - box.minLon) * k, dy = box.maxLat - box.minLat
        let pad = dots.isEmpty ? 0 : 0.004
        dx = max(dx + 2 * pad * k, 0.01)
        dy = max(dy + 2 * pad, 0.01)
        let scale = min((maxMapWidth - 2 * margin) / dx, (maxMapHeight - 2 * margin) / dy)
        // The map area takes the shape of the region (Binjai is taller than wide), at least
        // 240 units wide so the legend never crowds it.
        let mapWidth = max(240, dx * scale + 2 * margin)
        let mapHeight = dy * scale + 2 * margin
        let offsetX = margin + ((mapWidth - 2 * margin) - dx * scale) / 2
        let midLon = (box.minLon + box.maxLon) / 2, midLat = (box.minLat + box.maxLat) / 2
        func project(_ c: Coordinate) -> (Double, Double) {
            (offsetX + (dx / 2 + (c.lon - midLon) * k) * scale, margin + (dy / 2 - (c.lat - midLat)) * scale)
        }
        let legendHeight = 302.0
        let width = mapWidth + legendWidth
        let height = max(mapHeight, legendHeight)

        func tooltip(_ shape: Shape) -> String {
            let value = r.worstCoverage[shape.kode]
            let text = value.map { $0.isFinite ? "cakupan terendah \(F.persen($0))" : "tidak ada data" } ?? "tidak ada data"
            let hit = r.peakDisplaced[shape.kode].map { ", tergeser dari pos asal hingga \(F.persen($0))" } ?? ""
            return "\(shape.name) (\(shape.kode)): \(text)\(hit)"
        }

        var s = DrillReportLines()
        s.open("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"coverage-map\" class=\"map\" viewBox=\"0 0 \(F.coord(width)) \(F.coord(height))\" width=\"\(F.coord(width))\" height=\"\(F.coord(height))\" role=\"img\" aria-labelledby=\"coverage-map-title\" font-family=\"Liberation Sans, Arial, Helvetica, sans-serif\" font-size=\"12\">")
        s.add("<title id=\"coverage-map-title\">Cakupan terendah per kelurahan selama latihan</title>")
        s.add("<rect x=\"0\" y=\"0\" width=\"\(F.coord(width))\" height=\"\(F.coord(height))\" fill=\"#ffffff\"/>")
        if shapes.isEmpty && dots.isEmpty {
            s.add("<text x=\"\(F.coord(mapWidth / 2))\" y=\"\(F.coord(height / 2))\" text-anchor=\"middle\" fill=\"#888888\" font-size=\"16\">Tidak ada data wilayah</text>")
        }
        if !shapes.isEmpty {
            s.open("<g class=\"kelurahan\" stroke=\"#ffffff\" stroke-width=\"1\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">")
            var hit: [String] = []
            for shape in shapes {
                var d = ""
                for polygon in shape.polygons {
                    for ring in [polygon.outer] + polygon.holes {
                        d += ringPath(ring.points.map(project))
                    }
                }
                guard !d.isEmpty else { continue }
                let fill = coverageColor(r.worstCoverage[shape.kode])
                s.add("<path data-kode=\"\(F.html(shape.kode))\" fill=\"\(fill)\" d=\"\(d)\"><title>\(F.html(tooltip(shape)))</title></path>")
                if r.peakDisplaced[shape.kode] != nil { hit.append(d) }
            }
            s.close("</g>")
            // The kelurahan the scenario hit (demand displaced from their own posts), outlined on top.
            if !hit.isEmpty {
                s.open("<g class=\"terdampak\" fill=\"none\" stroke=\"#222222\" stroke-width=\"2.5\" stroke-linejoin=\"round\" pointer-events=\"none\">")
                for d in hit { s.add("<path d=\"\(d)\"/>") }
                s.close("</g>")
            }
        }
        if !dots.isEmpty {
            s.open("<g class=\"kelurahan-titik\" stroke=\"#555555\" stroke-width=\"1\">")
            for dot in dots {
                guard let c = dot.label else { continue }
                let (px, py) = project(c)
                let fill = coverageColor(r.worstCoverage[dot.kode])
                let outline = r.peakDisplaced[dot.kode] != nil ? " stroke=\"#222222\" stroke-width=\"2.5\"" : ""
                s.add("<circle data-kode=\"\(F.html(dot.kode))\" cx=\"\(F.coord(px))\" cy=\"\(F.coord(py))\" r=\"8\" fill=\"\(fill)\"\(outline)><title>\(F.html(tooltip(dot)))</title></circle>")
            }
            s.close("</g>")
        }

        // Labels for the kelurahan that fell below 80%, lowest last so it is on top.
        let labelled = (shapes + dots).filter { shape in
            guard let v = r.worstCoverage[shape.kode], v.isFinite else { return false }
            return v < 0.8 && shape.label != nil
        }.sorted { a, b in
            let va = r.worstCoverage[a.kode] ?? 0, vb = r.worstCoverage[b.kode] ?? 0
            return va != vb ? va > vb : a.kode < b.kode
        }
        if !labelled.isEmpty {
            s.open("<g class=\"label\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"bold\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">")
            for shape in labelled {
                guard let c = shape.label, let v = r.worstCoverage[shape.kode] else { continue }
                let (px, py) = project(c)
                // On a polygon the label sits on the centroid; above a dot it clears the dot.
                let dyText = shapes.contains(where: { $0.kode == shape.kode }) ? 0.0 : -24
                s.add("<text x=\"\(F.coord(px))\" y=\"\(F.coord(py + dyText))\">\(F.html(shape.name))<tspan x=\"\(F.coord(px))\" dy=\"12\" font-weight=\"normal\">\(F.html(F.persen(v)))</tspan></text>")
            }
            s.close("</g>")
        }

        // Legend, north arrow and scale bar.
        let lx = mapWidth + 8
        s.open("<g class=\"legend\" fill=\"#333333\">")
        s.add("<text x=\"\(F.coord(lx))\" y=\"32\" font-weight=\"bold\">Cakupan terendah</text>")
        let classes: [(String, String)] = [
            (MapStyle.good, "≥ 95%"), (MapStyle.fair, "80% – < 95%"), (MapStyle.poor, "50% – < 80%"),
            (MapStyle.bad, "< 50%"), (MapStyle.noData, "Tidak ada data"),
        ]
        for (i, (color, label)) in classes.enumerated() {
            let ly = 48 + Double(i) * 26
            s.add("<rect x=\"\(F.coord(lx))\" y=\"\(F.coord(ly))\" width=\"22\" height=\"16\" fill=\"\(color)\" stroke=\"#999999\" stroke-width=\"0.5\"/>")
            s.add("<text x=\"\(F.coord(lx + 30))\" y=\"\(F.coord(ly + 12))\">\(F.html(label))</text>")
        }
        let ly = 48 + Double(classes.count) * 26
        s.add("<rect x=\"\(F.coord(lx + 1))\" y=\"\(F.coord(ly + 1))\" width=\"20\" height=\"14\" fill=\"#ffffff\" stroke=\"#222222\" stroke-width=\"2.5\"/>")
        s.add("<text x=\"\(F.coord(lx + 30))\" y=\"\(F.coord(ly + 12))\">Terdampak (tergeser)</text>")
        let ay = 212.0
        s.add("<path d=\"M\(F.coord(lx + 11)),\(F.coord(ay))l-8,22h16z\" fill=\"#333333\"/>")
        s.add("<text x=\"\(F.coord(lx + 11))\" y=\"\(F.coord(ay + 36))\" text-anchor=\"middle\" font-weight=\"bold\">U</text>")
        let pxPerKm = scale / Geo.kilometresPerDegreeLatitude
        let km = [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500].first { $0 * pxPerKm >= 50 } ?? 1000
        let barLength = km * pxPerKm
        if barLength.isFinite, barLength <= legendWidth - 24 {
            let by = 280.0
            s.add("<path d=\"M\(F.coord(lx)),\(F.coord(by - 5))v5h\(F.coord(barLength))v-5\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.5\"/>")
            s.add("<text x=\"\(F.coord(lx + barLength / 2))\" y=\"\(F.coord(by + 16))\" text-anchor=\"middle\">\(F.angka(km, maxDecimals: 2)) km</text>")
        }
        s.close("</g>")
        s.close("</svg>")
        return s.text
    }

    /// "M x,y L x,y … Z" for one ring, consecutive duplicates (after rounding) dropped; empty when
    /// fewer than three distinct points remain.
    private static func ringPath(_ points: [(Double, Double)]) -> String {
        var pts: [String] = []
        for p in points {
            let t = DrillReportFormat.coord(p.0) + "," + DrillReportFormat.coord(p.1)
            if pts.last != t { pts.append(t) }
        }
        if pts.count > 1, pts.first == pts.last { pts.removeLast() }
        guard pts.count >= 3, let first = pts.first else { return "" }
        return "M" + first + "L" + pts.dropFirst().joined(separator: " ") + "Z"
    }

    /// Area centroid of a ring (vertex mean when the area is zero).
    static func ringCentroid(_ ring: GeoRing) -> Coordinate {
        var a = 0.0, cx = 0.0, cy = 0.0
        let p = ring.points
        for i in 0..<(p.count - 1) {
            let cross = p[i].lon * p[i + 1].lat - p[i + 1].lon * p[i].lat
            a += cross
            cx += (p[i].lon + p[i + 1].lon) * cross
            cy += (p[i].lat + p[i + 1].lat) * cross
        }
        if abs(a) < 1e-15 {
            let n = Double(max(1, p.count))
            return Coordinate(lat: p.reduce(0) { $0 + $1.lat } / n, lon: p.reduce(0) { $0 + $1.lon } / n)
        }
        return Coordinate(lat: cy / (3 * a), lon: cx / (3 * a))
    }
}

/// Builds indented SVG/HTML text.
struct DrillReportLines {
    private(set) var text = ""
    private var depth = 0

    init(depth: Int = 0) { self.depth = depth }

    mutating func add(_ line: String) {
        text += String(repeating: "  ", count: depth) + line + "\n"
    }

    mutating func open(_ line: String) {
        add(line)
        depth += 1
    }

    mutating func close(_ line: String) {
        depth = max(0, depth - 1)
        add(line)
    }
}
