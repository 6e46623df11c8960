import Foundation
import Hummingbird
import PoskoCore
import PoskoStorage

/// The reassignment plan: current, by version, diff, per kelurahan; coordinator overrides.
struct PlanRoutes {
    let deps: APIDependencies

    struct KelurahanView: Codable, Sendable {
        var kelurahan: String
        var nama: String
        var version: Int?
        var outgoing: [PlanAssignment]
        var incoming: [PlanAssignment]
        var unmet: [PlanUnmet]
        var cadres: [PlanCadreAssignment]
    }

    struct OverrideRequest: Codable, Sendable, JSONRequestBody {
        static let members: Set<String> = ["action", "from", "to", "post", "bidang", "note"]
        var action: String
        var from: String?
        var to: String?
        var post: String?
        var bidang: String?
        var note: String?
    }

    func keeper() throws -> PlanKeeper {
        guard let k = deps.plans else { throw APIError.notFound("the planner is not running") }
        return k
    }

    func register(_ v1: Registrar) {
        v1.get("plan") { _, context in
            _ = try context.require(.viewer)
            guard let plan = try keeper().current else { throw APIError.notFound("no plan has been computed yet") }
            return JSONResponse(plan)
        }
        v1.get("plan/versions/:version") { _, context in
            _ = try context.require(.viewer)
            let text = try context.parameters.require("version")
            guard let v = Int(text), let plan = try keeper().plan(version: v) else { throw APIError.notFound("plan version '\(text.prefix(12))' does not exist") }
            return JSONResponse(plan)
        }
        v1.get("plan/diff") { request, context in
            _ = try context.require(.viewer)
            let k = try keeper()
            // A version that is not a number, or does not exist, is an error, not a diff against nothing.
            guard let to = try Query.int(request, "to", what: "a plan version") ?? k.current?.version else {
                throw APIError.notFound("no plan has been computed yet")
            }
            let from = try Query.int(request, "from", what: "a plan version") ?? (to > 1 ? to - 1 : nil)
            if let from, try k.plan(version: from) == nil { throw APIError.notFound("plan version \(from) does not exist") }
            guard let diff = try k.diff(from: from, to: to) else { throw APIError.notFound("plan version \(to) does not exist") }
            return JSONResponse(diff)
        }
        v1.get("plan/kelurahan/:code") { _, context in
            _ = try context.require(.viewer)
            let code = try context.parameters.require("code")
            guard let unit = deps.coordinator.playbooks.wilayah[code] else { throw APIError.notFound("kelurahan '\(code.prefix(20))' does not exist") }
            let plan = try keeper().current
            return JSONResponse(KelurahanView(
                kelurahan: code, nama: unit.name, version: plan?.version,
                outgoing: plan?.assignments.filter { $0.fromKelurahan == code } ?? [],
                incoming: plan?.assignments.filter { $0.toKelurahan == code && $0.fromKelurahan != code } ?? [],
                unmet: plan?.unmet.filter { $0.kelurahan == code } ?? [],
                cadres: plan?.cadreAssignments.filter { $0.homeKelurahan == code || $0.toKelurahan == code } ?? []))
        }
        v1.get("plan/overrides") { _, context in
            _ = try context.require(.viewer)
            return JSONResponse(["overrides": try keeper().activeOverrides()])
        }
        v1.post("plan/overrides") { request, context in
            let actor = try context.actor(.operator)
            let body = try await Body.decode(OverrideRequest.self, request, limit: deps.maxBodyBytes)
            guard let action = PlanOverride.Action(rawValue: body.action) else {
                throw APIError(.unprocessableContent, code: "invalid", "unknown action '\(body.action.prefix(20))' (expected pin, forbid_post or forbid_arc)", field: "action")
            }
            var bidang: Bidang?
            if let b = body.bidang {
                guard let parsed = Bidang(rawValue: b) else {
                    throw APIError(.unprocessableContent, code: "invalid", "unknown SPM field '\(b.prefix(30))'", field: "bidang")
                }
                bidang = parsed
            }
            let o = PlanOverride(id: "", action: action, from: body.from?.lowercased(), to: body.to?.lowercased(), post: body.post?.lowercased(),
                                 bidang: bidang, note: body.note)
            return JSONResponse(try keeper().addOverride(o, actor: actor, at: deps.now()), status: .created)
        }
        v1.delete("plan/overrides/:id") { _, context in
            let actor = try context.actor(.operator)
            let id = try context.parameters.require("id")
            try keeper().removeOverride(id: id, actor: actor, at: deps.now())
            return JSONResponse(["id": id, "status": "removed"])
        }
    }
}
