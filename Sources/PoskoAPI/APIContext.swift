import Foundation
import PoskoCore
import PoskoStorage

/// What the routes need, chosen at wiring time (live daemon, tests, live drills).
public struct APIDependencies: Sendable {
    public var coordinator: Coordinator
    public var tokens: TokenStore
    public var metrics: PoskoMetrics
    /// The current time (wall clock live; tests may pin it).
    public var now: @Sendable () -> Date
    /// Re-reads the playbook directory and swaps the set in if valid.
    public var reload: @Sendable (Actor) async -> Coordinator.ReloadOutcome
    /// True once the daemon is serving (after start-up and the first plan).
    public var ready: @Sendable () -> Bool
    public var maxBodyBytes: Int
    /// Demand each post × field has moved elsewhere under the current plan, and its version.
    public var plannedMoves: @Sendable () -> (version: Int?, moved: [PostField: Int])

    public init(
        coordinator: Coordinator, tokens: TokenStore, metrics: PoskoMetrics, now: @escaping @Sendable () -> Date = { Date() },
        reload: @escaping @Sendable (Actor) async -> Coordinator.ReloadOutcome, ready: @escaping @Sendable () -> Bool = { true },
        maxBodyBytes: Int = 1 << 20,
        plannedMoves: @escaping @Sendable () -> (version: Int?, moved: [PostField: Int]) = { (nil, [:]) }
    ) {
        self.coordinator = coordinator
        self.tokens = tokens
        self.metrics = metrics
        self.now = now
        self.reload = reload
        self.ready = ready
        self.maxBodyBytes = maxBodyBytes
        self.plannedMoves = plannedMoves
    }

    /// The continuity view at `now` from the stored state and the current plan.
    public func continuity(kecamatan: String? = nil) throws -> ContinuityView {
        let set = coordinator.playbooks
        let at = now()
        let state = try coordinator.store.operationalState()
        var states = ContinuityEvaluator.evaluate(set, state: state, now: at)
        if let kecamatan { states = states.filter { $0.kelurahan.hasPrefix(kecamatan + ".") } }
        let plan = plannedMoves()
        return ContinuityView.build(set, states: states, moved: plan.moved, planVersion: plan.version, at: at)
    }
}
