import Foundation

/// Indonesian SMS texts: short, the facts first, what to do last.
public enum AlertText {
    static func areaNames(_ areas: [String], _ set: PlaybookSet, shown: Int = 4) -> String {
        let names = areas.map { code -> String in
            guard let u = set.wilayah[code] else { return code }
            return (u.level == .kecamatan ? "Kec. " : "Kel. ") + u.name
        }
        return listed(names, shown: shown)
    }

    /// The first `shown` items, then how many more: "a, b, c +2".
    static func listed(_ items: [String], shown: Int) -> String {
        items.prefix(shown).joined(separator: ", ") + (items.count > shown ? " +\(items.count - shown)" : "")
    }

    /// A drill's declaration does not ask for reports: a LAPOR is about a real post, and would
    /// change the real plan. It names as many areas as one SMS holds with its reply code (and a
    /// drill's LATIHAN), up to four, then how many more.
    static func declared(_ e: Emergency, _ set: PlaybookSet) -> String {
        let ask = e.exercise ? "Ini latihan: jangan kirim LAPOR." : "Cek posyandu, lapor: LAPOR <pos> SEMUA/<bidang> BUKA/TERGANGGU/TUTUP."
        func text(naming shown: Int) -> String {
            "[POSKO] Darurat \(e.hazard.label.uppercased()) (\(e.status.label)) di \(areaNames(e.areas, set, shown: shown)). \(ask)"
        }
        var shown = min(4, e.areas.count)
        while shown > 1, SMSText((e.exercise ? "LATIHAN " : "") + text(naming: shown) + " Balas OK ABCD").segmentCount > 1 { shown -= 1 }
        return text(naming: shown)
    }

    static func changed(_ e: Emergency, previous: Emergency, _ set: PlaybookSet) -> String {
        var parts: [String] = []
        if e.status != previous.status { parts.append("status \(previous.status.label) -> \(e.status.label)") }
        if e.areas != previous.areas { parts.append("wilayah kini \(areaNames(e.areas, set))") }
        if let note = e.note, note != previous.note {
            parts.append("catatan: " + (note.count > 100 ? note.prefix(99) + "…" : note).trimmingCharacters(in: CharacterSet(charactersIn: ". ")))
        }
        return "[POSKO] Darurat \(e.hazard.label.uppercased()) \(e.id): \(parts.joined(separator: "; "))."
    }

    /// Services go home only where the posts are open again: a post still reported closed keeps
    /// its services where the plan moved them until it reports BUKA.
    static func ended(_ e: Emergency, stillDown: [String]) -> String {
        let head = "[POSKO] Darurat \(e.hazard.label.uppercased()) \(e.id) selesai."
        guard !stillDown.isEmpty else { return head + " Layanan posyandu kembali ke pos masing-masing." }
        return head + " Pos masih tutup/terganggu: \(listed(stillDown, shown: 3)); layanannya tetap di pos pengganti sampai pos melapor BUKA."
    }

    static func postStatus(_ post: Post, _ reports: [StatusReport], _ set: PlaybookSet) -> String {
        let fields = reports.count == post.layanan.count && reports.count > 1 ? "semua layanan" : reports.map(\.bidang.label).joined(separator: ", ")
        let word: String = switch reports.first?.status {
        case .tutup: "TUTUP"
        case .terganggu: "TERGANGGU"
        case .berjalan: "BUKA kembali"
        default: "TIDAK DIKETAHUI"
        }
        // The post's id too: the lurah can answer with `LAPOR <id> …`.
        var text = "[POSKO] \(post.nama) (\(post.id), Kel. \(set.wilayah[post.kelurahan]?.name ?? post.kelurahan)) \(word): \(fields)."
        if let note = reports.first?.note { text += " Catatan: \(note.prefix(60))." }
        return text
    }

    /// A groupable alert merged into the one still waiting for the same recipient: a later line
    /// about the same post replaces the earlier one (the lurah reads each post's latest state),
    /// and past `limit` characters (three SMS) the oldest lines give way to a count of them, so
    /// the newest reports are never the ones cut off.
    public static func merged(_ waiting: String, _ adding: String, limit: Int = 459) -> String {
        // "[POSKO] ", or "LATIHAN [POSKO] " for an exercise: once, at the start.
        let prefix = waiting.hasPrefix("LATIHAN [POSKO] ") ? "LATIHAN [POSKO] " : "[POSKO] "
        func body(_ text: String) -> String {
            for p in ["LATIHAN [POSKO] ", "[POSKO] "] where text.hasPrefix(p) { return String(text.dropFirst(p.count)) }
            return text
        }
        var lines = body(waiting).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var dropped = 0
        if let first = lines.first, let n = earlierCount(first) {
            dropped = n
            lines.removeFirst()
        }
        let line = body(adding)
        if let key = postKey(line) { lines.removeAll { postKey($0) == key } }
        lines.append(line)
        func text() -> String { prefix + (dropped > 0 ? "(+\(dropped) pesan sebelumnya)\n" : "") + lines.joined(separator: "\n") }
        while text().count > limit, lines.count > 1 {
            lines.removeFirst()
            dropped += 1
        }
        return text()
    }

    /// "(+3 pesan sebelumnya)" → 3.
    private static func earlierCount(_ line: String) -> Int? {
        guard line.hasPrefix("(+"), line.hasSuffix(" pesan sebelumnya)") else { return nil }
        return Int(line.dropFirst(2).prefix { $0.isNumber })
    }

    /// A status line's post: its text up to the end of "(<id>, Kel. …)".
    private static func postKey(_ line: String) -> Substring? {
        guard let kel = line.range(of: ", Kel. "), let close = line[kel.upperBound...].firstIndex(of: ")") else { return nil }
        return line[..<close]
    }

    static func missed(_ posts: [Post], kelurahan: String) -> String {
        "[POSKO] Belum ada laporan dari \(listed(posts.map { "\($0.nama) (\($0.id))" }, shown: 3)) (Kel. \(kelurahan)). Status dianggap TIDAK DIKETAHUI; mohon cek."
    }

    public static func km(_ value: Double) -> String {
        String(format: "%.1f", value).replacingOccurrences(of: ".", with: ",") + " km"
    }

    static func cadreAssigned(_ cadre: Cadre, _ post: Post, _ bidang: Bidang, _ distance: Double) -> String {
        "[POSKO] \(cadre.nama): bertugas di \(post.nama) (\(post.id)) untuk \(bidang.label), \(km(distance)). Balas HADIR \(post.id) atau TIDAK HADIR."
    }

    static func cadreReleased(_ cadre: Cadre, _ post: Post, why: CadreRelease) -> String {
        switch why {
        case .homeOpen: "[POSKO] \(cadre.nama): tugas di \(post.nama) selesai. Kembali ke pos asal. Terima kasih."
        case let .homeDown(home):
            "[POSKO] \(cadre.nama): tugas di \(post.nama) selesai. Pos asal \(home.id) masih tutup; tunggu penugasan berikutnya. Terima kasih."
        case .unavailable: "[POSKO] \(cadre.nama): tugas di \(post.nama) dibatalkan karena Anda TIDAK HADIR. Terima kasih."
        }
    }

    /// E.g. "Cakupan layanan di bawah 80%: Kel. Setia pendidikan 40%, kesehatan 0%; Kel. Berngam sosial 55%."
    static func coverageLow(_ cells: [CoverageCell], threshold: Double) -> String {
        var parts: [String] = []
        var kelurahan = ""
        for c in cells {
            let value = "\(c.bidang.label) \(Int((c.coverage * 100).rounded(.down)))%"
            if c.kelurahan == kelurahan { parts[parts.count - 1] += ", " + value } else { parts.append("Kel. \(c.nama) " + value) }
            kelurahan = c.kelurahan
        }
        return "[POSKO] Cakupan layanan di bawah \(Int((threshold * 100).rounded()))%: \(parts.joined(separator: "; ")). Mohon tindak lanjut."
    }

    /// Names up to four recipients, then how many more; fewer names when four would take the
    /// SMS (with its reply code and a drill's `LATIHAN`) past two parts. The alert's own text
    /// is what the camat must read, so names give way first.
    static func escalation(originalRecipients: [String], step: Int, text: String) -> String {
        let alert = text.replacingOccurrences(of: "LATIHAN ", with: "").replacingOccurrences(of: "[POSKO] ", with: "")
        func compose(naming shown: Int) -> String {
            let more = originalRecipients.count > shown ? " dan \(originalRecipients.count - shown) lainnya" : ""
            return "[POSKO] ESKALASI \(step): peringatan untuk \(originalRecipients.prefix(shown).joined(separator: ", "))\(more) belum dikonfirmasi. "
                + alert
        }
        let reserved = "LATIHAN " + " Balas OK ABCD"
        var shown = min(4, originalRecipients.count)
        while shown > 1, SMSText(reserved + compose(naming: shown)).segmentCount > 2 { shown -= 1 }
        return compose(naming: shown)
    }
}
