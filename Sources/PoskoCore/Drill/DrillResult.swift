import Foundation

/// Everything a drill produced, in deterministic order: the input to the report writers
/// (Markdown, HTML, JSON). Times are absolute; the report shows them in WIB and as offsets
/// from the drill's start.
public struct DrillResult: Codable, Sendable, Equatable {
    public var scenario: String
    public var scenarioFile: String
    public var start: Date
    public var end: Date
    public var seed: UInt64
    /// Stopped before the planned end (e.g. the horizon), with the reason.
    public var stoppedEarly: String?
    public var timeline: [TimelineEntry]
    /// Coverage samples over time (every 15 minutes of drill time, and at every change).
    public var coverage: [CoverageSample]
    /// Worst coverage each kelurahan reached (over its six fields), for the map.
    public var worstCoverage: [String: Double]
    /// The largest share of a field's demand each kelurahan had displaced from its own posts
    /// (closed, degraded or silent) at any sample, whether or not the plan served it elsewhere:
    /// how hard the scenario hit it. Kelurahan never hit are left out.
    public var peakDisplaced: [String: Double]
    public var kelurahanNames: [String: String]
    public var kecamatanNames: [String: String]
    public var messages: MessageStats
    public var expectations: [ExpectationResult]
    /// Indonesian sentences naming what went wrong, e.g.
    /// "Kelurahan Berngam bidang pendidikan tidak terlayani 5 jam".
    public var gaps: [String]
    /// What went well, Indonesian sentences.
    public var strengths: [String]
    /// 0–100, from the expectations.
    public var score: Double
    /// A, B, C, D or E.
    public var grade: String
    /// Every stored event of the drill (kind, time, subject), for report.json.
    public var events: [EventLine]

    public init(scenario: String, scenarioFile: String, start: Date, end: Date, seed: UInt64, stoppedEarly: String? = nil,
                timeline: [TimelineEntry] = [], coverage: [CoverageSample] = [], worstCoverage: [String: Double] = [:], peakDisplaced: [String: Double] = [:],
                kelurahanNames: [String: String] = [:], kecamatanNames: [String: String] = [:], messages: MessageStats = MessageStats(),
                expectations: [ExpectationResult] = [], gaps: [String] = [], strengths: [String] = [], score: Double = 0,
                grade: String = "E", events: [EventLine] = []) {
        self.scenario = scenario
        self.scenarioFile = scenarioFile
        self.start = start
        self.end = end
        self.seed = seed
        self.stoppedEarly = stoppedEarly
        self.timeline = timeline
        self.coverage = coverage
        self.worstCoverage = worstCoverage
        self.peakDisplaced = peakDisplaced
        self.kelurahanNames = kelurahanNames
        self.kecamatanNames = kecamatanNames
        self.messages = messages
        self.expectations = expectations
        self.gaps = gaps
        self.strengths = strengths
        self.score = score
        self.grade = grade
        self.events = events
    }

    public struct TimelineEntry: Codable, Sendable, Equatable {
        public var at: Date
        /// e.g. `inject`, `alert`, `escalation`, `plan`, `outage`, `ack`, `deadline`.
        public var kind: String
        /// Indonesian, one line.
        public var text: String

        public init(at: Date, kind: String, text: String) {
            self.at = at
            self.kind = kind
            self.text = text
        }
    }

    public struct CoverageSample: Codable, Sendable, Equatable {
        public var at: Date
        /// Coverage (served / demand, 0…1) per kecamatan code.
        public var kecamatan: [String: Double]
        /// Overall coverage of the affected area.
        public var overall: Double
        /// Share of each kecamatan's demand displaced from its own posts (0…1), served elsewhere
        /// by the plan or not; kecamatan with none are left out.
        public var displaced: [String: Double]
        /// Share of all demand displaced from its own posts.
        public var overallDisplaced: Double

        public init(at: Date, kecamatan: [String: Double], overall: Double, displaced: [String: Double] = [:], overallDisplaced: Double = 0) {
            self.at = at
            self.kecamatan = kecamatan
            self.overall = overall
            self.displaced = displaced
            self.overallDisplaced = overallDisplaced
        }
    }

    public struct MessageStats: Codable, Sendable, Equatable {
        /// Attempts per channel and result, e.g. ["sms:kannel-utama": ["delivered": 40, "retryable": 3]].
        public var attemptsByChannel: [String: [String: Int]]
        /// Messages by final state.
        public var byState: [String: Int]
        /// Minutes from the declaration to the first alert delivered, per lurah recipient.
        public var firstAlertMinutes: [String: Double]
        /// Confirmed by their recipients.
        public var acknowledged: Int
        /// Confirmed only by the answer to their escalation.
        public var acknowledgedViaEscalation: Int
        public var needingAck: Int
        public var escalations: Int

        public init(attemptsByChannel: [String: [String: Int]] = [:], byState: [String: Int] = [:], firstAlertMinutes: [String: Double] = [:],
                    acknowledged: Int = 0, acknowledgedViaEscalation: Int = 0, needingAck: Int = 0, escalations: Int = 0) {
            self.attemptsByChannel = attemptsByChannel
            self.byState = byState
            self.firstAlertMinutes = firstAlertMinutes
            self.acknowledged = acknowledged
            self.acknowledgedViaEscalation = acknowledgedViaEscalation
            self.needingAck = needingAck
            self.escalations = escalations
        }
    }

    public struct ExpectationResult: Codable, Sendable, Equatable {
        /// e.g. `lurah_terinformasi`.
        public var kind: String
        /// Indonesian statement of the expectation, e.g. "Setiap lurah terdampak menerima peringatan dalam 15 menit".
        public var description: String
        /// What was measured, Indonesian, e.g. "12 dari 13 lurah (terlambat: Kel. Setia 22 menit)".
        public var actual: String
        public var passed: Bool
        /// 0–100 for this expectation.
        public var score: Double

        public init(kind: String, description: String, actual: String, passed: Bool, score: Double) {
            self.kind = kind
            self.description = description
            self.actual = actual
            self.passed = passed
            self.score = score
        }
    }

    public struct EventLine: Codable, Sendable, Equatable {
        public var id: Int64
        public var at: Date
        public var kind: String
        public var actor: String
        public var subject: String

        public init(id: Int64, at: Date, kind: String, actor: String, subject: String) {
            self.id = id
            self.at = at
            self.kind = kind
            self.actor = actor
            self.subject = subject
        }
    }
}
