import Foundation

/// Short Indonesian explanations for plan lines. Numbers use the Indonesian decimal comma
/// ("0,6 km"); everything is built from integers so the text is the same on every machine.
enum PlanText {
    /// Status codes used in index form.
    static let berjalan: UInt8 = 0, terganggu: UInt8 = 1, tutup: UInt8 = 2, tidakDiketahui: UInt8 = 3, none: UInt8 = 255

    static func statusCode(_ s: ServiceStatus) -> UInt8 {
        switch s {
        case .berjalan: berjalan
        case .terganggu: terganggu
        case .tutup: tutup
        case .tidakDiketahui: tidakDiketahui
        }
    }

    static func hazardMask(_ hazards: [Hazard]) -> UInt16 {
        var m: UInt16 = 0
        for h in hazards {
            if let i = Hazard.allCases.firstIndex(of: h) { m |= 1 << UInt16(i) }
        }
        return m
    }

    static let hazardLabels: [String] = Hazard.allCases.map(\.label)

    static func hazards(_ mask: UInt16) -> String {
        var names: [String] = []
        for (i, label) in hazardLabels.enumerated() where mask & (1 << UInt16(i)) != 0 { names.append(label) }
        switch names.count {
        case 0: return ""
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " dan " + (names.last ?? "")
        }
    }

    /// "0,6 km" from metres, rounded to 100 m.
    static func km(_ metres: Int) -> String {
        let tenths = (max(metres, 0) + 50) / 100
        return "\(tenths / 10),\(tenths % 10) km"
    }

    /// "3 km", "2,5 km" for a travel bound.
    static func bound(_ km: Double) -> String {
        let tenths = Int((km * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) km" : "\(tenths / 10),\(tenths % 10) km"
    }

    /// "Posyandu Melati (contoh) tutup (banjir)".
    static func source(_ name: String, status: UInt8, hazards mask: UInt16, capacity: Int) -> String {
        let h = hazards(mask)
        switch status {
        case tutup: return h.isEmpty ? "\(name) tutup" : "\(name) tutup (\(h))"
        case tidakDiketahui: return h.isEmpty ? "\(name) tidak melapor" : "\(name) tidak melapor (\(h))"
        case terganggu: return "\(name) terganggu (kapasitas tinggal \(capacity))"
        default: return name
        }
    }

    static func fallback(_ rank: Int) -> String {
        rank > 0 ? "cadangan #\(rank)" : "bukan cadangan"
    }

    static func assignment(source: String, target: String, rank: Int, metres: Int, spare: Int) -> String {
        "\(source); ke \(target), \(fallback(rank)), \(km(metres)), sisa kapasitas \(spare)"
    }

    static func pinned(source: String, target: String, overrideID: String, metres: Int, spare: Int) -> String {
        "\(source); ke \(target) sesuai penetapan operator (\(overrideID)), \(km(metres)), sisa kapasitas \(spare)"
    }

    static func unmet(source: String, _ why: String) -> String { "\(source); \(why)" }

    static func noPostInRange(_ bidang: Bidang, bound km: Double) -> String {
        "tidak ada pos berjalan dalam \(bound(km))"
    }

    static func allInHazard(_ mask: UInt16, bound km: Double) -> String {
        let h = hazards(mask)
        return "semua pos dalam jangkauan \(bound(km)) berada di wilayah bahaya \(h.isEmpty ? "bencana" : h)"
    }

    static func full(targets: Int, bound km: Double) -> String {
        targets > 0 ? "kapasitas pos sekitar penuh (\(targets) pos dalam \(bound(km)))" : "kapasitas pos sekitar penuh"
    }

    static func forbidden(_ ids: [String]) -> String {
        "pos dalam jangkauan dilarang operator (\(ids.joined(separator: ", ")))"
    }

    static let iterationLimit = "perhitungan dihentikan (batas iterasi)"

    static func solverFailed(_ message: String) -> String { "perhitungan gagal (\(message))" }
}
