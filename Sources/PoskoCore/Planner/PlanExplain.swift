import Foundation

/// Short Indonesian explanations for plan lines. Numbers use the Indonesian decimal comma
/// ("0,6 km"); everything is built from integers so the text is the same on every machine.
public enum PlanText {
    /// Status codes used in index form.
    static let berjalan: UInt8 = 0, terganggu: UInt8 = 1, tutup: UInt8 = 2, tidakDiketahui: UInt8 = 3, none: UInt8 = 255

    /// A status as the solver sees it: a silent post is closed to it (no capacity either way);
    /// only the words of the lines differ, so a post going from one to the other is only
    /// relabelled (see `PlanRelabel`), not solved again.
    static func solveStatus(_ status: UInt8) -> UInt8 { status == tidakDiketahui ? tutup : status }

    /// Whether `a` and `b` differ in their words only.
    static func relabelled(_ a: UInt8, _ b: UInt8) -> Bool { a != b && solveStatus(a) == solveStatus(b) }

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

    /// "banjir", "banjir dan tanah longsor", "banjir, gempa bumi dan tanah longsor".
    static func hazards(_ mask: UInt16) -> String {
        PlanLine.build { $0.addHazards(mask) }
    }

    /// "0,6 km" from metres, rounded to 100 m.
    public static func km(_ metres: Int) -> String {
        PlanLine.build { $0.addKm(metres) }
    }

    /// "3 km", "2,5 km" for a travel bound.
    public static func bound(_ km: Double) -> String {
        PlanLine.build { $0.addBound(km) }
    }

    /// "Posyandu Melati (contoh) tutup (banjir)".
    static func source(_ name: String, status: UInt8, hazards mask: UInt16, capacity: Int) -> String {
        PlanLine.build { $0.addSource(name, status: status, hazards: mask, capacity: capacity) }
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

    /// A pin may send demand beyond the field's travel bound (the operator knows of transport
    /// the planner does not): its line says so.
    static func pinned(source: String, target: String, overrideID: String, metres: Int, spare: Int, bound: Double) -> String {
        let beyond = metres > Int((bound * 1000).rounded()) ? " (melebihi batas \(Self.bound(bound)))" : ""
        return "\(source); ke \(target) sesuai penetapan operator (\(overrideID)), \(km(metres))\(beyond), sisa kapasitas \(spare)"
    }

    /// A source's text, "; " and why its units stay unmet.
    static func unmet(_ name: String, status: UInt8, hazards mask: UInt16, capacity: Int, _ why: String) -> String {
        PlanLine.build { line in
            line.addSource(name, status: status, hazards: mask, capacity: capacity)
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
        PlanLine.build { line in
            line.add("kapasitas pos sekitar penuh")
            guard targets > 0 else { return }
            line.add(" (")
            line.add(targets)
            line.add(" pos dalam ")
            line.addBound(km)
            line.add(")")
        }
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

    /// Borrows the text's bytes where they are (a native or small string); a copy that
    /// `withUTF8` may mutate costs a retain and release per piece, ~10 pieces per line.
    mutating func add(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            var text = text
            text.withUTF8 { append($0) }
        }
    }

    mutating func add(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    mutating func add(_ number: Int) {
        withDecimalDigits(number) { append($0) }
    }

    /// "3 km", "2,5 km" for a travel bound.
    mutating func addBound(_ km: Double) {
        let tenths = Int((km * 10).rounded())
        add(tenths / 10)
        if tenths % 10 != 0 {
            add(",")
            add(tenths % 10)
        }
        add(" km")
    }

    /// See ``PlanText/hazards(_:)``.
    mutating func addHazards(_ mask: UInt16) {
        let count = mask.nonzeroBitCount
        var written = 0
        for (i, label) in PlanText.hazardLabels.enumerated() where mask & (1 << UInt16(i)) != 0 {
            if written > 0 { add(written == count - 1 ? " dan " : ", ") }
            add(label)
            written += 1
        }
    }

    /// See ``PlanText/source(_:status:hazards:capacity:)``.
    mutating func addSource(_ name: String, status: UInt8, hazards mask: UInt16, capacity: Int) {
        add(name)
        switch status {
        case PlanText.tutup, PlanText.tidakDiketahui:
            add(status == PlanText.tutup ? " tutup" : " tidak melapor")
            guard mask != 0 else { return }
            add(" (")
            addHazards(mask)
            add(")")
        case PlanText.terganggu:
            add(" terganggu (kapasitas tinggal ")
            add(capacity)
            add(")")
        default:
            return
        }
    }

    /// Why a cadre is free: "pos asal <home> tutup" or "… tidak melapor".
    mutating func addFreedHome(_ home: String, freedom: UInt8) {
        add("pos asal ")
        add(home)
        add(freedom == CadreFreedom.homeSilent ? " tidak melapor" : " tutup")
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
