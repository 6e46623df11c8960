import Foundation

/// Which CAP event texts mean which Posko hazard: keyword (lowercased, in event or
/// headline) → hazard, first match wins. Configurable; the default covers BMKG's wording.
public struct HazardMapping: Sendable, Equatable {
    public var rules: [(keyword: String, hazard: Hazard)]

    public init(rules: [(keyword: String, hazard: Hazard)]) { self.rules = rules }

    public static func == (a: Self, b: Self) -> Bool {
        a.rules.map(\.keyword) == b.rules.map(\.keyword) && a.rules.map(\.hazard) == b.rules.map(\.hazard)
    }

    public static let bmkg = HazardMapping(rules: [
        ("banjir bandang", .banjirBandang), ("banjir", .banjir), ("hujan lebat", .banjir), ("hujan sangat lebat", .banjir),
        ("flood", .banjir), ("heavy rain", .banjir), ("longsor", .tanahLongsor), ("landslide", .tanahLongsor),
        ("gempa", .gempaBumi), ("earthquake", .gempaBumi), ("tsunami", .tsunami), ("puting beliung", .anginKencang),
        ("angin kencang", .anginKencang), ("wind", .anginKencang), ("kebakaran", .kebakaran), ("fire", .kebakaran),
        ("erupsi", .erupsi), ("kekeringan", .kekeringan), ("petir", .cuacaEkstrem), ("thunderstorm", .cuacaEkstrem),
        ("cuaca ekstrem", .cuacaEkstrem), ("cuaca", .cuacaEkstrem),
    ])

    public func hazard(for alert: CAPAlert) -> Hazard? {
        for info in alert.infos {
            let text = (info.event + " " + (info.headline ?? "")).lowercased()
            if let r = rules.first(where: { text.contains($0.keyword) }) { return r.hazard }
        }
        return nil
    }
}

/// What to do with a received CAP alert. Pure: decided from the alert, its kelurahan
/// matches and the emergencies that exist.
public enum CAPDecision: Sendable, Equatable {
    case open(hazard: Hazard, areas: [String], expires: Date?)
    case widen(emergencyID: String, areas: [String], expires: Date?)
    /// `retire`: the alerts this one replaces or cancels; their areas are no longer the emergency's.
    case update(emergencyID: String, areas: [String], expires: Date?, retire: [String])
    case withdraw(emergencyID: String)
    case ignore(reason: String)
    case duplicate

    public var summary: String {
        switch self {
        case let .open(h, a, _): "open \(h.rawValue) over \(a.count) kelurahan"
        case let .widen(id, a, _): "widen \(id) to \(a.count) kelurahan"
        case let .update(id, a, _, _): "update \(id) to \(a.count) kelurahan"
        case let .withdraw(id): "withdraw \(id)"
        case let .ignore(r): "ignored: \(r)"
        case .duplicate: "duplicate: already received"
        }
    }

    /// The alerts an update replaces (none for the other decisions).
    public var retired: [String] {
        if case let .update(_, _, _, retire) = self { return retire }
        return []
    }
}

public enum CAPIngest {
    /// `key` identifies an alert across replays: sender and identifier.
    public static func key(_ alert: CAPAlert) -> String { "\(alert.sender)/\(alert.identifier)" }

    /// `now`: the time of receipt; an alert or update whose every info has expired by then (a
    /// feed replaying old items, a delayed delivery) changes nothing. `areasOfAlert`: the
    /// kelurahan each earlier alert (by key) brought into its emergency, so that cancelling or
    /// updating one alert of several merged into an emergency takes away only its own areas.
    public static func decide(
        _ alert: CAPAlert, matchedKelurahan: [String], emergencies: [Emergency], seen: Bool, mapping: HazardMapping, now: Date,
        areasOfAlert: [String: [String]] = [:]
    ) -> CAPDecision {
        if seen { return .duplicate }
        switch alert.status {
        case .actual: break
        case .exercise: return .ignore(reason: "status Exercise never opens a real emergency")
        case .test, .draft, .system: return .ignore(reason: "status \(alert.status.rawValue) never opens an emergency")
        }
        let expires = alert.infos.compactMap { $0.expires?.date }.max()
        if let expires, expires <= now, alert.msgType == .alert || alert.msgType == .update {
            return .ignore(reason: "the alert expired at \(CAPDateTime.format(seconds: Int64(expires.timeIntervalSince1970.rounded(.down)), utcOffsetSeconds: 7 * 3600)), before it was received")
        }
        let active = emergencies.filter { $0.isActive && !$0.exercise }
        let referenced = alert.references.map { "\($0.sender)/\($0.identifier)" }
        let target = active.first { e in referenced.contains { e.capIdentifiers.contains($0) } }
        // A cancel or update replaces the alerts it references; the other alerts merged into the
        // emergency keep their areas, and an update adds its own (a cancel none).
        func replacing(_ target: Emergency, adding: [String], expires: Date?) -> CAPDecision {
            let retired = target.capIdentifiers.filter { referenced.contains($0) }
            let kept = target.capIdentifiers.filter { !referenced.contains($0) }.flatMap { areasOfAlert[$0] ?? [] }
            let areas = Set(kept + adding)
            if areas.isEmpty { return .withdraw(emergencyID: target.id) }
            return .update(emergencyID: target.id, areas: areas.sorted(), expires: expires, retire: retired)
        }
        switch alert.msgType {
        case .ack, .error:
            return .ignore(reason: "msgType \(alert.msgType.rawValue) carries no hazard")
        case .cancel:
            guard let target else { return .ignore(reason: "cancel refers to no emergency Posko opened") }
            if target.operatorOwned { return .ignore(reason: "emergency \(target.id) was taken over by an operator; not withdrawn") }
            return replacing(target, adding: [], expires: nil)
        case .update:
            if let target {
                if target.operatorOwned {
                    return .widen(emergencyID: target.id, areas: Array(Set(target.areas + matchedKelurahan)).sorted(), expires: expires)
                }
                return replacing(target, adding: matchedKelurahan, expires: expires)
            }
            fallthrough
        case .alert:
            guard let hazard = mapping.hazard(for: alert) else {
                return .ignore(reason: "event '\(alert.infos.first?.event ?? "")' maps to no Posko hazard")
            }
            guard !matchedKelurahan.isEmpty else { return .ignore(reason: "no Posko kelurahan lies in the alert's areas") }
            // Several emergencies of the hazard may be active: kelurahan any of them covers stay
            // with it, the rest widen the one that covers most of the alert (the first on a tie).
            let sameHazard = active.filter { $0.hazard == hazard }
            if !sameHazard.isEmpty {
                let uncovered = matchedKelurahan.filter { k in !sameHazard.contains { $0.covers(kelurahan: k) } }
                var existing = sameHazard[0]
                var most = -1
                for e in sameHazard {
                    let n = matchedKelurahan.filter { e.covers(kelurahan: $0) }.count
                    if n > most { (existing, most) = (e, n) }
                }
                return .widen(emergencyID: existing.id, areas: uncovered.isEmpty ? existing.areas : Array(Set(existing.areas + uncovered)).sorted(),
                              expires: expires)
            }
            return .open(hazard: hazard, areas: matchedKelurahan.sorted(), expires: expires)
        }
    }
}
