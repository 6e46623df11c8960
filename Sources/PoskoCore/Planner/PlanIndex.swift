import Foundation

/// One target a displaced post × field may go to.
public struct PlanCandidate: Sendable, Equatable, Codable {
    public var postID: String
    public var distanceKm: Double
    /// 1-based position in the source post's `cadangan` list; nil when not listed.
    public var fallbackRank: Int?

    public init(postID: String, distanceKm: Double, fallbackRank: Int?) {
        self.postID = postID
        self.distanceKm = distanceKm
        self.fallbackRank = fallbackRank
    }
}

/// Everything the planner needs from a ``PlaybookSet`` in index form, built once per set
/// (pure; the caller caches it next to the set and rebuilds it on reload).
///
/// Posts are numbered in the order ``ContinuityEvaluator/evaluate(_:state:now:exercise:)``
/// lists them (playbooks by kecamatan, posts in file order) and every post × field it serves
/// is a *slot*, numbered in the same order, so states map to slots without hashing. Each post
/// has a neighbour list: the posts within ``radiusKm`` (great-circle distance, found through
/// a lat/lon grid), nearest first, itself first at 0 km. The relation is symmetric (a post is
/// kept only when each is among the other's `maxNeighbours` nearest), which lets an
/// incremental re-plan find every post a change can affect.
public struct PlanningIndex: Sendable {
    public let posts: [Post]
    public let cadres: [Cadre]
    /// The settings the index was built with (sanitized): travel bounds and neighbour limit.
    public let settings: PlannerSettings
    /// Neighbour radius: the largest field travel bound or cadre range.
    public let radiusKm: Double
    /// Changes whenever anything the planner reads from the set changes; a ``PlanCache``
    /// made with another index is ignored.
    public let fingerprint: UInt64

    let postIndex: [String: Int32]
    /// Post ids, names and kelurahan in index order (reading them copies no `Post`).
    let postIDs: [String]
    let postNames: [String]
    let postKelurahan: [String]
    let cadreIDs: [String]
    let cadreNames: [String]
    let cadreIndex: [String: Int32]
    /// `slotOfPost[post * 6 + field]`: the slot, or -1 when the post does not serve the field.
    let slotOfPost: [Int32]
    let slotPost: [Int32]
    let slotField: [UInt8]
    let nbStart: [Int32]
    let nbPost: [Int32]
    /// Metres.
    let nbDist: [Int32]
    /// Each post's `cadangan`, as post indices in list order (-1 for an unknown id).
    let fallbackStart: [Int32]
    let fallbackPost: [Int32]
    let cadreHome: [Int32]
    /// Bit `field` set for each skill.
    let cadreSkills: [UInt8]
    /// Travel range in metres, clipped to `maxCadreTravelKm`.
    let cadreRange: [Int32]
    let cadresAtStart: [Int32]
    let cadresAt: [Int32]
    /// Bit `field` set for each field the post serves.
    let postFields: [UInt8]
    let fieldCount = Bidang.allCases.count

    public var slotCount: Int { slotPost.count }

    public init(set: PlaybookSet, settings: PlannerSettings = .standard) {
        let settings = settings.sanitized
        self.settings = settings
        // The set's own lists (shared, not copied).
        let posts = set.posts.list
        let cadres = set.cadres.list
        self.posts = posts
        self.cadres = cadres
        let nf = Bidang.allCases.count

        let postIndex = set.posts.position
        self.postIndex = postIndex
        postIDs = posts.map(\.id)
        postNames = posts.map(\.nama)
        postKelurahan = posts.map(\.kelurahan)
        cadreIDs = cadres.map(\.id)
        cadreNames = cadres.map(\.nama)

        var slotOfPost = [Int32](repeating: -1, count: posts.count * nf)
        var slotPost: [Int32] = []
        var slotField: [UInt8] = []
        var postFields = [UInt8](repeating: 0, count: posts.count)
        slotPost.reserveCapacity(posts.count * 4)
        slotField.reserveCapacity(posts.count * 4)
        for (i, p) in posts.enumerated() {
            for (f, bidang) in Bidang.allCases.enumerated() where p.layanan[bidang] != nil {
                slotOfPost[i * nf + f] = Int32(slotPost.count)
                slotPost.append(Int32(i))
                slotField.append(UInt8(f))
                postFields[i] |= 1 << UInt8(f)
            }
        }
        self.slotOfPost = slotOfPost
        self.slotPost = slotPost
        self.slotField = slotField
        self.postFields = postFields

        var fallbackStart: [Int32] = [0]
        var fallbackPost: [Int32] = []
        for p in posts {
            for ref in p.cadangan { fallbackPost.append(postIndex[ref] ?? -1) }
            fallbackStart.append(Int32(fallbackPost.count))
        }
        self.fallbackStart = fallbackStart
        self.fallbackPost = fallbackPost

        let maxField = Bidang.allCases.map { settings.travelKm($0) }.max() ?? settings.defaultMaxTravelKm
        let radius = Swift.max(maxField, settings.maxCadreTravelKm)
        radiusKm = radius
        let neighbours = PlanningIndex.neighbours(
            posts: posts, radiusKm: radius, limit: settings.maxNeighbours, fallbackStart: fallbackStart, fallbackPost: fallbackPost)
        nbStart = neighbours.start
        nbPost = neighbours.post
        nbDist = neighbours.dist

        var cadreHome = [Int32](repeating: -1, count: cadres.count)
        var cadreSkills = [UInt8](repeating: 0, count: cadres.count)
        var cadreRange = [Int32](repeating: 0, count: cadres.count)
        var perPost = [Int32](repeating: 0, count: posts.count + 1)
        for (i, c) in cadres.enumerated() {
            let home = postIndex[c.pos] ?? -1
            cadreHome[i] = home
            for skill in c.keahlian {
                if let f = Bidang.allCases.firstIndex(of: skill) { cadreSkills[i] |= 1 << UInt8(f) }
            }
            cadreRange[i] = Int32((c.reachKm(settings) * 1000).rounded())
            if home >= 0 { perPost[Int(home) + 1] += 1 }
        }
        for i in 0..<posts.count { perPost[i + 1] += perPost[i] }
        var cursor = perPost
        var cadresAt = [Int32](repeating: 0, count: Int(perPost[posts.count]))
        for (i, home) in cadreHome.enumerated() where home >= 0 {
            cadresAt[Int(cursor[Int(home)])] = Int32(i)
            cursor[Int(home)] += 1
        }
        self.cadreIndex = set.cadres.position
        self.cadreHome = cadreHome
        self.cadreSkills = cadreSkills
        self.cadreRange = cadreRange
        self.cadresAtStart = perPost
        self.cadresAt = cadresAt

        var h = PlanHasher()
        h.add(set.digest)
        h.add(posts.count)
        for p in posts {
            h.add(p.id)
            h.add(p.nama)
            h.add(p.kelurahan)
            h.add(Int(p.lokasi.lat * 1e7))
            h.add(Int(p.lokasi.lon * 1e7))
            for bidang in Bidang.allCases {
                if let load = p.layanan[bidang] { h.add(load.kapasitas); h.add(load.sasaran) } else { h.add(-1) }
            }
            for ref in p.cadangan { h.add(ref) }
            h.add(p.rawan.count)
        }
        h.add(cadres.count)
        for c in cadres {
            h.add(c.id)
            h.add(c.nama)
            h.add(c.pos)
            h.add(Int(cadreSkillsFor(c)))
            h.add(Int(c.jangkauanKm * 1000))
        }
        h.add(Int(truncatingIfNeeded: PlanCacheFormat.settingsKey(settings)))
        fingerprint = h.value
    }

    /// Great-circle neighbour lists through a uniform grid whose cells are at least
    /// `radiusKm` wide everywhere in the set's latitude band, so the 3 × 3 cells around a
    /// post hold all its neighbours.
    static func neighbours(
        posts: [Post], radiusKm: Double, limit: Int, fallbackStart: [Int32], fallbackPost: [Int32]
    ) -> (start: [Int32], post: [Int32], dist: [Int32]) {
        let n = posts.count
        let kmPerDegree = 6371.0088 * .pi / 180
        var minLat = Double.infinity, maxLat = -Double.infinity, minLon = Double.infinity, maxLon = -Double.infinity
        var maxAbsLat = 0.0
        for p in posts where p.lokasi.isValid && p.lokasi.lat.isFinite && p.lokasi.lon.isFinite {
            minLat = Swift.min(minLat, p.lokasi.lat)
            maxLat = Swift.max(maxLat, p.lokasi.lat)
            minLon = Swift.min(minLon, p.lokasi.lon)
            maxLon = Swift.max(maxLon, p.lokasi.lon)
            maxAbsLat = Swift.max(maxAbsLat, abs(p.lokasi.lat))
        }
        var lists = [[(post: Int32, dist: Int32)]](repeating: [], count: n)
        var truncated = [Bool](repeating: false, count: n)
        if minLat.isFinite, radiusKm > 0 {
            let radius = Swift.max(radiusKm, 0.001)
            var cellLat = radius / kmPerDegree * 1.001
            var cellLon = radius / (kmPerDegree * Swift.max(cos(Swift.min(maxAbsLat, 89) * .pi / 180), 0.01)) * 1.001
            // Keep the grid bounded for sets spread over a whole country.
            let maxCells = 4_000_000.0
            while ((maxLat - minLat) / cellLat + 1) * ((maxLon - minLon) / cellLon + 1) > maxCells {
                cellLat *= 2
                cellLon *= 2
            }
            let rows = Int((maxLat - minLat) / cellLat) + 1
            let cols = Int((maxLon - minLon) / cellLon) + 1
            var cellOf = [Int](repeating: -1, count: n)
            var count = [Int32](repeating: 0, count: rows * cols + 1)
            for (i, p) in posts.enumerated() where p.lokasi.isValid && p.lokasi.lat.isFinite && p.lokasi.lon.isFinite {
                let r = Swift.min(rows - 1, Int((p.lokasi.lat - minLat) / cellLat))
                let c = Swift.min(cols - 1, Int((p.lokasi.lon - minLon) / cellLon))
                cellOf[i] = r * cols + c
                count[r * cols + c + 1] += 1
            }
            for i in 0..<(rows * cols) { count[i + 1] += count[i] }
            var cursor = count
            var members = [Int32](repeating: 0, count: Int(count[rows * cols]))
            for i in 0..<n where cellOf[i] >= 0 {
                members[Int(cursor[cellOf[i]])] = Int32(i)
                cursor[cellOf[i]] += 1
            }
            let lat = posts.map { $0.lokasi.lat }
            let lon = posts.map { $0.lokasi.lon }
            let cosLat = lat.map { cos($0 * .pi / 180) }
            let radiusSq = (radius * 1.02) * (radius * 1.02)
            for i in 0..<n where cellOf[i] >= 0 {
                let r0 = cellOf[i] / cols, c0 = cellOf[i] % cols
                var found: [(post: Int32, dist: Int32)] = [(Int32(i), 0)]
                for r in Swift.max(0, r0 - 1)...Swift.min(rows - 1, r0 + 1) {
                    for c in Swift.max(0, c0 - 1)...Swift.min(cols - 1, c0 + 1) {
                        let cell = r * cols + c
                        for k in Int(count[cell])..<Int(count[cell + 1]) {
                            let j = Int(members[k])
                            if j == i { continue }
                            // Cheap equirectangular filter before the exact distance.
                            let dy = (lat[j] - lat[i]) * kmPerDegree
                            let dx = (lon[j] - lon[i]) * kmPerDegree * Swift.min(cosLat[i], cosLat[j])
                            if dx * dx + dy * dy > radiusSq { continue }
                            let km = posts[i].lokasi.distanceKm(to: posts[j].lokasi)
                            if km <= radius { found.append((Int32(j), Int32((km * 1000).rounded()))) }
                        }
                    }
                }
                found.sort { ($0.dist, $0.post) < ($1.dist, $1.post) }
                if found.count > limit + 1 {
                    found.removeLast(found.count - limit - 1)
                    truncated[i] = true
                }
                lists[i] = found
            }
            // Symmetric: keep (i, j) only when each lists the other, then add fallback pairs
            // that the limit cut off (they are always within reach when within the radius).
            // A complete (untruncated) list holds every post within the radius.
            var filtered = lists
            for i in 0..<n where !lists[i].isEmpty {
                filtered[i] = lists[i].filter { entry in
                    let j = Int(entry.post)
                    if j == i || !truncated[j] { return true }
                    return lists[j].contains { $0.post == Int32(i) }
                }
            }
            for i in 0..<n {
                for k in Int(fallbackStart[i])..<Int(fallbackStart[i + 1]) {
                    let j = Int(fallbackPost[k])
                    guard j >= 0, j != i, cellOf[i] >= 0, cellOf[j] >= 0 else { continue }
                    let km = posts[i].lokasi.distanceKm(to: posts[j].lokasi)
                    guard km <= radius else { continue }
                    let d = Int32((km * 1000).rounded())
                    if !filtered[i].contains(where: { $0.post == Int32(j) }) { filtered[i].append((Int32(j), d)) }
                    if !filtered[j].contains(where: { $0.post == Int32(i) }) { filtered[j].append((Int32(i), d)) }
                }
            }
            for i in 0..<n where filtered[i].count > 1 {
                filtered[i].sort { ($0.dist, $0.post) < ($1.dist, $1.post) }
            }
            lists = filtered
        }
        var start = [Int32](repeating: 0, count: n + 1)
        var total = 0
        for i in 0..<n {
            if lists[i].isEmpty { lists[i] = [(Int32(i), 0)] }
            total += lists[i].count
            start[i + 1] = Int32(total)
        }
        var post = [Int32](repeating: 0, count: total)
        var dist = [Int32](repeating: 0, count: total)
        for i in 0..<n {
            var k = Int(start[i])
            for entry in lists[i] {
                post[k] = entry.post
                dist[k] = entry.dist
                k += 1
            }
        }
        return (start, post, dist)
    }

    /// The slot of a post × field, or nil.
    func slot(_ post: Int, _ field: Int) -> Int? {
        let s = slotOfPost[post * fieldCount + field]
        return s >= 0 ? Int(s) : nil
    }

    /// 1-based rank of `target` in the `cadangan` list of `source`, 0 when not listed.
    @inline(__always)
    func fallbackRank(_ source: Int, _ target: Int32) -> Int {
        let a = Int(fallbackStart[source]), b = Int(fallbackStart[source + 1])
        var k = a
        while k < b {
            if fallbackPost[k] == target { return k - a + 1 }
            k += 1
        }
        return 0
    }

    /// Index of a post id.
    public func postNumber(_ id: String) -> Int? { postIndex[id].map(Int.init) }

    /// The candidate targets of a post × field: posts serving the field within its travel
    /// bound, nearest first, with their fallback rank. Says nothing about their state now.
    public func candidates(for field: PostField) -> [PlanCandidate] {
        guard let p = postIndex[field.postID], let f = Bidang.allCases.firstIndex(of: field.bidang) else { return [] }
        let bound = Int32((settings.travelKm(field.bidang) * 1000).rounded())
        var out: [PlanCandidate] = []
        for k in Int(nbStart[Int(p)])..<Int(nbStart[Int(p) + 1]) {
            let q = Int(nbPost[k])
            if q == Int(p) || slotOfPost[q * fieldCount + f] < 0 { continue }
            if nbDist[k] > bound { break }
            let rank = fallbackRank(Int(p), Int32(q))
            out.append(PlanCandidate(postID: posts[q].id, distanceKm: Double(nbDist[k]) / 1000, fallbackRank: rank > 0 ? rank : nil))
        }
        return out
    }

    /// Number of neighbour entries (for benchmarks).
    public var neighbourEntries: Int { nbPost.count }
}

private func cadreSkillsFor(_ c: Cadre) -> UInt8 {
    var mask: UInt8 = 0
    for skill in c.keahlian {
        if let f = Bidang.allCases.firstIndex(of: skill) { mask |= 1 << UInt8(f) }
    }
    return mask
}

/// A small deterministic 64-bit hash for signatures (not Swift's seeded `Hasher`, so the
/// same input gives the same value in every process).
struct PlanHasher {
    private(set) var value: UInt64 = 0x243F_6A88_85A3_08D3

    @inline(__always)
    mutating func add(_ v: Int) {
        value = (value ^ UInt64(bitPattern: Int64(v))) &* 0x9E37_79B9_7F4A_7C15
        value ^= value >> 29
    }

    mutating func add(_ s: String) {
        add(s.utf8.count)
        for b in s.utf8 { add(Int(b)) }
    }
}
