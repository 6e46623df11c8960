import Foundation

/// A WGS84 position in decimal degrees.
public struct Coordinate: Sendable, Hashable, Codable {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }

    public var isValid: Bool { (-90...90).contains(lat) && (-180...180).contains(lon) }

    /// Great-circle distance in kilometres (haversine, mean Earth radius).
    public func distanceKm(to other: Coordinate) -> Double {
        let r = 6371.0088
        let dLat = (other.lat - lat) * .pi / 180
        let dLon = (other.lon - lon) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2)
            + cos(lat * .pi / 180) * cos(other.lat * .pi / 180) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }
}
