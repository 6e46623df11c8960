// Planner benchmark: a generated province (Benchmarks/province/ProvinceGenerator.swift),
// 30% of its posts closed by one flood emergency, then:
//   - ContinuityEvaluator.evaluate (measured separately)
//   - PlanningIndex build
//   - full plan (no cache)                          target < 200 ms
//   - re-plan with nothing changed
//   - incremental re-plans after one post changes   target < 10 ms
//     (and the evaluation they start from, updated by ContinuityTracker)
// Re-plans are timed as PlanKeeper runs them (cache handed over, updated in place), and
// also with a cache the caller keeps (copied where it changes).
// Medians over RUNS runs (default 7). Times are wall clock; "cpu" is process CPU time.
// FULL_ONLY=1 stops after the full plan (for quick comparisons of two builds). The receiving
// posts changed below are read off the plan, so a change that settles ties differently picks
// other posts; RECEIVING=<post id> and DEGRADED=<post id> fix them to compare such builds.
import Foundation
import PoskoCore

let clock = ContinuousClock()
let runs = max(1, Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 7)

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func cpuMs() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f2(_ x: Double) -> String { String(format: "%.2f", x) }

/// Runs `body` `runs` times; returns median and min wall time, median CPU time, last result.
/// The previous run's result is freed before the clock starts: releasing a whole province
/// plan (~135,000 lines) is not part of computing the next one.
func measure<T>(_ body: () -> T) -> (median: Double, min: Double, cpu: Double, result: T) {
    var wall: [Double] = [], cpu: [Double] = []
    var result: T? = body()  // warm-up
    for _ in 0..<runs {
        result = nil
        let c0 = cpuMs()
        let t0 = clock.now
        result = body()
        wall.append(ms(clock.now - t0))
        cpu.append(cpuMs() - c0)
    }
    return (median(wall), wall.min() ?? 0, median(cpu), result ?? body())
}

var t0 = clock.now
let generator = ProvinceGenerator()
let files = generator.playbookFiles()
let csv = generator.wilayahCSV()
print("generated: \(generator.kecamatan.count) kecamatan, \(generator.kelurahan.count) kelurahan, \(generator.posts.count) posts × 6 fields, \(generator.cadres.count) cadres (\(files.reduce(0) { $0 + $1.text.utf8.count } / 1024) KiB of YAML) in \(f1(ms(clock.now - t0))) ms")

t0 = clock.now
let wilayah = WilayahTable.binjai.merging(try WilayahTable.parseCSV(csv))
let (loaded, diagnostics) = PlaybookSet.load(files: files.map { (path: "province/" + $0.name, data: Data($0.text.utf8)) }, wilayah: wilayah)
guard let set = loaded else {
    for d in diagnostics.prefix(20) { print(d) }
    exit(1)
}
print("loaded and validated by PlaybookSet.load in \(f1(ms(clock.now - t0) / 1000 * 1000)) ms (\(diagnostics.count) diagnostics)")

let now = Date(timeIntervalSince1970: 1_795_400_000)
let scenario = generator.floodScenario(fraction: 0.30)
var state = OperationalState()
state.emergencies = [Emergency(id: "banjir-1", hazard: .banjir, status: .tanggapDarurat, areas: scenario.areas,
                               declaredAt: now, source: "operator:bench")]
for id in set.posts.map(\.id) { state.lastCheckIn[id] = now }

@MainActor func report(_ id: String, _ status: ServiceStatus, in state: inout OperationalState, bidang: Bidang? = nil, capacity: Int? = nil) {
    guard let post = set.posts[id] else { return }
    for b in post.layanan.keys where bidang == nil || b == bidang {
        state.reports[PostField(id, b)] = StatusReport(postID: id, bidang: b, status: status, capacity: capacity, reporter: "bench", at: now)
    }
}
for id in scenario.closed { report(id, .tutup, in: &state) }
let banjir = set.posts.filter { $0.rawan.contains(.banjir) }.count
print("scenario: banjir over \(scenario.areas.count) of 30 kabupaten/kota; \(scenario.closed.count) posts (\(f1(Double(scenario.closed.count) / Double(set.posts.count) * 100))%) closed for all fields; \(banjir) posts rawan banjir")

let evaluation = measure { ContinuityEvaluator.evaluate(set, state: state, now: now) }
let states = evaluation.result
print("ContinuityEvaluator.evaluate: \(states.count) post × fields — median \(f1(evaluation.median)) ms (min \(f1(evaluation.min)))")

let indexing = measure { PlanningIndex(set: set) }
let index = indexing.result
print("PlanningIndex: \(index.slotCount) slots, \(f1(Double(index.neighbourEntries) / Double(set.posts.count))) neighbours per post within \(f1(index.radiusKm)) km — median \(f1(indexing.median)) ms (min \(f1(indexing.min)))")

let full = measure { Planner.plan(index: index, states: states, state: state, version: 1, at: now) }
let (plan, cache) = full.result
let t = plan.totals
print("full plan: median \(f1(full.median)) ms (min \(f1(full.min)), cpu \(f1(full.cpu)))   [target < 200 ms]")
print("  displaced \(t.displaced) units, moved \(t.moved), unmet \(t.unmet); \(plan.assignments.count) assignments, \(plan.unmet.count) unmet lines")
print("  cadres: needed \(t.cadresNeeded), free \(t.cadresAvailable), assigned \(t.cadresAssigned); \(plan.cadreShortages.count) shortage lines")
let fs = cache.stats.flow, cs = cache.stats.cadres
print("  service flow: \(fs.components) components, largest \(fs.largestProblem) sources, \(fs.iterations) pivots; cadres: \(cs.components) components, largest \(cs.largestProblem) posts × fields, \(cs.iterations) pivots")
if ProcessInfo.processInfo.environment["FULL_ONLY"] != nil { exit(0) }

/// A re-plan as PlanKeeper runs it: the keeper hands its cache over (`consume`), so the run
/// updates it in place. Each run gets a cache of its own, made by a full plan (with the same
/// lines as `plan`) before its clock starts.
@MainActor func measureHandedOver(_ newStates: [PostFieldState], _ newState: OperationalState) -> (median: Double, min: Double, result: (plan: Plan, cache: PlanCache)) {
    var wall: [Double] = []
    var result: (plan: Plan, cache: PlanCache)?
    for i in 0...runs {
        result = nil
        let (previous, handed) = Planner.plan(index: index, states: states, state: state, version: 1, at: now)
        let t0 = clock.now
        result = Planner.plan(index: index, states: newStates, state: newState, previous: previous, cache: consume handed, version: 2, at: now)
        if i > 0 { wall.append(ms(clock.now - t0)) }  // the first is a warm-up
    }
    return (median(wall), wall.min() ?? 0, result!)
}

let same = measureHandedOver(states, state)
let sameShared = measure { Planner.plan(index: index, states: states, state: state, previous: plan, cache: cache, version: 2, at: now) }
print("re-plan, nothing changed: median \(f2(same.median)) ms (min \(f2(same.min))); cache kept by the caller: \(f2(sameShared.median)) ms")

@MainActor func incremental(_ label: String, _ change: (inout OperationalState) -> Void) {
    var changed = state
    change(&changed)
    let changedStates = ContinuityEvaluator.evaluate(set, state: changed, now: now)
    // The evaluation the re-plan starts from, as PlanKeeper keeps it (ContinuityTracker).
    var evalTimes: [Double] = []
    for _ in 0...runs {
        var tracker = ContinuityTracker(set: set)
        _ = tracker.update(state: state, now: now)
        let t0 = clock.now
        let tracked = tracker.update(state: changed, now: now)
        evalTimes.append(ms(clock.now - t0))
        precondition(tracked == changedStates, "tracker and evaluate disagree")
    }
    evalTimes.removeFirst()
    let run = measureHandedOver(changedStates, changed)
    let shared = measure { Planner.plan(index: index, states: changedStates, state: changed, previous: plan, cache: cache, version: 2, at: now) }
    let s = run.result.cache.stats
    let diff = PlanDiff.between(plan, run.result.plan)
    let cold = Planner.plan(index: index, states: changedStates, state: changed, previous: plan, version: 2, at: now).plan
    print("incremental, \(label): median \(f2(run.median)) ms (min \(f2(run.min)))   [target < 10 ms]; cache kept by the caller: \(f2(shared.median)) ms")
    print("  its evaluation, updated by ContinuityTracker: median \(f2(median(evalTimes))) ms (full evaluation above)")
    print("  \(s.changedSlots) slots changed; service flow: \(s.flow.solved) solved, \(s.flow.repaired) repaired, \(s.flow.kept) kept, \(s.flow.recomputedNodes) sources re-solved; cadres: \(s.cadres.solved) solved, \(s.cadres.repaired) repaired, \(s.cadres.recomputedNodes) re-solved; \(s.rebuiltChunks) line chunks rebuilt; diff \(diff.lines.count) lines")
    print("  moved \(run.result.plan.totals.moved) vs \(cold.totals.moved) by a full re-plan (\(f2(Double(run.result.plan.totals.moved) / Double(max(cold.totals.moved, 1)) * 100))%)")
}
let reopened = scenario.closed[scenario.closed.count / 2]
incremental("closed post \(reopened) reports berjalan") { report(reopened, .berjalan, in: &$0) }
let receiving = ProcessInfo.processInfo.environment["RECEIVING"] ?? plan.assignments[plan.assignments.count / 2].to
incremental("receiving post \(receiving) reports tutup") { report(receiving, .tutup, in: &$0) }
let degraded = ProcessInfo.processInfo.environment["DEGRADED"] ?? plan.assignments[plan.assignments.count / 3].to
incremental("receiving post \(degraded) kesehatan terganggu (capacity 10)") {
    report(degraded, .terganggu, in: &$0, bidang: .kesehatan, capacity: 10)
}
