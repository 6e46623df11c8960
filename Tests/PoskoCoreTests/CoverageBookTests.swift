import Foundation
import Testing
@testable import PoskoCore

/// The book updates only the cells whose states or moved demand changed; its cells must always
/// be exactly a full `ContinuityView.cells`, and it must say which cells changed.
@Suite struct CoverageBookTests {
    let set = PlanFixtures.binjai

    @Test(arguments: [UInt64(5), 23, 61])
    func followsTheFullViewThroughRandomChanges(seed: UInt64) {
        var rng = PlanTestRandom(seed: seed)
        let now = PlanFixtures.now
        var state = PlanFixtures.flood()
        var tracker = ContinuityTracker(set: set)
        var states = tracker.update(state: state, now: now)
        var moved: [PostField: Int] = [:]
        var book = CoverageBook()
        let first = book.update(set, states: states, moved: moved, movedChanged: nil)
        var cells = ContinuityView.cells(set, states: states, moved: moved)
        #expect(book.cells == cells && first == Array(cells.indices))
        let posts = set.posts.map(\.id).sorted()
        var cellsChanged = 0
        for step in 0..<150 {
            let post = posts[Int(rng.next() % UInt64(posts.count))]
            switch rng.next() % 5 {
            case 0: PlanFixtures.report(&state, set, post, .tutup)
            case 1: PlanFixtures.report(&state, set, post, .berjalan)
            case 2: PlanFixtures.report(&state, set, post, .terganggu, bidang: .kesehatan, capacity: Int(rng.next() % 40))
            default: break
            }
            states = tracker.update(state: state, now: now)
            // The plan moves some displaced demand of a few post × fields (or stops moving it).
            var movedChanged: [PostField] = []
            for s in states where s.displaced > 0 && rng.next() % 6 == 0 {
                let key = PostField(s.postID, s.bidang)
                moved[key] = rng.next() % 3 == 0 ? nil : Int(rng.next() % UInt64(s.displaced + 5)) + 1
                movedChanged.append(key)
            }
            // Now and then the caller does not know what the plan moved: everything is looked up.
            let told: [PostField]? = rng.next() % 7 == 0 ? nil : movedChanged
            let changed = book.update(set, states: states, moved: moved, movedChanged: told)
            let full = ContinuityView.cells(set, states: states, moved: moved)
            #expect(book.cells == full, "step \(step)")
            #expect(changed == full.indices.filter { full[$0] != cells[$0] }, "step \(step)")
            cellsChanged += changed.count
            cells = full
        }
        // The steps did move coverage (the comparison above was not between unchanged views).
        #expect(cellsChanged > 50)
    }

    @Test func statesInAnotherOrderStartAfresh() {
        let state = PlanFixtures.flood()
        let states = ContinuityEvaluator.evaluate(set, state: state, now: PlanFixtures.now)
        var book = CoverageBook()
        book.update(set, states: states, moved: [:], movedChanged: [])
        // Same count, another order: the cells are found again, not updated by position.
        let reversed = Array(states.reversed())
        var reopened = state
        for s in states where s.displaced > 0 { PlanFixtures.report(&reopened, set, s.postID, .berjalan) }
        let later = Array(ContinuityEvaluator.evaluate(set, state: reopened, now: PlanFixtures.now).reversed())
        let earlier = book.cells
        let changed = book.update(set, states: later, moved: [:], movedChanged: [])
        #expect(book.cells == ContinuityView.cells(set, states: later, moved: [:]))
        // Every cell is new after a fresh start, though not every cell's numbers changed.
        #expect(changed == Array(book.cells.indices))
        #expect(zip(earlier, book.cells).contains { $0 == $1 })
        #expect(book.cells != ContinuityView.cells(set, states: reversed, moved: [:]))
    }
}
