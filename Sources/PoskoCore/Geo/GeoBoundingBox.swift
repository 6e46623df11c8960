import Foundation

/// An axis-aligned lat/lon box, used to discard far-away shapes before exact tests.
/// Posko's region (Indonesia, 95°E–141°E) never crosses the antimeridian, so boxes do not wrap.
public struct BoundingBox: Sendable, Hashable {
    public var minLat: Double
    public var minLon: Double
    public var maxLat: Double
    public var maxLon: Double

    public init(minLat: Double, minLon: Double, maxLat: Double, maxLon: Double) {
        self.minLat = minLat
        self.minLon = minLon
        self.maxLat = maxLat
        self.maxLon = maxLon
    }

    /// The smallest box holding every point; nil for no points.
    public init?<S: Sequence>(points: S) where S.Element == Coordinate {
        var iterator = points.makeIterator()
        guard let first = iterator.next() else { return nil }
        var box = BoundingBox(minLat: first.lat, minLon: first.lon, maxLat: first.lat, maxLon: first.lon)
        while let p = iterator.next() {
            box.minLat = Swift.min(box.minLat, p.lat)
            box.maxLat = Swift.max(box.maxLat, p.lat)
            box.minLon = Swift.min(box.minLon, p.lon)
            box.maxLon = Swift.max(box.maxLon, p.lon)
        }
        self = box
    }

    /// The box around a circle of `radiusKm` (slightly generous, never too small).
    public init(center: Coordinate, radiusKm: Double) {
        let dLat = radiusKm / Geo.kilometresPerDegreeLatitude
        let cosLat = cos(center.lat * .pi / 180)
        // Near the poles a longitude degree shrinks to nothing: cover all longitudes there.
        let dLon = cosLat > 1e-6 ? Swift.min(180, dLat / cosLat) : 180
        self.init(
            minLat: Swift.max(-90, center.lat - dLat), minLon: Swift.max(-180, center.lon - dLon),
            maxLat: Swift.min(90, center.lat + dLat), maxLon: Swift.min(180, center.lon + dLon)
        )
    }

    public func intersects(_ other: BoundingBox) -> Bool {
        minLat <= other.maxLat && other.minLat <= maxLat && minLon <= other.maxLon && other.minLon <= maxLon
    }

    public func contains(_ point: Coordinate) -> Bool {
        point.lat >= minLat && point.lat <= maxLat && point.lon >= minLon && point.lon <= maxLon
    }

    public func union(_ other: BoundingBox) -> BoundingBox {
        BoundingBox(
            minLat: Swift.min(minLat, other.minLat), minLon: Swift.min(minLon, other.minLon),
            maxLat: Swift.max(maxLat, other.maxLat), maxLon: Swift.max(maxLon, other.maxLon)
        )
    }
}
