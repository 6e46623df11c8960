import Foundation

/// The text forms of CAP geometry. The schema types them as plain strings, so the rules of
/// the CAP 1.2 specification (pairs "lat,lon" separated by spaces, at least 4 points, first
/// == last, WGS84 ranges; circle "lat,lon radius-km") are checked here.
public enum CAPGeometryText {
    public static func parsePolygon(_ text: String) throws(CAPError) -> [Coordinate] {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        var points: [Coordinate] = []
        points.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() {
            points.append(try parsePoint(token, what: "polygon point \(i + 1)"))
        }
        guard points.count >= 4 else {
            throw CAPError(.invalidGeometry, "polygon has \(points.count) point\(points.count == 1 ? "" : "s"); CAP requires at least 4 (a closed ring)")
        }
        if let first = points.first, let last = points.last, first != last {
            throw CAPError(.invalidGeometry, "polygon is not closed: first point \(format(first)) differs from last point \(format(last))")
        }
        return points
    }

    public static func parseCircle(_ text: String) throws(CAPError) -> GeoCircle {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        guard parts.count == 2 else {
            throw CAPError(.invalidGeometry, "circle \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\" is not \"lat,lon radius\"")
        }
        let center = try parsePoint(parts[0], what: "circle centre")
        guard let radius = Double(parts[1]), radius.isFinite, radius >= 0 else {
            throw CAPError(.invalidGeometry, "circle radius \"\(parts[1])\" is not a non-negative number of kilometres")
        }
        return GeoCircle(center: center, radiusKm: radius)
    }

    static func parsePoint(_ token: Substring, what: String) throws(CAPError) -> Coordinate {
        let pair = token.split(separator: ",", omittingEmptySubsequences: false)
        guard pair.count == 2, let lat = Double(pair[0]), let lon = Double(pair[1]) else {
            throw CAPError(.invalidGeometry, "\(what) \"\(token)\" is not \"lat,lon\"")
        }
        guard lat.isFinite, (-90...90).contains(lat) else {
            throw CAPError(.invalidGeometry, "\(what) latitude \(pair[0]) is out of range [-90, 90]")
        }
        guard lon.isFinite, (-180...180).contains(lon) else {
            throw CAPError(.invalidGeometry, "\(what) longitude \(pair[1]) is out of range [-180, 180]")
        }
        return Coordinate(lat: lat, lon: lon)
    }

    // MARK: - Writing

    /// "lat,lon lat,lon …", closing the ring when the caller left it open.
    public static func format(polygon: [Coordinate]) -> String {
        var ring = polygon
        if let first = ring.first, let last = ring.last, first != last { ring.append(first) }
        return ring.map(format).joined(separator: " ")
    }

    public static func format(circle: GeoCircle) -> String {
        "\(format(circle.center)) \(decimal(circle.radiusKm))"
    }

    public static func format(_ c: Coordinate) -> String { "\(decimal(c.lat)),\(decimal(c.lon))" }

    /// Shortest text that reads back to the same Double, never in exponent form
    /// (xs:decimal and most CAP readers do not accept `1e-05`).
    public static func decimal(_ value: Double) -> String {
        let s = "\(value)"
        guard s.contains("e") || s.contains("E") else { return s.hasSuffix(".0") ? String(s.dropLast(2)) : s }
        for digits in 1...17 {
            let candidate = String(format: "%.\(digits)f", value)
            if Double(candidate) == value { return trimZeros(candidate) }
        }
        return trimZeros(String(format: "%.17f", value))
    }

    private static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
