import Foundation
import GRDB
import PoskoCore

extension Coordinator {
    /// Who a registered number belongs to.
    enum Sender {
        case cadre(Cadre)
        case contact(Contact, kecamatan: String)

        var name: String {
            switch self {
            case let .cadre(c): c.nama
            case let .contact(c, _): c.nama ?? c.peran.rawValue
            }
        }
    }

    func sender(_ phone: String, in set: PlaybookSet) -> Sender? {
        if let c = set.cadre(phone: phone) { return .cadre(c) }
        for pb in set.playbooks {
            if let c = pb.kontak.first(where: { $0.telepon == phone }) { return .contact(c, kecamatan: pb.kecamatan) }
        }
        return nil
    }

    /// An SMS command from a cadre or contact (Kannel MO, or a drill inject). It becomes the
    /// same event as its HTTP equivalent; the sender gets a short Indonesian reply through
    /// the outbox. Unknown senders get a help reply (at most one per
    /// number every 10 minutes; none to short codes), unparseable texts one per mistake (the
    /// same text again within 10 minutes goes unanswered), both an audit entry. Returns the
    /// reply text ("" when none).
    ///
    /// What the SMS does, its reply and (with `messageID`, the gateway's id of the MO: Kannel's
    /// `%I`) the record that it was handled are one transaction: a crash leaves either all of
    /// them or none, and the gateway's retry of an SMS handled before is audited and handled no
    /// further.
    @discardableResult
    public func handleSMS(from raw: String, text: String, at: Date, messageID: String? = nil) throws -> String {
        var changed: String?
        let reply = try store.write { tx in
            let id = messageID.flatMap { $0.isEmpty ? nil : $0 }
            if let id, try tx.inboundSeen(id) {
                try tx.audit("sms.duplicate", subject: String(id.prefix(64)), detail: String(text.prefix(160)),
                             actor: Actor(String((PhoneNumber.normalize(raw) ?? raw).prefix(20)), via: .sms), at: at)
                return ""
            }
            let reply = try handleSMSOnce(tx, from: raw, text: text, at: at, changed: &changed)
            if let id { try tx.markInbound(id, at: at) }
            return reply
        }
        if let changed { noteChange(changed, at: at) }
        return reply
    }

    /// `changed`: set to the reason when the SMS changed what the planner sees.
    private func handleSMSOnce(_ tx: StoreTransaction, from raw: String, text: String, at: Date, changed: inout String?) throws -> String {
        let set = playbooks
        let normalized = PhoneNumber.normalize(raw)
        let phone = normalized ?? raw
        guard let who = sender(phone, in: set) else {
            try tx.audit("sms.unknown_sender", subject: String(phone.prefix(20)), detail: String(text.prefix(160)), actor: Actor(String(phone.prefix(20)), via: .sms), at: at)
            // A short code or an alphanumeric sender (an operator's balance notice, a bank) gets
            // no reply: it cannot read one, and an SMS to a short code can cost money.
            guard normalized != nil else { return "" }
            return try helpReply(tx, to: phone, "Nomor Anda belum terdaftar di Posko. Hubungi BPBD/kelurahan untuk pendaftaran.", at: at)
        }
        let actor = Actor("\(who.name) (\(phone))", via: .sms)
        let command: SMSCommand
        switch SMSCommand.parse(text) {
        case let .success(c): command = c
        case let .failure(error):
            try tx.audit("sms.unparseable", subject: phone, detail: String(text.prefix(160)), actor: actor, at: at)
            // A registered sender gets help for every new mistake; only the same text again
            // within the window (a phone stuck in a loop) goes unanswered.
            return try helpReply(tx, to: phone, error.help, at: at, limitingBy: phone + "|" + text)
        }
        let answer: String
        switch command {
        case let .lapor(r):
            guard let post = Self.post(r.pos, in: set) else {
                return try reply(tx, to: phone, Self.unknownPost(r.pos, in: set) + " " + SMSHelp.lapor, at: at)
            }
            guard mayReport(who, post: post) else {
                try tx.audit("sms.not_allowed", subject: post.id, detail: "LAPOR from \(phone)", actor: actor, at: at)
                let kel = set.wilayah[post.kelurahan]?.name ?? post.kelurahan
                return try reply(tx, to: phone, "Nomor Anda tidak terdaftar untuk melapor \(post.id) (Kel. \(kel)). Laporan tidak dicatat.", at: at)
            }
            let status = r.status == .buka ? "berjalan" : r.status.rawValue
            let bidang: String = switch r.scope {
            case .semua: "semua"
            case let .bidang(b): b.rawValue
            }
            let absolute = r.status == .terganggu && !r.capacityIsPercent ? r.remainingCapacity : nil
            let percent = r.status == .terganggu && r.capacityIsPercent ? r.remainingCapacity : nil
            do {
                let (stored, write) = try prepareReport(ReportRequest(post: post.id, bidang: bidang, status: status, capacity: absolute,
                                                                      note: r.note, reporter: actor.name), capacityPercent: percent, actor: actor, at: at,
                                                      sender: phone)
                try write(tx)
                changed = "post reported"
                // Say what was understood of a capacity: "sisa 31 dari 63".
                let left: String
                if stored.count == 1 && r.status == .terganggu {
                    let most = post.layanan[stored[0].bidang]?.kapasitas ?? 0
                    left = stored[0].capacity.map { " (sisa \($0) dari \(most))" } ?? " (sisa dianggap separuh)"
                } else if let percent {
                    left = " (sisa \(percent)%)"
                } else if let absolute {
                    left = " (sisa \(absolute) per bidang)"
                } else {
                    left = ""
                }
                answer = "Laporan diterima: \(post.id) \(bidang == "semua" ? "SEMUA" : bidang) \(r.status.rawValue.uppercased())\(left)."
            } catch let e as RequestError {
                let why: String = switch e.field {
                case "bidang": "\(post.id) tidak melayani bidang itu"
                case "capacity":
                    if case let .bidang(b) = r.scope, !r.capacityIsPercent, let most = post.layanan[b]?.kapasitas {
                        "sisa kapasitas tidak valid (paling banyak \(most) orang, atau tulis persen, misalnya 50%)"
                    } else {
                        "sisa kapasitas tidak valid (tulis misalnya TERGANGGU 50%)"
                    }
                default: "data tidak valid"
                }
                answer = "Laporan ditolak: \(why). \(SMSHelp.lapor)"
            }
        case let .hadir(pos, note):
            guard case let .cadre(c) = who else { return try reply(tx, to: phone, "HADIR hanya untuk kader terdaftar.", at: at) }
            guard let target = Self.post(pos, in: set) ?? Self.spacedPost(pos, note, in: set) else {
                return try reply(tx, to: phone, Self.unknownPost(pos, in: set) + " " + SMSHelp.hadir, at: at)
            }
            let pos = target.id
            try availabilityWrite(c.id, available: true, post: pos, actor: actor, at: at)(tx)
            changed = "cadre availability"
            // The plan sends a cadre only within its reach (metres, as the planner measures): say
            // so rather than promise the post.
            let reach = c.reachKm()
            if let home = set.posts[c.pos], case let metres = Int((home.lokasi.distanceKm(to: target.lokasi) * 1000).rounded()),
               metres > Int((reach * 1000).rounded()) {
                answer = "Tercatat HADIR. \(pos) \(PlanText.km(metres)) dari \(home.id), di luar jangkauan Anda (\(PlanText.bound(reach))): "
                    + "Anda hanya ditugaskan ke pos dalam jangkauan."
            } else {
                answer = "Terima kasih, \(c.nama). Tercatat HADIR di \(pos)."
            }
        case .tidakHadir:
            guard case let .cadre(c) = who else { return try reply(tx, to: phone, "TIDAK HADIR hanya untuk kader terdaftar.", at: at) }
            try availabilityWrite(c.id, available: false, post: nil, actor: actor, at: at)(tx)
            changed = "cadre availability"
            answer = "Tercatat TIDAK HADIR, \(c.nama). Bila Anda sedang bertugas, Posko mencarikan pengganti."
        case let .ok(kode):
            switch try acknowledge(tx, code: kode, from: phone, actor: actor, at: at) {
            case .acknowledged(_, first: true): answer = "Terima kasih, konfirmasi \(kode) diterima."
            case .acknowledged(_, first: false): answer = "Konfirmasi \(kode) sudah diterima sebelumnya. Terima kasih."
            case .notForSender:
                try tx.audit("sms.ack_refused", subject: kode, detail: "OK from \(phone)", actor: actor, at: at)
                answer = "Kode \(kode) bukan untuk nomor Anda. Periksa kode pada SMS yang Anda terima."
            case .unknown: answer = "Kode \(kode) tidak dikenal. \(SMSHelp.ok)"
            }
        }
        return try reply(tx, to: phone, answer, at: at)
    }

    private func mayReport(_ who: Sender, post: Post) -> Bool {
        switch who {
        case let .cadre(c): return c.pos == post.id || playbooks.posts[c.pos]?.kelurahan == post.kelurahan
        case let .contact(c, kec):
            switch c.peran {
            case .lurah: return c.kelurahan == post.kelurahan
            case .camat, .sekcam: return kec == post.kecamatan
            default: return false
            }
        }
    }

    /// A reply through the outbox (durable, retried like any alert).
    private func reply(_ tx: StoreTransaction, to phone: String, _ text: String, at: Date) throws -> String {
        var hasher = FNV1a64()
        hasher.combine(phone + "|" + text + "|\(at.timeIntervalSince1970)")
        let draft = AlertDraft(recipient: "sms:\(phone)", recipientName: phone, role: "pengirim", kind: "sms.reply",
                               routes: routing.routes(phone: phone, webhook: nil), text: "[POSKO] " + text, payload: "{}",
                               dedupKey: "reply:\(hasher.hex)", needsAck: false, kecamatan: nil, groupable: false, exercise: false)
        if !draft.routes.isEmpty { _ = try tx.enqueue([draft], eventID: nil, at: at, routing: routing) }
        return text
    }

    /// A post id typed with spaces for its hyphens (`HADIR cengkeh turi 3`): `pos` joined with up
    /// to three words of what followed it.
    static func spacedPost(_ pos: String, _ rest: String?, in set: PlaybookSet) -> Post? {
        let words = (rest ?? "").split(separator: " ").prefix(3).map { $0.lowercased() }
        var joined = pos
        for w in words {
            joined += "-" + w
            if let p = post(joined, in: set) { return p }
        }
        return nil
    }

    /// The post an SMS names: its id, or (typed on a phone) the one id that matches without
    /// its `-` and `_` (`berngam1`, `BERNGAM_1` for `berngam-1`); nil when none or several do.
    static func post(_ id: String, in set: PlaybookSet) -> Post? {
        if let exact = set.posts[id] { return exact }
        let found = looseMatches(id, in: set)
        return found.count == 1 ? found[0] : nil
    }

    /// Every post whose id is `id` without its `-` and `_`, by id.
    private static func looseMatches(_ id: String, in set: PlaybookSet) -> [Post] {
        func compact(_ s: String) -> String { String(s.lowercased().unicodeScalars.filter { $0 != "-" && $0 != "_" }) }
        let key = compact(id)
        guard !key.isEmpty else { return [] }
        return set.posts.filter { compact($0.id) == key }.sorted { $0.id < $1.id }
    }

    /// Why `id` names no post: none has it, or (typed without hyphens) several could be meant.
    static func unknownPost(_ id: String, in set: PlaybookSet) -> String {
        let candidates = looseMatches(id, in: set)
        guard candidates.count > 1 else { return "Pos '\(id)' tidak dikenal." }
        return "Pos '\(id)' bisa berarti \(candidates.prefix(3).map(\.id).joined(separator: " atau ")). Tulis ID pos lengkap."
    }

    private func helpReply(_ tx: StoreTransaction, to phone: String, _ text: String, at: Date, limitingBy key: String? = nil) throws -> String {
        guard helpLimiter.allow(key ?? phone, at: at) else { return "" }
        return try reply(tx, to: phone, text, at: at)
    }
}

/// At most one help reply per key (a number, or a number and text) per window, so a misconfigured phone cannot make
/// Posko spend SMS credit in a loop.
final class HelpLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var last: [String: Date] = [:]
    let window: TimeInterval

    init(window: TimeInterval = 600) { self.window = window }

    func allow(_ phone: String, at: Date) -> Bool {
        lock.withLock {
            if let t = last[phone], at.timeIntervalSince(t) < window { return false }
            last[phone] = at
            if last.count > 10_000 { last = last.filter { at.timeIntervalSince($0.value) < window } }
            return true
        }
    }
}

extension StoreTransaction {
    /// Whether an inbound SMS with this gateway id was handled already.
    func inboundSeen(_ messageID: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM inbound_sms WHERE message_id = ?"), arguments: [messageID]) ?? false
    }

    func markInbound(_ messageID: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO inbound_sms (message_id, received_at) VALUES (?, ?)")
            .execute(arguments: [messageID, at.timeIntervalSince1970])
    }
}
