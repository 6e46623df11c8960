import Foundation

/// Why displaced demand stays unmet.
public enum PlanBlocker: String, Codable, Sendable, CaseIterable {
    /// Posts in reach serve the field but have no spare capacity left.
    case noCapacity = "no_capacity"
    /// Every functioning post in reach is exposed to an active hazard.
    case hazard
    /// No functioning post serves the field within its travel bound.
    case outOfRange = "out_of_range"
    /// The posts in reach were forbidden by an operator override.
    case forbidden
    /// The solver hit its iteration bound for this component.
    case iterationLimit = "iteration_limit"
}

/// Displaced demand of one post × field sent to another post.
public struct PlanAssignment: Codable, Sendable, Equatable {
    public var from: String
    public var fromKelurahan: String
    public var to: String
    public var toKelurahan: String
    public var bidang: Bidang
    /// Units of daily demand.
    public var amount: Int
    public var distanceKm: Double
    /// 1-based position of `to` in the `cadangan` list of `from`; nil when not listed.
    public var fallbackRank: Int?
    /// The pin override that forced this line, if any.
    public var overrideID: String?
    /// Short Indonesian explanation.
    public var reason: String

    public init(from: String, fromKelurahan: String, to: String, toKelurahan: String, bidang: Bidang, amount: Int,
                distanceKm: Double, fallbackRank: Int?, overrideID: String?, reason: String) {
        self.from = from
        self.fromKelurahan = fromKelurahan
        self.to = to
        self.toKelurahan = toKelurahan
        self.bidang = bidang
        self.amount = amount
        self.distanceKm = distanceKm
        self.fallbackRank = fallbackRank
        self.overrideID = overrideID
        self.reason = reason
    }

    public var source: PostField { PostField(from, bidang) }
    public var target: PostField { PostField(to, bidang) }
}

/// A cadre sent to serve at a post.
public struct PlanCadreAssignment: Codable, Sendable, Equatable {
    public var cadreID: String
    public var nama: String
    /// The cadre's home post.
    public var home: String
    public var homeKelurahan: String
    public var to: String
    public var toKelurahan: String
    public var bidang: Bidang
    /// From the home post.
    public var distanceKm: Double
    public var reason: String

    public init(cadreID: String, nama: String, home: String, homeKelurahan: String, to: String, toKelurahan: String,
                bidang: Bidang, distanceKm: Double, reason: String) {
        self.cadreID = cadreID
        self.nama = nama
        self.home = home
        self.homeKelurahan = homeKelurahan
        self.to = to
        self.toKelurahan = toKelurahan
        self.bidang = bidang
        self.distanceKm = distanceKm
        self.reason = reason
    }
}

/// Displaced demand of one post × field that the plan cannot place.
public struct PlanUnmet: Codable, Sendable, Equatable {
    public var post: String
    public var kelurahan: String
    public var bidang: Bidang
    public var amount: Int
    public var blocker: PlanBlocker
    public var reason: String

    public init(post: String, kelurahan: String, bidang: Bidang, amount: Int, blocker: PlanBlocker, reason: String) {
        self.post = post
        self.kelurahan = kelurahan
        self.bidang = bidang
        self.amount = amount
        self.blocker = blocker
        self.reason = reason
    }
}

/// A post × field that needs more cadres than the plan can send.
public struct PlanCadreShortage: Codable, Sendable, Equatable {
    public var post: String
    public var kelurahan: String
    public var bidang: Bidang
    public var needed: Int
    public var assigned: Int
    public var reason: String

    public init(post: String, kelurahan: String, bidang: Bidang, needed: Int, assigned: Int, reason: String) {
        self.post = post
        self.kelurahan = kelurahan
        self.bidang = bidang
        self.needed = needed
        self.assigned = assigned
        self.reason = reason
    }
}

/// A coordinator's instruction to the planner. Forbidding wins over pinning: a pin to a
/// forbidden post or arc is not applied (and says so).
public struct PlanOverride: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// Send as much of `from`'s displaced `bidang` demand as `to` can take, before
        /// anything else is planned (any distance).
        case pin
        /// Never use `post` as a target.
        case forbidPost = "forbid_post"
        /// Never send demand from `from` to `to` (for `bidang`, or every field when nil).
        case forbidArc = "forbid_arc"
    }

    public var id: String
    public var action: Action
    public var from: String?
    public var to: String?
    public var post: String?
    public var bidang: Bidang?
    public var note: String?

    public init(id: String, action: Action, from: String? = nil, to: String? = nil, post: String? = nil,
                bidang: Bidang? = nil, note: String? = nil) {
        self.id = id
        self.action = action
        self.from = from
        self.to = to
        self.post = post
        self.bidang = bidang
        self.note = note
    }

    public static func pin(id: String, from: String, to: String, bidang: Bidang, note: String? = nil) -> PlanOverride {
        PlanOverride(id: id, action: .pin, from: from, to: to, bidang: bidang, note: note)
    }

    public static func forbidPost(id: String, post: String, note: String? = nil) -> PlanOverride {
        PlanOverride(id: id, action: .forbidPost, post: post, note: note)
    }

    public static func forbidArc(id: String, from: String, to: String, bidang: Bidang? = nil, note: String? = nil) -> PlanOverride {
        PlanOverride(id: id, action: .forbidArc, from: from, to: to, bidang: bidang, note: note)
    }
}

/// What became of one override in this plan.
public struct PlanOverrideOutcome: Codable, Sendable, Equatable {
    public var id: String
    public var action: PlanOverride.Action
    public var applied: Bool
    /// Units moved by a pin.
    public var amount: Int?
    public var reason: String

    public init(id: String, action: PlanOverride.Action, applied: Bool, amount: Int?, reason: String) {
        self.id = id
        self.action = action
        self.applied = applied
        self.amount = amount
        self.reason = reason
    }
}

public struct PlanTotals: Codable, Sendable, Equatable {
    /// Displaced units over all post × fields.
    public var displaced: Int
    public var moved: Int
    public var unmet: Int
    /// Cadres the receiving posts (and posts with absent cadres) need.
    public var cadresNeeded: Int
    public var cadresAssigned: Int
    /// Cadres free to be sent (home post closed for their skills, or replied HADIR).
    public var cadresAvailable: Int

    public init(displaced: Int = 0, moved: Int = 0, unmet: Int = 0, cadresNeeded: Int = 0, cadresAssigned: Int = 0,
                cadresAvailable: Int = 0) {
        self.displaced = displaced
        self.moved = moved
        self.unmet = unmet
        self.cadresNeeded = cadresNeeded
        self.cadresAssigned = cadresAssigned
        self.cadresAvailable = cadresAvailable
    }
}

/// The current reassignment: which displaced demand goes where, which cadre serves where,
/// what stays unmet and why. Deterministic: the same input gives a byte-identical encoding.
/// Lines are in index order: playbooks by kecamatan, posts in file order, fields in SPM order
/// (assignments and unmet by source post, cadre lines and shortages by receiving post).
public struct Plan: Codable, Sendable, Equatable {
    public var version: Int
    public var at: Date
    public var assignments: PlanLines<PlanAssignment>
    public var cadreAssignments: PlanLines<PlanCadreAssignment>
    public var unmet: PlanLines<PlanUnmet>
    public var cadreShortages: PlanLines<PlanCadreShortage>
    public var overrides: [PlanOverrideOutcome]
    public var totals: PlanTotals

    public init(version: Int, at: Date, assignments: PlanLines<PlanAssignment> = [],
                cadreAssignments: PlanLines<PlanCadreAssignment> = [], unmet: PlanLines<PlanUnmet> = [],
                cadreShortages: PlanLines<PlanCadreShortage> = [], overrides: [PlanOverrideOutcome] = [],
                totals: PlanTotals = PlanTotals()) {
        self.version = version
        self.at = at
        self.assignments = assignments
        self.cadreAssignments = cadreAssignments
        self.unmet = unmet
        self.cadreShortages = cadreShortages
        self.overrides = overrides
        self.totals = totals
    }

    /// Demand of each post × field the plan places elsewhere, for ``ContinuityView/build``.
    public var moved: [PostField: Int] {
        var out: [PostField: Int] = [:]
        // Chunk by chunk and a run of lines from one source at a time (lines are grouped by
        // source): one look-up per source, no copy of each line.
        for chunk in assignments.chunks {
            chunk.withUnsafeBufferPointer { lines in
                var i = 0
                while i < lines.count {
                    var amount = lines[i].amount
                    var j = i + 1
                    while j < lines.count, lines[j].bidang == lines[i].bidang, lines[j].from == lines[i].from {
                        amount += lines[j].amount
                        j += 1
                    }
                    out[PostField(lines[i].from, lines[i].bidang), default: 0] += amount
                    i = j
                }
            }
        }
        return out
    }

    /// Demand each post × field receives from other posts.
    public var received: [PostField: Int] {
        var out: [PostField: Int] = [:]
        for a in assignments { out[a.target, default: 0] += a.amount }
        return out
    }

    /// Nothing moved, no cadre sent, nothing unmet.
    public var isEmpty: Bool {
        assignments.isEmpty && cadreAssignments.isEmpty && unmet.isEmpty && cadreShortages.isEmpty
    }

    /// The lines touching one kelurahan (as source, target or cadre home).
    public func view(kelurahan code: String) -> PlanKelurahanView {
        PlanKelurahanView(
            kelurahan: code, planVersion: version,
            outgoing: assignments.filter { $0.fromKelurahan == code },
            incoming: assignments.filter { $0.toKelurahan == code },
            unmet: unmet.filter { $0.kelurahan == code },
            cadresOut: cadreAssignments.filter { $0.homeKelurahan == code },
            cadresIn: cadreAssignments.filter { $0.toKelurahan == code },
            cadreShortages: cadreShortages.filter { $0.kelurahan == code })
    }
}

/// The part of a plan a lurah cares about: demand leaving and entering the kelurahan, what
/// stays unmet there, cadres leaving and arriving.
public struct PlanKelurahanView: Codable, Sendable, Equatable {
    public var kelurahan: String
    public var planVersion: Int
    public var outgoing: [PlanAssignment]
    public var incoming: [PlanAssignment]
    public var unmet: [PlanUnmet]
    public var cadresOut: [PlanCadreAssignment]
    public var cadresIn: [PlanCadreAssignment]
    public var cadreShortages: [PlanCadreShortage]

    public var isEmpty: Bool {
        outgoing.isEmpty && incoming.isEmpty && unmet.isEmpty && cadresOut.isEmpty && cadresIn.isEmpty && cadreShortages.isEmpty
    }
}

/// The lines of a plan: a random-access collection stored in chunks, so that a re-plan
/// shares the chunks it did not change with the previous plan instead of copying every
/// line. Encodes as a plain JSON array; equal when the elements are equal.
public struct PlanLines<Element: Sendable & Codable & Equatable>: RandomAccessCollection, Sendable, Equatable, Codable,
    ExpressibleByArrayLiteral {
    /// The chunks the lines are kept in, none empty. A re-plan passes unchanged chunks on,
    /// so storage can keep each chunk once (see `PlanArchive`).
    public private(set) var chunks: [[Element]]
    /// `offsets[i]`: index of the first element of chunk `i`; the last entry is `count`.
    private var offsets: [Int]

    public init() {
        chunks = []
        offsets = [0]
    }

    public init(_ elements: [Element]) {
        chunks = elements.isEmpty ? [] : [elements]
        offsets = elements.isEmpty ? [0] : [0, elements.count]
    }

    public init(arrayLiteral elements: Element...) { self.init(elements) }

    /// Identifies a chunk's storage: equal for two chunks only when one is the other passed
    /// on unchanged (while both are alive), as a re-plan does with the chunks it kept.
    public static func storage(of chunk: [Element]) -> Int {
        chunk.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
    }

    /// The chunks of `old` and `new` that they do not share: whatever changed from one to the
    /// other is in them. (Chunks, not their lines in one array: copying the lines was most of
    /// the cost of a diff.)
    public static func unshared(_ old: PlanLines?, _ new: PlanLines) -> (old: [[Element]], new: [[Element]]) {
        let oldChunks = old?.chunks ?? []
        let shared = Set(oldChunks.map(storage)).intersection(new.chunks.map(storage))
        return (oldChunks.filter { !shared.contains(storage(of: $0)) }, new.chunks.filter { !shared.contains(storage(of: $0)) })
    }

    /// Lines from chunks in order (empty chunks are dropped).
    public init(chunks: [[Element]]) {
        self.chunks = []
        self.chunks.reserveCapacity(chunks.count)
        offsets = [0]
        offsets.reserveCapacity(chunks.count + 1)
        var total = 0
        for chunk in chunks where !chunk.isEmpty {
            self.chunks.append(chunk)
            total += chunk.count
            offsets.append(total)
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { offsets[offsets.count - 1] }

    public subscript(position: Int) -> Element {
        // The chunk holding `position`: the last offset not above it.
        var lo = 0, hi = chunks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= position { lo = mid } else { hi = mid - 1 }
        }
        return chunks[lo][position - offsets[lo]]
    }

    public struct Iterator: IteratorProtocol {
        let chunks: [[Element]]
        var chunk = 0
        var index = 0

        public mutating func next() -> Element? {
            while chunk < chunks.count {
                if index < chunks[chunk].count {
                    defer { index += 1 }
                    return chunks[chunk][index]
                }
                chunk += 1
                index = 0
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(chunks: chunks) }

    public var array: [Element] { chunks.count == 1 ? chunks[0] : Array(self) }

    public static func == (a: PlanLines, b: PlanLines) -> Bool {
        guard a.count == b.count else { return false }
        if a.offsets == b.offsets { return a.chunks == b.chunks }
        return a.elementsEqual(b)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [Element](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for chunk in chunks {
            for element in chunk { try container.encode(element) }
        }
    }
}
