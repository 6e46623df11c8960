import Foundation

/// Why the plan no longer needs a cadre at a post: what the release SMS tells them to do.
public enum CadreRelease: Sendable, Equatable {
    /// Its home post works again: go back there.
    case homeOpen
    /// Its home post is still closed or silent: wait for the next assignment.
    case homeDown(Post)
    /// The cadre said TIDAK HADIR.
    case unavailable
}

/// What happened, as the alert rules see it.
public enum AlertTrigger: Sendable {
    case emergencyDeclared(Emergency)
    case emergencyChanged(Emergency, previous: Emergency)
    /// `stillDown`: posts in its area still reported closed or degraded (their services stay
    /// where the plan moved them).
    case emergencyEnded(Emergency, stillDown: [String])
    case statusReported([StatusReport])
    /// Posts whose check-in deadline passed, announced at `at` (each miss is its own alert).
    case checkInMissed([String], at: Date)
    case cadreAssigned(cadre: Cadre, to: Post, bidang: Bidang, distanceKm: Double, planVersion: Int)
    case cadreReleased(cadre: Cadre, from: Post, why: CadreRelease, planVersion: Int)
    /// Kelurahan × field cells that fell below the coverage threshold (camat and BPBD of each kecamatan hear once).
    case coverageLow([CoverageCell], at: Date)
    /// An unacknowledged alert goes up the chain: to `role` of `kecamatan`.
    /// Alerts of one text that went unacknowledged, to the next role of their kecamatan's chain
    /// (`originals`: message id and recipient key of each).
    case escalation(originals: [(id: String, recipient: String)], role: ContactRole, kecamatan: String, step: Int, text: String)
}

/// Which events alert whom, with what text. Pure: the same trigger and playbooks always
/// give the same drafts, in the same order.
public enum AlertRules {
    public static func drafts(for trigger: AlertTrigger, playbooks set: PlaybookSet, routing: AlertRouting, exercise: Bool = false) -> [AlertDraft] {
        var drafts: [AlertDraft]
        switch trigger {
        case let .emergencyDeclared(e):
            drafts = emergencyAlerts(e, kind: "emergency.declared", text: AlertText.declared(e, set), set: set, routing: routing)
        case let .emergencyChanged(e, previous):
            // A new note is news, not something to confirm.
            drafts = emergencyAlerts(e, kind: "emergency.changed", text: AlertText.changed(e, previous: previous, set),
                                     set: set, routing: routing, previousAreas: previous.areas,
                                     needsAck: e.status != previous.status || e.areas != previous.areas, dedupSuffix: "\(e.updatedAt.timeIntervalSince1970)")
        case let .emergencyEnded(e, stillDown):
            drafts = emergencyAlerts(e, kind: "emergency.ended", text: AlertText.ended(e, stillDown: stillDown), set: set, routing: routing, needsAck: false)
        case let .statusReported(reports):
            drafts = statusAlerts(reports, set: set, routing: routing)
        case let .checkInMissed(posts, at):
            drafts = missedAlerts(posts, at: at, set: set, routing: routing)
        case let .cadreAssigned(cadre, post, bidang, km, version):
            drafts = [AlertDraft(
                recipient: "kader:\(cadre.id)", recipientName: cadre.nama, role: "kader", kind: "plan.cadre",
                routes: routing.routes(phone: cadre.telepon, webhook: nil),
                text: AlertText.cadreAssigned(cadre, post, bidang, km),
                payload: Payload.json(["event": "plan.cadre_assigned", "cadre": cadre.id, "post": post.id, "bidang": bidang.rawValue, "plan_version": "\(version)"]),
                dedupKey: "plan.cadre:\(cadre.id):\(post.id):\(bidang.rawValue):v\(version)", needsAck: false,
                kecamatan: post.kecamatan, groupable: true, exercise: exercise)]
        case let .cadreReleased(cadre, post, why, version):
            drafts = [AlertDraft(
                recipient: "kader:\(cadre.id)", recipientName: cadre.nama, role: "kader", kind: "plan.cadre",
                routes: routing.routes(phone: cadre.telepon, webhook: nil),
                text: AlertText.cadreReleased(cadre, post, why: why),
                payload: Payload.json(["event": "plan.cadre_released", "cadre": cadre.id, "post": post.id, "plan_version": "\(version)"]),
                dedupKey: "plan.cadre_released:\(cadre.id):\(post.id):v\(version)", needsAck: false,
                kecamatan: post.kecamatan, groupable: true, exercise: exercise)]
        case let .coverageLow(cells, at):
            drafts = coverageAlerts(cells, at: at, set: set, routing: routing)
        case let .escalation(originals, role, kecamatan, step, text):
            let ids = originals.map(\.id)
            let names = originals.map { recipientLabel($0.recipient, set: set) }
            drafts = contacts(role: role, kecamatan: kecamatan, kelurahan: nil, set: set).map { c in
                AlertDraft(recipient: c.key, recipientName: c.contact.nama ?? role.rawValue, role: role.rawValue, kind: "escalation",
                           routes: routing.routes(phone: c.contact.telepon, webhook: c.contact.webhook),
                           text: AlertText.escalation(originalRecipients: names, step: step, text: text),
                           payload: Payload.escalation(originals: ids, step: step, role: role),
                           dedupKey: "escalation:\(ids.first ?? ""):\(step):\(c.key)", needsAck: true, kecamatan: kecamatan,
                           groupable: false, exercise: exercise)
            }
        }
        return drafts.filter { !$0.routes.isEmpty }.map { d in
            var d = d
            d.exercise = exercise
            if exercise { d.text = "LATIHAN " + d.text }
            return d
        }
    }

    /// How an SMS names the recipient of an alert: its contact's or cadre's name (a lurah reading
    /// an escalation does not know Posko's keys), the key itself when the playbooks have no name.
    static func recipientLabel(_ key: String, set: PlaybookSet) -> String {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return key }
        let (kind, id) = (parts[0], parts[1])
        switch kind {
        case "kader":
            return set.cadres[id]?.nama ?? key
        case "bpbd":
            return "BPBD"
        default:
            guard let role = ContactRole(rawValue: kind) else { return key }
            let kecamatan = role == .lurah ? String(id.split(separator: ".").prefix(3).joined(separator: ".")) : id
            let kelurahan = role == .lurah ? id : nil
            return contacts(role: role, kecamatan: kecamatan, kelurahan: kelurahan, set: set).first?.contact.nama ?? key
        }
    }

    struct KeyedContact { var key: String; var contact: Contact }

    /// Contacts of a role in a kecamatan (lurah: of one kelurahan), unique by key.
    static func contacts(role: ContactRole, kecamatan: String, kelurahan: String?, set: PlaybookSet) -> [KeyedContact] {
        guard let pb = set.playbook(kecamatan: kecamatan) else { return [] }
        return pb.kontak.filter { $0.peran == role && (kelurahan == nil || $0.kelurahan == kelurahan) }.map { c in
            let key: String = switch role {
            case .lurah: "lurah:\(c.kelurahan ?? kecamatan)"
            case .bpbd: "bpbd:\(c.webhook ?? c.telepon ?? kecamatan)"
            default: "\(role.rawValue):\(kecamatan)"
            }
            return KeyedContact(key: key, contact: c)
        }
    }

    /// Every recipient key the set's contacts and cadres go by (`lurah:12.75.02.1001`, `camat:12.75.02`, `kader:k-0073`, …).
    public static func recipientKeys(_ set: PlaybookSet) -> Set<String> {
        var keys = Set(set.cadres.map { "kader:\($0.id)" })
        for pb in set.playbooks {
            for role in ContactRole.allCases {
                for c in contacts(role: role, kecamatan: pb.kecamatan, kelurahan: nil, set: set) { keys.insert(c.key) }
            }
        }
        return keys
    }

    /// Kelurahan codes covered by area codes (a kecamatan expands to its kelurahan).
    public static func kelurahan(in areas: [String], set: PlaybookSet) -> [String] {
        var out: [String] = []
        for code in areas {
            if set.wilayah[code]?.level == .kecamatan {
                out += set.wilayah.kelurahan(in: code).map(\.code)
            } else {
                out.append(code)
            }
        }
        return Array(Set(out)).sorted()
    }

    static func emergencyAlerts(_ e: Emergency, kind: String, text: String, set: PlaybookSet, routing: AlertRouting,
                                previousAreas: [String] = [], needsAck: Bool = true, dedupSuffix: String = "") -> [AlertDraft] {
        let kels = kelurahan(in: e.areas + previousAreas, set: set)
        let kecs = Array(Set(kels.compactMap { set.kecamatan(of: $0) })).sorted()
        var out: [AlertDraft] = []
        var seen = Set<String>()
        let payload = Payload.emergency(e, kind: kind)
        func add(_ c: KeyedContact, kecamatan: String) {
            guard seen.insert(c.key).inserted else { return }
            out.append(AlertDraft(
                recipient: c.key, recipientName: c.contact.nama ?? c.contact.peran.rawValue, role: c.contact.peran.rawValue, kind: kind,
                routes: routing.routes(phone: c.contact.telepon, webhook: c.contact.webhook), text: text, payload: payload,
                dedupKey: "\(kind):\(e.id):\(c.key)\(dedupSuffix.isEmpty ? "" : ":" + dedupSuffix)",
                needsAck: needsAck && c.contact.peran != .bpbd, kecamatan: kecamatan, groupable: false, exercise: e.exercise))
        }
        for kec in kecs {
            for kel in kels where set.kecamatan(of: kel) == kec {
                for c in contacts(role: .lurah, kecamatan: kec, kelurahan: kel, set: set) { add(c, kecamatan: kec) }
            }
            for c in contacts(role: .camat, kecamatan: kec, kelurahan: nil, set: set) { add(c, kecamatan: kec) }
            for c in contacts(role: .bpbd, kecamatan: kec, kelurahan: nil, set: set) { add(c, kecamatan: kec) }
        }
        return out
    }

    static func statusAlerts(_ reports: [StatusReport], set: PlaybookSet, routing: AlertRouting) -> [AlertDraft] {
        guard let first = reports.first, let post = set.posts[first.postID] else { return [] }
        let lurah = contacts(role: .lurah, kecamatan: post.kecamatan, kelurahan: post.kelurahan, set: set)
        // The hot path (every report): build nothing when no lurah can be reached.
        guard lurah.contains(where: { !routing.routes(phone: $0.contact.telepon, webhook: $0.contact.webhook).isEmpty }) else { return [] }
        let text = AlertText.postStatus(post, reports, set)
        let payload = Payload.json(["event": "post.reported", "post": post.id, "status": first.status.rawValue,
                                    "bidang": reports.map(\.bidang.rawValue).joined(separator: ",")])
        return lurah.map { c in
            AlertDraft(recipient: c.key, recipientName: c.contact.nama ?? "lurah", role: "lurah", kind: "post.status",
                       routes: routing.routes(phone: c.contact.telepon, webhook: c.contact.webhook), text: text, payload: payload,
                       dedupKey: "post.status:\(post.id):\(first.status.rawValue):\(reports.map(\.bidang.rawValue).joined(separator: ",")):\(first.at.timeIntervalSince1970)",
                       needsAck: false, kecamatan: post.kecamatan, groupable: true, exercise: false)
        }
    }

    static func missedAlerts(_ posts: [String], at: Date, set: PlaybookSet, routing: AlertRouting) -> [AlertDraft] {
        var byKel: [String: [Post]] = [:]
        for id in posts { if let p = set.posts[id] { byKel[p.kelurahan, default: []].append(p) } }
        var out: [AlertDraft] = []
        for (kel, list) in byKel.sorted(by: { $0.key < $1.key }) {
            guard let kec = set.kecamatan(of: kel) else { continue }
            let text = AlertText.missed(list, kelurahan: set.wilayah[kel]?.name ?? kel)
            for c in contacts(role: .lurah, kecamatan: kec, kelurahan: kel, set: set) {
                out.append(AlertDraft(recipient: c.key, recipientName: c.contact.nama ?? "lurah", role: "lurah", kind: "post.checkin_missed",
                                      routes: routing.routes(phone: c.contact.telepon, webhook: c.contact.webhook), text: text,
                                      payload: Payload.json(["event": "post.checkin_missed", "posts": list.map(\.id).joined(separator: ",")]),
                                      dedupKey: "missed:\(at.timeIntervalSince1970):\(list.map(\.id).joined(separator: ",")):\(c.key)",
                                      needsAck: false, kecamatan: kec, groupable: true, exercise: false))
            }
        }
        return out
    }

    static func coverageAlerts(_ cells: [CoverageCell], at: Date, set: PlaybookSet, routing: AlertRouting) -> [AlertDraft] {
        var out: [AlertDraft] = []
        for (kec, list) in Dictionary(grouping: cells, by: \.kecamatan).sorted(by: { $0.key < $1.key }) {
            let sorted = list.sorted { ($0.kelurahan, $0.bidang) < ($1.kelurahan, $1.bidang) }
            let text = AlertText.coverageLow(sorted, threshold: routing.coverageThreshold)
            let cellKeys = sorted.map { "\($0.kelurahan)/\($0.bidang.rawValue)" }.joined(separator: ",")
            let payload = Payload.json(["event": "coverage.low", "kecamatan": kec, "cells": cellKeys,
                                        "coverage": sorted.map { String(format: "%.2f", $0.coverage) }.joined(separator: ",")])
            for c in contacts(role: .camat, kecamatan: kec, kelurahan: nil, set: set) + contacts(role: .bpbd, kecamatan: kec, kelurahan: nil, set: set) {
                out.append(AlertDraft(
                    recipient: c.key, recipientName: c.contact.nama ?? c.contact.peran.rawValue, role: c.contact.peran.rawValue,
                    kind: "coverage.low", routes: routing.routes(phone: c.contact.telepon, webhook: c.contact.webhook), text: text,
                    payload: payload, dedupKey: "coverage:\(cellKeys):\(at.timeIntervalSince1970):\(c.key)", needsAck: false,
                    kecamatan: kec, groupable: true, exercise: false))
            }
        }
        return out
    }
}

enum Payload {
    /// For emergency payloads (flat ones are written by `JSONWriter`).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func json(_ fields: [String: String]) -> String {
        (try? JSONWriter.text(fields, dates: .iso8601)) ?? "{}"
    }

    /// `{"event":"alert.escalated","original":…,"originals":[…],"role":…,"step":"1"}`.
    static func escalation(originals: [String], step: Int, role: ContactRole) -> String {
        struct Body: Encodable { var event = "alert.escalated"; var original: String; var originals: [String]; var role: String; var step: String }
        let body = Body(original: originals.first ?? "", originals: originals, role: role.rawValue, step: "\(step)")
        return (try? String(decoding: encoder.encode(body), as: UTF8.self)) ?? "{}"
    }

    static func emergency(_ e: Emergency, kind: String) -> String {
        struct Body: Encodable { var event: String; var emergency: Emergency }
        return (try? String(decoding: encoder.encode(Body(event: kind, emergency: e)), as: UTF8.self)) ?? "{}"
    }
}
