import Foundation

/// Indonesian SMS texts: short, the facts first, what to do last.
public enum AlertText {
    static func areaNames(_ areas: [String], _ set: PlaybookSet) -> String {
        let names = areas.map { code -> String in
            guard let u = set.wilayah[code] else { return code }
            return (u.level == .kecamatan ? "Kec. " : "Kel. ") + u.name
        }
        return names.count > 4 ? names.prefix(4).joined(separator: ", ") + " +\(names.count - 4)" : names.joined(separator: ", ")
    }

    static func declared(_ e: Emergency, _ set: PlaybookSet) -> String {
        "[POSKO] Darurat \(e.hazard.label.uppercased()) (\(e.status.label)) di \(areaNames(e.areas, set)). Cek layanan posyandu; lapor: LAPOR <pos> <bidang|SEMUA> <BUKA|TERGANGGU|TUTUP>."
    }

    static func changed(_ e: Emergency, previous: Emergency, _ set: PlaybookSet) -> String {
        var parts: [String] = []
        if e.status != previous.status { parts.append("status \(previous.status.label) -> \(e.status.label)") }
        if e.areas != previous.areas { parts.append("wilayah kini \(areaNames(e.areas, set))") }
        if parts.isEmpty { parts.append("catatan diperbarui") }
        return "[POSKO] Darurat \(e.hazard.label.uppercased()) \(e.id): \(parts.joined(separator: "; "))."
    }

    static func ended(_ e: Emergency) -> String {
        "[POSKO] Darurat \(e.hazard.label.uppercased()) \(e.id) selesai. Layanan posyandu kembali ke pos masing-masing."
    }

    static func postStatus(_ post: Post, _ reports: [StatusReport], _ set: PlaybookSet) -> String {
        let fields = reports.count == post.layanan.count && reports.count > 1 ? "semua layanan" : reports.map(\.bidang.label).joined(separator: ", ")
        let word: String = switch reports.first?.status {
        case .tutup: "TUTUP"
        case .terganggu: "TERGANGGU"
        case .berjalan: "BUKA kembali"
        default: "TIDAK DIKETAHUI"
        }
        var text = "[POSKO] \(post.nama) (Kel. \(set.wilayah[post.kelurahan]?.name ?? post.kelurahan)) \(word): \(fields)."
        if let note = reports.first?.note { text += " Catatan: \(note.prefix(60))." }
        return text
    }

    static func missed(_ posts: [Post], kelurahan: String) -> String {
        "[POSKO] Belum ada laporan dari \(posts.map(\.nama).prefix(3).joined(separator: ", "))\(posts.count > 3 ? " +\(posts.count - 3)" : "") (Kel. \(kelurahan)). Status dianggap TIDAK DIKETAHUI; mohon cek."
    }

    public static func km(_ value: Double) -> String {
        String(format: "%.1f", value).replacingOccurrences(of: ".", with: ",") + " km"
    }

    static func cadreAssigned(_ cadre: Cadre, _ post: Post, _ bidang: Bidang, _ distance: Double) -> String {
        "[POSKO] \(cadre.nama): bertugas di \(post.nama) (\(post.id)) untuk \(bidang.label), \(km(distance)). Balas HADIR \(post.id) atau TIDAK HADIR."
    }

    static func cadreReleased(_ cadre: Cadre, _ post: Post) -> String {
        "[POSKO] \(cadre.nama): tugas di \(post.nama) selesai. Kembali ke pos asal. Terima kasih."
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

    static func escalation(originalRecipient: String, step: Int, text: String) -> String {
        "[POSKO] ESKALASI \(step): peringatan untuk \(originalRecipient) belum dikonfirmasi. \(text.replacingOccurrences(of: "LATIHAN ", with: "").replacingOccurrences(of: "[POSKO] ", with: ""))"
    }
}
