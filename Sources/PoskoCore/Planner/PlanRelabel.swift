import Foundation

/// Lines whose words changed while their solution did not. A post going from closed to silent
/// (or back) keeps its solution (`PlanText.solveStatus`, `CadreFreedom.solveKind`), but the
/// lines of its moved demand and of its freed cadres read "tidak melapor" instead of "tutup".
/// Lines the run did not render again are rewritten here, in their chunks; a line rendered
/// this run already has the new words and is left as it is.
enum PlanRelabel {
    /// The assignment and unmet lines of the `slots` whose status went from `oldStatus` to
    /// the inputs' (every such line starts with its source's text).
    static func flowLines(_ chunks: inout PlanFlowChunks, slots: [Int32], oldStatus: [UInt8], index: PlanningIndex, inputs: PlanSlotInputs) {
        for s32 in slots {
            let s = Int(s32)
            let k = s / PlanChunking.size, i = s - k * PlanChunking.size
            let name = index.postNames[Int(index.slotPost[s])]
            let old = PlanText.source(name, status: oldStatus[s], hazards: inputs.hazard[s], capacity: Int(inputs.capacity[s]))
            let new = PlanText.source(name, status: inputs.status[s], hazards: inputs.hazard[s], capacity: Int(inputs.capacity[s]))
            if i + 1 < chunks.slotStart[k].count {
                for j in Int(chunks.slotStart[k][i])..<Int(chunks.slotStart[k][i + 1]) where chunks.assignments[k][j].reason.hasPrefix(old) {
                    chunks.assignments[k][j].reason = new + chunks.assignments[k][j].reason.dropFirst(old.count)
                }
            }
            if i + 1 < chunks.unmetStart[k].count {
                for j in Int(chunks.unmetStart[k][i])..<Int(chunks.unmetStart[k][i + 1]) where chunks.unmet[k][j].reason.hasPrefix(old) {
                    chunks.unmet[k][j].reason = new + chunks.unmet[k][j].reason.dropFirst(old.count)
                }
            }
        }
    }

    /// The lines of the `cadres` whose freedom went from `oldFreedom` to `freedom` ("<nama>:
    /// pos asal <post> tutup; ke …" and the like), wherever the plan sends them.
    static func cadreLines(_ chunks: inout PlanCadreChunks, cadres: [Int32], oldFreedom: [UInt8], freedom: [UInt8],
                           planCadreSlot: [Int32], index: PlanningIndex) {
        // As `CadreStage.render` begins such a line.
        func prefix(_ c: Int, _ f: UInt8) -> String {
            index.cadreNames[c] + ": " + PlanLine.build { $0.addFreedHome(index.postNames[Int(index.cadreHome[c])], freedom: f) }
        }
        for c32 in cadres {
            let c = Int(c32), s = Int(planCadreSlot[c])
            guard s >= 0, index.cadreHome[c] >= 0 else { continue }
            let k = s / PlanChunking.size, i = s - k * PlanChunking.size
            guard i + 1 < chunks.slotStart[k].count else { continue }
            let old = prefix(c, oldFreedom[c]), new = prefix(c, freedom[c])
            for j in Int(chunks.slotStart[k][i])..<Int(chunks.slotStart[k][i + 1])
            where chunks.cadres[k][j] == c32 && chunks.assignments[k][j].reason.hasPrefix(old) {
                chunks.assignments[k][j].reason = new + chunks.assignments[k][j].reason.dropFirst(old.count)
            }
        }
    }
}
