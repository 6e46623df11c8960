import Foundation

/// ``ContinuityView/cells(_:states:moved:)`` kept up to date between evaluations: each update
/// adds to a cell only what changed in its states since the last one (a state's numbers, or
/// the demand the plan moves from it), so a re-plan at province scale does not sum 120,000
/// states and look each displaced one up in the plan again. The cells are always exactly
/// what `ContinuityView.cells` gives for the same states and moved demand.
public struct CoverageBook: Sendable {
    /// Sorted by kelurahan then field, as `ContinuityView.cells`.
    public private(set) var cells: [CoverageCell] = []
    private var digest: String?
    /// Per state of the last update: its post × field, its cell, its own numbers, and the
    /// moved demand counted as served.
    private var keys: [PostField] = []
    private var cellOf: [Int32] = []
    private var demand: [Int] = []
    private var served: [Int] = []
    private var displaced: [Int] = []
    private var movedIn: [Int] = []
    private var stateOf: [PostField: Int32] = [:]

    public init() {}

    /// Brings the cells to `states` and `moved`. `states`: an evaluation of `set`
    /// (``ContinuityEvaluator`` order). `movedChanged`: the post × fields whose moved demand may
    /// differ from the last update's (nil: any may). States of another playbook set, or not in
    /// the last update's order, start the book afresh. Returns the indices of the cells whose
    /// numbers changed, ascending (all of them after a fresh start).
    @discardableResult
    public mutating func update(_ set: PlaybookSet, states: [PostFieldState], moved: [PostField: Int],
                                movedChanged: [PostField]?) -> [Int] {
        if digest != set.digest || states.count != keys.count {
            start(set, states: states, moved: moved)
            return Array(cells.indices)
        }
        var marked = [Bool](repeating: false, count: cells.count)
        var changed: [Int] = []
        var misplaced = false
        states.withUnsafeBufferPointer { states in
            // Reads fields in place: copying a state retains its strings and arrays.
            func refresh(_ i: Int) {
                guard states[i].bidang == keys[i].bidang, states[i].postID == keys[i].postID else {
                    misplaced = true
                    return
                }
                let displacedNow = states[i].displaced
                let m = displacedNow > 0 ? min(displacedNow, moved[keys[i]] ?? 0) : 0
                let d = states[i].demand, sv = states[i].served
                guard d != demand[i] || sv != served[i] || displacedNow != displaced[i] || m != movedIn[i] else { return }
                let c = Int(cellOf[i])
                cells[c].demand += d - demand[i]
                cells[c].served += sv + m - served[i] - movedIn[i]
                cells[c].displaced += displacedNow - displaced[i]
                (demand[i], served[i], displaced[i], movedIn[i]) = (d, sv, displacedNow, m)
                if !marked[c] {
                    marked[c] = true
                    changed.append(c)
                }
            }
            for i in 0..<states.count where movedChanged == nil
                || states[i].demand != demand[i] || states[i].served != served[i] || states[i].displaced != displaced[i] {
                // Only a state whose numbers changed, or whose moved demand may have, can change a cell.
                refresh(i)
            }
            for key in movedChanged ?? [] {
                if let i = stateOf[key] { refresh(Int(i)) }
            }
        }
        if misplaced {
            start(set, states: states, moved: moved)
            return Array(cells.indices)
        }
        changed.sort()
        for c in changed {
            cells[c].unmet = cells[c].demand - cells[c].served
            cells[c].coverage = cells[c].demand == 0 ? 1 : Double(cells[c].served) / Double(cells[c].demand)
        }
        return changed
    }

    private mutating func start(_ set: PlaybookSet, states: [PostFieldState], moved: [PostField: Int]) {
        cells = ContinuityView.cells(set, states: states, moved: moved)
        digest = set.digest
        // A kelurahan's cells are consecutive, in field order.
        var first: [String: Int] = [:]
        for (c, cell) in cells.enumerated() where first[cell.kelurahan] == nil { first[cell.kelurahan] = c }
        func cell(_ s: PostFieldState) -> Int32 {
            var c = first[s.kelurahan] ?? 0
            while c + 1 < cells.count && cells[c].bidang != s.bidang { c += 1 }
            return Int32(c)
        }
        keys = states.map { PostField($0.postID, $0.bidang) }
        cellOf = states.map(cell)
        demand = states.map(\.demand)
        served = states.map(\.served)
        displaced = states.map(\.displaced)
        movedIn = zip(states, keys).map { s, k in s.displaced > 0 ? min(s.displaced, moved[k] ?? 0) : 0 }
        stateOf = Dictionary(keys.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
    }
}
