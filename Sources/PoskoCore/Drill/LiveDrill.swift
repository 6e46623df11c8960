import Foundation

/// A drill running live on the daemon: its injects applied in real time (or faster), every
/// emergency it declares marked as an exercise.
public struct LiveDrillInfo: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case running, finished, stopped }

    public var id: String
    public var nama: String
    public var state: State
    public var startedAt: Date
    public var speed: Double
    public var applied: Int
    public var total: Int
    /// Exercise emergencies this drill declared.
    public var emergencies: [String]
    public var stopReason: String?

    public init(id: String, nama: String, state: State, startedAt: Date, speed: Double, applied: Int, total: Int,
                emergencies: [String] = [], stopReason: String? = nil) {
        self.id = id
        self.nama = nama
        self.state = state
        self.startedAt = startedAt
        self.speed = speed
        self.applied = applied
        self.total = total
        self.emergencies = emergencies
        self.stopReason = stopReason
    }

    /// Injects a live drill cannot play: they would change real posts, cadres or the plan.
    public static func unsupported(_ scenario: DrillScenario) -> [DrillScenario.Inject] {
        scenario.injects.filter {
            switch $0.action {
            case .declare, .change, .end, .outage, .silence: false
            case .report, .sms, .override: true
            }
        }
    }
}
