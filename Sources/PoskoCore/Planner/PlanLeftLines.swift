import Foundation

/// What the engine and the plan's chunks read of a line without touching the line: the right
/// node it uses and the units it carries.
protocol PlanLineTag: Sendable {
    var right: Int32 { get }
    var amount: Int32 { get }
}

/// Target slot and units of one assignment line.
struct PlanLineFlow: PlanLineTag {
    var target: Int32
    var amount: Int32
    var right: Int32 { target }
}

/// The cadre of one cadre line (one cadre: one unit).
struct PlanLineCadre: PlanLineTag {
    var cadre: Int32
    var right: Int32 { cadre }
    var amount: Int32 { 1 }
}

/// The result of one solved cluster by its left nodes: per left, the tags of its lines (demand
/// sent, or a cadre) for as long as the cluster lives, and the lines themselves (assignments,
/// and notes: unmet demand or cadre shortages) only from being rendered until the plan's
/// chunks take them (`dropLines`). Every line is then kept once, in the plan; a later run
/// copies the lines of a left it did not render again from the previous plan's chunk.
///
/// Tags and the lines held are in append-only storage with a table per left, so a local
/// repair replaces a few lefts without copying the rest.
struct PlanLeftLines<Line: Sendable, Tag: PlanLineTag, Note: Sendable>: PlanStageOutput {
    private(set) var tags: [Tag] = []
    /// Per local left: its tags `tagFirst[i] ..< tagFirst[i] + tagCount[i]` (one per line).
    private(set) var tagFirst: [Int32] = []
    private(set) var tagCount: [Int32] = []
    private var lines = PlanPool<Line>()
    private var notes = PlanPool<Note>()
    /// Per local left: where its lines start in `lines` (-1 when they are not held), and its notes.
    private var lineFirst: [Int32] = []
    private var noteFirst: [Int32] = []
    private var noteCount: [Int32] = []
    /// The local lefts whose lines may be held (so dropping them does not visit every left of
    /// a large cluster that a repair touched in a few places).
    private var held: [Int32] = []
    var holdsLines: Bool { !held.isEmpty }
    private(set) var deadEntries = 0

    init() {}

    var leftCount: Int { tagFirst.count }
    var liveEntries: Int { tags.count - deadEntries }

    /// Where a left's tags and lines start: from `startLeft` to `closeLeft`.
    struct Start {
        fileprivate var tag: Int
        fileprivate var line: Int
        fileprivate var note: Int
    }

    /// Appends a local left without lines.
    mutating func appendEmptyLeft() {
        closeLeft(Start(tag: tags.count, line: lines.count, note: notes.count))
    }

    /// Where the next left's tags and lines go (a shared pool starts a new block).
    mutating func startLeft() -> Start {
        Start(tag: tags.count, line: lines.appendStart(), note: notes.appendStart())
    }

    mutating func append(_ line: Line, tag: Tag) {
        lines.append(line)
        tags.append(tag)
    }

    mutating func appendNote(_ note: Note) {
        notes.append(note)
    }

    /// Closes the left whose tags, lines and notes were appended since `start`.
    mutating func closeLeft(_ start: Start) {
        tagFirst.append(Int32(start.tag))
        tagCount.append(Int32(tags.count - start.tag))
        lineFirst.append(Int32(start.line))
        noteFirst.append(Int32(start.note))
        noteCount.append(Int32(notes.count - start.note))
        held.append(Int32(tagFirst.count - 1))
    }

    mutating func setLeft(_ local: Int, from other: Self, otherLocal o: Int) {
        let t = Int(other.tagFirst[o]), n = Int(other.tagCount[o])
        let tag = Int32(tags.count)
        tags.append(contentsOf: other.tags[t..<(t + n)])
        var line: Int32 = -1, note: Int32 = -1, m: Int32 = 0
        if other.lineFirst[o] >= 0 {
            line = Int32(lines.appendStart())
            lines.append(from: other.lines, Int(other.lineFirst[o]), n)
            note = Int32(notes.appendStart())
            m = other.noteCount[o]
            notes.append(from: other.notes, Int(other.noteFirst[o]), Int(m))
            held.append(Int32(local))
        }
        if local == leftCount {
            tagFirst.append(tag)
            tagCount.append(Int32(n))
            lineFirst.append(line)
            noteFirst.append(note)
            noteCount.append(m)
        } else {
            deadEntries += Int(tagCount[local])
            tagFirst[local] = tag
            tagCount[local] = Int32(n)
            lineFirst[local] = line
            noteFirst[local] = note
            noteCount[local] = m
        }
    }

    mutating func append(_ piece: Self) {
        let t = Int32(tags.count), base = Int32(leftCount)
        let a = Int32(lines.appendBlocks(of: piece.lines)), b = Int32(notes.appendBlocks(of: piece.notes))
        tags.append(contentsOf: piece.tags)
        for i in 0..<piece.leftCount {
            tagFirst.append(piece.tagFirst[i] + t)
            tagCount.append(piece.tagCount[i])
            lineFirst.append(piece.lineFirst[i] < 0 ? -1 : piece.lineFirst[i] + a)
            noteFirst.append(piece.noteFirst[i] < 0 ? -1 : piece.noteFirst[i] + b)
            noteCount.append(piece.noteCount[i])
        }
        for i in piece.held { held.append(i + base) }
        deadEntries += piece.deadEntries
    }

    /// The tags of local left `i`'s lines.
    func tags(_ i: Int) -> ArraySlice<Tag> {
        let a = Int(tagFirst[i])
        return tags[a..<(a + Int(tagCount[i]))]
    }

    /// Whether local left `i`'s lines are held (rendered in this run).
    func holdsLines(_ i: Int) -> Bool { lineFirst[i] >= 0 }

    /// Notes of local left `i` (0 when its lines are not held).
    func noteCount(_ i: Int) -> Int { Int(noteCount[i]) }

    /// Appends the lines and notes of local left `i`, which must be held.
    func copyLines(_ i: Int, into lineOut: inout [Line], _ noteOut: inout [Note]) {
        lines.copy(Int(lineFirst[i]), Int(tagCount[i]), into: &lineOut)
        notes.copy(Int(noteFirst[i]), Int(noteCount[i]), into: &noteOut)
    }

    /// Lets go of the lines and notes held (the plan's chunks have them now).
    mutating func dropLines() {
        guard holdsLines else { return }
        lines = PlanPool()
        notes = PlanPool()
        for i in held {
            lineFirst[Int(i)] = -1
            noteFirst[Int(i)] = -1
            noteCount[Int(i)] = 0
        }
        held = []
    }

    func flows(local: Int, into out: inout [(right: Int32, amount: Int32)]) {
        for tag in tags(local) { out.append((tag.right, tag.amount)) }
    }

    mutating func compact() {
        var fresh = Self()
        for i in 0..<leftCount { fresh.setLeft(i, from: self, otherLocal: i) }
        self = fresh
    }
}

/// Lines of one service-flow cluster: assignments (tagged with target and units) and unmet lines.
typealias FlowOutput = PlanLeftLines<PlanAssignment, PlanLineFlow, PlanUnmet>
/// Lines of one cadre cluster: cadre assignments (tagged with the cadre) and shortages.
typealias CadreOutput = PlanLeftLines<PlanCadreAssignment, PlanLineCadre, PlanCadreShortage>
