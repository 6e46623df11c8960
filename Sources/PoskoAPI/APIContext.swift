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
    /// Whether changes came in since the current plan was made.
    public var planBehind: @Sendable () -> Bool
    /// Parses and applies a CAP document (the parser lives in the delivery target).
    public var ingestCAP: @Sendable (Data, Actor) throws -> Coordinator.CAPOutcome
    /// Builds Posko's own CAP documents.
    public var capPublisher: CAPPublisher
    /// Base of links in the Atom feed.
    public var publicBaseURL: String
    /// Handles an inbound SMS (Kannel MO) and a delivery report; wired by the app.
    public var sms: SMSHandlers?
    public var drills: DrillControl?
    public var plans: PlanKeeper?

    public init(
        coordinator: Coordinator, tokens: TokenStore, metrics: PoskoMetrics, now: @escaping @Sendable () -> Date = { Date() },
        reload: @escaping @Sendable (Actor) async -> Coordinator.ReloadOutcome, ready: @escaping @Sendable () -> Bool = { true },
        maxBodyBytes: Int = 1 << 20,
        plannedMoves: @escaping @Sendable () -> (version: Int?, moved: [PostField: Int]) = { (nil, [:]) },
        planBehind: @escaping @Sendable () -> Bool = { false },
        ingestCAP: @escaping @Sendable (Data, Actor) throws -> Coordinator.CAPOutcome = { _, _ in
            throw StoreError.invalid("CAP intake is not configured")
        },
        capPublisher: CAPPublisher = CAPPublisher(), publicBaseURL: String = "http://127.0.0.1:8080", sms: SMSHandlers? = nil,
        drills: DrillControl? = nil, plans: PlanKeeper? = nil
    ) {
        self.coordinator = coordinator
        self.tokens = tokens
        self.metrics = metrics
        self.now = now
        self.reload = reload
        self.ready = ready
        self.maxBodyBytes = maxBodyBytes
        self.plannedMoves = plannedMoves
        self.planBehind = planBehind
        self.ingestCAP = ingestCAP
        self.capPublisher = capPublisher
        self.publicBaseURL = publicBaseURL
        self.sms = sms
        self.drills = drills
        self.plans = plans
    }

    /// The continuity view at `now` from the stored state and the current plan.
    public func continuity(kecamatan: String? = nil) throws -> ContinuityView {
        let set = coordinator.playbooks
        let at = now()
        let state = try coordinator.store.operationalState()
        var states = ContinuityEvaluator.evaluate(set, state: state, now: at)
        if let kecamatan { states = states.filter { $0.kelurahan.hasPrefix(kecamatan + ".") } }
        let plan = plannedMoves()
        var view = ContinuityView.build(set, states: states, moved: plan.moved, planVersion: plan.version, at: at)
        if plan.version != nil { view.planPending = planBehind() }
        return view
    }
}

/// Inbound SMS callbacks from Kannel, authenticated by a shared secret in the query.
public struct SMSHandlers: Sendable {
    public var secret: String
    /// (raw query string) → reply text for the sender (empty: no reply).
    public var mo: @Sendable (String) async throws -> String
    public var dlr: @Sendable (String) async throws -> Void

    public init(secret: String, mo: @escaping @Sendable (String) async throws -> String,
                dlr: @escaping @Sendable (String) async throws -> Void) {
        self.secret = secret
        self.mo = mo
        self.dlr = dlr
    }
}

/// Live drills on the daemon (wired by the app).
public struct DrillControl: Sendable {
    /// (scenario YAML, speed, its file name for error locations, actor).
    public var start: @Sendable (Data, Double, String?, Actor) throws -> LiveDrillInfo
    public var list: @Sendable () -> [LiveDrillInfo]
    public var stop: @Sendable (String, Actor) throws -> LiveDrillInfo

    public init(start: @escaping @Sendable (Data, Double, String?, Actor) throws -> LiveDrillInfo, list: @escaping @Sendable () -> [LiveDrillInfo],
                stop: @escaping @Sendable (String, Actor) throws -> LiveDrillInfo) {
        self.start = start
        self.list = list
        self.stop = stop
    }
}
