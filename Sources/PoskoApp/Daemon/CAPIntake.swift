import Foundation
import PoskoAPI
import PoskoCore
import PoskoDelivery
import PoskoStorage
import Synchronization

/// CAP documents in: parse (edge), match areas to kelurahan (core), apply (coordinator).
/// The matcher is rebuilt when the playbooks change, since post locations stand in for
/// kelurahan without a boundary.
public final class CAPIntake: Sendable {
    let coordinator: Coordinator
    let boundaries: [GeoBoundary]
    let settings: CAPSettings
    private let cache = Mutex<(digest: String, matcher: AreaMatcher)?>(nil)

    public init(coordinator: Coordinator, boundaries: [GeoBoundary], settings: CAPSettings) {
        self.coordinator = coordinator
        self.boundaries = boundaries
        self.settings = settings
    }

    /// Reads the configured boundary file (GeoJSON FeatureCollection of kelurahan).
    static func loadBoundaries(_ path: String?) throws(StartupError) -> [GeoBoundary] {
        guard let path else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("cannot read cap.boundaries_file \(path)") }
        do {
            return try GeoJSONBoundaries.load(from: data)
        } catch {
            throw StartupError("cap.boundaries_file \(path) is not a usable GeoJSON boundary file: \(error)")
        }
    }

    func matcher() -> AreaMatcher {
        let set = coordinator.playbooks
        return cache.withLock { cache in
            if let cache, cache.digest == set.digest { return cache.matcher }
            var points: [String: [Coordinate]] = [:]
            for p in set.posts.sorted(by: { $0.id < $1.id }) { points[p.kelurahan, default: []].append(p.lokasi) }
            let m = AreaMatcher(table: set.wilayah, boundaries: boundaries, fallbackPoints: points)
            cache = (set.digest, m)
            return m
        }
    }

    public func ingest(_ data: Data, actor: Actor, at: Date) throws -> Coordinator.CAPOutcome {
        let alert: CAPAlert
        do {
            alert = try CAPParser.parse(data)
        } catch {
            throw APIError.badRequest("invalid CAP document: \(error.description)", field: "body")
        }
        return try coordinator.ingestCAP(alert, xml: String(decoding: data, as: UTF8.self), matches: matcher().match(alert),
                                         mapping: .bmkg, status: settings.openStatus, actor: actor, at: at)
    }

    public var publisher: CAPPublisher { CAPPublisher(sender: settings.sender, boundaries: boundaries) }
}
