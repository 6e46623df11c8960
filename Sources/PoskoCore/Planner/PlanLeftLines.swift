import Foundation

/// What the engine and the plan's chunks read of a line without touching the line: the right
/// node it uses and the units it carries.
protocol PlanLineTag: Sendable {
    /// Fills the indices a pool skipped.
    static var skipped: Self { get }
    var right: Int32 { get }
    var amount: Int32 { get }
}

/// Target slot and units of one assignment line.
struct PlanLineFlow: PlanLineTag {
    var target: Int32
    var amount: Int32
    static let skipped = PlanLineFlow(target: -1, amount: 0)
    var right: Int32 { target }
}

/// The cadre of one cadre line (one cadre: one unit).
struct PlanLineCadre: PlanLineTag {
    var cadre: Int32
    static let skipped = PlanLineCadre(cadre: -1)
    var right: Int32 { cadre }
    var amount: Int32 { 1 }
}

/// Lines of one solved cluster grouped by its left nodes: per left, a run of lines (each with
/// its tag: demand sent, or a cadre) and a run of notes (unmet demand, or a cadre shortage).
/// Lines and notes are in append-only pools with a table per left, so a local repair replaces
/// a few lefts' lines without copying the rest.
struct PlanLeftLines<Line: Sendable, Tag: PlanLineTag, Note: Sendable>: PlanStageOutput {
    private(set) var lines = PlanPool<Line>()
    /// Parallel to `lines` (skipped indices included).
    private(set) var tags: [Tag] = []
    private(set) var notes = PlanPool<Note>()
    /// Per local left: its lines `lineFirst[i] ..< lineFirst[i] + lineCount[i]`, and its notes.
    private(set) var lineFirst: [Int32] = []
    private(set) var lineCount: [Int32] = []
    private(set) var noteFirst: [Int32] = []
    private(set) var noteCount: [Int32] = []
    private(set) var deadLines = 0

    init() {}

    var leftCount: Int { lineFirst.count }
    var liveLines: Int { lines.stored + notes.stored - deadLines }

    /// Where a left's lines start: from `startLeft` to `closeLeft`.
    struct Start {
        fileprivate var line: Int
        fileprivate var note: Int
    }

    mutating func appendEmptyLeft() {
        lineFirst.append(Int32(lines.count))
        lineCount.append(0)
        noteFirst.append(Int32(notes.count))
        noteCount.append(0)
    }

    /// Where the next left's lines go (a shared pool starts a new block; `tags` is padded to
    /// follow the line pool's indices).
    mutating func startLeft() -> Start {
        let a = lines.appendStart(), b = notes.appendStart()
        if tags.count < a { tags.append(contentsOf: repeatElement(.skipped, count: a - tags.count)) }
        return Start(line: a, note: b)
    }

    mutating func append(_ line: Line, tag: Tag) {
        lines.append(line)
        tags.append(tag)
    }

    mutating func appendNote(_ note: Note) {
        notes.append(note)
    }

    /// Closes the left whose lines and notes were appended since `start`.
    mutating func closeLeft(_ start: Start) {
        lineFirst.append(Int32(start.line))
        lineCount.append(Int32(lines.count - start.line))
        noteFirst.append(Int32(start.note))
        noteCount.append(Int32(notes.count - start.note))
    }

    mutating func setLeft(_ local: Int, from other: Self, otherLocal o: Int) {
        let a = Int(other.lineFirst[o]), n = Int(other.lineCount[o])
        let u = Int(other.noteFirst[o]), m = Int(other.noteCount[o])
        let start = startLeft()
        lines.append(from: other.lines, a, n)
        tags.append(contentsOf: other.tags[a..<(a + n)])
        notes.append(from: other.notes, u, m)
        if local == lineFirst.count {
            closeLeft(start)
        } else {
            deadLines += Int(lineCount[local] + noteCount[local])
            lineFirst[local] = Int32(start.line)
            lineCount[local] = Int32(n)
            noteFirst[local] = Int32(start.note)
            noteCount[local] = Int32(m)
        }
    }

    mutating func append(_ piece: Self) {
        let a = lines.appendBlocks(of: piece.lines), b = notes.appendBlocks(of: piece.notes)
        tags.append(contentsOf: repeatElement(.skipped, count: a - tags.count))
        tags.append(contentsOf: piece.tags)
        tags.append(contentsOf: repeatElement(.skipped, count: lines.count - tags.count))
        for i in 0..<piece.leftCount {
            lineFirst.append(piece.lineFirst[i] + Int32(a))
            lineCount.append(piece.lineCount[i])
            noteFirst.append(piece.noteFirst[i] + Int32(b))
            noteCount.append(piece.noteCount[i])
        }
        deadLines += piece.deadLines
    }

    /// The tags of local left `i`'s lines.
    func tags(_ i: Int) -> ArraySlice<Tag> {
        let a = Int(lineFirst[i])
        return tags[a..<(a + Int(lineCount[i]))]
    }

    /// Lines and notes of local left `i`.
    func counts(_ i: Int) -> (lines: Int, notes: Int) {
        (Int(lineCount[i]), Int(noteCount[i]))
    }

    /// Appends the lines and notes of local left `i`.
    func copyLines(_ i: Int, into lineOut: inout [Line], _ noteOut: inout [Note]) {
        lines.copy(Int(lineFirst[i]), Int(lineCount[i]), into: &lineOut)
        notes.copy(Int(noteFirst[i]), Int(noteCount[i]), into: &noteOut)
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
