import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoskoCore

/// The CLI's client for a running daemon's API.
public struct APIClient: Sendable {
    public var baseURL: String
    public var token: String?

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Why there is no token although one was named (a token file that cannot be read): said
    /// instead of sending the request, which the daemon would only answer with a 401.
    public var tokenProblem: String?

    public init(baseURL: String, token: String?, tokenProblem: String? = nil) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.tokenProblem = tokenProblem
    }

    /// A client with the token from a flag, `$POSKO_TOKEN`, or `$POSKO_TOKEN_FILE`.
    public static func from(baseURL: String, flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> APIClient {
        if let flag { return APIClient(baseURL: baseURL, token: flag) }
        if let t = environment["POSKO_TOKEN"], !t.isEmpty { return APIClient(baseURL: baseURL, token: t) }
        if let f = environment["POSKO_TOKEN_FILE"], !f.isEmpty {
            guard let d = FileManager.default.contents(atPath: f) else {
                return APIClient(baseURL: baseURL, token: nil, tokenProblem: "cannot read the token file \(f) ($POSKO_TOKEN_FILE)")
            }
            return APIClient(baseURL: baseURL, token: String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return APIClient(baseURL: baseURL, token: nil)
    }

    public func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws(Failure) -> Data {
        if let tokenProblem { throw Failure(description: tokenProblem) }
        var req = HTTPClientRequest(url: baseURL + path)
        req.method = method
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(req, timeout: .seconds(15))
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw Failure(description: "cannot reach \(baseURL): \(error)")
        }
        let data = Data(buffer: bytes)
        guard (200..<300).contains(Int(response.status.code)) else {
            struct E: Decodable { struct D: Decodable { var message: String; var field: String? }; var error: D }
            if let e = try? JSONDecoder().decode(E.self, from: data) {
                throw Failure(description: "\(response.status.code): \(e.error.field.map { "\($0): " } ?? "")\(e.error.message)")
            }
            throw Failure(description: "\(response.status.code) \(response.status.reasonPhrase)")
        }
        return data
    }

    public func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try Self.decoder.decode(T.self, from: try await request(.GET, path))
    }

    public func send<B: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, _ body: B, as: T.Type) async throws -> T {
        try Self.decoder.decode(T.self, from: try await request(method, path, body: try JSONEncoder().encode(body)))
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

/// Tables the CLI prints.
public enum StatusText {
    public static func emergencies(_ list: [Emergency]) -> String {
        guard !list.isEmpty else { return "Tidak ada keadaan darurat aktif." }
        return TextTable.render(header: ["id", "bahaya", "status", "wilayah", "sejak", "sumber"], rows: list.map {
            [$0.id, $0.hazard.rawValue, $0.status.rawValue, $0.areas.joined(separator: ","), Self.time($0.declaredAt), source($0)]
        })
    }

    /// Who opened it: an exercise (live drill), a BMKG CAP alert (until when), or an operator.
    static func source(_ e: Emergency) -> String {
        switch e.origin {
        case .latihan: "LATIHAN"
        case .cap: "CAP BMKG" + (e.capExpires.map { " s/d " + time($0) } ?? "")
        case .`operator`: "operator"
        }
    }

    /// The coverage with the plan and without it (what the posts still open serve alone), then
    /// the kelurahan × field cells that lost service at their own posts or are not fully
    /// covered, worst first.
    public static func continuity(_ view: ContinuityView, limit: Int = 40) -> String {
        func percent(_ part: Int, _ whole: Int) -> String {
            String(format: "%.1f%%", whole == 0 ? 100 : Double(part) / Double(whole) * 100)
        }
        let own = view.totalDemand - view.totalDisplaced
        var out = "Cakupan layanan: \(percent(view.totalServed, view.totalDemand)) (\(view.totalServed)/\(view.totalDemand))"
        if let v = view.planVersion {
            out += " dengan rencana v\(v)\(view.planPending == true ? " (rencana baru sedang dihitung dari laporan terakhir)" : ""); "
                + "tanpa rencana \(percent(own, view.totalDemand)), \(view.totalDisplaced) tergeser"
        } else {
            out += ", \(view.totalDisplaced) tergeser, belum ada rencana"
        }
        let hit = view.cells.filter { $0.coverage < 1 || $0.displaced > 0 }.sorted {
            ($0.coverage, -$0.displaced, $0.kelurahan, $0.bidang) < ($1.coverage, -$1.displaced, $1.kelurahan, $1.bidang)
        }
        guard !hit.isEmpty else { return out + "\nSemua kelurahan × bidang terlayani penuh." }
        let rows = hit.prefix(limit).map {
            [$0.kelurahan, $0.nama, $0.bidang.rawValue, "\($0.displaced)/\($0.demand)", "\($0.served)/\($0.demand)",
             String(format: "%.0f%%", $0.coverage * 100)]
        }
        out += "\n" + TextTable.render(header: ["kelurahan", "nama", "bidang", "tergeser", "terlayani", "cakupan"], rows: Array(rows))
        if hit.count > limit { out += "\n… dan \(hit.count - limit) lainnya" }
        return out
    }

    /// An outbox message as `/v1/messages` lists it (the fields `posko alerts` shows).
    public struct Message: Decodable, Sendable {
        public var id: String
        public var recipient: String
        public var kind: String
        public var channel: String?
        public var state: String
        public var attempts: Int
        public var ackCode: String?
        public var ackedAt: Date?
        public var ackedVia: String?
        public var lastError: String?
        public var createdAt: Date
        public var deliveredAt: Date?
    }

    /// `posko alerts`: newest first, with when each was made and delivered (WIB).
    public static func messages(_ list: [Message]) -> String {
        guard !list.isEmpty else { return "Tidak ada pesan." }
        return TextTable.render(header: ["id", "dibuat", "penerima", "jenis", "kanal", "status", "coba", "sampai", "kode", "konfirmasi", "galat"],
                                rows: list.map {
            [$0.id, Self.time($0.createdAt), $0.recipient, $0.kind, $0.channel ?? "-", $0.state, "\($0.attempts)",
             $0.deliveredAt.map(Self.clock) ?? "-", $0.ackCode ?? "-",
             confirmation($0), String(($0.lastError ?? "").prefix(40))]
        })
    }

    /// When an alert was confirmed, and whether only through the answer to its escalation.
    static func confirmation(_ m: Message) -> String {
        guard let at = m.ackedAt else { return m.ackCode == nil ? "-" : "belum" }
        return clock(at) + (m.ackedVia == nil ? "" : " lewat eskalasi")
    }

    /// `HH:mm` WIB, for times beside a full one.
    static func clock(_ d: Date) -> String {
        String(time(d).dropFirst(11).prefix(5))
    }

    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Jakarta")
        f.dateFormat = "yyyy-MM-dd HH:mm 'WIB'"
        return f.string(from: d)
    }
}
