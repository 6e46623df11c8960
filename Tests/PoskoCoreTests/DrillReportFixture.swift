import Foundation
import PoskoCore

/// A realistic 72-hour flood drill in Kota Binjai for the report-writer tests: five kecamatan,
/// ten kelurahan with a worst coverage, three expectations (one failing), coverage every
/// 15 minutes and a timeline of twenty entries.
enum DrillReportFixture {
    /// 1 Nov 2026 06.00 WIB.
    static let start = Date(timeIntervalSince1970: 1_793_487_600)
    static let hours = 72

    static func at(_ hours: Double) -> Date { start.addingTimeInterval(hours * 3600) }

    static let kecamatanNames: [(String, String)] = [
        ("12.75.01", "Binjai Utara"), ("12.75.02", "Binjai Kota"), ("12.75.03", "Binjai Barat"),
        ("12.75.04", "Binjai Timur"), ("12.75.05", "Binjai Selatan"),
    ]

    /// (code, name, worst coverage).
    static let kelurahan: [(String, String, Double)] = [
        ("12.75.01.1001", "Pahlawan", 0.96),
        ("12.75.02.1001", "Berngam", 0.42),
        ("12.75.02.1002", "Satria", 0.78),
        ("12.75.02.1003", "Setia", 0.9),
        ("12.75.03.1004", "Paya Roba", 0.66),
        ("12.75.03.1005", "Suka Maju", 1.0),
        ("12.75.04.1004", "Mencirim", 0.82),
        ("12.75.05.1001", "Tanah Merah", 0.31),
        ("12.75.05.1002", "Binjai Estate", 0.55),
        ("12.75.05.1003", "Bhakti Karya", 0.97),
    ]

    /// (code, largest displaced share): Suka Maju lost half its own service and the plan covered
    /// all of it (worst coverage 100%); Pahlawan and Bhakti Karya were never hit.
    static let peakDisplaced: [(String, Double)] = [
        ("12.75.02.1001", 0.8), ("12.75.02.1002", 0.3), ("12.75.02.1003", 0.25), ("12.75.03.1004", 0.45),
        ("12.75.03.1005", 0.5), ("12.75.04.1004", 0.2), ("12.75.05.1001", 0.9), ("12.75.05.1002", 0.6),
    ]

    /// Coverage of one kecamatan `h` hours into the drill (a flood peaking in the south and centre).
    static func coverage(_ code: String, _ h: Double) -> Double {
        func ramp(_ from: Double, _ to: Double, _ h0: Double, _ h1: Double) -> Double {
            if h <= h0 { return from }
            if h >= h1 { return to }
            return from + (to - from) * (h - h0) / (h1 - h0)
        }
        let v: Double
        switch code {
        case "12.75.01": v = h < 2 ? 1 : (h < 10 ? 0.92 : ramp(0.92, 1, 10, 14))
        case "12.75.02": v = h < 2 ? 1 : (h < 6 ? 0.55 : ramp(0.55, 1, 6, 40))
        case "12.75.03": v = h < 4 ? 1 : (h < 12 ? 0.7 : ramp(0.7, 1, 12, 20))
        case "12.75.04": v = (24..<26).contains(h) ? 0.82 : 1
        case "12.75.05": v = h < 3 ? 1 : (h < 8 ? 0.35 : ramp(0.35, 0.85, 8, 30) + (h >= 48 ? 0.15 : 0))
        default: v = 1
        }
        return (v * 1000).rounded() / 1000
    }

    /// The drill result. `scrambled` builds every dictionary in another order and capacity,
    /// so tests can prove the writers do not depend on dictionary iteration order.
    static func result(scrambled: Bool = false) -> DrillResult {
        func dict<V>(_ pairs: [(String, V)]) -> [String: V] {
            guard scrambled else { return Dictionary(pairs, uniquingKeysWith: { a, _ in a }) }
            var d = [String: V](minimumCapacity: 512)
            for (k, v) in pairs.reversed() { d[k] = v }
            return d
        }
        var samples: [DrillResult.CoverageSample] = []
        for quarter in 0...(hours * 4) {
            let h = Double(quarter) / 4
            let values = kecamatanNames.map { ($0.0, coverage($0.0, h)) }
            let overall = (values.map(\.1).reduce(0, +) / Double(values.count) * 1000).rounded() / 1000
            // Displaced from their own posts: what the coverage lost, and a fifth more that the plan served elsewhere.
            let displaced = values.filter { $0.1 < 1 }.map { ($0.0, min(1, ((1 - $0.1 + 0.2) * 1000).rounded() / 1000)) }
            let overallDisplaced = (displaced.map(\.1).reduce(0, +) / Double(values.count) * 1000).rounded() / 1000
            samples.append(.init(at: at(h), kecamatan: dict(values), overall: overall, displaced: dict(displaced), overallDisplaced: overallDisplaced))
        }

        let timeline: [DrillResult.TimelineEntry] = [
            .init(at: at(0), kind: "inject", text: "Skenario dimulai: hujan deras di hulu Sungai Bingai"),
            .init(at: at(0.25), kind: "inject", text: "Peringatan CAP BMKG: banjir, Kota Binjai, tingkat Siaga"),
            .init(at: at(0.5), kind: "inject", text: "Status darurat ditetapkan untuk Binjai Kota dan Binjai Selatan"),
            .init(at: at(0.55), kind: "alert", text: "Peringatan dikirim ke 13 lurah lewat SMS (kannel-utama)"),
            .init(at: at(0.75), kind: "plan", text: "Rencana layanan: 4 posyandu dialihkan ke posko pengungsian"),
            .init(at: at(1), kind: "ack", text: "Lurah Berngam mengonfirmasi peringatan"),
            .init(at: at(2), kind: "inject", text: "Laporan kader: posyandu Melati (Berngam) tergenang 60 cm"),
            .init(at: at(2.1), kind: "plan", text: "Rencana diperbarui: layanan imunisasi Berngam ke Satria"),
            .init(at: at(3), kind: "inject", text: "Gangguan gateway SMS kannel-utama selama 2 jam"),
            .init(at: at(3), kind: "outage", text: "Kanal sms:kannel-utama tidak tersedia; beralih ke sms:http-cadangan"),
            .init(at: at(4.5), kind: "deadline", text: "Tenggat konfirmasi lurah Setia terlewati"),
            .init(at: at(4.5), kind: "escalation", text: "Eskalasi ke camat Binjai Kota: lurah Setia belum konfirmasi"),
            .init(at: at(5), kind: "outage", text: "Kanal sms:kannel-utama pulih"),
            .init(at: at(8), kind: "inject", text: "Balasan kader Tanah Merah: \"posyandu tutup, kader mengungsi\""),
            .init(at: at(8.2), kind: "plan", text: "Rencana diperbarui: tim keliling Puskesmas ke Tanah Merah"),
            .init(at: at(12), kind: "escalation", text: "Eskalasi ke BPBD: Binjai Selatan di bawah 50% selama 5 jam"),
            .init(at: at(24), kind: "inject", text: "Listrik padam di Binjai Timur <2 jam> & genset posyandu Mencirim rusak"),
            .init(at: at(30), kind: "plan", text: "Binjai Selatan kembali di atas 80%"),
            .init(at: at(48), kind: "inject", text: "Air surut; posyandu Tanah Merah buka kembali"),
            .init(at: at(72), kind: "deadline", text: "Latihan berakhir"),
        ]

        let expectations: [DrillResult.ExpectationResult] = [
            .init(kind: "lurah_terinformasi", description: "Setiap lurah terdampak menerima peringatan dalam 15 menit",
                  actual: "13 dari 13 lurah, terlama 12 menit", passed: true, score: 100),
            .init(kind: "cakupan_pulih", description: "Cakupan setiap kecamatan kembali ≥ 80% dalam 24 jam",
                  actual: "Binjai Selatan baru pulih setelah 30 jam", passed: false, score: 40),
            .init(kind: "konfirmasi_tepat_waktu", description: "Sedikitnya 80% peringatan dikonfirmasi sebelum tenggat",
                  actual: "11 dari 13 (84,6%)", passed: true, score: 100),
        ]

        let messages = DrillResult.MessageStats(
            attemptsByChannel: dict([
                ("sms:kannel-utama", dict([("delivered", 40), ("retryable", 3)])),
                ("sms:http-cadangan", dict([("delivered", 5), ("failed", 1)])),
                ("webhook:posko-kota", dict([("delivered", 12)])),
            ]),
            byState: dict([("delivered", 46), ("failed", 1), ("acknowledged", 11)]),
            firstAlertMinutes: dict([
                // Keyed by recipient, as the drill runner keys them.
                ("lurah:12.75.02.1001", 4), ("lurah:12.75.02.1002", 4.5), ("lurah:12.75.02.1003", 12),
                ("lurah:12.75.05.1001", 6), ("lurah:12.75.05.1002", 6), ("lurah:12.75.05.1003", 7.25),
            ]),
            acknowledged: 11, needingAck: 13, escalations: 2)

        let events: [DrillResult.EventLine] = [
            .init(id: 1, at: at(0.5), kind: "emergency.declared", actor: "latihan", subject: "12.75.02"),
            .init(id: 2, at: at(0.55), kind: "alert.sent", actor: "posko", subject: "lurah/12.75.02.1001"),
            .init(id: 3, at: at(2), kind: "post.report", actor: "kader:0812xxxx", subject: "posyandu/melati"),
        ]

        return DrillResult(
            scenario: "Banjir Sungai Bingai 2026",
            scenarioFile: "Playbooks/latihan/banjir-bingai.yaml",
            start: start, end: at(Double(hours)), seed: 20261101,
            timeline: timeline, coverage: samples,
            worstCoverage: dict(kelurahan.map { ($0.0, $0.2) }),
            peakDisplaced: dict(peakDisplaced),
            kelurahanNames: dict(kelurahan.map { ($0.0, $0.1) }),
            kecamatanNames: dict(kecamatanNames),
            messages: messages, expectations: expectations,
            gaps: [
                "Kelurahan Berngam bidang pendidikan tidak terlayani 5 jam",
                "Kelurahan Tanah Merah bidang kesehatan ibu di bawah 50% selama 22 jam",
                "Lurah Setia tidak mengonfirmasi peringatan sebelum tenggat",
            ],
            strengths: [
                "Semua lurah terdampak menerima peringatan dalam 15 menit",
                "Kanal cadangan mengambil alih dalam 1 menit saat gateway SMS utama padam",
            ],
            score: 80, grade: "B", events: events)
    }
}
