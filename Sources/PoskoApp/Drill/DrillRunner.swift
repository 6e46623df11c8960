import Foundation
import Logging
import PoskoCore
import PoskoDelivery
import PoskoStorage

/// Plays a scenario on a virtual clock through the same coordinator, storage (in memory),
/// alert rules, outbox and dispatcher as the daemon, with simulated channels. Same
/// scenario and seed → the same result, byte for byte.
public struct DrillRunner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Hooks for the planner: recompute after changes, given the store's current state and its
    /// evaluation (returns a timeline line when the plan changed), the demand the current plan
    /// moves (for coverage), the coverage cells of the last re-plan (empty before one), and
    /// setting a coordinator override (returns it with its id).
    public struct Planning: Sendable {
        public var replan: @Sendable (Date, OperationalState, [PostFieldState]) throws -> String?
        public var moved: @Sendable () -> [PostField: Int]
        public var cells: @Sendable () -> [CoverageCell]
        public var override: @Sendable (PlanOverride, Actor, Date) throws -> PlanOverride

        public init(replan: @escaping @Sendable (Date, OperationalState, [PostFieldState]) throws -> String?,
                    moved: @escaping @Sendable () -> [PostField: Int],
                    cells: @escaping @Sendable () -> [CoverageCell],
                    override: @escaping @Sendable (PlanOverride, Actor, Date) throws -> PlanOverride) {
            self.replan = replan
            self.moved = moved
            self.cells = cells
            self.override = override
        }
    }

    let scenario: DrillScenario
    let set: PlaybookSet
    let maxSteps: Int

    public init(scenario: DrillScenario, playbooks: PlaybookSet, maxSteps: Int = 200_000) {
        self.scenario = scenario
        self.set = playbooks
        self.maxSteps = maxSteps
    }

    /// Where a drill's time went (wall clock, so never part of the report): `posko drill --stats`.
    public struct Stats: Sendable, CustomStringConvertible {
        public var steps = 0
        public var replans = 0
        public var seconds: [String: Double] = [:]

        public init() {}

        private var mark = ContinuousClock.now

        /// Adds the time since the last lap to `phase`.
        mutating func lap(_ phase: String) {
            let now = ContinuousClock.now
            let (s, atto) = (now - mark).components
            seconds[phase, default: 0] += Double(s) + Double(atto) * 1e-18
            mark = now
        }

        public var description: String {
            let total = seconds.values.reduce(0, +)
            let phases = seconds.sorted { $0.value > $1.value }.map { String(format: "%@ %.3f s", $0.key, $0.value) }
            return "\(steps) steps, \(replans) re-plans, \(String(format: "%.3f", total)) s: " + phases.joined(separator: ", ")
        }
    }

    public func run(planning: ((Coordinator) -> Planning)? = nil) async throws -> DrillResult {
        var stats = Stats()
        return try await run(planning: planning, stats: &stats)
    }

    public func run(planning: ((Coordinator) -> Planning)? = nil, stats: inout Stats) async throws -> DrillResult {
        let s = scenario
        let store = try PoskoStore.inMemory()
        let routing = AlertRouting(smsChannels: s.smsChannels, webhooks: Set(s.webhooks), groupingWindow: 60)
        let coordinator = Coordinator(store: store, playbooks: set, routing: routing)
        let plan = planning?(coordinator)
        var rng = SeededRandom(seed: s.seed)
        var channels: [String: SimulatedChannel] = [:]
        for name in s.smsChannels { channels["sms:\(name)"] = SimulatedChannel(name: name, isSMS: true, start: s.mulai) }
        for name in s.webhooks { channels["webhook:\(name)"] = SimulatedChannel(name: name, isSMS: false, start: s.mulai) }
        let randomBox = RandomBox(seed: s.seed &+ 1)
        // The report tells what failed over; per-attempt log lines would only be noise here.
        var quiet = Logger(label: "posko.drill")
        quiet.logLevel = .critical
        let dispatcher = Dispatcher(store: store, notifiers: channels, logger: quiet,
                                    random: { randomBox.unit() }, lease: 60)
        let end = s.mulai.addingTimeInterval(Double(s.durasi))
        var now = s.mulai
        var timeline: [DrillResult.TimelineEntry] = []
        var injects = s.injects[...]
        var emergencies: [String] = []
        var silenced = Set<String>()
        var acks: [(at: Date, code: String, recipient: String)] = []
        var askedAck = Set<String>()
        var dlrs: [(at: Date, id: String)] = []
        var seenSends: [String: Int] = [:]
        var samples: [DrillResult.CoverageSample] = []
        var nextSample = s.mulai
        var belowHalf: [String: Double] = [:]
        var worst: [String: Double] = [:]
        var peakDisplaced: [String: Double] = [:]
        var lastSampleAt = s.mulai
        var declarations: [(at: Date, kelurahan: [String], after: [Int: [String: Double]])] = []
        var coverageChecks: [(at: Date, index: Int, within: Int)] = []
        let withinValues = s.expectations.compactMap { e -> Int? in if case let .coverage(_, w) = e { w } else { nil } }
        var missed = MissedCheckIns()
        var missedLook: (change: Int, at: Date)?
        var lastPlannedChange = -1
        var stoppedEarly: String?
        let actor = Actor("latihan", via: .drill)

        func note(_ kind: String, _ text: String) { timeline.append(.init(at: now, kind: kind, text: text)) }

        // The state, read again only after the coordinator changed something (a province has
        // tens of thousands of post × fields; a drill has thousands of steps), with the tracker
        // brought up to it: its evaluation (for the planner and coverage both) and check-in
        // deadlines, updated for the posts that changed. Between changes they stay the same,
        // since a passed deadline is a change (the drill records the missed check-ins in the
        // step it passes).
        var known: (change: Int, state: OperationalState)?
        var tracker = ContinuityTracker(set: set)
        func current() throws -> OperationalState {
            if let known, known.change == coordinator.changeCount { return known.state }
            let state = try store.operationalState()
            tracker.update(state: state, now: now)
            known = (coordinator.changeCount, state)
            return state
        }
        func states() throws -> [PostFieldState] {
            _ = try current()
            return tracker.states
        }

        // Coverage in the view's order (sums over a dictionary's per-process order differ in their
        // last bits from run to run, and a report must not), with what a sample takes from it:
        // computed once per change of the state or the plan, not per sample (a province view has
        // 32,000 cells).
        struct Coverage {
            var byKecamatan: [String: Double] = [:]
            var overall: Double = 1
            /// Share of each kecamatan's demand displaced from its own posts (only those with some).
            var displacedByKecamatan: [String: Double] = [:]
            var overallDisplaced: Double = 0
            /// Each kelurahan's worst field, and its largest displaced share of a field.
            var worst: [(kelurahan: String, coverage: Double, displaced: Double)] = []
            /// Cells below half coverage, `kelurahan|bidang`.
            var low: [String] = []
        }
        // Not kept between calls: the planner updates its cells in place when nothing else holds them.
        func cells() throws -> [CoverageCell] {
            // The planner keeps the cells of its last run: the current ones when nothing changed since.
            let planned = lastPlannedChange == coordinator.changeCount ? plan?.cells() ?? [] : []
            return planned.isEmpty ? ContinuityView.cells(set, states: try states(), moved: plan?.moved() ?? [:]) : planned
        }
        var knownCoverage: (key: [Int], coverage: Coverage)?
        func coverage() throws -> Coverage {
            let key = [coordinator.changeCount, lastPlannedChange]
            if let knownCoverage, knownCoverage.key == key { return knownCoverage.coverage }
            var c = Coverage()
            let cells = try cells()
            struct Sums {
                var coverage = 0.0, cells = 0, demand = 0, displaced = 0
                mutating func add(_ cell: CoverageCell) {
                    coverage += cell.coverage
                    cells += 1
                    demand += cell.demand
                    displaced += cell.displaced
                }
            }
            var perKec: [String: Sums] = [:]
            var kec = ""
            for cell in cells {
                let share = cell.demand > 0 ? Double(cell.displaced) / Double(cell.demand) : 0
                // A kelurahan's cells come in a row.
                if let last = c.worst.last, last.kelurahan == cell.kelurahan {
                    c.worst[c.worst.count - 1] = (last.kelurahan, min(last.coverage, cell.coverage), max(last.displaced, share))
                } else {
                    c.worst.append((cell.kelurahan, cell.coverage, share))
                    kec = cell.kelurahan.split(separator: ".").prefix(3).joined(separator: ".")
                }
                perKec[kec, default: Sums()].add(cell)
                if cell.coverage < 0.5 { c.low.append("\(cell.kelurahan)|\(cell.bidang.rawValue)") }
            }
            c.byKecamatan = perKec.mapValues { $0.coverage / Double(max(1, $0.cells)) }
            c.displacedByKecamatan = perKec.filter { $0.value.displaced > 0 }.mapValues { Double($0.displaced) / Double(max(1, $0.demand)) }
            // Integer sums: the same in any order of the dictionary.
            let demand = perKec.values.reduce(0) { $0 + $1.demand }, displaced = perKec.values.reduce(0) { $0 + $1.displaced }
            c.overallDisplaced = demand > 0 ? Double(displaced) / Double(demand) : 0
            c.overall = cells.isEmpty ? 1 : cells.reduce(0) { $0 + $1.coverage } / Double(cells.count)
            knownCoverage = (key, c)
            return c
        }

        // Posts with a field reported closed: they do not check in. Closed posts stay overdue, so
        // every round meets the thousands of them again; the set follows the posts each state
        // says were written since the last look.
        var closed: (posts: Set<String>, changes: StateChanges?) = ([], nil)
        func closedPosts(_ state: OperationalState) -> Set<String> {
            func isClosed(_ id: String) -> Bool {
                set.posts[id]?.layanan.keys.contains { state.reports[PostField(id, $0)]?.status == .tutup } ?? false
            }
            // Before the first look (no changes seen yet) the record reaches nothing: all are read.
            if let written = state.changes?.posts(since: closed.changes) {
                for id in written {
                    if isClosed(id) { closed.posts.insert(id) } else { closed.posts.remove(id) }
                }
            } else {
                closed.posts = Set(state.reports.values.lazy.filter { $0.status == .tutup }.map(\.postID)).filter(isClosed)
            }
            closed.changes = state.changes
            return closed.posts
        }

        var lastLow: [String] = []
        var worstTakenFrom: [Int]?
        func sample() throws {
            let c = try coverage()
            let dt = now.timeIntervalSince(lastSampleAt)
            for cell in lastLow { belowHalf[cell, default: 0] += dt }
            lastLow = c.low
            lastSampleAt = now
            if worstTakenFrom != knownCoverage?.key {
                for w in c.worst {
                    worst[w.kelurahan] = min(worst[w.kelurahan] ?? 1, w.coverage)
                    if w.displaced > 0 { peakDisplaced[w.kelurahan] = max(peakDisplaced[w.kelurahan] ?? 0, w.displaced) }
                }
                worstTakenFrom = knownCoverage?.key
            }
            if samples.last?.at == now { samples.removeLast() }
            samples.append(.init(at: now, kecamatan: c.byKecamatan, overall: c.overall,
                                 displaced: c.displacedByKecamatan, overallDisplaced: c.overallDisplaced))
        }

        func apply(_ action: DrillScenario.Action) throws {
            switch action {
            case let .declare(hazard, areas, status):
                let e = try coordinator.declare(DeclareRequest(hazard: hazard.rawValue, areas: areas, status: status.rawValue), actor: actor, at: now)
                emergencies.append(e.id)
                let kels = AlertRules.kelurahan(in: e.areas, set: set)
                declarations.append((now, kels, [:]))
                for w in withinValues { coverageChecks.append((now.addingTimeInterval(Double(w)), declarations.count - 1, w)) }
                note("inject", "Darurat \(hazard.label) (\(status.label)) dinyatakan di \(kels.count) kelurahan")
            case let .change(index, status, areas):
                let before = Set(AlertRules.kelurahan(in: try coordinator.store.emergencies().first { $0.id == emergencies[index - 1] }?.areas ?? [], set: set))
                let e = try coordinator.change(emergencies[index - 1], ChangeRequest(status: status?.rawValue, areas: areas), actor: actor, at: now)
                // Kelurahan the change brings under the emergency are scored like a declaration's.
                let added = AlertRules.kelurahan(in: e.areas, set: set).filter { !before.contains($0) }
                if !added.isEmpty {
                    declarations.append((now, added, [:]))
                    for w in withinValues { coverageChecks.append((now.addingTimeInterval(Double(w)), declarations.count - 1, w)) }
                }
                note("inject", "Darurat \(e.id) diubah: \(e.status.label), \(e.areas.count) wilayah")
            case let .end(index):
                let e = try coordinator.end(emergencies[index - 1], actor: actor, at: now)
                note("inject", "Darurat \(e.id) diakhiri")
            case let .report(post, bidang, status, capacity, noteText):
                try coordinator.report(ReportRequest(post: post, bidang: bidang, status: status, capacity: capacity, note: noteText), actor: actor, at: now)
                note("inject", "Laporan: \(post) \(bidang) \(status)")
            case let .sms(from, text):
                let reply = try coordinator.handleSMS(from: from, text: text, at: now)
                note("sms", "SMS dari \(from): \"\(text)\" → \(reply)")
            case let .outage(channel, seconds, held):
                for (key, ch) in channels where key.hasSuffix(":\(channel)") { ch.outage(until: now.addingTimeInterval(Double(seconds)), held: held) }
                note("outage", held ? "SMSC kanal \(channel) putus selama \(DurationText.format(seconds)): gateway menahan SMS"
                                    : "Gangguan kanal \(channel) selama \(DurationText.format(seconds))")
            case let .silence(recipients):
                silenced.formUnion(recipients)
                note("inject", "Tidak ada balasan dari: \(recipients.joined(separator: ", "))")
            case let .override(o):
                let what = switch o.action {
                case .pin: "sematkan \(o.from ?? "") → \(o.to ?? "") (\(o.bidang?.label ?? ""))"
                case .forbidArc: "larang \(o.from ?? "") → \(o.to ?? "")\(o.bidang.map { " (\($0.label))" } ?? "")"
                case .forbidPost: "larang pos \(o.post ?? "") sebagai tujuan"
                }
                guard let plan else {
                    note("inject", "Override \(what): tidak diterapkan (latihan tanpa perencana)")
                    return
                }
                let stored = try plan.override(o, actor, now)
                note("inject", "Override \(stored.id): \(what)")
            }
        }

        try sample()
        var steps = 0
        while now <= end {
            // A drill is CPU work on the shared concurrency pool: let other tasks run.
            await Task.yield()
            steps += 1
            stats.steps = steps
            stats.lap("other")
            if steps > maxSteps {
                stoppedEarly = "latihan dihentikan setelah \(maxSteps) langkah pada \(DrillScoring.minutes(now.timeIntervalSince(s.mulai))) (kemungkinan perulangan eskalasi)"
                break
            }
            for ch in channels.values { ch.setTime(now) }
            // 1. Injects due now.
            while let i = injects.first, s.mulai.addingTimeInterval(Double(i.at)) <= now {
                injects = injects.dropFirst()
                do { try apply(i.action) } catch {
                    note("error", "Inject di \(i.location) gagal: \(error)")
                }
            }
            stats.lap("injects")
            // 2. Routine check-ins of working posts shortly before their deadline, then deadlines.
            let before = try current()
            stats.lap("state reads, evaluation")
            if let deadline = tracker.nextDeadline(after: now), deadline.timeIntervalSince(now) <= 600 {
                let posts = tracker.overduePosts(at: deadline.addingTimeInterval(1))
                let closed = closedPosts(before)
                var checkIns: [(post: String, actor: Actor)] = []
                for id in posts where !closed.contains(id) {
                    if rng.unit() < s.checkInProbability { checkIns.append((id, Actor("kader \(id)", via: .drill))) }
                }
                // One round, one transaction (a province round is a thousand posts).
                try coordinator.checkIns(checkIns, at: now)
                if !checkIns.isEmpty { note("checkin", "\(checkIns.count) pos melapor rutin (status tidak berubah)") }
            }
            stats.lap("routine check-ins")
            let state = try current()
            stats.lap("state reads, evaluation")
            // Only a changed state or a deadline passed since the last look can make a post newly
            // overdue (a province keeps thousands of silent posts overdue for days).
            let deadlinePassed = missedLook.map { look in look.at < now && tracker.hasDeadline(in: look.at..<now) } ?? true
            if missedLook?.change != coordinator.changeCount || deadlinePassed {
                try missed.announce(tracker.deadlines, lastCheckIn: state.lastCheckIn, now: now) { posts in
                    try coordinator.checkInsMissed(posts, at: now)
                    let named = posts.prefix(3).joined(separator: ", ") + (posts.count > 3 ? " dan \(posts.count - 3) lainnya" : "")
                    note("deadline", "\(posts.count) pos tidak melapor tepat waktu (\(named)); status TIDAK DIKETAHUI")
                }
                missedLook = (coordinator.changeCount, now)
            }
            stats.lap("missed check-ins")
            // 3. Escalations, acknowledgements, delivery reports due now.
            let escalated = try coordinator.escalateDue(at: now)
            if escalated > 0 { note("escalation", "\(escalated) peringatan belum dikonfirmasi dieskalasi") }
            let dueAcks = acks.prefix { $0.at <= now }
            acks.removeFirst(dueAcks.count)
            for a in dueAcks where try coordinator.acknowledge(code: a.code, actor: Actor(a.recipient, via: .drill), at: now) != nil {
                note("ack", "\(a.recipient) membalas OK \(a.code)")
            }
            let dueDLRs = dlrs.prefix { $0.at <= now }
            dlrs.removeFirst(dueDLRs.count)
            try store.deliveryReports(messageIDs: dueDLRs.map(\.id), delivered: true, detail: "1 (simulasi)", at: now)
            stats.lap("escalations, acks, DLRs")
            // 4. Re-plan after changes (a passed deadline is one: it records missed check-ins).
            if let plan, coordinator.changeCount != lastPlannedChange {
                lastPlannedChange = coordinator.changeCount
                let state = try current()
                let evaluated = tracker.states
                stats.lap("state reads, evaluation")
                stats.replans += 1
                if let line = try plan.replan(now, state, evaluated) {
                    note("plan", line)
                    stats.lap("re-plans")
                } else {
                    stats.lap("re-plans, no change")
                }
            }
            // 5. Send what is due, in order.
            // Every send below is one of these attempts: its message is at hand, not read again.
            var attempted: [String: OutboxMessage] = [:]
            while true {
                let batch = try await dispatcher.dispatchDue(now: { [now] in now })
                if batch.isEmpty { break }
                for a in batch { attempted[a.message.id] = a.message }
            }
            for (key, ch) in channels.sorted(by: { $0.key < $1.key }) {
                let sent = ch.sent
                for (at, m) in sent.dropFirst(seenSends[key] ?? 0) {
                    if ch.isSMS { dlrs.append((at.addingTimeInterval(20), m.reference)) }
                    // A message a held gateway releases now was sent in an earlier step.
                    guard let msg = try attempted[m.reference] ?? coordinator.store.message(id: m.reference), let code = msg.ackCode,
                          askedAck.insert(m.reference).inserted, !silenced.contains(msg.recipient) else { continue }
                    if rng.unit() < s.ackProbability {
                        let delay = Double(s.ackDelay) * (0.5 + rng.unit())
                        acks.append((at.addingTimeInterval(delay), code, msg.recipient))
                    }
                }
                seenSends[key] = sent.count
            }
            acks.sort { ($0.at, $0.code) < ($1.at, $1.code) }
            dlrs.sort { ($0.at, $0.id) < ($1.at, $1.id) }
            stats.lap("dispatch")
            // 6. Coverage.
            while let c = coverageChecks.first, c.at <= now {
                coverageChecks.removeFirst()
                let kels = Set(declarations[c.index].kelurahan)
                var after: [String: Double] = [:]
                for cell in try cells() where kels.contains(cell.kelurahan) {
                    after["\(cell.kelurahan)|\(cell.bidang.rawValue)"] = cell.coverage
                }
                declarations[c.index].after[c.within] = after
            }
            coverageChecks.sort { $0.at < $1.at }
            if now >= nextSample {
                try sample()
                nextSample = nextSample.addingTimeInterval(900)
            }
            stats.lap("coverage")
            // Next moment something happens.
            var candidates: [Date] = [nextSample, end.addingTimeInterval(1)]
            if let i = injects.first { candidates.append(s.mulai.addingTimeInterval(Double(i.at))) }
            if let d = try store.nextDueAt() { candidates.append(d) }
            if let e = try store.nextEscalationAt() { candidates.append(e) }
            _ = try current()
            if let d = tracker.nextDeadline(after: now) {
                candidates.append(d.addingTimeInterval(-600))
                candidates.append(d.addingTimeInterval(1))
            }
            if let a = acks.first { candidates.append(a.at) }
            if let d = dlrs.first { candidates.append(d.at) }
            for ch in channels.values { if let r = ch.releaseAt { candidates.append(r) } }
            if let c = coverageChecks.first { candidates.append(c.at) }
            let next = candidates.filter { $0 > now }.min() ?? end.addingTimeInterval(1)
            now = next
        }
        now = min(now, end)
        stats.lap("other")
        defer { stats.lap("report") }
        return try DrillReportBuilder.build(scenario: s, set: set, store: store, timeline: timeline, samples: samples, worst: worst, peakDisplaced: peakDisplaced,
                                            belowHalf: belowHalf, declarations: declarations, end: now, stoppedEarly: stoppedEarly)
    }
}

/// The random source the dispatcher's jitter draws from, seeded.
final class RandomBox: @unchecked Sendable {
    private let lock = NSLock()
    private var rng: SeededRandom
    init(seed: UInt64) { rng = SeededRandom(seed: seed) }
    func unit() -> Double { lock.withLock { rng.unit() } }
}
