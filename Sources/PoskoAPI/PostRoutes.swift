import Foundation
import Hummingbird
import PoskoCore
import PoskoStorage

struct PostRoutes {
    let deps: APIDependencies

    struct ReportResponse: Codable, Sendable, JSONWritable {
        var reports: [StatusReport]
        func writeJSON(_ w: inout JSONWriter) throws { try w.object { try $0.value("reports", reports) } }
    }

    struct PostSummary: Codable, Sendable {
        var id: String
        var nama: String
        var kelurahan: String
        var kecamatan: String
        var lokasi: Coordinate
        var rawan: [Hazard]
        var cadangan: [String]
        var fields: [PostFieldState]
    }

    struct PostList: Codable, Sendable { var posts: [PostSummary] }

    func register(_ v1: Registrar) {
        // Looked up once, not per report (the look-up builds a key string).
        let reported = Dictionary(uniqueKeysWithValues: ServiceStatus.reportable.map {
            ($0, deps.metrics.counter("posko_reports_total", [("status", $0.rawValue), ("via", "api")]))
        })
        v1.post("reports") { request, context in
            let actor = try context.actor(.operator)
            let body = try await Body.decode(ReportRequest.self, request, limit: deps.maxBodyBytes)
            let reports = try await deps.coordinator.reportBatched(body, actor: actor, at: deps.now())
            reported[reports[0].status]?.increment()
            return JSONResponse(ReportResponse(reports: reports), status: .created)
        }
        v1.get("posts") { request, context in
            _ = try context.require(.viewer)
            let kelurahan = request.uri.queryParameters["kelurahan"].map(String.init)
            let kecamatan = request.uri.queryParameters["kecamatan"].map(String.init)
            // An unknown code is an error (as for /v1/continuity), not an empty list.
            if let kelurahan, deps.coordinator.playbooks.wilayah[kelurahan] == nil {
                throw APIError(.notFound, code: "not_found", "kelurahan '\(kelurahan.prefix(20))' does not exist", field: "kelurahan")
            }
            try requirePlaybook(kecamatan)
            return JSONResponse(PostList(posts: try summaries { post in
                (kelurahan == nil || post.kelurahan == kelurahan) && (kecamatan == nil || post.kecamatan == kecamatan)
            }))
        }
        v1.get("posts/:id") { _, context in
            _ = try context.require(.viewer)
            let id = try context.parameters.require("id").lowercased()
            guard let post = try summaries({ $0.id == id }).first else { throw APIError.notFound("post '\(id)' does not exist") }
            return JSONResponse(post)
        }
        v1.post("posts/:id/checkin") { _, context in
            let actor = try context.actor(.operator)
            let id = try context.parameters.require("id").lowercased()
            try deps.coordinator.checkIn(id, actor: actor, at: deps.now())
            return JSONResponse(["post": id, "status": "checked_in"])
        }
        v1.get("continuity") { request, context in
            _ = try context.require(.viewer)
            let kecamatan = request.uri.queryParameters["kecamatan"].map(String.init)
            try requirePlaybook(kecamatan)
            return JSONResponse(try deps.continuity(kecamatan: kecamatan))
        }
    }

    /// A `kecamatan` filter must name a kecamatan with a playbook (404 naming the field).
    private func requirePlaybook(_ kecamatan: String?) throws {
        if let kecamatan, deps.coordinator.playbooks.playbook(kecamatan: kecamatan) == nil {
            throw APIError(.notFound, code: "not_found", "no playbook for kecamatan '\(kecamatan.prefix(20))'", field: "kecamatan")
        }
    }

    private func summaries(_ include: (Post) -> Bool) throws -> [PostSummary] {
        let set = deps.coordinator.playbooks
        let states = ContinuityEvaluator.evaluate(set, state: try deps.coordinator.store.operationalState(), now: deps.now())
        let byPost = Dictionary(grouping: states, by: \.postID)
        return set.posts.filter(include).sorted { $0.id < $1.id }.map { p in
            PostSummary(id: p.id, nama: p.nama, kelurahan: p.kelurahan, kecamatan: p.kecamatan, lokasi: p.lokasi,
                        rawan: p.rawan, cadangan: p.cadangan, fields: byPost[p.id] ?? [])
        }
    }
}

struct PlaybookRoutes {
    let deps: APIDependencies

    struct PlaybookInfo: Codable, Sendable {
        var kecamatan: String
        var nama: String
        var versi: String?
        var file: String
        var posts: Int
        var cadres: Int
        var kelurahan: Int
    }

    struct PlaybookList: Codable, Sendable { var digest: String; var playbooks: [PlaybookInfo] }

    struct ReloadResponse: Codable, Sendable {
        var accepted: Bool
        var digest: String
        var errors: [Diagnostic]
        var warnings: [Diagnostic]
    }

    func register(_ v1: Registrar) {
        v1.get("playbooks") { _, context in
            _ = try context.require(.viewer)
            let set = deps.coordinator.playbooks
            return JSONResponse(PlaybookList(digest: set.digest, playbooks: set.playbooks.map {
                PlaybookInfo(kecamatan: $0.kecamatan, nama: $0.nama, versi: $0.versi, file: ($0.file as NSString).lastPathComponent,
                             posts: $0.pos.count, cadres: $0.kader.count, kelurahan: set.wilayah.kelurahan(in: $0.kecamatan).count)
            }))
        }
        v1.post("playbooks/reload") { _, context in
            let actor = try context.actor(.admin)
            let outcome = await deps.reload(actor)
            let body = ReloadResponse(accepted: outcome.accepted, digest: outcome.digest,
                                      errors: outcome.diagnostics.errors, warnings: outcome.diagnostics.warnings)
            return JSONResponse(body, status: outcome.accepted ? .ok : .unprocessableContent)
        }
        v1.get("audit") { request, context in
            _ = try context.require(.admin)
            let limit = min(1000, try Query.int(request, "limit") ?? 100)
            let before = try Query.int(request, "before").map(Int64.init)
            return JSONResponse(["entries": try deps.coordinator.store.audit(limit: limit, beforeID: before)])
        }
        v1.get("events") { request, context in
            _ = try context.require(.viewer)
            let after = Int64(try Query.int(request, "after", minimum: 0) ?? 0)
            let limit = min(1000, try Query.int(request, "limit") ?? 100)
            return JSONResponse(["events": try deps.coordinator.store.events(afterID: after, limit: limit)])
        }
    }
}
