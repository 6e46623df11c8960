import Foundation
@testable import PoskoApp
@testable import PoskoCore
import Testing

/// What `posko status` prints of the continuity view.
@Suite struct StatusTextTests {
    static func cell(_ kelurahan: String, _ bidang: Bidang, demand: Int, served: Int, displaced: Int) -> CoverageCell {
        CoverageCell(kelurahan: kelurahan, nama: "Kel \(kelurahan.suffix(4))", kecamatan: "12.75.02", bidang: bidang,
                     demand: demand, served: served, displaced: displaced, unmet: demand - served,
                     coverage: demand == 0 ? 1 : Double(served) / Double(demand))
    }

    static func view(_ cells: [CoverageCell], plan: Int?) -> ContinuityView {
        ContinuityView(at: Date(timeIntervalSince1970: 0), planVersion: plan, planPending: nil, cells: cells, affectedPosts: [],
                       totalDemand: cells.reduce(0) { $0 + $1.demand }, totalServed: cells.reduce(0) { $0 + $1.served },
                       totalDisplaced: cells.reduce(0) { $0 + $1.displaced })
    }

    /// Closed posts whose demand the plan moves elsewhere: the total stays at 100%, so the drop
    /// shows as the coverage without the plan and the cells that lost their own posts.
    @Test func aPlanThatCoversEverythingStillShowsWhatWasLost() {
        let text = StatusText.continuity(Self.view([
            Self.cell("12.75.02.1001", .kesehatan, demand: 170, served: 170, displaced: 133),
            Self.cell("12.75.02.1001", .pendidikan, demand: 100, served: 100, displaced: 0),
            Self.cell("12.75.02.1003", .sosial, demand: 130, served: 130, displaced: 20),
        ], plan: 2))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Cakupan layanan: 100.0% (400/400) dengan rencana v2; tanpa rencana 61.8%, 153 tergeser")
        #expect(!text.contains("terlayani penuh"))
        // The cells that lost service at their own posts, most displaced first; untouched ones left out.
        let rows = lines.dropFirst(2).filter { $0.hasPrefix("12.75") }
        #expect(rows.count == 2)
        #expect(rows[0].contains("kesehatan") && rows[0].contains("133/170") && rows[0].contains("100%"))
        #expect(rows[1].contains("sosial") && rows[1].contains("20/130"))
    }

    @Test func beforeAPlanTheUnmovedDemandIsUnserved() {
        let text = StatusText.continuity(Self.view([
            Self.cell("12.75.02.1001", .kesehatan, demand: 170, served: 37, displaced: 133),
            Self.cell("12.75.02.1001", .sosial, demand: 50, served: 45, displaced: 5),
        ], plan: nil))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Cakupan layanan: 37.3% (82/220), 138 tergeser, belum ada rencana")
        let rows = lines.filter { $0.hasPrefix("12.75") }
        #expect(rows.first?.contains("kesehatan") == true && rows.first?.contains("22%") == true)
        #expect(rows.count == 2)
    }

    @Test func nothingLostIsSaidPlainly() {
        let text = StatusText.continuity(Self.view([Self.cell("12.75.02.1001", .kesehatan, demand: 170, served: 170, displaced: 0)], plan: 1))
        #expect(text == "Cakupan layanan: 100.0% (170/170) dengan rencana v1; tanpa rencana 100.0%, 0 tergeser\nSemua kelurahan × bidang terlayani penuh.")
    }

    /// Right after reports, before the planner has taken them in: the plan shown is the last one.
    @Test func aPlanBehindTheReportsSaysANewOneIsOnItsWay() {
        var view = Self.view([Self.cell("12.75.02.1001", .kesehatan, demand: 170, served: 37, displaced: 133)], plan: 1)
        view.planPending = true
        #expect(StatusText.continuity(view).hasPrefix("Cakupan layanan: 21.8% (37/170) dengan rencana v1 (rencana baru sedang dihitung dari laporan terakhir); "))
    }

    /// Each emergency says where it came from: a live drill's is marked LATIHAN.
    @Test func emergenciesSayWhoOpenedThem() {
        let t = Date(timeIntervalSince1970: 1_796_000_000)
        let real = Emergency(id: "D-1", hazard: .banjir, status: .tanggapDarurat, areas: ["12.75.02.1001"], declaredAt: t, source: "api:op")
        var drill = Emergency(id: "D-2", hazard: .banjir, status: .siagaDarurat, areas: ["12.75.02.1003"], declaredAt: t, source: "drill:latihan")
        drill.exercise = true
        var cap = Emergency(id: "D-3", hazard: .banjir, status: .siagaDarurat, areas: ["12.75.04.1006"], declaredAt: t, source: "cap:bmkg/1")
        cap.capExpires = t.addingTimeInterval(3 * 3600)
        cap.operatorOwned = false
        let lines = StatusText.emergencies([real, drill, cap]).split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("sumber"))
        #expect(lines[2].hasSuffix("operator"))
        #expect(lines[3].hasSuffix("LATIHAN"))
        #expect(lines[4].hasSuffix("CAP BMKG s/d \(StatusText.time(cap.capExpires!))"))
    }

    /// A token file that cannot be read is said as such, before any request (the daemon would
    /// only answer "missing or invalid bearer token").
    @Test func anUnreadableTokenFileIsSaidPlainly() async throws {
        let client = APIClient.from(baseURL: "http://127.0.0.1:9", flag: nil, environment: ["POSKO_TOKEN_FILE": "/nonexistent/operator.token"])
        do {
            _ = try await client.request(.GET, "/v1/emergencies")
            Issue.record("expected a failure")
        } catch {
            #expect(error.description == "cannot read the token file /nonexistent/operator.token ($POSKO_TOKEN_FILE)")
        }
        // A flag or $POSKO_TOKEN still wins over the file.
        #expect(APIClient.from(baseURL: "x", flag: nil, environment: ["POSKO_TOKEN": "t", "POSKO_TOKEN_FILE": "/nonexistent"]).token == "t")
    }

    /// `posko alerts`: when each message was made (WIB), when it arrived and was acknowledged.
    @Test func messagesShowWhenTheyWereMadeArrivedAndAcknowledged() {
        let made = Date(timeIntervalSince1970: 1_795_400_000)  // 2026-11-23 09:13 WIB
        let text = StatusText.messages([
            StatusText.Message(id: "m-1", recipient: "lurah:12.75.02.1001", kind: "emergency.declared", channel: "sms:utama",
                               state: "delivered", attempts: 1, ackCode: "K7RT", ackedAt: made.addingTimeInterval(600), lastError: nil,
                               createdAt: made, deliveredAt: made.addingTimeInterval(12)),
            StatusText.Message(id: "m-2", recipient: "camat:12.75.02", kind: "emergency.declared", channel: "sms:cadangan",
                               state: "failed", attempts: 5, ackCode: "XW3P", ackedAt: nil, lastError: "503 Service Unavailable",
                               createdAt: made, deliveredAt: nil),
            StatusText.Message(id: "m-3", recipient: "lurah:12.75.02.1003", kind: "emergency.declared", channel: "sms:utama",
                               state: "delivered", attempts: 1, ackCode: "P4QZ", ackedAt: made.addingTimeInterval(2400), ackedVia: "m-9",
                               lastError: nil, createdAt: made, deliveredAt: made.addingTimeInterval(15)),
        ])
        let rows = text.split(separator: "\n").map(String.init)
        #expect(rows[0].hasPrefix("id ") && rows[0].contains("dibuat") && rows[0].contains("sampai"))
        let first = rows.first { $0.hasPrefix("m-1") } ?? ""
        #expect(first.contains("2026-11-23 09:13 WIB") && first.contains(" 09:13 ") && first.contains(" 09:23 "), "\(first)")
        let second = rows.first { $0.hasPrefix("m-2") } ?? ""
        #expect(second.contains("belum") && second.contains("503 Service Unavailable"), "\(second)")
        // Confirmed only when the camat answered its escalation: not the lurah's own OK.
        #expect(rows.first { $0.hasPrefix("m-3") }?.contains(" 09:53 lewat eskalasi ") == true, "\(text)")
        #expect(!first.contains("eskalasi"))
        #expect(StatusText.messages([]) == "Tidak ada pesan.")
    }
}
