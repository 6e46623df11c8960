import Foundation
import Testing
@testable import PoskoCore

private func ring(_ pairs: [(Double, Double)]) throws -> GeoRing {
    try #require(GeoRing(pairs.map { Coordinate(lat: $0.0, lon: $0.1) }))
}

/// Square lat 3.60…3.62, lon 98.50…98.52 (open ring; GeoRing closes it).
private func square() throws -> GeoRing {
    try ring([(3.60, 98.50), (3.62, 98.50), (3.62, 98.52), (3.60, 98.52)])
}

@Suite("Geo algorithms")
struct GeoAlgorithmTests {
    @Test func haversineDistances() {
        // Reference values from an independent haversine (Python, R = 6371.0088 km).
        #expect(abs(Geo.distanceKm(Coordinate(lat: 3.595, lon: 98.672), Coordinate(lat: 3.600227, lon: 98.489219)) - 20.2926) < 0.001)
        #expect(abs(Geo.distanceKm(Coordinate(lat: 0, lon: 0), Coordinate(lat: 1, lon: 0)) - 111.1951) < 0.001)
        #expect(abs(Geo.distanceKm(Coordinate(lat: 51.5007, lon: -0.1246), Coordinate(lat: 40.6892, lon: -74.0445)) - 5574.848) < 0.01)
        #expect(Geo.distanceKm(Coordinate(lat: 3.6, lon: 98.5), Coordinate(lat: 3.6, lon: 98.5)) == 0)
    }

    @Test func ringIsClosedAndNeedsThreePoints() throws {
        let r = try square()
        #expect(r.points.count == 5)
        #expect(r.points.first == r.points.last)
        #expect(GeoRing([Coordinate(lat: 0, lon: 0), Coordinate(lat: 1, lon: 1)]) == nil)
    }

    @Test func pointInPolygon() throws {
        let s = try square()
        #expect(Geo.contains(s, Coordinate(lat: 3.61, lon: 98.51)))
        #expect(!Geo.contains(s, Coordinate(lat: 3.63, lon: 98.51)))
        #expect(!Geo.contains(s, Coordinate(lat: 3.61, lon: 98.49)))
        // A U shape: the notch is outside.
        let u = try ring([(0, 0), (3, 0), (3, 1), (1, 1), (1, 2), (3, 2), (3, 3), (0, 3)])
        #expect(Geo.contains(u, Coordinate(lat: 0.5, lon: 1.5)))
        #expect(!Geo.contains(u, Coordinate(lat: 2, lon: 1.5)))
        #expect(Geo.contains(u, Coordinate(lat: 2, lon: 2.5)))
        // A self-intersecting bow tie (BMKG publishes some): even–odd still answers.
        let bowTie = try ring([(0, 0), (2, 2), (0, 2), (2, 0)])
        #expect(Geo.contains(bowTie, Coordinate(lat: 1, lon: 0.2)))
        #expect(!Geo.contains(bowTie, Coordinate(lat: 0.2, lon: 1)))
    }

    @Test func polygonWithHole() throws {
        let outer = try ring([(0, 0), (0, 10), (10, 10), (10, 0)])
        let hole = try ring([(4, 4), (4, 6), (6, 6), (6, 4)])
        let donut = GeoPolygon(outer: outer, holes: [hole])
        #expect(donut.contains(Coordinate(lat: 1, lon: 1)))
        #expect(!donut.contains(Coordinate(lat: 5, lon: 5)))
        let inHole = try ring([(4.5, 4.5), (4.5, 5.5), (5.5, 5.5), (5.5, 4.5)])
        #expect(!Geo.intersects(inHole, donut))
        let acrossHoleEdge = try ring([(5, 5), (5, 7), (7, 7), (7, 5)])
        #expect(Geo.intersects(acrossHoleEdge, donut))
        #expect(Geo.intersects(GeoPolygon(outer: acrossHoleEdge), donut))
        #expect(!Geo.intersects(GeoPolygon(outer: inHole), donut))
    }

    @Test func polygonIntersection() throws {
        let s = try square()
        // Overlapping corner.
        #expect(Geo.intersects(s, try ring([(3.61, 98.51), (3.63, 98.51), (3.63, 98.53), (3.61, 98.53)])))
        // One inside the other, both ways.
        let inner = try ring([(3.605, 98.505), (3.615, 98.505), (3.615, 98.515), (3.605, 98.515)])
        #expect(Geo.intersects(s, inner))
        #expect(Geo.intersects(inner, s))
        // A plus sign: no vertex of either lies inside the other, only edges cross.
        let wide = try ring([(3.605, 98.49), (3.615, 98.49), (3.615, 98.53), (3.605, 98.53)])
        let tall = try ring([(3.59, 98.505), (3.63, 98.505), (3.63, 98.515), (3.59, 98.515)])
        #expect(!wide.points.contains { Geo.contains(tall, $0) })
        #expect(!tall.points.contains { Geo.contains(wide, $0) })
        #expect(Geo.intersects(wide, tall))
        // Overlapping boxes, disjoint shapes (two triangles facing away).
        let t1 = try ring([(0, 0), (0, 1), (1, 0)])
        let t2 = try ring([(1, 1), (0.6, 1), (1, 0.6)])
        #expect(t1.bounds.intersects(t2.bounds))
        #expect(!Geo.intersects(t1, t2))
        // Sharing an edge counts.
        #expect(Geo.intersects(s, try ring([(3.60, 98.52), (3.62, 98.52), (3.62, 98.54), (3.60, 98.54)])))
        // Far away.
        #expect(!Geo.intersects(s, try ring([(1, 97), (1.1, 97), (1.1, 97.1)])))
    }

    @Test func circleIntersection() throws {
        let s = GeoPolygon(outer: try square())
        let east = Coordinate(lat: 3.61, lon: 98.53)
        // Edge at lon 98.52 is 0.01° × cos(3.61°) × 111.195 km ≈ 1.1097 km from `east`.
        #expect(Geo.intersects(GeoCircle(center: east, radiusKm: 1.12), s))
        #expect(!Geo.intersects(GeoCircle(center: east, radiusKm: 1.10), s))
        // Centre inside, radius 0.
        #expect(Geo.intersects(GeoCircle(center: Coordinate(lat: 3.61, lon: 98.51), radiusKm: 0), s))
        // Polygon wholly inside a large circle.
        #expect(Geo.intersects(GeoCircle(center: Coordinate(lat: 3.61, lon: 98.51), radiusKm: 50), s))
        #expect(!Geo.intersects(GeoCircle(center: Coordinate(lat: 2.0, lon: 99.0), radiusKm: 10), s))
        #expect(Geo.contains(GeoCircle(center: east, radiusKm: 1.2), Coordinate(lat: 3.61, lon: 98.52)))
    }

    @Test func circleBoundingBoxCoversTheCircle() {
        let c = GeoCircle(center: Coordinate(lat: 3.6, lon: 98.5), radiusKm: 10)
        let box = c.bounds
        let north = Coordinate(lat: 3.6 + 10 / Geo.kilometresPerDegreeLatitude, lon: 98.5)
        #expect(box.contains(north))
        #expect(abs(Geo.distanceKm(c.center, Coordinate(lat: 3.6, lon: box.maxLon)) - 10) < 0.01)
        #expect(BoundingBox(center: Coordinate(lat: 90, lon: 0), radiusKm: 1).minLon == -180)
    }

    // MARK: - GeoJSON

    @Test func geoJSONPolygonMultiPolygonAndHoles() throws {
        let json = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"kode":"12.75.01.1001","nama":"Pahlawan","level":"kelurahan"},
               "geometry":{"type":"Polygon","coordinates":[[[98.50,3.60],[98.52,3.60],[98.52,3.62],[98.50,3.62],[98.50,3.60]],
                                                          [[98.505,3.605],[98.515,3.605],[98.515,3.615],[98.505,3.605]]]}},
              {"type":"Feature","properties":{"kode":1275,"nama":"Kota"},
               "geometry":{"type":"MultiPolygon","coordinates":[[[[98,3],[99,3],[99,4],[98,3]]],[[[100,1],[101,1],[101,2],[100,1]]]]}}
            ]}
            """
        let boundaries = try GeoJSONBoundaries.load(from: Data(json.utf8))
        #expect(boundaries.map(\.kode) == ["12.75.01.1001", "1275"])
        #expect(boundaries[0].polygons.count == 1)
        #expect(boundaries[0].polygons[0].holes.count == 1)
        #expect(boundaries[0].polygons[0].outer.points[1] == Coordinate(lat: 3.60, lon: 98.52))
        #expect(boundaries[1].polygons.count == 2)
        #expect(boundaries[1].bounds == BoundingBox(minLat: 1, minLon: 98, maxLat: 4, maxLon: 101))
    }

    @Test(arguments: [
        ("not json", "GeoJSON: not valid JSON"),
        ("{\"type\":\"Feature\",\"features\":[]}", "GeoJSON: expected type \"FeatureCollection\", found \"Feature\""),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{},\"geometry\":null}]}", "GeoJSON: feature 0 has no \"kode\" property"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"kode\":\"1\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}",
         "GeoJSON: feature 0 (1) has geometry type Point; only Polygon and MultiPolygon are supported"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"kode\":\"1\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[1,95],[2,3],[1,2]]]}}]}",
         "GeoJSON: feature 0 (1) polygon 0 ring 0 has an out-of-range position [1.0, 95.0]"),
        ("{\"type\":\"FeatureCollection\",\"features\":[{\"properties\":{\"kode\":\"1\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[1,3]]]}}]}",
         "GeoJSON: feature 0 (1) polygon 0 ring 0 has fewer than 4 positions"),
    ])
    func geoJSONErrors(json: String, expectedPrefix: String) {
        do {
            _ = try GeoJSONBoundaries.load(from: Data(json.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix(expectedPrefix), "\(error.description)")
        }
    }

    @Test(.enabled(if: CAPFixtures.runDataTests))
    func binjaiBoundariesLoad() throws {
        let boundaries = try CAPFixtures.binjaiBoundaries()
        #expect(boundaries.count == 37)
        #expect(Set(boundaries.map(\.kode)).count == 37)
        #expect(boundaries.allSatisfy { $0.polygons.count == 1 && $0.polygons[0].holes.isEmpty })
        // Published centroids lie inside their own kelurahan, except Setia's: its boundary is
        // concave and the centroid falls outside (same answer from an independent Python check).
        let rows = try CAPFixtures.binjaiRows().filter { $0.level == "kelurahan" }
        let byCode = Dictionary(uniqueKeysWithValues: boundaries.map { ($0.kode, $0) })
        var outside: [String] = []
        for row in rows {
            let boundary = try #require(byCode[row.kode])
            #expect(boundary.nama == row.nama)
            if !boundary.polygons[0].contains(Coordinate(lat: row.lat, lon: row.lon)) { outside.append(row.kode) }
        }
        #expect(outside == ["12.75.02.1003"])
    }
}
