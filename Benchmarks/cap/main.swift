// Matching benchmark: the BMKG nowcast CSU20260924001 (150 polygons, 3072 points) against
// (1) Binjai's 37 kelurahan boundaries and (2) a generated province of 6,000 kelurahan laid
// over the same part of Sumatera Utara the alert covers.
//
//   Benchmarks/cap/run.sh [path/to/shared/data]     (builds this file against Sources/…/CAP and Geo)
//
// Targets (release build): Binjai < 5 ms per match, 6,000 kelurahan < 100 ms per match.
import Foundation
import PoskoCore
import PoskoDelivery

let dataDirectory = CommandLine.arguments.dropFirst().first
    ?? ProcessInfo.processInfo.environment["POSKO_SHARED_DATA"]
    ?? "../shared/data"

func load(_ path: String) -> Data {
    guard let data = FileManager.default.contents(atPath: "\(dataDirectory)/\(path)") else {
        print("missing \(dataDirectory)/\(path) — pass the shared data directory as the first argument")
        exit(2)
    }
    return data
}

/// Runs `body` `runs` times after a warm-up; returns (median, min) in milliseconds.
func measure(runs: Int, _ body: () -> Int) -> (median: Double, min: Double, result: Int) {
    var result = body()
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let elapsed = clock.measure { result = body() }
        times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
    }
    times.sort()
    return (times[times.count / 2], times[0], result)
}

func format(_ ms: Double) -> String { String(format: "%.3f ms", ms) }

// MARK: - Inputs

let alertData = load("bmkg/CSU20260924001_alert.xml")
let parse = measure(runs: 50) {
    (try? CAPParser.parse(alertData))?.infos.first?.areas.first?.polygons.count ?? -1
}
guard let alert = try? CAPParser.parse(alertData) else {
    print("could not parse the BMKG alert")
    exit(1)
}
print("parse CSU20260924001_alert.xml (\(alertData.count) bytes, \(parse.result) polygons): median \(format(parse.median)), min \(format(parse.min))")

// MARK: - Binjai

let boundaries: [GeoBoundary]
do {
    boundaries = try GeoJSONBoundaries.load(from: load("wilayah/binjai_boundaries.geojson"))
} catch {
    print("\(error)")
    exit(1)
}
let binjai = AreaMatcher(kelurahan: boundaries.map { b in
    let parts = b.kode.split(separator: ".")
    return AreaMatcher.Kelurahan(
        code: b.kode, name: b.nama, kecamatanCode: parts.prefix(3).joined(separator: "."), kecamatanName: "",
        boundary: b.polygons
    )
})
let binjaiRun = measure(runs: 200) { binjai.match(alert).count }
print("Binjai, 37 kelurahan: \(binjaiRun.result) matches; median \(format(binjaiRun.median)), min \(format(binjaiRun.min)) per match (target < 5 ms)")

// MARK: - Generated province

/// Deterministic pseudo-random numbers (64-bit LCG) so every run measures the same shapes.
struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// 6,000 kelurahan as irregular 40-vertex rings, one per cell of an 80 × 75 grid over
/// lat 1.0–4.3, lon 97.0–100.5; codes 12.KK.CC.1NNN (30 kota × 10 kecamatan × 20 kelurahan).
func generatedProvince(vertices: Int = 40) -> [AreaMatcher.Kelurahan] {
    var rng = LCG(state: 2026)
    let rows = 80, columns = 75
    let dLat = (4.3 - 1.0) / Double(rows)
    let dLon = (100.5 - 97.0) / Double(columns)
    var result: [AreaMatcher.Kelurahan] = []
    result.reserveCapacity(rows * columns)
    for i in 0..<(rows * columns) {
        let cLat = 1.0 + (Double(i / columns) + 0.5) * dLat
        let cLon = 97.0 + (Double(i % columns) + 0.5) * dLon
        var ring: [Coordinate] = []
        for v in 0..<vertices {
            let angle = Double(v) / Double(vertices) * 2 * .pi
            let r = 0.35 + 0.2 * rng.next()  // fraction of the cell, so neighbours nearly touch
            ring.append(Coordinate(lat: cLat + sin(angle) * r * dLat * 1.4, lon: cLon + cos(angle) * r * dLon * 1.4))
        }
        guard let geoRing = GeoRing(ring) else { continue }
        let kota = i / 200 + 1, kecamatan = i % 200 / 20 + 1, kelurahan = i % 20 + 1
        let kec = String(format: "12.%02d.%02d", kota, kecamatan)
        result.append(AreaMatcher.Kelurahan(
            code: String(format: "%@.1%03d", kec, kelurahan), name: "Kelurahan \(i)", kecamatanCode: kec,
            kecamatanName: "Kecamatan \(i / 20)", boundary: [GeoPolygon(outer: geoRing)]
        ))
    }
    return result
}

let province = generatedProvince()
let clock = ContinuousClock()
var provinceMatcher = AreaMatcher(kelurahan: [])
let build = clock.measure { provinceMatcher = AreaMatcher(kelurahan: province) }
print("generated province: \(province.count) kelurahan × 40 vertices; index built in \(build)")
let matcher = provinceMatcher
let provinceRun = measure(runs: 30) { matcher.match(alert).count }
print("province, \(province.count) kelurahan: \(provinceRun.result) matches; median \(format(provinceRun.median)), min \(format(provinceRun.min)) per match (target < 100 ms)")
let allRun = measure(runs: 30) { matcher.allMatches(alert).count }
print("province, every evidence (allMatches): \(allRun.result) rows; median \(format(allRun.median))")

// A 25 km circle and a kota geocode on the same province.
let circleArea = CAPArea(areaDesc: "gempa", circles: [GeoCircle(center: Coordinate(lat: 3.6, lon: 98.5), radiusKm: 25)])
let circleRun = measure(runs: 100) { matcher.match(areas: [circleArea]).count }
print("province, 25 km circle: \(circleRun.result) matches; median \(format(circleRun.median))")
let geocodeArea = CAPArea(areaDesc: "kota", geocodes: [.kemendagri("12.07")])
let geocodeRun = measure(runs: 100) { matcher.match(areas: [geocodeArea]).count }
print("province, kota geocode: \(geocodeRun.result) matches; median \(format(geocodeRun.median))")
