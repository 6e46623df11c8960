import Foundation

/// Plan lines kept per chunk of `size` consecutive slots, so a re-plan rebuilds only the
/// chunks whose slots changed.
enum PlanChunking {
    static let size = 256

    static func count(slots: Int) -> Int { (slots + size - 1) / size }
}

/// The service-flow lines of a plan by chunk of source slots.
struct PlanFlowChunks: Sendable {
    var assignments: [[PlanAssignment]]
    var unmet: [[PlanUnmet]]
    /// Target slot and amount of each assignment (parallel to `assignments`).
    var targets: [[Int32]]
    var amounts: [[Int32]]
    /// Per chunk, `slotStart[k][i] ..< slotStart[k][i + 1]`: the assignments of the chunk's
    /// `i`-th slot (its pinned lines first).
    var slotStart: [[Int32]]
    /// The same for unmet lines.
    var unmetStart: [[Int32]]
    var moved: [Int]
    var unmetUnits: [Int]

    init(chunks: Int) {
        assignments = Array(repeating: [], count: chunks)
        unmet = Array(repeating: [], count: chunks)
        targets = Array(repeating: [], count: chunks)
        amounts = Array(repeating: [], count: chunks)
        slotStart = Array(repeating: [], count: chunks)
        unmetStart = Array(repeating: [], count: chunks)
        moved = Array(repeating: 0, count: chunks)
        unmetUnits = Array(repeating: 0, count: chunks)
    }

    /// Units the plan sends from slot `s` to slot `t`.
    @inline(__always)
    func amount(_ s: Int, _ t: Int32) -> Int32 {
        let k = s / PlanChunking.size, i = s - k * PlanChunking.size
        let starts = slotStart[k]
        guard i + 1 < starts.count else { return 0 }
        var j = Int(starts[i])
        let end = Int(starts[i + 1])
        var total: Int32 = 0
        while j < end {
            if targets[k][j] == t { total += amounts[k][j] }
            j += 1
        }
        return total
    }

    /// Order-independent hash of the targets of slot `s` (0 when none).
    func targetsHash(_ s: Int) -> UInt64 {
        let k = s / PlanChunking.size, i = s - k * PlanChunking.size
        let starts = slotStart[k]
        guard i + 1 < starts.count else { return 0 }
        return PlanChunking.hash(targets[k][Int(starts[i])..<Int(starts[i + 1])])
    }

    /// The targets of a plan given as (source slot, target slot) pairs, e.g. mapped back
    /// from a decoded plan's lines.
    static func targets(of pairs: [(source: Int32, target: Int32, amount: Int32)], slotCount: Int) -> PlanFlowChunks {
        let n = PlanChunking.count(slots: slotCount)
        var out = PlanFlowChunks(chunks: n)
        if pairs.isEmpty {
            for k in 0..<n { out.slotStart[k] = [Int32](repeating: 0, count: min(slotCount - k * PlanChunking.size, PlanChunking.size) + 1) }
            return out
        }
        var perSlot = [[(Int32, Int32)]](repeating: [], count: slotCount)
        for p in pairs where Int(p.source) < slotCount { perSlot[Int(p.source)].append((p.target, p.amount)) }
        for k in 0..<n {
            let lo = k * PlanChunking.size, hi = min(slotCount, lo + PlanChunking.size)
            var starts: [Int32] = [0]
            var list: [Int32] = []
            var amounts: [Int32] = []
            for s in lo..<hi {
                for (t, a) in perSlot[s] {
                    list.append(t)
                    amounts.append(a)
                }
                starts.append(Int32(list.count))
            }
            out.targets[k] = list
            out.amounts[k] = amounts
            out.slotStart[k] = starts
        }
        return out
    }
}

/// The cadre lines of a plan by chunk of receiving slots.
struct PlanCadreChunks: Sendable {
    var assignments: [[PlanCadreAssignment]]
    var shortages: [[PlanCadreShortage]]
    /// Cadre index of each assignment.
    var cadres: [[Int32]]
    /// Per chunk, `slotStart[k][i] ..< slotStart[k][i + 1]`: the assignments of the chunk's
    /// `i`-th slot; `shortageStart` the same for shortages.
    var slotStart: [[Int32]]
    var shortageStart: [[Int32]]

    init(chunks: Int) {
        assignments = Array(repeating: [], count: chunks)
        shortages = Array(repeating: [], count: chunks)
        cadres = Array(repeating: [], count: chunks)
        slotStart = Array(repeating: [], count: chunks)
        shortageStart = Array(repeating: [], count: chunks)
    }
}

extension PlanChunking {
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var h = a ^ (b &* 0x9E37_79B9_7F4A_7C15)
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 27)
    }

    /// Order-independent hash of a list of slots (0 when empty).
    static func hash(_ list: ArraySlice<Int32>) -> UInt64 {
        if list.isEmpty { return 0 }
        var h: UInt64 = 0x51_7CC1_B727_220A
        for t in list { h &+= mix(0x2545_F491_4F6C_DD1D, UInt64(UInt32(bitPattern: t))) }
        return h
    }
}

/// An append-only list in fixed-size blocks (the lines a run renders, until the plan's chunks
/// take them): appending to a list shared with another copy (a repair keeps the output it
/// rewrites as it was) copies no element. While another copy exists, the next append starts a new
/// block instead of writing into (and so copying) the shared last one; the indices skipped
/// to the block boundary are never handed out.
struct PlanPool<Element: Sendable>: Sendable {
    static var blockShift: Int { 10 }
    static var blockSize: Int { 1 << blockShift }
    private var blocks: [[Element]] = []
    /// Index the next element gets (elements stored plus skipped indices).
    private(set) var count = 0
    /// Indices skipped at block ends.
    private(set) var skipped = 0
    /// Held only by this copy of the list while its last block is not shared; made once the
    /// last block holds `ownedFrom` elements (a shorter shared block is copied on append).
    private var owner: PlanPoolOwner?
    static var ownedFrom: Int { 16 }

    init() {}

    /// Elements stored.
    var stored: Int { count - skipped }

    @inline(__always)
    subscript(i: Int) -> Element { blocks[i >> Self.blockShift][i & (Self.blockSize - 1)] }

    /// The index the next append gets: call it before a run of appends whose range is kept
    /// (a run never spans skipped indices).
    mutating func appendStart() -> Int {
        // A new block grows as it fills (no room reserved for a whole block): a province plan
        // keeps thousands of components' pools that hold a few lines each, and reserving
        // 1,024 lines for each was ~280 MB of the daemon's memory.
        if count >> Self.blockShift == blocks.count {
            blocks.append([])
            owner = nil
        } else if owner != nil && !isKnownUniquelyReferenced(&owner) {
            let next = (count | (Self.blockSize - 1)) + 1
            skipped += next - count
            count = next
            blocks.append([])
            owner = nil
        }
        return count
    }

    mutating func append(_ element: Element) {
        _ = appendStart()
        blocks[blocks.count - 1].append(element)
        count += 1
        // Most pools hold a few lines: copying a short shared block is cheaper than an owner
        // object for each of them.
        if owner == nil && count & (Self.blockSize - 1) == Self.ownedFrom { owner = PlanPoolOwner() }
    }

    /// Appends every element of `other` by taking its blocks (no element is copied), from the
    /// next block boundary; returns the offset of `other`'s indices in this list.
    mutating func appendBlocks(of other: PlanPool) -> Int {
        if count & (Self.blockSize - 1) != 0 {
            let next = (count | (Self.blockSize - 1)) + 1
            skipped += next - count
            count = next
        }
        // A block opened at the boundary by `appendStart` holds nothing yet.
        if blocks.count > count >> Self.blockShift { blocks.removeLast() }
        let offset = count
        blocks.append(contentsOf: other.blocks)
        count += other.count
        skipped += other.skipped
        // The last block is `other`'s: shared exactly while `other`'s is.
        owner = other.owner
        return offset
    }

    mutating func append(from other: PlanPool, _ start: Int, _ n: Int) {
        for i in start..<(start + n) { append(other[i]) }
    }

    /// Appends elements `start ..< start + n` to an array (a range of appended elements:
    /// never spanning skipped indices).
    func copy(_ start: Int, _ n: Int, into out: inout [Element]) {
        var i = start
        let end = start + n
        while i < end {
            let b = i >> Self.blockShift, o = i & (Self.blockSize - 1)
            let take = min(end - i, Self.blockSize - o)
            out.append(contentsOf: blocks[b][o..<(o + take)])
            i += take
        }
    }
}

final class PlanPoolOwner: Sendable {}

/// A chunk's lines as the previous run left them, with each slot's range of lines and notes.
struct PlanChunkLines<Line: Sendable, Note: Sendable>: Sendable {
    var lines: [Line]
    var lineStart: [Int32]
    var notes: [Note]
    var noteStart: [Int32]
}

extension PlanLeftLines {
    /// Notes of local left `i` in a rebuilt chunk: its own when held, else those of slot `j`
    /// of the chunk as the previous run left it.
    func noteCount(_ i: Int, orSlot j: Int, of old: PlanChunkLines<Line, Note>?) -> Int {
        if holdsLines(i) { return noteCount(i) }
        guard let old else { return 0 }
        return Int(old.noteStart[j + 1] - old.noteStart[j])
    }
}

extension PlanComponentStore {
    /// The lines and notes of a rebuilt chunk of `slots`, in slot order: per slot, `leading`'s
    /// lines (pins), then the lines of its left — those this run rendered (held by the
    /// clusters), or else the ones it had in `old`, the chunk as the previous run left it,
    /// less the leading lines `oldLeading` counts there (the previous run's pins). `count`:
    /// lines and notes in all (the arrays are kept by the plan, so they are sized exactly).
    func chunkLines<Line, Tag, Note>(
        _ slots: Range<Int>, count: (lines: Int, notes: Int), old: PlanChunkLines<Line, Note>?,
        leading: (Int, inout [Line]) -> Void = { _, _ in }, oldLeading: (Int, ArraySlice<Line>) -> Int = { _, _ in 0 }
    ) -> (lines: [Line], notes: [Note], noteStart: [Int32]) where Output == PlanLeftLines<Line, Tag, Note> {
        var lines: [Line] = [], notes: [Note] = [], noteStart: [Int32] = [0]
        lines.reserveCapacity(count.lines)
        notes.reserveCapacity(count.notes)
        noteStart.reserveCapacity(slots.count + 1)
        for s in slots {
            leading(s, &lines)
            withOutput(ofLeft: s) { out, i in
                if out.holdsLines(i) {
                    out.copyLines(i, into: &lines, &notes)
                } else if let old {
                    // Not rendered in this run: its lines are the ones the previous run kept.
                    let j = s - slots.lowerBound
                    let previous = old.lines[Int(old.lineStart[j])..<Int(old.lineStart[j + 1])]
                    lines.append(contentsOf: previous.dropFirst(oldLeading(s, previous)))
                    notes.append(contentsOf: old.notes[Int(old.noteStart[j])..<Int(old.noteStart[j + 1])])
                }
            }
            noteStart.append(Int32(notes.count))
        }
        return (lines, notes, noteStart)
    }
}
