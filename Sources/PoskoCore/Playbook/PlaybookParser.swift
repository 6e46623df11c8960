import Foundation

/// Reads one playbook file into a `Playbook`, reporting every shape problem (unknown keys,
/// wrong types, missing fields, bad codes, numbers, durations) with its location.
/// Checks that need the whole set (ids, references, cycles) are in `PlaybookValidator`.
public enum PlaybookParser {
    public static let defaultCheckIn = 6 * 3600

    public static func parse(_ data: Data, file: String, wilayah: WilayahTable) -> (Playbook?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        var result: Playbook?
        reader.withDocument(data) { reader, root in
            result = read(root, reader: &reader, wilayah: wilayah)
        }
        return (result, reader.diagnostics)
    }

    private static func read(_ root: YAMLNode, reader r: inout YAMLReader, wilayah: WilayahTable) -> Playbook? {
        guard let top = r.mapping(root, "the playbook", required: ["kecamatan", "nama", "pos"],
                                  optional: ["versi", "kontak", "kader", "eskalasi", "catatan"]) else { return nil }
        var kecamatan = ""
        // An unusable kecamatan code is reported once; kelurahan are then not checked against it.
        if let node = top["kecamatan"], let code = r.string(node, "kecamatan") {
            if let unit = wilayah[code] {
                if unit.level != .kecamatan {
                    r.error(node, "code '\(code)' is a \(unit.level.rawValue), not a kecamatan")
                } else {
                    kecamatan = code
                }
            } else {
                r.error(node, "kecamatan code '\(code)' is not in the wilayah table")
            }
        }
        let nama = top["nama"].flatMap { r.string($0, "nama") } ?? ""
        let versi = top["versi"].flatMap { r.string($0, "versi") }

        var kontak: [Contact] = []
        if let node = top["kontak"], let items = r.list(node, "kontak") {
            for item in items where !r.isSaturated {
                if let c = contact(item, reader: &r, kecamatan: kecamatan, wilayah: wilayah) { kontak.append(c) }
            }
        }
        var pos: [Post] = []
        if let node = top["pos"], let items = r.list(node, "pos") {
            // The playbook keeps these arrays: sized once, not grown by doubling (province
            // scale: ~8 MB of slack over 20,000 posts and 60,000 cadres).
            pos.reserveCapacity(items.count)
            for item in items where !r.isSaturated {
                if let p = post(item, reader: &r, kecamatan: kecamatan, wilayah: wilayah) { pos.append(p) }
            }
        }
        var kader: [Cadre] = []
        if let node = top["kader"], let items = r.list(node, "kader") {
            kader.reserveCapacity(items.count)
            for item in items where !r.isSaturated {
                if let c = cadre(item, reader: &r) { kader.append(c) }
            }
        }
        var eskalasi: [EscalationStep] = []
        if let node = top["eskalasi"], let items = r.list(node, "eskalasi") {
            var previous = 0
            for item in items where !r.isSaturated {
                guard let f = r.mapping(item, "an eskalasi step", required: ["setelah", "ke"]) else { continue }
                let after = f["setelah"].flatMap { r.duration($0, "setelah") }
                let role = f["ke"].flatMap { r.enumValue($0, "contact role", ContactRole.self) }
                if let after, after <= previous {
                    r.error(item, "eskalasi steps must be in increasing time order (\(DurationText.format(after)) after \(DurationText.format(previous)))")
                }
                if let after, let role {
                    if !kontak.contains(where: { $0.peran == role }) {
                        r.error(item, "eskalasi names role '\(role.rawValue)' but kontak has no such contact")
                    }
                    eskalasi.append(EscalationStep(setelah: after, ke: role))
                    previous = after
                }
            }
        }
        return Playbook(file: r.file, kecamatan: kecamatan, nama: nama, versi: versi,
                        kontak: kontak, pos: pos, kader: kader, eskalasi: eskalasi)
    }

    private static func contact(_ node: YAMLNode, reader r: inout YAMLReader, kecamatan: String, wilayah: WilayahTable) -> Contact? {
        guard let f = r.mapping(node, "a kontak entry", required: ["peran"],
                                optional: ["nama", "kelurahan", "telepon", "webhook"]) else { return nil }
        let role = f["peran"].flatMap { r.enumValue($0, "contact role", ContactRole.self) }
        let kelurahan = f["kelurahan"].flatMap { kelurahanCode($0, reader: &r, kecamatan: kecamatan, wilayah: wilayah) }
        let telepon = f["telepon"].flatMap { phone($0, reader: &r) }
        let webhook = f["webhook"].flatMap { r.string($0, "webhook") }
        if f["telepon"] == nil && f["webhook"] == nil {
            r.error(node, "a kontak entry needs 'telepon' or 'webhook'")
        }
        if role == .lurah && f["kelurahan"] == nil {
            r.error(node, "a lurah contact needs 'kelurahan'")
        }
        guard let role else { return nil }
        return Contact(peran: role, nama: f["nama"].flatMap { r.string($0, "nama") }, kelurahan: kelurahan,
                       telepon: telepon, webhook: webhook, location: r.location(node))
    }

    private static func post(_ node: YAMLNode, reader r: inout YAMLReader, kecamatan: String, wilayah: WilayahTable) -> Post? {
        guard let f = r.mapping(node, "a pos entry", required: ["id", "nama", "kelurahan", "lokasi", "layanan"],
                                optional: ["rawan", "cadangan", "lapor_setiap", "catatan"]) else { return nil }
        let id = f["id"].flatMap { identifier($0, reader: &r, "post id") }
        let context = "post '\(id ?? "?")'"
        let nama = f["nama"].flatMap { r.string($0, "nama") }
        let kelurahan = f["kelurahan"].flatMap { kelurahanCode($0, reader: &r, kecamatan: kecamatan, wilayah: wilayah) }
        var lokasi: Coordinate?
        if let node = f["lokasi"], let lf = r.mapping(node, "lokasi of \(context)", required: ["lat", "lon"]) {
            let lat = lf["lat"].flatMap { r.double($0, "lat", range: -90...90) }
            let lon = lf["lon"].flatMap { r.double($0, "lon", range: -180...180) }
            if let lat, let lon { lokasi = Coordinate(lat: lat, lon: lon) }
        }
        var rawan: [Hazard] = []
        if let node = f["rawan"], let items = r.list(node, "rawan of \(context)") {
            for item in items {
                if let h = r.enumValue(item, "hazard", Hazard.self) {
                    if rawan.contains(h) { r.error(item, "hazard '\(h.rawValue)' listed twice in \(context)") } else { rawan.append(h) }
                }
            }
        }
        var layanan: [Bidang: ServiceLoad] = [:]
        if let node = f["layanan"], let lf = r.mapping(node, "layanan of \(context)", optional: Bidang.allCases.map(\.rawValue)) {
            for bidang in Bidang.allCases {
                guard let v = lf[bidang.rawValue] else { continue }
                let ctx = "layanan.\(bidang.rawValue) of \(context)"
                guard let sf = r.mapping(v, ctx, required: ["kapasitas", "sasaran"]) else { continue }
                let kap = sf["kapasitas"].flatMap { r.int($0, "kapasitas") }
                let sas = sf["sasaran"].flatMap { r.int($0, "sasaran") }
                if let kap, let sas { layanan[bidang] = ServiceLoad(kapasitas: kap, sasaran: sas) }
            }
            if layanan.isEmpty && lf.isEmpty { r.error(node, "\(context) serves no SPM field (layanan is empty)") }
        }
        var cadangan: [String] = [], cadanganAt: [SourceLocation] = []
        if let node = f["cadangan"], let items = r.list(node, "cadangan of \(context)") {
            for item in items {
                guard let ref = identifier(item, reader: &r, "fallback post id") else { continue }
                if cadangan.contains(ref) {
                    r.error(item, "fallback '\(ref)' listed twice in \(context)")
                } else {
                    cadangan.append(ref)
                    cadanganAt.append(r.location(item))
                }
            }
        }
        let lapor = f["lapor_setiap"].map { r.duration($0, "lapor_setiap") } ?? defaultCheckIn
        // A post with other errors is still returned, so that references to it resolve and
        // the whole-set checks report everything in one run; the set is not built anyway.
        guard let id else { return nil }
        return Post(id: id, nama: nama ?? id, kelurahan: kelurahan ?? "", kecamatan: kecamatan,
                    lokasi: lokasi ?? Coordinate(lat: 0, lon: 0), rawan: rawan, layanan: layanan, cadangan: cadangan, cadanganAt: cadanganAt,
                    laporSetiap: lapor ?? defaultCheckIn, location: r.location(node))
    }

    private static func cadre(_ node: YAMLNode, reader r: inout YAMLReader) -> Cadre? {
        guard let f = r.mapping(node, "a kader entry", required: ["id", "nama", "telepon", "pos", "keahlian"],
                                optional: ["jangkauan_km"]) else { return nil }
        let id = f["id"].flatMap { identifier($0, reader: &r, "cadre id") }
        let nama = f["nama"].flatMap { r.string($0, "nama") }
        let telepon = f["telepon"].flatMap { phone($0, reader: &r) }
        let pos = f["pos"].flatMap { identifier($0, reader: &r, "home post id") }
        var keahlian: [Bidang] = []
        if let node = f["keahlian"], let items = r.list(node, "keahlian") {
            for item in items {
                if let b = r.enumValue(item, "SPM field", Bidang.self), !keahlian.contains(b) { keahlian.append(b) }
            }
            if items.isEmpty { r.error(node, "cadre '\(id ?? "?")' has no keahlian") }
        }
        let range = f["jangkauan_km"].map { r.double($0, "jangkauan_km", range: 0...200) } ?? 3
        guard let id else { return nil }
        return Cadre(id: id, nama: nama ?? id, telepon: telepon ?? "", pos: pos ?? "", keahlian: keahlian,
                     jangkauanKm: range ?? 3, location: r.location(node))
    }

    private static func identifier(_ node: YAMLNode, reader r: inout YAMLReader, _ context: String) -> String? {
        guard let text = r.string(node, context) else { return nil }
        // ASCII letters, digits, '-' and '_' (for ASCII, `CharacterSet.alphanumerics` is letters and digits).
        let allowed = text.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
        guard allowed, text.utf8.count <= 64 else {
            r.error(node, "\(context) '\(text.prefix(64))' may only contain letters, digits, '-' and '_' (at most 64)")
            return nil
        }
        return text.lowercased()
    }

    private static func phone(_ node: YAMLNode, reader r: inout YAMLReader) -> String? {
        guard let text = r.string(node, "telepon") else { return nil }
        guard let e164 = PhoneNumber.normalize(text) else {
            r.error(node, "phone number '\(text)' is not an Indonesian mobile number (expected 08…, 628… or +628…)")
            return nil
        }
        return e164
    }

    private static func kelurahanCode(_ node: YAMLNode, reader r: inout YAMLReader, kecamatan: String, wilayah: WilayahTable) -> String? {
        guard let code = r.string(node, "kelurahan") else { return nil }
        guard let unit = wilayah[code], unit.level == .kelurahan || unit.level == .desa else {
            r.error(node, "kelurahan code '\(code)' is not in the wilayah table")
            return nil
        }
        if !kecamatan.isEmpty, unit.parent != kecamatan {
            r.error(node, "kelurahan \(code) (\(unit.name)) is not in kecamatan \(wilayah.label(kecamatan))")
            return nil
        }
        return code
    }
}
