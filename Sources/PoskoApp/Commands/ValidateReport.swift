import Foundation
import PoskoCore

/// Output of `posko validate`: human lines, JSON, or the `--explain` summary.
public enum ValidateReport {
    public static func human(_ diagnostics: [Diagnostic], set: PlaybookSet?) -> String {
        var lines = diagnostics.map(\.description)
        let e = diagnostics.errors.count, w = diagnostics.warnings.count
        if let set, e == 0 {
            lines.append("valid: \(set.playbooks.count) playbooks, \(set.posts.count) posts, \(set.cadres.count) cadres (\(w) warnings)")
        } else {
            lines.append("invalid: \(e) errors, \(w) warnings")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ diagnostics: [Diagnostic], set: PlaybookSet?) -> String {
        struct Out: Encodable {
            var valid: Bool
            var playbooks: Int
            var posts: Int
            var cadres: Int
            var errors: [Diagnostic]
            var warnings: [Diagnostic]
        }
        let out = Out(valid: set != nil, playbooks: set?.playbooks.count ?? 0, posts: set?.posts.count ?? 0,
                      cadres: set?.cadres.count ?? 0, errors: diagnostics.errors, warnings: diagnostics.warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(out), as: UTF8.self)) ?? "{}"
    }

    /// A per-kecamatan summary: posts per SPM field, cadres, and coverage gaps.
    public static func explain(_ set: PlaybookSet, diagnostics: [Diagnostic]) -> String {
        var out: [String] = []
        let header = ["kecamatan", "kelurahan", "pos"] + Bidang.allCases.map { String($0.rawValue.prefix(10)) } + ["kader", "rawan banjir"]
        var rows: [[String]] = []
        for pb in set.playbooks {
            let kel = set.wilayah.kelurahan(in: pb.kecamatan).count
            var row = ["\(pb.kecamatan) \(pb.nama)", "\(kel)", "\(pb.pos.count)"]
            for b in Bidang.allCases { row.append("\(pb.pos.filter { $0.layanan[b] != nil }.count)") }
            row.append("\(pb.kader.count)")
            row.append("\(pb.pos.filter { $0.rawan.contains(.banjir) }.count)")
            rows.append(row)
        }
        out.append(TextTable.render(header: header, rows: rows))
        let gaps = diagnostics.warnings
        out.append("")
        out.append(gaps.isEmpty ? "coverage gaps: none" : "coverage gaps:\n" + gaps.map { "  " + $0.message }.joined(separator: "\n"))
        return out.joined(separator: "\n")
    }
}

/// Plain aligned columns for terminal output.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
