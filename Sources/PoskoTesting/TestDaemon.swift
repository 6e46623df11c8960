import Foundation
import PoskoAPI
import PoskoApp
import PoskoCore
import PoskoStorage

/// Fixed tokens for tests, one per role.
public enum TestTokens {
    public static let viewer = "viewer-token-for-tests"
    public static let operator_ = "operator-token-for-tests"
    public static let admin = "admin-token-for-tests"

    public static var table: TokenTable {
        var t = TokenTable()
        t.add(token: viewer, name: "viewer-test", role: .viewer)
        t.add(token: operator_, name: "operator-test", role: .operator)
        t.add(token: admin, name: "admin-test", role: .admin)
        return t
    }
}

/// The sample Binjai playbooks, loaded once.
public enum SamplePlaybooks {
    public static let set: PlaybookSet = {
        let (set, _) = PlaybookFiles.load(paths: [RepoPaths.path("Playbooks")])
        return set ?? .empty
    }()

    /// The sample playbooks with `edit` applied to each file's text: a test's variation of them.
    public static func edited(_ edit: (String) -> String) throws -> PlaybookSet {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posko-playbooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = URL(fileURLWithPath: RepoPaths.path("Playbooks"))
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".yaml") {
            let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            try edit(text).write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let (set, diagnostics) = PlaybookFiles.load(paths: [dir.path])
        guard let set else { throw PlaybookEditError(diagnostics: diagnostics.map(\.description)) }
        return set
    }

    public struct PlaybookEditError: Error, CustomStringConvertible {
        public var diagnostics: [String]
        public var description: String { diagnostics.joined(separator: "\n") }
    }
}

/// API dependencies over an in-memory store with the sample playbooks and a movable clock.
public final class APIFixture: Sendable {
    public let coordinator: Coordinator
    public let metrics = PoskoMetrics()
    public let clock: ManualClock

    public init(playbooks: PlaybookSet = SamplePlaybooks.set, start: Date = Date(timeIntervalSince1970: 1_795_400_000),
                routing: AlertRouting = .none) throws {
        coordinator = Coordinator(store: try PoskoStore.inMemory(), playbooks: playbooks, routing: routing)
        clock = ManualClock(start)
    }

    /// CAP intake over the committed Binjai boundaries (Config/wilayah).
    public var capIntake: CAPIntake {
        let data = FileManager.default.contents(atPath: RepoPaths.path("Config/wilayah/binjai_boundaries.geojson")) ?? Data()
        return CAPIntake(coordinator: coordinator, boundaries: (try? GeoJSONBoundaries.load(from: data)) ?? [], settings: CAPSettings())
    }

    public func dependencies(reload: @escaping @Sendable (Actor) async -> Coordinator.ReloadOutcome = { _ in
        .init(accepted: false, digest: "", diagnostics: [])
    }, sms: SMSHandlers? = nil, drills: DrillControl? = nil) -> APIDependencies {
        let clock = self.clock
        let intake = capIntake
        return APIDependencies(coordinator: coordinator, tokens: TokenStore(TestTokens.table), metrics: metrics,
                               now: { clock.now }, reload: reload, maxBodyBytes: 64 * 1024,
                               ingestCAP: { data, actor in try intake.ingest(data, actor: actor, at: clock.now) },
                               capPublisher: intake.publisher, sms: sms, drills: drills)
    }
}

/// A clock a test moves by hand.
public final class ManualClock: Sendable {
    private let box: LockedBox<Date>
    public init(_ start: Date) { box = LockedBox(start) }
    public var now: Date { box.value }
    public func advance(_ seconds: Double) { box.mutate { $0 = $0.addingTimeInterval(seconds) } }
    public func set(_ date: Date) { box.mutate { $0 = date } }
}

public final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    public init(_ value: T) { _value = value }
    public var value: T { lock.withLock { _value } }
    public func mutate<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&_value) } }
}
