import Foundation

/// Plane geometry on lat/lon (x = lon, y = lat) plus great-circle distance.
/// Kelurahan and warning polygons span kilometres, not continents, so planar tests on degrees
/// give the same yes/no answers as spherical ones at this scale.
public enum Geo {
    /// IUGG mean Earth radius.
    public static let earthRadiusKm = 6371.0088
    public static let kilometresPerDegreeLatitude = earthRadiusKm * .pi / 180

    /// Great-circle distance (haversine), in kilometres.
    public static func distanceKm(_ a: Coordinate, _ b: Coordinate) -> Double { a.distanceKm(to: b) }

    /// Ray casting (even–odd). Works on self-intersecting rings too, which BMKG does publish.
    /// A point exactly on an edge may fall either way; callers that care also test edges.
    public static func contains(_ ring: GeoRing, _ point: Coordinate) -> Bool {
        guard ring.bounds.contains(point) else { return false }
        return ring.points.withUnsafeBufferPointer { pts in
            var inside = false
            let x = point.lon
            let y = point.lat
            var i = 0
            let n = pts.count - 1
            while i < n {
                let a = pts[i]
                let b = pts[i + 1]
                if (a.lat > y) != (b.lat > y) {
                    let xCross = a.lon + (y - a.lat) * (b.lon - a.lon) / (b.lat - a.lat)
                    if x < xCross { inside.toggle() }
                }
                i += 1
            }
            return inside
        }
    }

    /// True when the two rings share any area or boundary point: a vertex of one lies inside
    /// the other, or two edges cross (touching counts — a warning edge on a boundary is a hit).
    public static func intersects(_ a: GeoRing, _ b: GeoRing) -> Bool {
        guard a.bounds.intersects(b.bounds) else { return false }
        if a.points.contains(where: { contains(b, $0) }) { return true }
        if b.points.contains(where: { contains(a, $0) }) { return true }
        return edgesCross(a, b)
    }

    /// Ring against a polygon with holes: an edge crossing any of its rings, or containment
    /// either way. A ring lying wholly inside a hole does not intersect.
    public static func intersects(_ ring: GeoRing, _ polygon: GeoPolygon) -> Bool {
        guard ring.bounds.intersects(polygon.bounds) else { return false }
        if ring.points.contains(where: { polygon.contains($0) }) { return true }
        if polygon.outer.points.contains(where: { contains(ring, $0) }) { return true }
        if edgesCross(ring, polygon.outer) { return true }
        return polygon.holes.contains { edgesCross(ring, $0) }
    }

    /// Polygon against polygon, holes included: with no crossing edges, the shapes are either
    /// apart or one lies inside the other's area, which one vertex decides.
    public static func intersects(_ a: GeoPolygon, _ b: GeoPolygon) -> Bool {
        guard a.bounds.intersects(b.bounds) else { return false }
        let ringsA = [a.outer] + a.holes
        let ringsB = [b.outer] + b.holes
        for ra in ringsA where ringsB.contains(where: { edgesCross(ra, $0) }) { return true }
        if a.outer.points.contains(where: { b.contains($0) }) { return true }
        return b.outer.points.contains(where: { a.contains($0) })
    }

    /// Circle against polygon: the centre is inside, or some edge comes within the radius.
    /// Distances use an equirectangular projection centred on the circle — exact enough for
    /// radii of tens of kilometres, which is what hazard circles are.
    public static func intersects(_ circle: GeoCircle, _ polygon: GeoPolygon) -> Bool {
        guard circle.bounds.intersects(polygon.bounds) else { return false }
        if polygon.contains(circle.center) { return true }
        if ringWithin(polygon.outer, of: circle) { return true }
        return polygon.holes.contains { ringWithin($0, of: circle) }
    }

    public static func intersects(_ circle: GeoCircle, _ ring: GeoRing) -> Bool {
        intersects(circle, GeoPolygon(outer: ring))
    }

    /// Whether a point lies in the circle (great-circle distance).
    public static func contains(_ circle: GeoCircle, _ point: Coordinate) -> Bool {
        distanceKm(circle.center, point) <= circle.radiusKm
    }

    // MARK: - Internals

    /// Is any edge of `ring` within the circle's radius of its centre?
    private static func ringWithin(_ ring: GeoRing, of circle: GeoCircle) -> Bool {
        let kx = cos(circle.center.lat * .pi / 180) * kilometresPerDegreeLatitude
        let ky = kilometresPerDegreeLatitude
        let r2 = circle.radiusKm * circle.radiusKm
        return ring.points.withUnsafeBufferPointer { pts in
            var i = 0
            let n = pts.count - 1
            while i < n {
                let ax = (pts[i].lon - circle.center.lon) * kx
                let ay = (pts[i].lat - circle.center.lat) * ky
                let bx = (pts[i + 1].lon - circle.center.lon) * kx
                let by = (pts[i + 1].lat - circle.center.lat) * ky
                if squaredDistanceFromOrigin(ax, ay, bx, by) <= r2 { return true }
                i += 1
            }
            return false
        }
    }

    /// Squared distance from (0, 0) to the segment (ax, ay)–(bx, by).
    static func squaredDistanceFromOrigin(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Double {
        let dx = bx - ax
        let dy = by - ay
        let len2 = dx * dx + dy * dy
        var t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0
        t = Swift.max(0, Swift.min(1, t))
        let px = ax + t * dx
        let py = ay + t * dy
        return px * px + py * py
    }

    /// Any edge of `a` crossing or touching any edge of `b`.
    static func edgesCross(_ a: GeoRing, _ b: GeoRing) -> Bool {
        guard a.bounds.intersects(b.bounds) else { return false }
        let box = b.bounds
        return a.points.withUnsafeBufferPointer { pa in
            b.points.withUnsafeBufferPointer { pb in
                let na = pa.count - 1
                let nb = pb.count - 1
                var i = 0
                while i < na {
                    let p1 = pa[i]
                    let p2 = pa[i + 1]
                    i += 1
                    let eMinLon = Swift.min(p1.lon, p2.lon)
                    let eMaxLon = Swift.max(p1.lon, p2.lon)
                    let eMinLat = Swift.min(p1.lat, p2.lat)
                    let eMaxLat = Swift.max(p1.lat, p2.lat)
                    if eMaxLon < box.minLon || eMinLon > box.maxLon || eMaxLat < box.minLat || eMinLat > box.maxLat {
                        continue
                    }
                    var j = 0
                    while j < nb {
                        let q1 = pb[j]
                        let q2 = pb[j + 1]
                        j += 1
                        if Swift.max(q1.lon, q2.lon) < eMinLon || Swift.min(q1.lon, q2.lon) > eMaxLon
                            || Swift.max(q1.lat, q2.lat) < eMinLat || Swift.min(q1.lat, q2.lat) > eMaxLat {
                            continue
                        }
                        if segmentsIntersect(p1, p2, q1, q2) { return true }
                    }
                }
                return false
            }
        }
    }

    /// Closed-segment intersection (collinear overlap and touching endpoints count).
    static func segmentsIntersect(_ p1: Coordinate, _ p2: Coordinate, _ q1: Coordinate, _ q2: Coordinate) -> Bool {
        let o1 = orientation(p1, p2, q1)
        let o2 = orientation(p1, p2, q2)
        let o3 = orientation(q1, q2, p1)
        let o4 = orientation(q1, q2, p2)
        if o1 != o2 && o3 != o4 { return true }
        if o1 == 0 && onSegment(p1, p2, q1) { return true }
        if o2 == 0 && onSegment(p1, p2, q2) { return true }
        if o3 == 0 && onSegment(q1, q2, p1) { return true }
        if o4 == 0 && onSegment(q1, q2, p2) { return true }
        return false
    }

    private static func orientation(_ a: Coordinate, _ b: Coordinate, _ c: Coordinate) -> Int {
        let v = (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
        return v > 0 ? 1 : (v < 0 ? -1 : 0)
    }

    private static func onSegment(_ a: Coordinate, _ b: Coordinate, _ c: Coordinate) -> Bool {
        c.lon >= Swift.min(a.lon, b.lon) && c.lon <= Swift.max(a.lon, b.lon)
            && c.lat >= Swift.min(a.lat, b.lat) && c.lat <= Swift.max(a.lat, b.lat)
    }
}
