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
        PlanLine.build { $0.addKm(metres) }
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
        PlanLine.build { line in
            line.add(source)
            line.add("; ke ")
            line.add(target)
            if rank > 0 {
                line.add(", cadangan #")
                line.add(rank)
            } else {
                line.add(", bukan cadangan")
            }
            line.add(", ")
            line.addKm(metres)
            line.add(", sisa kapasitas ")
            line.add(spare)
        }
    }

    static func pinned(source: String, target: String, overrideID: String, metres: Int, spare: Int) -> String {
        "\(source); ke \(target) sesuai penetapan operator (\(overrideID)), \(km(metres)), sisa kapasitas \(spare)"
    }

    static func unmet(source: String, _ why: String) -> String {
        PlanLine.build { line in
            line.add(source)
            line.add("; ")
            line.add(why)
        }
    }

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

/// One line of text built in a stack buffer and turned into a String once. A plan renders
/// ~10^5 explanations; string interpolation grows its buffer several times for each, which
/// was most of the cost of rendering. A line longer than the buffer carries on in a String.
struct PlanLine: ~Copyable {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private var spill: String?

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    static func build(_ body: (inout PlanLine) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 384) { buffer in
            guard let base = buffer.baseAddress else { return "" }
            var line = PlanLine(base: base, capacity: buffer.count)
            body(&line)
            return line.text
        }
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    mutating func add(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    mutating func add(_ number: Int) {
        withDecimalDigits(number) { append($0) }
    }

    /// "0,6 km" from metres, rounded to 100 m.
    mutating func addKm(_ metres: Int) {
        let tenths = (max(metres, 0) + 50) / 100
        add(tenths / 10)
        add(",")
        add(tenths % 10)
        add(" km")
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.isEmpty { return }
        if spill == nil, count + bytes.count <= capacity, let source = bytes.baseAddress {
            (base + count).update(from: source, count: bytes.count)
            count += bytes.count
            return
        }
        var text = spill ?? String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
        text += String(decoding: bytes, as: UTF8.self)
        spill = text
    }

    private var text: String {
        spill ?? String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }
}
