import Foundation

/// A generated, province-scale set of playbooks (sample data, no real people or posts):
/// 30 kabupaten/kota × 15 kecamatan = 450 kecamatan, 5,400 kelurahan, 20,000 posts that all
/// serve the six SPM fields, about 60,000 cadres. Deterministic for a seed.
///
/// Geography: lat 1.4–3.8, lon 97.9–100.0 (about 62,000 km², the size of Sumatera Utara's
/// land area); kelurahan are cells of a 72 × 75 grid (about 3.7 × 3.1 km), posts are spread
/// inside their cell, so a 5 km neighbourhood holds some 25 posts and a 3 km one about 9.
/// Rivers run west to east; posts in kelurahan along a river are mostly `rawan: [banjir]`.
/// Fallbacks (`cadangan`) point to nearby posts that do not share all the post's hazards and
/// are lower in a fixed order, so there are no cycles.
///
/// Codes are `12.KK.CC.1NNN` with KK 01–30 (Binjai's 12.75 is not used), names are made up
/// and marked "(contoh)". The output passes `posko validate --wilayah wilayah.csv DIR`.
struct ProvinceGenerator {
    struct Options {
        var seed: UInt64 = 20_260_301
        var posts = 20_000
        var kotaRows = 6, kotaColumns = 5
        var kecamatanRows = 3, kecamatanColumns = 5      // per kota
        var kelurahanRows = 4, kelurahanColumns = 3      // per kecamatan
        var minLat = 1.4, maxLat = 3.8, minLon = 97.9, maxLon = 100.0
        var rivers = 22
        var riverCorridorKm = 2.6
    }

    struct GeneratedPost {
        var id: String
        var nama: String
        var kelurahan: String
        var kecamatan: String
        var kota: String
        var lat: Double
        var lon: Double
        var rawan: [String]
        /// (field, kapasitas, sasaran) for the six fields.
        var layanan: [(String, Int, Int)]
        var cadangan: [String]
        var laporSetiapHours: Int
    }

    struct GeneratedCadre {
        var id: String
        var nama: String
        var telepon: String
        var pos: String
        var keahlian: [String]
        var jangkauanKm: Double
    }

    struct Kelurahan {
        var code: String
        var name: String
        var kecamatan: String
        var lat: Double
        var lon: Double
    }

    struct Kecamatan {
        var code: String
        var name: String
        var kota: String
        var lat: Double
        var lon: Double
        var kelurahan: [Int] = []
        var posts: [Int] = []
    }

    static let fields = ["pendidikan", "kesehatan", "pekerjaan_umum", "perumahan_rakyat", "trantibumlinmas", "sosial"]

    var options: Options
    private(set) var kota: [(code: String, name: String, lat: Double, lon: Double)] = []
    private(set) var kecamatan: [Kecamatan] = []
    private(set) var kelurahan: [Kelurahan] = []
    private(set) var posts: [GeneratedPost] = []
    private(set) var cadres: [GeneratedCadre] = []
    /// Cadres per post index.
    private(set) var cadresOfPost: [[Int]] = []

    init(options: Options = Options()) {
        self.options = options
        generate()
    }

    /// SplitMix64.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
    }

    static let prefixes = ["Suka", "Sei", "Tanjung", "Pematang", "Kampung", "Sido", "Bandar", "Pasar", "Lubuk", "Batang",
                           "Huta", "Aek", "Bukit", "Padang", "Simpang", "Teluk", "Kuala", "Percut", "Tebing", "Sumber"]
    static let suffixes = ["Maju", "Jaya", "Makmur", "Rejo", "Sari", "Baru", "Indah", "Mulia", "Raya", "Damai",
                           "Tinggi", "Rahayu", "Karya", "Lestari", "Sentosa", "Mekar", "Harapan", "Tani", "Asri", "Permai"]
    static let flowers = ["Melati", "Mawar", "Anggrek", "Kenanga", "Dahlia", "Seroja", "Cempaka", "Teratai", "Flamboyan", "Kamboja"]
    static let given = ["Siti", "Nur", "Rina", "Dewi", "Sri", "Ani", "Lina", "Yanti", "Rahma", "Fitri", "Butet", "Intan",
                        "Ratna", "Wati", "Tiur", "Sari", "Maya", "Eva", "Lisna", "Rosma"]
    static let family = ["Lubis", "Nasution", "Siregar", "Harahap", "Sinaga", "Simanjuntak", "Tarigan", "Ginting", "Sembiring",
                         "Purba", "Hasibuan", "Batubara", "Pohan", "Daulay", "Rangkuti", "Situmorang", "Manurung", "Panjaitan"]

    private mutating func generate() {
        var rng = Random(state: options.seed)
        let o = options
        let kelRows = o.kotaRows * o.kecamatanRows * o.kelurahanRows
        let kelCols = o.kotaColumns * o.kecamatanColumns * o.kelurahanColumns
        let dLat = (o.maxLat - o.minLat) / Double(kelRows)
        let dLon = (o.maxLon - o.minLon) / Double(kelCols)

        // Rivers: random walks from the western hills to the east coast.
        var rivers: [[(lat: Double, lon: Double)]] = []
        for r in 0..<o.rivers {
            var lat = o.minLat + (Double(r) + 0.2 + 0.6 * rng.unit()) * (o.maxLat - o.minLat) / Double(o.rivers)
            var lon = o.minLon
            var line: [(lat: Double, lon: Double)] = [(lat, lon)]
            while lon < o.maxLon {
                lon += 0.04
                lat += (rng.unit() - 0.5) * 0.05
                lat = min(max(lat, o.minLat), o.maxLat)
                line.append((lat, lon))
            }
            rivers.append(line)
        }
        func nearRiver(_ lat: Double, _ lon: Double) -> Bool {
            let kx = 111.195 * cos(lat * .pi / 180), ky = 111.195
            for line in rivers {
                for i in 1..<line.count {
                    let a = line[i - 1], b = line[i]
                    if lon < a.lon - 0.05 || lon > b.lon + 0.05 { continue }
                    let ax = (a.lon - lon) * kx, ay = (a.lat - lat) * ky
                    let bx = (b.lon - lon) * kx, by = (b.lat - lat) * ky
                    let dx = bx - ax, dy = by - ay
                    let t = max(0, min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
                    let px = ax + t * dx, py = ay + t * dy
                    if px * px + py * py <= o.riverCorridorKm * o.riverCorridorKm { return true }
                }
            }
            return false
        }

        // Wilayah.
        var kecIndex: [String: Int] = [:]
        for kr in 0..<o.kotaRows {
            for kc in 0..<o.kotaColumns {
                let k = kr * o.kotaColumns + kc + 1
                let code = String(format: "12.%02d", k)
                let name = (k % 4 == 0 ? "Kota " : "Kabupaten ") + "\(Self.prefixes[k % 20]) \(Self.suffixes[(k * 7) % 20]) (contoh)"
                let lat = o.minLat + (Double(kr) + 0.5) * Double(o.kecamatanRows * o.kelurahanRows) * dLat
                let lon = o.minLon + (Double(kc) + 0.5) * Double(o.kecamatanColumns * o.kelurahanColumns) * dLon
                kota.append((code, name, lat, lon))
                for er in 0..<o.kecamatanRows {
                    for ec in 0..<o.kecamatanColumns {
                        let e = er * o.kecamatanColumns + ec + 1
                        let kcode = String(format: "%@.%02d", code, e)
                        let n = kecamatan.count
                        let row0 = (kr * o.kecamatanRows + er) * o.kelurahanRows
                        let col0 = (kc * o.kecamatanColumns + ec) * o.kelurahanColumns
                        var kec = Kecamatan(
                            code: kcode, name: "\(Self.prefixes[(n * 3) % 20]) \(Self.suffixes[(n * 11 + 3) % 20])",
                            kota: code,
                            lat: o.minLat + (Double(row0) + Double(o.kelurahanRows) / 2) * dLat,
                            lon: o.minLon + (Double(col0) + Double(o.kelurahanColumns) / 2) * dLon)
                        for lr in 0..<o.kelurahanRows {
                            for lc in 0..<o.kelurahanColumns {
                                let l = lr * o.kelurahanColumns + lc + 1
                                let m = kelurahan.count
                                kec.kelurahan.append(m)
                                kelurahan.append(Kelurahan(
                                    code: String(format: "%@.1%03d", kcode, l),
                                    name: "\(Self.prefixes[(m * 7 + l) % 20]) \(Self.suffixes[(m * 13 + 5) % 20])",
                                    kecamatan: kcode,
                                    lat: o.minLat + (Double(row0 + lr) + 0.5) * dLat,
                                    lon: o.minLon + (Double(col0 + lc) + 0.5) * dLon))
                            }
                        }
                        kecIndex[kcode] = n
                        kecamatan.append(kec)
                    }
                }
            }
        }

        // Posts per kelurahan: 3 each, one more for a seeded choice of kelurahan.
        var perKel = [Int](repeating: o.posts / kelurahan.count, count: kelurahan.count)
        var order = Array(kelurahan.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(0...i)) }
        var extra = o.posts - perKel.reduce(0, +)
        var cursor = 0
        while extra > 0 {
            perKel[order[cursor % order.count]] += 1
            cursor += 1
            extra -= 1
        }
        let riverside = kelurahan.map { nearRiver($0.lat, $0.lon) }
        for (m, kel) in kelurahan.enumerated() {
            for j in 0..<perKel[m] {
                let lat = kel.lat + (rng.unit() - 0.5) * dLat * 0.9
                let lon = kel.lon + (rng.unit() - 0.5) * dLon * 0.9
                var rawan: [String] = []
                if rng.unit() < (riverside[m] ? 0.8 : 0.06) { rawan.append("banjir") }
                if lon < o.minLon + 0.45 && rng.unit() < 0.3 { rawan.append("tanah_longsor") }
                if rng.unit() < 0.08 { rawan.append("angin_kencang") }
                var layanan: [(String, Int, Int)] = []
                for f in Self.fields {
                    let sasaran = rng.int(20...90)
                    let kapasitas = Int((Double(sasaran) * (1.15 + 0.75 * rng.unit())).rounded())
                    layanan.append((f, kapasitas, sasaran))
                }
                let kelNo = kel.code.suffix(3)
                let kecParts = kel.kecamatan.split(separator: ".")
                let id = "pos-\(kecParts[1])\(kecParts[2])-\(kelNo)-\(j + 1)"
                posts.append(GeneratedPost(
                    id: id, nama: "Posyandu \(Self.flowers[(m + j * 3) % 10]) \(kel.name) \(j + 1) (contoh)",
                    kelurahan: kel.code, kecamatan: kel.kecamatan, kota: String(kel.kecamatan.prefix(5)), lat: lat, lon: lon,
                    rawan: rawan.sorted(), layanan: layanan, cadangan: [], laporSetiapHours: rawan.isEmpty ? 12 : 6))
                if let k = kecIndex[kel.kecamatan] { kecamatan[k].posts.append(posts.count - 1) }
            }
        }

        // Fallbacks: up to two nearest posts within 4 km, earlier in the order (fewer hazards,
        // then lower index) and not exposed to every hazard of the post.
        var grid: [Int: [Int]] = [:]
        func cell(_ lat: Double, _ lon: Double) -> (Int, Int) { (Int((lat - o.minLat) / dLat), Int((lon - o.minLon) / dLon)) }
        for (i, p) in posts.enumerated() {
            let (r, c) = cell(p.lat, p.lon)
            grid[r * 10_000 + c, default: []].append(i)
        }
        for i in posts.indices {
            let p = posts[i]
            let (r, c) = cell(p.lat, p.lon)
            var near: [(Double, Int)] = []
            for rr in (r - 1)...(r + 1) {
                for cc in (c - 1)...(c + 1) {
                    for j in grid[rr * 10_000 + cc] ?? [] where j != i {
                        let q = posts[j]
                        guard (q.rawan.count, j) < (p.rawan.count, i) else { continue }
                        if !p.rawan.isEmpty && Set(p.rawan).isSubset(of: Set(q.rawan)) { continue }
                        let km = Self.distanceKm(p.lat, p.lon, q.lat, q.lon)
                        if km <= 4 { near.append((km, j)) }
                    }
                }
            }
            near.sort { $0 < $1 }
            let want = p.rawan.isEmpty ? 1 : 2
            posts[i].cadangan = near.prefix(want).map { posts[$0.1].id }
        }

        // Cadres: 2–4 per post.
        cadresOfPost = [[Int]](repeating: [], count: posts.count)
        for (i, p) in posts.enumerated() {
            for _ in 0..<rng.int(2...4) {
                let n = cadres.count + 1
                let first = rng.int(0...5)
                var skills = [Self.fields[first]]
                if rng.unit() < 0.6 { skills.append(Self.fields[(first + rng.int(1...5)) % 6]) }
                cadresOfPost[i].append(cadres.count)
                cadres.append(GeneratedCadre(
                    id: String(format: "k-%06d", n),
                    nama: "\(Self.given[rng.int(0...19)]) \(Self.family[rng.int(0...17)]) (contoh)",
                    telepon: String(format: "0812-%04d-%04d", 1000 + n / 10_000, n % 10_000),
                    pos: p.id, keahlian: skills, jangkauanKm: Double(rng.int(4...12)) / 2))
            }
        }
    }

    static func distanceKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let r = 6371.0088
        let dLat = (lat2 - lat1) * .pi / 180, dLon = (lon2 - lon1) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * .pi / 180) * cos(lat2 * .pi / 180) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }

    // MARK: - Output

    /// `kode,nama,level,parent,lat,lon` rows for kabupaten/kota, kecamatan and kelurahan.
    func wilayahCSV() -> String {
        var out = "kode,nama,level,parent,lat,lon\n"
        func coord(_ v: Double) -> String { String(format: "%.6f", v) }
        for k in kota {
            let level = k.name.hasPrefix("Kota ") ? "kota" : "kabupaten"
            out += "\(k.code),\(k.name),\(level),12,\(coord(k.lat)),\(coord(k.lon))\n"
        }
        for e in kecamatan { out += "\(e.code),\(e.name),kecamatan,\(e.kota),\(coord(e.lat)),\(coord(e.lon))\n" }
        for l in kelurahan { out += "\(l.code),\(l.name),kelurahan,\(l.kecamatan),\(coord(l.lat)),\(coord(l.lon))\n" }
        return out
    }

    /// One playbook YAML file per kecamatan: (file name, text).
    func playbookFiles() -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = []
        files.reserveCapacity(kecamatan.count)
        for (n, e) in kecamatan.enumerated() {
            var y = "# Rencana kontinjensi posyandu -- Kecamatan \(e.name) (contoh).\n"
            y += "# DATA CONTOH yang dibangkitkan (Benchmarks/province): wilayah, pos, kader dan nomor telepon tidak nyata.\n"
            y += "kecamatan: \"\(e.code)\"\nnama: \(e.name)\nversi: \"2026-03\"\nkontak:\n"
            y += String(format: "  - { peran: camat, nama: \"Camat %@ (contoh)\", telepon: \"0811-%04d-%04d\" }\n", e.name, 1000 + n / 10_000, n % 10_000)
            for m in e.kelurahan {
                let l = kelurahan[m]
                y += String(format: "  - { peran: lurah, kelurahan: \"%@\", nama: \"Lurah %@ (contoh)\", telepon: \"0813-%04d-%04d\" }\n",
                            l.code, l.name, 1000 + m / 10_000, m % 10_000)
            }
            y += "  - { peran: bpbd, nama: BPBD Provinsi (contoh), webhook: bpbd-provinsi }\npos:\n"
            for i in e.posts {
                let p = posts[i]
                y += "  - id: \(p.id)\n    nama: \"\(p.nama)\"\n    kelurahan: \"\(p.kelurahan)\"\n"
                y += String(format: "    lokasi: { lat: %.6f, lon: %.6f }\n", p.lat, p.lon)
                if !p.rawan.isEmpty { y += "    rawan: [\(p.rawan.joined(separator: ", "))]\n" }
                y += "    layanan:\n"
                for (f, kap, sas) in p.layanan { y += "      \(f): { kapasitas: \(kap), sasaran: \(sas) }\n" }
                if !p.cadangan.isEmpty { y += "    cadangan: [\(p.cadangan.joined(separator: ", "))]\n" }
                y += "    lapor_setiap: \(p.laporSetiapHours)h\n"
            }
            y += "kader:\n"
            for i in e.posts {
                for c in cadresOfPost[i] {
                    let k = cadres[c]
                    let km = k.jangkauanKm == k.jangkauanKm.rounded() ? String(Int(k.jangkauanKm)) : String(k.jangkauanKm)
                    y += "  - { id: \(k.id), nama: \"\(k.nama)\", telepon: \"\(k.telepon)\", pos: \(k.pos), keahlian: [\(k.keahlian.joined(separator: ", "))], jangkauan_km: \(km) }\n"
                }
            }
            y += "eskalasi:\n  - { setelah: 30m, ke: camat }\n  - { setelah: 2h, ke: bpbd }\n"
            files.append((String(format: "%@-%@.yaml", e.code, e.name.lowercased().replacingOccurrences(of: " ", with: "-")), y))
        }
        return files
    }

    /// Kabupaten/kota codes with the most `banjir` posts first, and those posts, until
    /// `fraction` of all posts are covered: the benchmark's flood emergency closes them.
    func floodScenario(fraction: Double) -> (areas: [String], closed: [String]) {
        let target = Int((Double(posts.count) * fraction).rounded())
        var byKota: [String: [Int]] = [:]
        for (i, p) in posts.enumerated() where p.rawan.contains("banjir") { byKota[p.kota, default: []].append(i) }
        let ranked = byKota.keys.sorted { (byKota[$0]?.count ?? 0, $1) > (byKota[$1]?.count ?? 0, $0) }
        var areas: [String] = []
        var closed: [String] = []
        for k in ranked where closed.count < target {
            areas.append(k)
            for i in byKota[k] ?? [] where closed.count < target { closed.append(posts[i].id) }
        }
        return (areas.sorted(), closed)
    }
}
