import Foundation

/// A closed ring of positions (first == last). Built from an open ring, it is closed here,
/// so every edge loop below can walk `points[i] → points[i + 1]` without wrapping.
public struct GeoRing: Sendable, Equatable {
    public let points: [Coordinate]
    public let bounds: BoundingBox

    /// Nil when fewer than three distinct positions remain (no area to test against).
    public init?(_ points: [Coordinate]) {
        guard let first = points.first, let last = points.last, points.count >= 3 else { return nil }
        var closed = points
        if first != last { closed.append(first) }
        guard closed.count >= 4, let box = BoundingBox(points: closed) else { return nil }
        self.points = closed
        self.bounds = box
    }

    public var edgeCount: Int { points.count - 1 }
}

/// A polygon with an outer ring and optional holes, as in GeoJSON.
public struct GeoPolygon: Sendable, Equatable {
    public let outer: GeoRing
    public let holes: [GeoRing]

    public init(outer: GeoRing, holes: [GeoRing] = []) {
        self.outer = outer
        self.holes = holes
    }

    public var bounds: BoundingBox { outer.bounds }

    /// Inside the outer ring and not inside a hole.
    public func contains(_ point: Coordinate) -> Bool {
        guard Geo.contains(outer, point) else { return false }
        return !holes.contains { Geo.contains($0, point) }
    }
}

/// A CAP circle: a centre and a radius in kilometres (radius 0 is a point).
public struct GeoCircle: Sendable, Equatable {
    public var center: Coordinate
    public var radiusKm: Double

    public init(center: Coordinate, radiusKm: Double) {
        self.center = center
        self.radiusKm = radiusKm
    }

    public var bounds: BoundingBox { BoundingBox(center: center, radiusKm: radiusKm) }
}
