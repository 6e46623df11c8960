import Foundation

/// A drill scenario (`Playbooks/latihan/*.yaml`): timed injects played on a virtual clock,
/// and the expectations the drill is scored against.
public struct DrillScenario: Sendable, Equatable {
    public var file: String
    public var nama: String
    public var mulai: Date
    public var durasi: Int
    public var seed: UInt64
    public var smsChannels: [String]
    public var webhooks: [String]
    /// Probability that a recipient acknowledges an alert that asks for it, and after how long.
    public var ackProbability: Double
    public var ackDelay: Int
    /// Probability that a post still working checks in before its deadline.
    public var checkInProbability: Double
    public var injects: [Inject]
    public var expectations: [Expectation]

    public struct Inject: Sendable, Equatable {
        /// Seconds after `mulai`.
        public var at: Int
        public var action: Action
        public var location: SourceLocation
    }

    public enum Action: Sendable, Equatable {
        case declare(hazard: Hazard, areas: [String], status: EmergencyStatus)
        /// `emergency` is the 1-based declaration order in this scenario.
        case change(emergency: Int, status: EmergencyStatus?, areas: [String]?)
        case end(emergency: Int)
        case report(post: String, bidang: String, status: String, capacity: Int?, note: String?)
        /// An SMS as a cadre or lurah would send it (through the inbound SMS path).
        case sms(from: String, text: String)
        /// A channel is down for `seconds`: it refuses sends, or (`held`, an SMS gateway whose
        /// SMSC is down: `jenis: smsc`) it takes them, holds them and sends them when it is back.
        case outage(channel: String, seconds: Int, held: Bool)
        /// These recipients never reply from now on.
        case silence(recipients: [String])
        /// A coordinator override for the planner (its `id` is given when it is set).
        case override(PlanOverride)
    }

    public enum Expectation: Sendable, Equatable {
        /// Every lurah of an affected kelurahan gets an alert within this many seconds.
        case lurahAlerted(within: Int)
        /// Every affected kelurahan × field reaches this coverage within this many seconds.
        case coverage(minimum: Double, within: Int)
        /// This share of alerts that ask for it is acknowledged within this many seconds.
        case acknowledged(minimum: Double, within: Int)
    }

    /// The longest drill Posko plays: longer scenarios are rejected, loops stop here.
    public static let horizon = 14 * 86400
}

public enum DrillScenarioParser {
    public static func parse(_ data: Data, file: String, playbooks set: PlaybookSet) -> (DrillScenario?, [Diagnostic]) {
        var reader = YAMLReader(file: file)
        var result: DrillScenario?
        reader.withDocument(data, maxBytes: 1 << 20) { r, root in
            result = read(root, reader: &r, set: set)
        }
        return (reader.diagnostics.hasErrors ? nil : result, reader.diagnostics)
    }

    static func date(_ node: YAMLNode, reader r: inout YAMLReader, _ context: String) -> Date? {
        guard let text = r.string(node, context) else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        guard let d = f.date(from: text) else {
            r.error(node, "invalid time '\(text)' for \(context) (use e.g. 2026-11-01T06:00:00+07:00)")
            return nil
        }
        return d
    }

    private static func read(_ root: YAMLNode, reader r: inout YAMLReader, set: PlaybookSet) -> DrillScenario? {
        guard let top = r.mapping(root, "the scenario", required: ["nama", "mulai", "durasi", "injeksi"],
                                  optional: ["seed", "kanal", "balasan", "harapan", "catatan"]) else { return nil }
        let nama = top["nama"].flatMap { r.string($0, "nama") }
        let mulai = top["mulai"].flatMap { date($0, reader: &r, "mulai") }
        let durasi = top["durasi"].flatMap { r.duration($0, "durasi") }
        if let durasi, durasi > DrillScenario.horizon, let node = top["durasi"] {
            r.error(node, "durasi \(DurationText.format(durasi)) is longer than the drill horizon of \(DurationText.format(DrillScenario.horizon))")
        }
        let seed = top["seed"].flatMap { r.int($0, "seed", min: 0, max: Int.max) } ?? 1
        var sms = ["sms-utama"], hooks = ["bpbd-binjai"]
        if let node = top["kanal"], let f = r.mapping(node, "kanal", optional: ["sms", "webhook"]) {
            if let n = f["sms"], let l = r.list(n, "kanal.sms") { sms = l.compactMap { r.string($0, "SMS channel name") } }
            if let n = f["webhook"], let l = r.list(n, "kanal.webhook") { hooks = l.compactMap { r.string($0, "webhook name") } }
        }
        var ackP = 0.8, ackDelay = 1200, checkInP = 0.9
        if let node = top["balasan"], let f = r.mapping(node, "balasan", optional: ["konfirmasi", "jeda", "lapor_rutin"]) {
            if let v = f["lapor_rutin"].flatMap({ r.double($0, "balasan.lapor_rutin", range: 0...1) }) { checkInP = v }
            if let v = f["konfirmasi"].flatMap({ r.double($0, "balasan.konfirmasi", range: 0...1) }) { ackP = v }
            if let v = f["jeda"].flatMap({ r.duration($0, "balasan.jeda") }) { ackDelay = v }
        }
        var injects: [DrillScenario.Inject] = []
        var declared = 0
        var ended = Set<Int>()
        var previous = 0
        for item in top["injeksi"].flatMap({ r.list($0, "injeksi") }) ?? [] where !r.isSaturated {
            guard let map = r.pairs(item), map.count == 2 || map.count == 1 else {
                r.error(item, "an inject is a mapping with 'pada' and one action (nyatakan, ubah, akhiri, lapor, sms, gangguan, diam, override)")
                continue
            }
            let actions = ["nyatakan", "ubah", "akhiri", "lapor", "sms", "gangguan", "diam", "override"]
            guard let f = r.mapping(item, "an inject", required: ["pada"], optional: actions) else { continue }
            var at: Int?
            if let node = f["pada"] {
                if let text = r.text(node), text.contains("T") {
                    if let d = date(node, reader: &r, "pada"), let mulai {
                        let offset = Int(d.timeIntervalSince(mulai))
                        if offset < 0 { r.error(node, "inject at \(text) is before the drill starts (mulai)") } else { at = offset }
                    }
                } else if let text = r.text(node), text == "0" || text == "0m" {
                    at = 0
                } else {
                    at = r.duration(node, "pada")
                }
            }
            if let a = at {
                if a < previous, let node = f["pada"] {
                    r.error(node, "injects must be in time order: \(DurationText.format(a)) comes after \(DurationText.format(previous))")
                }
                if let durasi, a > durasi, let node = f["pada"] {
                    r.error(node, "inject at \(DurationText.format(a)) is after the drill ends (durasi \(DurationText.format(durasi)))")
                }
                previous = max(previous, a)
            }
            let present = actions.filter { f[$0] != nil }
            guard present.count == 1, let name = present.first, let node = f[name] else {
                r.error(item, "an inject needs exactly one action (nyatakan, ubah, akhiri, lapor, sms, gangguan, diam, override)")
                continue
            }
            guard let action = readAction(name, node, reader: &r, set: set, declared: &declared, ended: &ended, sms: sms + hooks, webhooks: hooks) else { continue }
            if let at { injects.append(.init(at: at, action: action, location: r.location(item))) }
        }
        var expectations: [DrillScenario.Expectation] = []
        for item in top["harapan"].flatMap({ r.list($0, "harapan") }) ?? [] {
            guard let f = r.mapping(item, "an expectation", required: ["jenis"], optional: ["dalam", "minimum"]) else { continue }
            let kind = f["jenis"].flatMap { r.string($0, "jenis") }
            let within = f["dalam"].flatMap { r.duration($0, "dalam") }
            let minimum = f["minimum"].flatMap { r.double($0, "minimum", range: 0...1) }
            switch kind {
            case "lurah_terinformasi":
                if let within { expectations.append(.lurahAlerted(within: within)) } else { r.error(item, "lurah_terinformasi needs 'dalam'") }
            case "cakupan":
                if let within, let minimum { expectations.append(.coverage(minimum: minimum, within: within)) } else { r.error(item, "cakupan needs 'dalam' and 'minimum'") }
            case "konfirmasi":
                if let within, let minimum { expectations.append(.acknowledged(minimum: minimum, within: within)) } else { r.error(item, "konfirmasi needs 'dalam' and 'minimum'") }
            case let other?:
                if let node = f["jenis"] { r.error(node, "unknown expectation '\(other)' (expected lurah_terinformasi, cakupan or konfirmasi)") }
            case nil: break
            }
        }
        guard let nama, let mulai, let durasi else { return nil }
        return DrillScenario(file: r.file, nama: nama, mulai: mulai, durasi: durasi, seed: UInt64(seed), smsChannels: sms, webhooks: hooks,
                             ackProbability: ackP, ackDelay: ackDelay, checkInProbability: checkInP, injects: injects, expectations: expectations)
    }

    private static func readAction(_ name: String, _ node: YAMLNode, reader r: inout YAMLReader, set: PlaybookSet,
                                   declared: inout Int, ended: inout Set<Int>, sms channels: [String], webhooks: [String]) -> DrillScenario.Action? {
        func areas(_ n: YAMLNode?) -> [String]? {
            guard let n, let list = r.list(n, "wilayah") else { return nil }
            var out: [String] = []
            for item in list {
                guard let code = r.string(item, "wilayah code") else { continue }
                if set.wilayah[code] == nil || set.kecamatan(of: code).flatMap({ set.playbook(kecamatan: $0) }) == nil {
                    r.error(item, "wilayah code '\(code)' is not covered by the loaded playbooks")
                } else {
                    out.append(code)
                }
            }
            return out
        }
        func emergencyRef(_ n: YAMLNode?) -> Int? {
            guard let n, let i = r.int(n, "darurat", min: 1, max: 1000) else { return nil }
            if i > declared { r.error(n, "darurat \(i) has not been declared yet (\(declared) so far)"); return nil }
            if ended.contains(i) { r.error(n, "darurat \(i) has already ended"); return nil }
            return i
        }
        func status(_ n: YAMLNode?) -> EmergencyStatus? {
            guard let n, let s = r.enumValue(n, "status", EmergencyStatus.self) else { return nil }
            if s == .selesai { r.error(n, "use 'akhiri' to end an emergency"); return nil }
            return s
        }
        switch name {
        case "nyatakan":
            guard let f = r.mapping(node, "nyatakan", required: ["bahaya", "wilayah"], optional: ["status"]) else { return nil }
            let h = f["bahaya"].flatMap { r.enumValue($0, "hazard", Hazard.self) }
            let a = areas(f["wilayah"])
            let s = f["status"].map { status($0) } ?? .siagaDarurat
            guard let h, let a, let s else { return nil }
            declared += 1
            return .declare(hazard: h, areas: a, status: s)
        case "ubah":
            guard let f = r.mapping(node, "ubah", required: ["darurat"], optional: ["status", "wilayah"]) else { return nil }
            guard let e = emergencyRef(f["darurat"]) else { return nil }
            return .change(emergency: e, status: f["status"].flatMap { status($0) }, areas: f["wilayah"].flatMap { areas($0) })
        case "akhiri":
            guard let f = r.mapping(node, "akhiri", required: ["darurat"]), let e = emergencyRef(f["darurat"]) else { return nil }
            ended.insert(e)
            return .end(emergency: e)
        case "lapor":
            guard let f = r.mapping(node, "lapor", required: ["pos", "bidang", "status"], optional: ["kapasitas", "catatan"]) else { return nil }
            guard let pos = f["pos"].flatMap({ r.string($0, "pos") }), let bidang = f["bidang"].flatMap({ r.string($0, "bidang") }),
                  let st = f["status"].flatMap({ r.string($0, "status") }) else { return nil }
            let capacity = f["kapasitas"].flatMap { r.int($0, "kapasitas", min: 0) }
            let note = f["catatan"].flatMap { r.string($0, "catatan") }
            // What the daemon would refuse is refused here, by the daemon's own check, at the key at fault.
            do {
                _ = try ReportRequest(post: pos, bidang: bidang, status: st, capacity: capacity, note: note)
                    .validate(in: set, reporter: "", at: Date(timeIntervalSince1970: 0))
            } catch {
                let key = ["post": "pos", "capacity": "kapasitas", "note": "catatan"][error.field] ?? error.field
                r.error(f[key] ?? node, error.message)
                return nil
            }
            return .report(post: pos, bidang: bidang, status: st, capacity: capacity, note: note)
        case "sms":
            guard let f = r.mapping(node, "sms", required: ["dari", "teks"]) else { return nil }
            guard let from = f["dari"].flatMap({ r.string($0, "dari") }), let text = f["teks"].flatMap({ r.string($0, "teks") }) else { return nil }
            guard let e164 = PhoneNumber.normalize(from) else { if let n = f["dari"] { r.error(n, "'\(from)' is not an Indonesian mobile number") }; return nil }
            return .sms(from: e164, text: text)
        case "gangguan":
            guard let f = r.mapping(node, "gangguan", required: ["kanal", "selama"], optional: ["jenis"]) else { return nil }
            guard let ch = f["kanal"].flatMap({ r.string($0, "kanal") }), let s = f["selama"].flatMap({ r.duration($0, "selama") }) else { return nil }
            if !channels.contains(ch), let n = f["kanal"] { r.error(n, "unknown channel '\(ch)' (the scenario has: \(channels.joined(separator: ", ")))"); return nil }
            let kind = f["jenis"].flatMap { r.string($0, "jenis") } ?? "putus"
            guard kind == "putus" || kind == "smsc" else {
                if let n = f["jenis"] { r.error(n, "gangguan.jenis must be putus (the gateway refuses sends) or smsc (its SMSC is down: it holds them)") }
                return nil
            }
            if kind == "smsc", webhooks.contains(ch), let n = f["jenis"] {
                r.error(n, "jenis smsc is for an SMS channel; '\(ch)' is a webhook")
                return nil
            }
            return .outage(channel: ch, seconds: s, held: kind == "smsc")
        case "diam":
            guard let list = r.list(node, "diam") else { return nil }
            let known = AlertRules.recipientKeys(set)
            var recipients: [String] = []
            for item in list {
                guard let key = r.string(item, "recipient") else { continue }
                guard known.contains(key) else {
                    r.error(item, "unknown recipient '\(key.prefix(60))' (recipients are written like lurah:12.75.02.1001, camat:12.75.02, kader:<id>)")
                    continue
                }
                recipients.append(key)
            }
            return recipients.count == list.count ? .silence(recipients: recipients) : nil
        case "override":
            guard let f = r.mapping(node, "override", required: ["jenis"], optional: ["dari", "ke", "pos", "bidang", "catatan"]),
                  let action = f["jenis"].flatMap({ r.enumValue($0, "jenis", PlanOverride.Action.self) }) else { return nil }
            func post(_ key: String) -> String? {
                guard let n = f[key], let id = r.string(n, key) else { return nil }
                if set.posts[id.lowercased()] == nil { r.error(n, "unknown post '\(id)'"); return nil }
                return id.lowercased()
            }
            let (from, to, target) = (post("dari"), post("ke"), post("pos"))
            let bidang = f["bidang"].flatMap { r.enumValue($0, "bidang", Bidang.self) }
            let needs: [String] = switch action {
            case .pin: ["dari", "ke", "bidang"]
            case .forbidArc: ["dari", "ke"]
            case .forbidPost: ["pos"]
            }
            if let missing = needs.first(where: { f[$0] == nil }) {
                r.error(node, "override \(action.rawValue) needs '\(needs.joined(separator: "', '"))' ('\(missing)' is missing)")
                return nil
            }
            // A key that is there but did not read has its error already.
            let read = ["dari": from != nil, "ke": to != nil, "pos": target != nil, "bidang": bidang != nil]
            guard needs.allSatisfy({ read[$0] == true }) else { return nil }
            return .override(PlanOverride(id: "", action: action, from: from, to: to, post: target, bidang: bidang,
                                          note: f["catatan"].flatMap { r.string($0, "catatan") }))
        default:
            return nil
        }
    }
}
