import Dispatch
import Foundation

/// All loaded playbooks, validated together and indexed. Immutable: a reload builds a new
/// set and swaps it in whole, so readers never see half a reload.
public struct PlaybookSet: Sendable {
    public let playbooks: [Playbook]
    public let wilayah: WilayahTable
    /// Content digest of the source files, shown by the API and recorded on reload.
    public let digest: String
    /// In playbook (kecamatan) then file order: the order of evaluation and of the planner.
    public let posts: PlaybookDirectory<Post>
    public let cadres: PlaybookDirectory<Cadre>
    /// Cadre id by E.164 number (the first cadre listed with it), for inbound SMS. Ids, not
    /// cadres: a province set has ~60,000 cadres, and a second table of them was ~17 MB.
    private let cadreByPhone: [String: String]

    public static let empty = PlaybookSet(playbooks: [], wilayah: .binjai, digest: "")

    public init(playbooks: [Playbook], wilayah: WilayahTable, digest: String) {
        let sorted = playbooks.sorted { $0.kecamatan < $1.kecamatan }
        self.playbooks = sorted
        self.wilayah = wilayah
        self.digest = digest
        let postCount = sorted.reduce(0) { $0 + $1.pos.count }, cadreCount = sorted.reduce(0) { $0 + $1.kader.count }
        var postList: [Post] = [], cadreList: [Cadre] = []
        postList.reserveCapacity(postCount)
        cadreList.reserveCapacity(cadreCount)
        var byPhone: [String: String] = .init(minimumCapacity: cadreCount)
        for pb in sorted {
            postList.append(contentsOf: pb.pos)
            cadreList.append(contentsOf: pb.kader)
            for c in pb.kader where byPhone[c.telepon] == nil { byPhone[c.telepon] = c.id }
        }
        self.posts = PlaybookDirectory(postList)
        self.cadres = PlaybookDirectory(cadreList)
        self.cadreByPhone = byPhone
    }

    /// The cadre registered with an E.164 number (the first listed when several share it).
    public func cadre(phone: String) -> Cadre? {
        cadreByPhone[phone].flatMap { cadres[$0] }
    }

    /// The cadres whose home is `post`, in playbook order.
    public func cadres(atPost post: String) -> [Cadre] {
        guard let kecamatan = posts[post]?.kecamatan, let pb = playbook(kecamatan: kecamatan) else { return [] }
        return pb.kader.filter { $0.pos == post }
    }

    public var kelurahanCodes: [String] {
        playbooks.flatMap { wilayah.kelurahan(in: $0.kecamatan).map(\.code) }
    }

    /// The playbook of a kecamatan (the first, were there two): a binary search, since the
    /// playbooks are sorted by kecamatan (every alert that escalates looks one up).
    public func playbook(kecamatan: String) -> Playbook? {
        var lo = 0, hi = playbooks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if playbooks[mid].kecamatan < kecamatan { lo = mid + 1 } else { hi = mid }
        }
        return lo < playbooks.count && playbooks[lo].kecamatan == kecamatan ? playbooks[lo] : nil
    }

    /// The kecamatan a wilayah code belongs to (itself for a kecamatan).
    public func kecamatan(of code: String) -> String? {
        guard let unit = wilayah[code] else { return nil }
        switch unit.level {
        case .kecamatan: return unit.code
        case .kelurahan, .desa: return unit.parent
        default: return nil
        }
    }

    /// Loads and validates files given as (path, bytes). Returns the set only when there
    /// is no error; diagnostics (errors and warnings) are returned either way.
    public static func load(
        files: [(path: String, data: Data)], wilayah: WilayahTable = .binjai, knownWebhooks: Set<String>? = nil
    ) -> (PlaybookSet?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var playbooks: [Playbook] = []
        var hasher = FNV1a64()
        let sorted = files.sorted(by: { $0.path < $1.path })
        // Files parse independently: use every core (a province has hundreds of playbooks).
        let results = ParallelMap.map(sorted) { PlaybookParser.parse($0.data, file: $0.path, wilayah: wilayah) }
        for ((path, data), (pb, diags)) in zip(sorted, results) {
            hasher.combine(path)
            hasher.combine(data)
            diagnostics += diags
            if let pb { playbooks.append(pb) }
        }
        if files.isEmpty {
            diagnostics.append(Diagnostic(.error, file: "(playbooks)", line: 1, column: 1, "no playbook files found"))
        }
        // The whole-set checks and the set's indexes are independent: while one core checks,
        // the other builds the set, which is kept only if no check fails.
        enum Part: Sendable { case checks([Diagnostic]), set(PlaybookSet) }
        let parsed = playbooks, digest = hasher.hex
        let parts = ParallelMap.map(diagnostics.hasErrors ? [0] : [0, 1]) { part -> Part in
            part == 0
                ? .checks(PlaybookValidator.validate(parsed, wilayah: wilayah, knownWebhooks: knownWebhooks))
                : .set(PlaybookSet(playbooks: parsed, wilayah: wilayah, digest: digest))
        }
        var set: PlaybookSet?
        for part in parts {
            switch part {
            case let .checks(found): diagnostics += found
            case let .set(built): set = built
            }
        }
        if diagnostics.hasErrors { set = nil }
        return (set, diagnostics.sortedForDisplay())
    }
}

extension Array where Element == Diagnostic {
    func sortedForDisplay() -> [Diagnostic] {
        enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.element.column, a.offset) < (b.element.file, b.element.line, b.element.column, b.offset)
        }.map(\.element)
    }
}

/// A small, stable content hash (FNV-1a, 64 bit) for change detection, not security.
public struct FNV1a64: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ data: Data) {
        data.withUnsafeBytes { combine($0) }
    }

    public mutating func combine(_ string: String) {
        var string = string
        string.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
    }

    private mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var s = state
        for byte in bytes {
            s ^= UInt64(byte)
            s = s &* 0x0000_0100_0000_01B3
        }
        state = s
    }

    public var hex: String {
        let s = String(state, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Order-preserving parallel map over independent, CPU-bound items.
enum ParallelMap {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
        guard items.count > 1 else { return items.map(transform) }
        var values = [R?](repeating: nil, count: items.count)
        values.withUnsafeMutableBufferPointer { buffer in
            // Each index is written by exactly one iteration, and read only after all have finished.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: items.count) { i in out[i] = transform(items[i]) }
        }
        return values.compactMap { $0 }
    }
}

/// Posts or cadres of a playbook set: each kept once, in playbook (kecamatan) then file
/// order, with its position by id (the first one when ids repeat, which validation rejects).
/// The continuity trackers and the planner's index share the list and the positions.
public struct PlaybookDirectory<Element: Identifiable & Sendable>: RandomAccessCollection, Sendable where Element.ID == String {
    public let list: [Element]
    /// Position in `list` by id.
    public let position: [String: Int32]

    init(_ list: [Element]) {
        self.list = list
        var position: [String: Int32] = .init(minimumCapacity: list.count)
        for (i, e) in list.enumerated() where position[e.id] == nil { position[e.id] = Int32(i) }
        self.position = position
    }

    public subscript(id: String) -> Element? {
        position[id].map { list[Int($0)] }
    }

    public var startIndex: Int { list.startIndex }
    public var endIndex: Int { list.endIndex }
    public subscript(i: Int) -> Element { list[i] }
}
