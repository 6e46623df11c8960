import Foundation
import Testing
@testable import PoskoCore

/// Line pools are shared between a cached plan and the next run; appending to a shared pool
/// must leave the other copy as it was and keep every handed-out range readable.
@Suite struct PlanPoolTests {
    @Test func appendingToASharedPoolLeavesTheOtherCopyUnchanged() {
        var original = PlanPool<String>()
        let n = PlanPool<String>.ownedFrom + 4
        for i in 0..<n { original.append("a\(i)") }
        var copy = original
        let start = copy.appendStart()
        for i in 0..<5 { copy.append("b\(i)") }

        #expect(original.count == n && original.stored == n)
        #expect((0..<n).map { original[$0] } == (0..<n).map { "a\($0)" })
        // The shared block is not written: the copy's run starts at the next block.
        #expect(start == PlanPool<String>.blockSize)
        #expect(copy.stored == n + 5)
        #expect(copy.count == start + 5)
        var run: [String] = []
        copy.copy(start, 5, into: &run)
        #expect(run == (0..<5).map { "b\($0)" })
        #expect((0..<n).map { copy[$0] } == (0..<n).map { "a\($0)" })
    }

    @Test func aShortSharedBlockIsCopiedNotSkipped() {
        var original = PlanPool<Int>()
        for i in 0..<3 { original.append(i) }
        var copy = original
        let start = copy.appendStart()
        copy.append(3)
        #expect(start == 3 && copy.stored == 4 && copy.count == 4)
        #expect((0..<4).map { copy[$0] } == [0, 1, 2, 3])
        #expect(original.count == 3)
    }

    @Test func aPoolOfItsOwnKeepsAppendingInPlace() {
        var pool = PlanPool<Int>()
        var starts: [Int] = []
        for i in 0..<(PlanPool<Int>.blockSize + 3) {
            starts.append(pool.appendStart())
            pool.append(i)
        }
        #expect(starts == Array(0..<(PlanPool<Int>.blockSize + 3)))
        #expect(pool.stored == pool.count)
        var all: [Int] = []
        pool.copy(0, pool.count, into: &all)
        #expect(all == Array(0..<(PlanPool<Int>.blockSize + 3)))
    }

    @Test func aRunStartedButLeftEmptyOpensNoExtraBlock() {
        var pool = PlanPool<Int>()
        let first = pool.appendStart(), second = pool.appendStart()
        #expect(first == 0 && second == 0)
        pool.append(7)
        #expect(pool[0] == 7)
        #expect(pool.count == 1 && pool.stored == 1)
    }

    @Test func aServiceFlowOutputRewrittenWhileSharedKeepsBothVersions() {
        var before = FlowOutput()
        before.setLeft(0, from: output([[4]]), otherLocal: 0)
        var after = before
        after.setLeft(0, from: output([[9]]), otherLocal: 0)

        var flows: [(right: Int32, amount: Int32)] = []
        before.flows(local: 0, into: &flows)
        #expect(flows.map(\.right) == [4] && flows.map(\.amount) == [5])
        flows.removeAll()
        after.flows(local: 0, into: &flows)
        #expect(flows.map(\.right) == [9] && flows.map(\.amount) == [10])
        #expect(after.liveEntries == 1 && after.deadEntries == 1)
        after.compact()
        flows.removeAll()
        after.flows(local: 0, into: &flows)
        #expect(flows.map(\.right) == [9] && after.liveEntries == 1 && after.deadEntries == 0)
    }

    @Test func blocksOfAnotherPoolAreTakenAtTheNextBoundary() {
        var first = PlanPool<Int>(), second = PlanPool<Int>()
        for i in 0..<5 { first.append(i) }
        for i in 0..<(PlanPool<Int>.blockSize + 2) { second.append(100 + i) }
        let offset = first.appendBlocks(of: second)
        #expect(offset == PlanPool<Int>.blockSize)
        #expect(first.stored == 5 + second.stored)
        #expect((0..<5).map { first[$0] } == Array(0..<5))
        #expect((0..<second.count).map { first[offset + $0] } == (0..<second.count).map { second[$0] })
        // Appending goes on after the taken blocks.
        let next = first.appendStart()
        first.append(-1)
        #expect(next == offset + second.count && first[next] == -1)
        #expect(second.count == PlanPool<Int>.blockSize + 2)
    }

    @Test func outputPiecesJoinWithTheirLinesAndFlows() {
        let lefts: [[Int32]] = [[1, 2], [], [3], [4, 5, 6]]
        var joined = output(Array(lefts[0..<2]))
        joined.append(output(Array(lefts[2...])))
        #expect(joined.leftCount == 4)
        for (i, expected) in lefts.enumerated() {
            var flows: [(right: Int32, amount: Int32)] = []
            joined.flows(local: i, into: &flows)
            #expect(flows.map(\.right) == expected && flows.map(\.amount) == expected.map { $0 + 1 }, "left \(i)")
            var lines: [PlanAssignment] = []
            var unmet: [PlanUnmet] = []
            joined.copyLines(i, into: &lines, &unmet)
            #expect(lines.map(\.to) == expected.map { "t\($0)" } && unmet.isEmpty)
        }
        #expect(joined.liveEntries == 6 && joined.deadEntries == 0)
    }

    @Test func droppedLinesLeaveTheFlowsAndAreNotCopiedOn() {
        var out = output([[1, 2], [3]])
        #expect(out.holdsLines && out.holdsLines(0) && out.holdsLines(1))
        out.dropLines()
        #expect(!out.holdsLines && !out.holdsLines(0) && !out.holdsLines(1))
        var flows: [(right: Int32, amount: Int32)] = []
        out.flows(local: 0, into: &flows)
        #expect(flows.map(\.right) == [1, 2] && flows.map(\.amount) == [2, 3])
        // A left moved from a dropped output carries its flows, not lines; one moved from a
        // held output carries both.
        var moved = FlowOutput()
        moved.setLeft(0, from: out, otherLocal: 1)
        moved.setLeft(1, from: output([[7]]), otherLocal: 0)
        #expect(!moved.holdsLines(0) && moved.holdsLines(1))
        flows.removeAll()
        moved.flows(local: 0, into: &flows)
        #expect(flows.map(\.right) == [3])
        var lines: [PlanAssignment] = [], unmet: [PlanUnmet] = []
        moved.copyLines(1, into: &lines, &unmet)
        #expect(lines.map(\.to) == ["t7"])
    }

    /// An output with one left per list, each sending `t + 1` units to every target `t` listed.
    private func output(_ targets: [[Int32]]) -> FlowOutput {
        var out = FlowOutput()
        for lefts in targets {
            let start = out.startLeft()
            for t in lefts { out.append(line("t\(t)", amount: Int(t) + 1), tag: PlanLineFlow(target: t, amount: t + 1)) }
            out.closeLeft(start)
        }
        return out
    }

    private func line(_ to: String, amount: Int) -> PlanAssignment {
        PlanAssignment(from: "p", fromKelurahan: "k", to: to, toKelurahan: "k", bidang: .kesehatan, amount: amount,
                       distanceKm: 1, fallbackRank: nil, overrideID: nil, reason: "r")
    }
}

/// Work the planner starts on a second thread must come back, also when every thread of the
/// queue it is sent to is busy waiting for such work.
@Suite struct PlanBackgroundTests {
    @Test func valuesComeBackOnOneThreadAndOnMany() {
        #expect(PlanBackground(startNow: false) { 6 * 7 }.wait() == 42)
        #expect(PlanBackground(startNow: true) { (1...100).reduce(0, +) }.wait() == 5050)
    }

    @Test func tasksOfUnequalSizeComeBackInIndexOrderEachRunOnce() {
        let runs = PlanParallelResults<Int>(count: 40)
        // Early tasks are the slow ones, so a second thread finishes later indices first.
        let values = PlanParallel.each(40, threads: 2) { i in
            usleep(UInt32((40 - i) * 100))
            runs.store(i, (runs.values[i] ?? 0) + 1)
            return i * i
        }
        #expect(values == (0..<40).map { $0 * $0 })
        #expect(runs.values.map { $0 ?? 0 } == Array(repeating: 1, count: 40))
        #expect(PlanParallel.each(0, threads: 2) { $0 }.isEmpty)
    }

    @Test(arguments: [false, true])
    func valuesByIndexAreEachComputedOnceWhoeverTakesThem(startNow: Bool) {
        let runs = PlanParallelResults<Int>(count: 300)
        let each = PlanBackgroundEach(300, startNow: startNow) { i -> Int in
            if i % 7 == 0 { usleep(200) }
            runs.store(i, (runs.values[i] ?? 0) + 1)
            return 3 * i
        }
        #expect(each.wait() == (0..<300).map { 3 * $0 })
        #expect(runs.values.map { $0 ?? 0 } == Array(repeating: 1, count: 300))
        #expect(PlanBackgroundEach(0, startNow: startNow) { $0 }.wait().isEmpty)
    }

    @Test func aDeferredValueIsComputedOnceByTheFirstHelper() {
        let runs = PlanParallelResults<Int>(count: 1)
        let value = PlanBackground(startNow: false) { () -> Int in
            runs.store(0, (runs.values[0] ?? 0) + 1)
            return 42
        }
        #expect(runs.values[0] == nil)  // not started until someone helps or waits
        value.help()
        value.help()
        #expect(value.wait() == 42)
        #expect(runs.values[0] == 1)
    }

    /// Workers with nothing to do while a solve runs take the aside work, once (the next idle
    /// worker waits for the solve instead); never before a solve or render that is ready.
    @Test func theTaskQueueHandsOutTheAsideWorkOnlyWhenIdleAndOnce() {
        @Sendable func kind(_ task: PlanTaskQueue<FlowOutput>.Task?) -> String {
            switch task {
            case .solve?: "solve"
            case .render?: "render"
            case .aside?: "aside"
            case nil: "none"
            }
        }
        let queue = PlanTaskQueue<FlowOutput>(solves: 1, aside: {})
        #expect(kind(queue.next()) == "solve")
        #expect(kind(queue.next()) == "aside")  // idle while group 0 is solved
        // A second idle worker must wait for the solve, not get the aside work again.
        let second = PlanParallelResults<String>(count: 1)
        let returned = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            second.store(0, kind(queue.next()))
            returned.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        queue.solved(0, PlanSolveResult(arcFlows: [], unmet: []), parts: 1)
        returned.wait()
        #expect(second.values[0] == "render")
        queue.rendered(0, part: 0, FlowOutput())
        #expect(kind(queue.next()) == "none")
        #expect(queue.results().count == 1)
    }

    @Test func waitersThatFillTheQueueStillGetTheirValues() {
        let results = PlanParallelResults<Int>(count: 64)
        // More waiting workers than cores: their background blocks may find no free thread.
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let inner = PlanBackground(startNow: true) { i * i }
            results.store(i, inner.wait())
        }
        #expect(results.values.map { $0 ?? -1 } == (0..<64).map { $0 * $0 })
    }
}
