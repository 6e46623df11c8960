import Foundation

/// What changed between two plans: demand assignments added, removed or changed in amount,
/// and cadres sent, called home or moved. Each entry has a one-line Indonesian description
/// (for alerts: "rencana berubah"). Empty when nothing a person would notice changed
/// (explanations alone do not count).
public struct PlanDiff: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case added, removed, changed
    }

    public struct AssignmentChange: Codable, Sendable, Equatable {
        public var kind: Kind
        public var from: String
        public var to: String
        public var bidang: Bidang
        /// 0 when added.
        public var oldAmount: Int
        /// 0 when removed.
        public var newAmount: Int
        public var description: String
    }

    public struct CadreChange: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            /// Newly sent out.
            case assigned
            /// Back to the home post (no longer in the plan).
            case returned
            /// Sent to another post or field.
            case moved
        }

        public var kind: Kind
        public var cadreID: String
        public var nama: String
        public var home: String
        /// Post and field before (nil when newly assigned).
        public var oldTo: String?
        public var oldBidang: Bidang?
        /// Post and field now (nil when returned).
        public var newTo: String?
        public var newBidang: Bidang?
        /// From the home post to `newTo` (nil when returned).
        public var distanceKm: Double?
        public var description: String
    }

    public var fromVersion: Int?
    public var toVersion: Int
    public var added: [AssignmentChange]
    public var removed: [AssignmentChange]
    public var changed: [AssignmentChange]
    public var cadres: [CadreChange]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && cadres.isEmpty }

    /// Every description, in order: removed, changed, added, then cadres.
    public var lines: [String] { (removed + changed + added).map(\.description) + cadres.map(\.description) }

    /// The difference from `old` (nil: an empty plan) to `new`. Entries are sorted by
    /// source post, field and target (cadres by id), so the diff is deterministic.
    public static func between(_ old: Plan?, _ new: Plan) -> PlanDiff {
        struct Key: Hashable, Comparable {
            var from: String, bidang: Bidang, to: String
            static func < (a: Key, b: Key) -> Bool { (a.from, a.bidang, a.to) < (b.from, b.bidang, b.to) }
        }
        // A chunk both plans share (same storage: the planner passed it on unchanged) has the
        // same lines on both sides, and holds every line of its keys (assignments are chunked
        // by source, cadres by receiving post, one line per cadre): it changes nothing.
        let (oldAssignments, newAssignments) = PlanLines.unshared(old?.assignments, new.assignments)
        let (oldCadreLines, newCadreLines) = PlanLines.unshared(old?.cadreAssignments, new.cadreAssignments)
        // By source: one look-up per run of a source's lines, and a source whose lines are the
        // same on both sides (most of a rebuilt chunk) is passed over without a key per line.
        typealias Move = (bidang: Bidang, to: String, amount: Int)
        func bySource(_ chunks: [[PlanAssignment]]) -> [String: [Move]] {
            var out: [String: [Move]] = [:]
            for lines in chunks {
                var i = 0
                while i < lines.count {
                    let from = lines[i].from
                    var run: [Move] = []
                    while i < lines.count, lines[i].from == from {
                        run.append((lines[i].bidang, lines[i].to, lines[i].amount))
                        i += 1
                    }
                    out[from, default: []].append(contentsOf: run)
                }
            }
            return out
        }
        let before = bySource(oldAssignments), after = bySource(newAssignments)
        var differing: [(key: Key, old: Int, new: Int)] = []
        func compare(_ from: String, _ o: [Move], _ n: [Move]) {
            if o.count == n.count && zip(o, n).allSatisfy({ $0 == $1 }) { return }
            var amounts: [Key: (old: Int, new: Int)] = [:]
            for m in o { amounts[Key(from: from, bidang: m.bidang, to: m.to), default: (0, 0)].old += m.amount }
            for m in n { amounts[Key(from: from, bidang: m.bidang, to: m.to), default: (0, 0)].new += m.amount }
            for (key, a) in amounts where a.old != a.new { differing.append((key, a.old, a.new)) }
        }
        for (from, n) in after { compare(from, before[from] ?? [], n) }
        for (from, o) in before where after[from] == nil { compare(from, o, []) }
        differing.sort { $0.key < $1.key }
        var added: [AssignmentChange] = [], removed: [AssignmentChange] = [], changed: [AssignmentChange] = []
        for (key, o, n) in differing {
            let what = "\(key.bidang.label) dari \(key.from) ke \(key.to)"
            if o == 0 {
                added.append(AssignmentChange(kind: .added, from: key.from, to: key.to, bidang: key.bidang, oldAmount: 0,
                                              newAmount: n, description: "baru: \(n) unit \(what)"))
            } else if n == 0 {
                removed.append(AssignmentChange(kind: .removed, from: key.from, to: key.to, bidang: key.bidang, oldAmount: o,
                                                newAmount: 0, description: "dihentikan: \(o) unit \(what) (kembali ke pos asal atau dipindah)"))
            } else {
                changed.append(AssignmentChange(kind: .changed, from: key.from, to: key.to, bidang: key.bidang, oldAmount: o,
                                                newAmount: n, description: "berubah: \(what) dari \(o) menjadi \(n) unit"))
            }
        }

        // Each cadre's line by where it is (one line per cadre), not a copy of it.
        struct Lines {
            var chunks: [[PlanCadreAssignment]]
            var at: [String: (chunk: Int32, line: Int32)] = [:]
            init(_ chunks: [[PlanCadreAssignment]]) {
                self.chunks = chunks
                for (c, chunk) in chunks.enumerated() {
                    for (l, line) in chunk.enumerated() { at[line.cadreID] = (Int32(c), Int32(l)) }
                }
            }
            subscript(_ id: String) -> PlanCadreAssignment? { at[id].map { chunks[Int($0.chunk)][Int($0.line)] } }
        }
        let oldCadres = Lines(oldCadreLines), newCadres = Lines(newCadreLines)
        var ids = oldCadres.at.keys.filter { newCadres.at[$0] == nil }
        for (id, place) in newCadres.at {
            let n = newCadres.chunks[Int(place.chunk)][Int(place.line)]
            if let o = oldCadres[id], o.to == n.to, o.bidang == n.bidang { continue }
            ids.append(id)
        }
        var cadres: [CadreChange] = []
        for id in ids.sorted() {
            let o = oldCadres[id], n = newCadres[id]
            if let o, let n {
                cadres.append(CadreChange(
                    kind: .moved, cadreID: id, nama: n.nama, home: n.home, oldTo: o.to, oldBidang: o.bidang, newTo: n.to,
                    newBidang: n.bidang, distanceKm: n.distanceKm,
                    description: "kader \(n.nama) (\(id)) pindah dari \(o.to) (\(o.bidang.label)) ke \(n.to) (\(n.bidang.label))"))
            } else if let n {
                cadres.append(CadreChange(
                    kind: .assigned, cadreID: id, nama: n.nama, home: n.home, oldTo: nil, oldBidang: nil, newTo: n.to,
                    newBidang: n.bidang, distanceKm: n.distanceKm,
                    description: "kader \(n.nama) (\(id)) ditugaskan ke \(n.to) (\(n.bidang.label)), \(PlanText.km(Int((n.distanceKm * 1000).rounded()))) dari \(n.home)"))
            } else if let o {
                cadres.append(CadreChange(
                    kind: .returned, cadreID: id, nama: o.nama, home: o.home, oldTo: o.to, oldBidang: o.bidang, newTo: nil,
                    newBidang: nil, distanceKm: nil,
                    description: "kader \(o.nama) (\(id)) selesai di \(o.to), kembali ke pos asal \(o.home)"))
            }
        }
        return PlanDiff(fromVersion: old?.version, toVersion: new.version, added: added, removed: removed,
                        changed: changed, cadres: cadres)
    }
}
