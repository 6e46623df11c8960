import Foundation

/// One administrative boundary read from a GeoJSON FeatureCollection (`properties.kode`,
/// `properties.nama`, Polygon or MultiPolygon geometry).
public struct GeoBoundary: Sendable, Equatable {
    /// Kemendagri code as written in the file, e.g. `12.75.01.1001`.
    public var kode: String
    public var nama: String
    public var polygons: [GeoPolygon]

    public init(kode: String, nama: String, polygons: [GeoPolygon]) {
        self.kode = kode
        self.nama = nama
        self.polygons = polygons
    }

    public var bounds: BoundingBox? {
        polygons.map(\.bounds).reduce(nil) { acc, box in acc.map { $0.union(box) } ?? box }
    }
}

public struct GeoJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "GeoJSON: \(message)" }
}

/// Reads kelurahan (or kecamatan) boundaries from GeoJSON bytes. The caller does the file I/O.
public enum GeoJSONBoundaries {
    public static func load(from data: Data) throws(GeoJSONError) -> [GeoBoundary] {
        let collection: FeatureCollection
        do {
            collection = try JSONDecoder().decode(FeatureCollection.self, from: data)
        } catch let error as GeoJSONError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw GeoJSONError("not valid JSON (\(context.debugDescription))")
        } catch {
            throw GeoJSONError("not a GeoJSON FeatureCollection (\(error))")
        }
        guard collection.type == "FeatureCollection" else {
            throw GeoJSONError("expected type \"FeatureCollection\", found \"\(collection.type)\"")
        }
        var result: [GeoBoundary] = []
        result.reserveCapacity(collection.features.count)
        for (index, feature) in collection.features.enumerated() {
            guard let kode = feature.properties?.kode, !kode.isEmpty else {
                throw GeoJSONError("feature \(index) has no \"kode\" property")
            }
            let label = "feature \(index) (\(kode))"
            guard let geometry = feature.geometry else {
                throw GeoJSONError("\(label) has no geometry")
            }
            let polygons: [[[[Double]]]]
            switch geometry.kind {
            case .polygon(let rings): polygons = [rings]
            case .multiPolygon(let list): polygons = list
            case .other(let type): throw GeoJSONError("\(label) has geometry type \(type); only Polygon and MultiPolygon are supported")
            }
            var built: [GeoPolygon] = []
            for (p, rings) in polygons.enumerated() {
                var geoRings: [GeoRing] = []
                for (r, positions) in rings.enumerated() {
                    var points: [Coordinate] = []
                    points.reserveCapacity(positions.count)
                    for position in positions {
                        guard position.count >= 2 else {
                            throw GeoJSONError("\(label) polygon \(p) ring \(r) has a position with fewer than 2 numbers")
                        }
                        // GeoJSON order is [lon, lat].
                        let c = Coordinate(lat: position[1], lon: position[0])
                        guard c.isValid else {
                            throw GeoJSONError("\(label) polygon \(p) ring \(r) has an out-of-range position [\(position[0]), \(position[1])]")
                        }
                        points.append(c)
                    }
                    guard let ring = GeoRing(points) else {
                        throw GeoJSONError("\(label) polygon \(p) ring \(r) has fewer than 4 positions")
                    }
                    geoRings.append(ring)
                }
                guard let outer = geoRings.first else {
                    throw GeoJSONError("\(label) polygon \(p) has no rings")
                }
                built.append(GeoPolygon(outer: outer, holes: Array(geoRings.dropFirst())))
            }
            result.append(GeoBoundary(kode: kode, nama: feature.properties?.nama ?? "", polygons: built))
        }
        return result
    }

    // MARK: - Decoding

    private struct FeatureCollection: Decodable {
        var type: String
        var features: [Feature]
    }

    private struct Feature: Decodable {
        var properties: Properties?
        var geometry: Geometry?
    }

    /// Lenient: a property of another JSON type (a numeric code) is read as text or ignored.
    private struct Properties: Decodable {
        var kode: String?
        var nama: String?

        private enum Keys: String, CodingKey { case kode, nama }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            kode = Self.text(c, .kode)
            nama = Self.text(c, .nama)
        }

        private static func text(_ c: KeyedDecodingContainer<Keys>, _ key: Keys) -> String? {
            if let s = try? c.decode(String.self, forKey: key) { return s }
            if let i = try? c.decode(Int.self, forKey: key) { return String(i) }
            return nil
        }
    }

    private struct Geometry: Decodable {
        enum Kind {
            case polygon([[[Double]]])
            case multiPolygon([[[[Double]]]])
            case other(String)
        }
        var kind: Kind

        private enum Keys: String, CodingKey { case type, coordinates }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let type = try c.decode(String.self, forKey: .type)
            switch type {
            case "Polygon": kind = .polygon(try c.decode([[[Double]]].self, forKey: .coordinates))
            case "MultiPolygon": kind = .multiPolygon(try c.decode([[[[Double]]]].self, forKey: .coordinates))
            default: kind = .other(type)
            }
        }
    }
}
