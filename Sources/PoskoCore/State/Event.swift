import Foundation

/// Which interface a change came through, for the audit log.
public enum Interface: String, Codable, Sendable, CaseIterable {
    case api, sms, cli, cap, timer, drill, system
}

/// Who did something and through what.
public struct Actor: Codable, Sendable, Equatable {
    public var name: String
    public var via: Interface

    public init(_ name: String, via: Interface) {
        self.name = name
        self.via = via
    }

    public static let system = Actor("posko", via: .system)
    public static let timer = Actor("deadline-timer", via: .timer)
}

/// Kinds of entries in the append-only event log.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    case emergencyDeclared = "emergency.declared"
    case emergencyChanged = "emergency.changed"
    case emergencyEnded = "emergency.ended"
    case statusReported = "post.reported"
    case checkIn = "post.checkin"
    case checkInMissed = "post.checkin_missed"
    case cadreAvailability = "cadre.availability"
    case planComputed = "plan.computed"
    case overrideSet = "override.set"
    case overrideCleared = "override.cleared"
    case playbooksReloaded = "playbooks.reloaded"
    case playbooksRejected = "playbooks.rejected"
    case alertAcknowledged = "alert.acknowledged"
    case alertEscalated = "alert.escalated"
    case capReceived = "cap.received"
}

/// One stored event: what happened, when, by whom, with a JSON payload.
public struct LoggedEvent: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var kind: EventKind
    public var actor: Actor
    public var subject: String
    public var payload: String

    public init(id: Int64, at: Date, kind: EventKind, actor: Actor, subject: String, payload: String) {
        self.id = id
        self.at = at
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.payload = payload
    }
}
